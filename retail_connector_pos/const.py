"""Names shared by the point-of-sale addon."""

CHANNEL = "square"
SECRET_ACCESS_TOKEN = "square_access_token"
SECRET_SIGNATURE_KEY = "webhook_secret"

# Polled streams besides the orders' reconciliation (the base's "orders").
STREAM_CASH = "cash_shifts"
STREAM_PAYOUTS = "payouts"

SUBSCRIPTION_NAME = "Retail Connector"
DEFAULT_API_URL = "https://connect.squareup.com"

# Tender types of a receipt and the store's payment method for each.
TENDER_FIELDS = {
    "CASH": "pos_cash_method_id",
    "CARD": "pos_card_method_id",
    "OTHER": "pos_other_method_id",
}
