-- A neutralized copy must never call the production store.
UPDATE retail_backend SET woocommerce_store_url = NULL WHERE channel = 'woocommerce';
