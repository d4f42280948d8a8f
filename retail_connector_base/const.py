"""Constants shared by the base addon and every channel addon."""

# Connection life cycle. A paused connection still stores inbound events; they
# are processed once it is resumed.
BACKEND_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("paused", "Paused"),
]

# Exchange life cycle. "received" is stored but not queued (paused connection),
# "queued" has a pending job, "done" produced its Odoo record (or had nothing to
# change), "failed" waits for a retry, "ignored" was dismissed by a person.
EXCHANGE_STATES = [
    ("received", "Received"),
    ("queued", "Queued"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("ignored", "Ignored"),
]
EXCHANGE_OPEN_STATES = ("received", "queued")

ERROR_CATEGORIES = [
    ("technical", "Technical"),
    ("business", "Business"),
]

DIRECTIONS = [
    ("inbound", "Inbound"),
    ("outbound", "Outbound"),
]

# What a channel can do. A connection's channel declares the features it
# supports (``retail.backend._channel_features``); jobs, buttons and views skip
# what it does not, and a hook it declares but does not implement raises
# ``ChannelFeatureMissing`` naming the feature.
FEATURE_WEBHOOKS = "webhooks"
FEATURE_ORDERS = "orders"
FEATURE_POLLING = "polling"
FEATURE_CONNECTION_TEST = "connection_test"
FEATURE_WEBHOOK_SUBSCRIPTION = "webhook_subscription"
FEATURE_STOCK_EXPORT = "stock_export"
FEATURE_PRICE_EXPORT = "price_export"
FEATURE_SHIPMENT_EXPORT = "shipment_export"
FEATURE_CANCEL_EXPORT = "cancel_export"
FEATURE_REFUND_EXPORT = "refund_export"
FEATURE_LOCATIONS = "locations"
FEATURE_CATALOG = "catalog"
# Returns arrive from the channel (a returns platform); see the returns addon.
FEATURE_RETURNS = "returns"
FEATURE_LABELS = {
    FEATURE_WEBHOOKS: "webhooks",
    FEATURE_ORDERS: "orders",
    FEATURE_POLLING: "polling",
    FEATURE_CONNECTION_TEST: "connection tests",
    FEATURE_WEBHOOK_SUBSCRIPTION: "webhook registration",
    FEATURE_STOCK_EXPORT: "stock pushes",
    FEATURE_PRICE_EXPORT: "price pushes",
    FEATURE_SHIPMENT_EXPORT: "shipments",
    FEATURE_CANCEL_EXPORT: "cancellations",
    FEATURE_REFUND_EXPORT: "refunds",
    FEATURE_LOCATIONS: "several locations",
    FEATURE_CATALOG: "catalog linking",
    FEATURE_RETURNS: "returns",
}

# Outcome of linking one channel product to an Odoo product by SKU.
CATALOG_STATES = [
    ("matched", "Linked"),
    ("unmatched", "No Odoo product"),
    ("no_sku", "No SKU on the channel"),
    ("ambiguous", "Several Odoo products"),
    ("conflict", "Product linked elsewhere"),
]

# Polled streams: the stream of channel orders every pollable channel has.
POLL_STREAM_ORDERS = "orders"
# Dedup-key prefix of the exchanges a poll stores.
POLL_DEDUP_PREFIX = "poll"
# The header an exchange stored by polling or reconciliation carries (its
# value: the source); webhook deliveries never have it.
POLLED_SOURCE_HEADER = "X-Retail-Source"

# Topics of the generic channel (canonical events signed like Stripe).
GENERIC_SIGNATURE_HEADER = "X-Retail-Signature"
GENERIC_SIGNATURE_TOLERANCE = 300
GENERIC_OUTBOUND_TOPICS = ("stock.updated", "order.shipped")

# queue_job channels (declared in data/queue_job_data.xml).
JOB_CHANNEL_INBOUND = "root.retail.inbound"
JOB_CHANNEL_OUTBOUND = "root.retail.outbound"
JOB_CHANNEL_BATCH = "root.retail.batch"

# Defaults of the connection settings.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_TOTAL_TOLERANCE = 0.01
DEFAULT_STOCK_EXPORT_DELAY = 5
DEFAULT_MAX_RETRIES = 8
DEFAULT_BREAKER_THRESHOLD = 5
DEFAULT_BREAKER_COOLDOWN = 60
DEFAULT_RATE_LIMIT = 5.0
DEFAULT_PURGE_DAYS = 30
STOCK_EXPORT_BATCH_SIZE = 100
# Retries of a connection's push job (stock, prices) before it fails. One job
# carries every pending binding of the connection, through a whole outage:
# calls the open circuit breaker refuses cost no retry, but each trial call
# of a half-open one that fails does (queue_job's default is 5).
PUSH_JOB_MAX_RETRIES = 12

# Headers worth keeping on an inbound exchange (after redaction).
STORED_HEADER_PREFIXES = ("x-", "content-type", "user-agent")

# Encryption key sources.
ENCRYPTION_KEY_OPTION = "retail_connector_encryption_key"
ENCRYPTION_KEY_ENV = "RETAIL_CONNECTOR_ENCRYPTION_KEY"

# Fields blanked by `odoo-bin neutralize`.
SENSITIVE_SECRET_NAMES = ("webhook_secret",)
