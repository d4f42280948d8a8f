-- Blank the credentials and pause every connection of a neutralized database.
DELETE FROM retail_backend_secret;
UPDATE retail_backend SET state = 'paused' WHERE state = 'active';
UPDATE retail_backend SET outbound_url = NULL;
-- The mirror of the channels' webhook subscriptions describes production.
DELETE FROM retail_webhook_subscription;
