-- A neutralized copy must never call the production marketplace.
UPDATE retail_backend SET mirakl_url = NULL WHERE channel = 'mirakl';
