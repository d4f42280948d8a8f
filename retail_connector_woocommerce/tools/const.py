"""WooCommerce REST API (wc/v3) constants: paths, topics, limits, headers, statuses."""

API_NAMESPACE = "wc/v3"
# Appended to the store URL; every endpoint below is relative to it.
API_PATH = "/wp-json/wc/v3/"

# Auth modes of a connection. WooCommerce only looks at Basic and query-string
# credentials on HTTPS requests; a plain-HTTP store needs one-legged OAuth 1.0a.
AUTH_BASIC = "basic"
AUTH_QUERY = "query"
AUTH_OAUTH = "oauth"
AUTH_MODES = (AUTH_BASIC, AUTH_QUERY, AUTH_OAUTH)
OAUTH_SIGNATURE_METHODS = ("HMAC-SHA256", "HMAC-SHA1")
DEFAULT_OAUTH_SIGNATURE_METHOD = "HMAC-SHA256"
# WooCommerce rejects OAuth timestamps further than this from its clock.
OAUTH_TIMESTAMP_WINDOW = 15 * 60

# Topics the connector registers on the store. order.restored brings an order
# back from the trash with its full body; product.* keep catalog links fresh.
WEBHOOK_TOPICS = (
    "order.created",
    "order.updated",
    "order.deleted",
    "order.restored",
    "product.created",
    "product.updated",
    "product.deleted",
)
WEBHOOK_STATUSES = ("active", "paused", "disabled")
# A real store refuses delivery URLs on other ports ("A valid URL was not
# provided."), so Odoo must be published behind a proxy on one of these.
WEBHOOK_ALLOWED_PORTS = (80, 443, 8080)
WEBHOOK_NAME_PREFIX = "Retail Connector"

# Delivery headers, as the plugin sends them.
HEADER_SOURCE = "X-WC-Webhook-Source"
HEADER_TOPIC = "X-WC-Webhook-Topic"
HEADER_RESOURCE = "X-WC-Webhook-Resource"
HEADER_EVENT = "X-WC-Webhook-Event"
HEADER_SIGNATURE = "X-WC-Webhook-Signature"
HEADER_WEBHOOK_ID = "X-WC-Webhook-ID"
HEADER_DELIVERY_ID = "X-WC-Webhook-Delivery-ID"

# Pagination headers of collection endpoints.
HEADER_TOTAL = "X-WP-Total"
HEADER_TOTAL_PAGES = "X-WP-TotalPages"
HEADER_LINK = "Link"

# Collections accept per_page 1..100; batch endpoints refuse more than 100
# items (create + update + delete together) with a 413.
MAX_PER_PAGE = 100
BATCH_LIMIT = 100
# Safety bound on pages followed in one listing (100 x 100 = 10 000 orders).
MAX_PAGES = 10_000

# Order statuses a store can report. checkout-draft is never delivered by a
# webhook but may show up in listings.
ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
)

# Mapping target meaning "no state change of its own": the money that went
# back is carried by the order's refunds[] and becomes credit notes.
REFUND_HANDLING = "refunded"

# Default WooCommerce status -> canonical status mapping (the connection keeps
# an editable copy). Values are canonical statuses or REFUND_HANDLING.
DEFAULT_STATUS_MAPPING = {
    "pending": "pending",
    "on-hold": "pending",
    "processing": "confirmed",
    "completed": "completed",
    "cancelled": "cancelled",
    "failed": "cancelled",
    "refunded": REFUND_HANDLING,
    "trash": "cancelled",
}
# Canonical status given to an order whose WooCommerce status maps to
# REFUND_HANDLING: the sale stays confirmed, the refunds are applied on top.
REFUND_HANDLING_STATUS = "confirmed"

STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
BACKORDERS = ("no", "notify", "yes")
PRODUCT_TYPES = ("simple", "variable", "grouped", "external")

# Error codes the connector reacts to.
ERROR_AUTHENTICATION = "woocommerce_rest_authentication_error"
ERROR_CANNOT_VIEW = "woocommerce_rest_cannot_view"
ERROR_INVALID_ORDER = "woocommerce_rest_shop_order_invalid_id"
ERROR_INVALID_PRODUCT = "woocommerce_rest_product_invalid_id"
ERROR_BATCH_TOO_LARGE = "woocommerce_rest_request_entity_too_large"
ERROR_INVALID_REFUND = "woocommerce_rest_invalid_order_refund"
ERROR_CANNOT_CREATE_REFUND = "woocommerce_rest_cannot_create_order_refund"

# The official client's default; the connection may configure a larger one.
DEFAULT_TIMEOUT = (5, 30)
