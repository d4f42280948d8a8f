"""What the marketplace's modules share: states, limits, defaults, error codes."""

from __future__ import annotations

from decimal import Decimal

API = "/api"
DEFAULT_API_KEY = "mirakl-sandbox-key"
DEFAULT_SHOP_ID = 2001
DEFAULT_SHOP_NAME = "Sandbox Shop"
ZERO = Decimal("0")

# Order states, in the order an order goes through them.
ORDER_STATES = (
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
    "SHIPPED",
    "TO_COLLECT",
    "RECEIVED",
    "CLOSED",
    "REFUSED",
    "CANCELED",
)
LINE_STATES = ORDER_STATES + ("INCIDENT_OPEN", "REFUNDED")
# States of an order whose customer has been debited (details visible).
DEBITED_STATES = ("SHIPPING", "SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED")
# States in which a line can still be refunded (OR28).
REFUNDABLE_STATES = DEBITED_STATES
REFUND_STATES = ("WAITING_REFUND", "WAITING_REFUND_PAYMENT", "REFUNDED")

# Error codes, in the ``code`` of the error body and at the start of its message.
ORDER_INVALID_STATE = "ORDER_INVALID_STATE"
ORDER_LINE_ACCEPTANCE_DECISION_MISSING = "ORDER_LINE_ACCEPTANCE_DECISION_MISSING"
ORDER_PARTIAL_ACCEPTANCE_DISABLED = "ORDER_PARTIAL_ACCEPTANCE_DISABLED"
ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
ORDER_LINE_NOT_FOUND = "ORDER_LINE_NOT_FOUND"
ORDER_TRACKING_MISSING = "ORDER_TRACKING_MISSING"
ORDER_CANNOT_BE_CANCELED = "ORDER_CANNOT_BE_CANCELED"
CARRIER_UNKNOWN = "CARRIER_UNKNOWN"
REFUND_AMOUNT_TOO_HIGH = "REFUND_AMOUNT_TOO_HIGH"
REFUND_TAXES_MISSING = "REFUND_TAXES_MISSING"

# Published maximum frequencies: operation -> ((calls, window seconds), ...).
LIMITS: dict[str, tuple[tuple[int, float], ...]] = {
    "OR11": ((1, 60.0),),
    "STO01": ((1, 60.0),),
    "TL02": ((20, 60.0), (60, 3600.0)),
    "IV01": ((1, 86400.0),),
}

ORDERS_MAX_PAGE = 100
ORDERS_DEFAULT_PAGE = 10
TRANSACTIONS_MAX_PAGE = 2000
TRANSACTIONS_DEFAULT_PAGE = 100
INVOICES_MAX_PAGE = 100
INVOICES_DEFAULT_PAGE = 10

STOCK_HEADER = ("offer-sku", "quantity", "warehouse-code", "update-delete")
IMPORT_STATES = ("WAITING", "RUNNING", "COMPLETE", "FAILED")

DEFAULT_CARRIERS = (
    {
        "code": "UPS",
        "label": "UPS",
        "tracking_url": "https://www.ups.com/track?tracknum={trackingId}",
    },
    {
        "code": "DHL",
        "label": "DHL",
        "tracking_url": "https://www.dhl.com/track?id={trackingId}",
    },
    {
        "code": "COLISSIMO",
        "label": "Colissimo",
        "tracking_url": "https://www.laposte.fr/outils/suivre-vos-envois?code={trackingId}",
    },
    {"code": "DPD", "label": "DPD", "tracking_url": ""},
)
DEFAULT_CHANNELS = (
    {"code": "INIT", "label": "Default channel"},
    {"code": "FR", "label": "France"},
)

# Transaction types a debit, a refund and a billing cycle write.
FEE_TYPES = ("COMMISSION_FEE", "SUBSCRIPTION_FEE", "REFUND_COMMISSION_FEE")
FEE_VAT_TYPES = ("COMMISSION_VAT", "SUBSCRIPTION_VAT", "REFUND_COMMISSION_VAT")
