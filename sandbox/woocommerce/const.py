"""The store's version, limits and fixed vocabularies."""

from __future__ import annotations

from decimal import Decimal

WC_VERSION = "8.9.1"
WP_VERSION = "6.5.3"
HOOKSHOT_USER_AGENT = f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})"
API = "/wp-json/wc/v3"
BATCH_LIMIT = 100
MAX_PER_PAGE = 100
MAX_DELIVERY_FAILURES = 5
OAUTH_WINDOW = 15 * 60
PING_TIMEOUT = 5.0
ALLOWED_DELIVERY_PORTS = (80, 443, 8080)
DEFAULT_CONSUMER_KEY = "ck_" + "5a9d2c7e1f3b4a6c8e0d2f4b6a8c0e2d4f6a8b0c"
DEFAULT_CONSUMER_SECRET = "cs_" + "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"

ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
# Statuses in which the order holds stock (WooCommerce reduces it on payment
# or on hold, and gives it back on cancellation).
STOCK_HOLDING = ("processing", "on-hold", "completed")
WEBHOOK_RESOURCES = ("coupon", "customer", "order", "product")
WEBHOOK_EVENTS = ("created", "updated", "deleted", "restored")
REFUNDING_GATEWAYS = ("stripe", "ppcp-gateway", "woocommerce_payments")
ZERO = Decimal(0)
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
