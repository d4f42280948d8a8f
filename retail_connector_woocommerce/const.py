"""Constants of the WooCommerce addon's Odoo layer.

The WooCommerce API facts (paths, topics, limits, statuses) are in
``tools/const.py``; this file holds what the connection and its jobs add.
"""

from .tools import const as api

CHANNEL = "woocommerce"

# Names under which the connection's credentials are stored encrypted.
SECRET_CONSUMER_KEY = "woocommerce_consumer_key"
SECRET_CONSUMER_SECRET = "woocommerce_consumer_secret"

AUTH_MODES = [
    (api.AUTH_BASIC, "HTTP Basic (HTTPS stores)"),
    (api.AUTH_QUERY, "Keys in the query string (HTTPS stores)"),
    (api.AUTH_OAUTH, "OAuth 1.0a (plain-HTTP stores)"),
]

# What a WooCommerce status can mean in Odoo (canonical statuses, plus the
# refund handling of tools/const.py).
STATUS_TARGETS = [
    ("pending", "Quotation"),
    ("confirmed", "Confirmed order"),
    ("completed", "Confirmed order (already completed)"),
    ("cancelled", "Cancelled"),
    (api.REFUND_HANDLING, "Refund handling (order stays confirmed)"),
]

# Defaults seeded on every new connection. A completed store order is a
# confirmed sale in Odoo: Odoo's own delivery decides when it is fulfilled.
DEFAULT_STATUS_MAPPING = dict(api.DEFAULT_STATUS_MAPPING, completed="confirmed")

WEBHOOK_STATUSES = [
    ("active", "Active"),
    ("paused", "Paused"),
    ("disabled", "Disabled"),
]

# Statuses whose orders are never imported: drafts of an unfinished checkout.
SKIPPED_ORDER_STATUSES = ("checkout-draft",)
# Store statuses in which cancelling again would change nothing.
FINAL_ORDER_STATUSES = ("cancelled", "refunded", "failed", "trash")
