"""Loop's vocabularies, defaults and retry policy."""

from __future__ import annotations

API = "/api/v1"
DEFAULT_API_KEY = "loop_" + "3f9a1c7d5e2b4f6a8c0e1d3b5a7f9c2e"
DEFAULT_WEBHOOK_SECRET = "whsec_loop_" + "8b2d4f6a0c1e3a5b7d9f2c4e6a8b0d1f"
DEFAULT_SHOP_ID = 4321

# topic -> the triggers it may be subscribed with (one subscription per pair).
TRIGGERS: dict[str, tuple[str, ...]] = {
    "return": ("return.created", "return.updated", "return.closed"),
    "label": ("label.created", "label.updated"),
    "restock": ("restock.requested",),
    "giftcard": ("giftcard.requested",),
    "label.request": ("label.request.issued", "label.request.cancelled"),
}
TOPICS = tuple(TRIGGERS)
SUBSCRIPTION_STATUSES = ("active", "inactive")

RETURN_STATES = ("open", "needs review", "review", "closed", "cancelled", "expired")
FINAL_STATES = ("closed", "cancelled", "expired")
LABEL_STATUSES = (
    "N/A",
    "pre_transit",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "error",
    "failure",
)
# The way a parcel normally goes; `label_progress` without a status steps on.
LABEL_PATH = ("pre_transit", "in_transit", "out_for_delivery", "delivered")
REFUND_OUTCOMES = ("refund", "default")
CREDIT_OUTCOMES = ("credit",)
EXCHANGE_OUTCOMES = ("exchange",)
RETURN_REASONS = (
    "Too small",
    "Too large",
    "Damaged",
    "Not as described",
    "Changed my mind",
)
CARRIERS = ("USPS", "UPS", "DHL", "FedEx")

# Delivery policy: six attempts, exponential backoff from RETRY_BASE seconds
# with jitter, Retry-After honoured up to 30 minutes, a subscription set
# inactive after more than MAX_CONSECUTIVE_FAILURES failed attempts in a row.
MAX_ATTEMPTS = 6
RETRY_BASE = 30.0
RETRY_JITTER = 0.2
RETRY_AFTER_LIMIT = 30 * 60
MAX_CONSECUTIVE_FAILURES = 10
USER_AGENT = "GuzzleHttp/7"
SIGNATURE_HEADER = "X-Loop-Signature"
