"""Square point of sale: webhook signatures and envelopes, money, API facts.

Pure functions: no Odoo, no network (see PROTOCOLS.md, "POS: Square style").
Square signs the notification URL followed by the raw body with a base64
HMAC-SHA256 in ``x-square-hmacsha256-signature``: the URL is the exact one
the subscription was made with, stored on the connection, never rebuilt
from the request. Every event has an ``event_id`` to deduplicate on. Money
is ``{amount: integer minor units, currency}`` (payouts write
``currency_code``), quantities are decimal strings ("1.70000").
"""

from collections.abc import Mapping
from decimal import Decimal

from odoo.addons.retail_connector_base.tools import canonical, inbound, signatures
from odoo.addons.retail_connector_base.tools.canonical import CanonicalError

# --- deliveries -------------------------------------------------------------------

SIGNATURE_HEADER = "x-square-hmacsha256-signature"
ENVIRONMENT_HEADER = "square-environment"
INITIAL_DELIVERY_HEADER = "square-initial-delivery-timestamp"
RETRY_NUMBER_HEADER = "square-retry-number"
# Square waits this long for a 2xx before it counts a delivery as failed.
ACKNOWLEDGE_WITHIN_SECONDS = 10
# Retries after 1, 2, 4, 8, 16, 32 minutes, then hourly up to 72 hours; a
# subscription without any 2xx for three weeks is disabled.
RETRY_MINUTES = (1, 2, 4, 8, 16, 32)
RETRY_HORIZON_HOURS = 72
DISABLED_AFTER_DAYS = 21
# An offline payment not uploaded within 24 hours of the sale is declined.
OFFLINE_UPLOAD_LIMIT_HOURS = 24

TEST_NOTIFICATION = "webhooks.test_notification"
PAYMENT_EVENTS = ("payment.created", "payment.updated")
REFUND_EVENTS = ("refund.created", "refund.updated")
ORDER_EVENTS = ("order.created", "order.updated")
INVENTORY_EVENTS = ("inventory.count.updated",)
PAYOUT_EVENTS = ("payout.sent", "payout.paid", "payout.failed")
# What the connector subscribes to. Sales made in the POS app fire no order
# event: they arrive as payment events naming their order.
EVENT_TYPES = (
    PAYMENT_EVENTS + REFUND_EVENTS + ORDER_EVENTS + INVENTORY_EVENTS + PAYOUT_EVENTS
)

# --- the API ----------------------------------------------------------------------

API_VERSION = "2025-08-20"
VERSION_HEADER = "Square-Version"
LOCATIONS_PATH = "/v2/locations"
ORDER_PATH = "/v2/orders/{order_id}"
ORDERS_BATCH_RETRIEVE_PATH = "/v2/orders/batch-retrieve"
ORDERS_SEARCH_PATH = "/v2/orders/search"
PAYMENTS_PATH = "/v2/payments"
PAYMENT_PATH = "/v2/payments/{payment_id}"
REFUND_PATH = "/v2/refunds/{refund_id}"
SHIFTS_PATH = "/v2/cash-drawers/shifts"
SHIFT_PATH = "/v2/cash-drawers/shifts/{shift_id}"
SHIFT_EVENTS_PATH = "/v2/cash-drawers/shifts/{shift_id}/events"
PAYOUTS_PATH = "/v2/payouts"
PAYOUT_PATH = "/v2/payouts/{payout_id}"
PAYOUT_ENTRIES_PATH = "/v2/payouts/{payout_id}/payout-entries"
INVENTORY_CHANGES_PATH = "/v2/inventory/changes/batch-create"
INVENTORY_COUNTS_PATH = "/v2/inventory/counts/batch-retrieve"
SUBSCRIPTIONS_PATH = "/v2/webhooks/subscriptions"
# Orders search: at most 10 locations per call, at most 1000 orders a page.
SEARCH_LOCATIONS_MAX = 10
SEARCH_LIMIT_MAX = 1000

ORDER_STATES = ("OPEN", "COMPLETED", "CANCELED", "DRAFT")
PAYMENT_STATUSES = ("APPROVED", "PENDING", "COMPLETED", "CANCELED", "FAILED")
REFUND_STATUSES = ("PENDING", "COMPLETED", "REJECTED", "FAILED")
SHIFT_STATES = ("OPEN", "ENDED", "CLOSED")
PAYOUT_STATUSES = ("SENT", "FAILED", "PAID")
LOCATION_STATUSES = ("ACTIVE", "INACTIVE")
# ``application_details.square_product`` of a sale taken at a store's till.
STORE_PRODUCT = "SQUARE_POS"

# --- currencies -------------------------------------------------------------------

# ISO 4217 currencies whose minor unit is not the cent (two decimals).
_EXPONENTS = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
_MAX_MINOR_UNITS = 10**canonical.MAX_INTEGER_DIGITS


def currency_exponent(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit: 0 for JPY, 2 for EUR."""
    return _EXPONENTS.get(currency, 2)


# --- signatures -------------------------------------------------------------------


def _url_bytes(notification_url):
    if not notification_url:
        raise signatures.SignatureError("no notification URL configured")
    if isinstance(notification_url, bytes):
        return notification_url
    return notification_url.encode("utf-8")


def expected_signature(
    key: str | bytes, notification_url: str | bytes, raw_body: bytes
) -> str:
    """The ``x-square-hmacsha256-signature`` of a delivery to ``notification_url``.

    base64(HMAC-SHA256(key, notification URL + raw body)). Raises
    ``signatures.SignatureError`` when no key or URL is configured.
    """
    return signatures.hmac_sha256_base64(key, _url_bytes(notification_url) + raw_body)


def check_signature(
    key, notification_url: str | bytes, raw_body: bytes, header: str | None
) -> None:
    """Verify ``header`` over URL + raw bytes in constant time.

    Raises ``signatures.SignatureError`` whose text is safe to answer with
    (missing key, URL or header; mismatch); never re-encodes the JSON.
    """
    signatures.verify_base64_hmac(key, _url_bytes(notification_url) + raw_body, header)


def verify_signature(
    key, notification_url: str | bytes, raw_body: bytes, header: str | None
) -> bool:
    """Whether ``header`` is Square's signature of this delivery."""
    try:
        check_signature(key, notification_url, raw_body, header)
    except signatures.SignatureError:
        return False
    return True


def signature_header(headers: Mapping) -> str | None:
    """The signature header of a header mapping, in any letter case."""
    value = headers.get(SIGNATURE_HEADER)
    if value is None:
        value = next(
            (item for key, item in headers.items() if key.lower() == SIGNATURE_HEADER),
            None,
        )
    return value


# --- envelopes --------------------------------------------------------------------


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def event_object(envelope: dict) -> dict:
    """``data.object`` of an event envelope ({} when absent)."""
    return _dict(_dict(envelope.get("data")).get("object"))


def _order_id_of(envelope: dict, topic: str) -> object:
    data = _dict(envelope.get("data"))
    obj = event_object(envelope)
    if topic.startswith("payment."):
        return _dict(obj.get("payment")).get("order_id")
    if topic.startswith("refund."):
        return _dict(obj.get("refund")).get("order_id")
    if topic.startswith("order."):
        # order_created, order_updated, order_fulfillment_updated: a summary.
        summary = _dict(obj.get(data.get("type"))) if data.get("type") else {}
        if not summary:
            summary = next(
                (item for item in obj.values() if isinstance(item, dict)), {}
            )
        return summary.get("order_id") or data.get("id")
    if topic.startswith("payout."):
        return _dict(obj.get("payout")).get("id") or data.get("id")
    if topic.startswith("inventory."):
        # Counts of several items and stores: no single id to show.
        return ""
    return data.get("id")


def event_from_body(raw_body: bytes) -> inbound.InboundEvent:
    """The ``InboundEvent`` of a verified delivery.

    ``topic`` is the event's ``type``, ``dedup_key`` its ``event_id``,
    ``occurred_at`` its ``created_at`` (naive UTC). ``external_id`` is the
    order the event concerns: ``payment.order_id`` / ``refund.order_id`` of
    payment and refund events (a refund names its return order), the
    summary's ``order_id`` of order events; the payout id of payout
    events; empty for inventory counts. ``webhooks.test_notification`` is a
    ping. Raises ``inbound.MalformedPayload`` for a body Square never sends.
    """
    envelope = inbound.load_json_object(raw_body)
    topic = envelope.get("type")
    if not isinstance(topic, str) or not topic.strip():
        raise inbound.MalformedPayload(
            "the body has no type: it is not a Square webhook event"
        )
    topic = topic.strip()
    if len(topic) > canonical.MAX_IDENTIFIER_LENGTH:
        raise inbound.MalformedPayload("the event type is too long")
    event_id = envelope.get("event_id")
    dedup_key = (
        inbound.storable_external_id(event_id) if isinstance(event_id, str) else ""
    )
    if not dedup_key.strip():
        raise inbound.MalformedPayload(
            "the body has no event_id: it is not a Square webhook event"
        )
    try:
        occurred_at = canonical.parse_datetime(envelope.get("created_at"), "created_at")
    except CanonicalError as exc:
        raise inbound.MalformedPayload(str(exc)) from exc
    return inbound.InboundEvent(
        topic=topic,
        dedup_key=dedup_key,
        external_id=inbound.storable_external_id(_order_id_of(envelope, topic)),
        occurred_at=occurred_at,
        is_ping=topic == TEST_NOTIFICATION,
    )


# --- values -----------------------------------------------------------------------


def _show(value):
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:40]) + "…"
    return repr(value)


def money(value, path: str = "money", *, currency: str = "") -> tuple[Decimal, str]:
    """``(amount, currency)`` of a Square money object.

    ``{"amount": 1250, "currency": "EUR"}`` (or ``currency_code``, as payouts
    write it) is ``(Decimal("12.50"), "EUR")``: the integer of minor units
    scaled by the currency's minor unit (JPY has none: 1250 is 1250 yen).
    Negative amounts (refunds, fees, net amounts) are kept. With
    ``currency``, a money object of another currency is refused. Raises
    CanonicalError naming ``path``.
    """
    if not isinstance(value, dict):
        if value is None:
            raise CanonicalError(path, "this amount is required")
        raise CanonicalError(path, f"expected a money object, got {_show(value)}")
    code = value.get("currency", value.get("currency_code"))
    if not isinstance(code, str) or not code:
        raise CanonicalError(f"{path}.currency", "this field is required")
    if (
        len(code) != 3
        or not code.isascii()
        or not code.isalpha()
        or code != code.upper()
    ):
        raise CanonicalError(
            f"{path}.currency", f"{_show(code)} is not a 3-letter ISO 4217 code"
        )
    if currency and code != currency:
        raise CanonicalError(
            f"{path}.currency", f"{code} differs from the currency {currency}"
        )
    minor = value.get("amount")
    if isinstance(minor, bool) or not isinstance(minor, int):
        if minor is None:
            raise CanonicalError(f"{path}.amount", "this field is required")
        raise CanonicalError(
            f"{path}.amount",
            f"{_show(minor)} is not a whole number of minor units (cents)",
        )
    if abs(minor) >= _MAX_MINOR_UNITS:
        raise CanonicalError(f"{path}.amount", "the amount is too large")
    return Decimal(minor).scaleb(-currency_exponent(code)), code


def amount(value, path: str, currency: str, *, required: bool = False) -> Decimal:
    """The amount of a money object in ``currency``; a missing one is zero."""
    if value is None and not required:
        return Decimal(0).scaleb(-currency_exponent(currency))
    return money(value, path, currency=currency)[0]


def decimal_quantity(value, path: str = "quantity") -> Decimal:
    """A Square quantity ("2", "1.70000") as a Decimal greater than zero."""
    if isinstance(value, float):
        raise CanonicalError(path, f"{_show(value)}: Square writes quantities as text")
    number = canonical.parse_decimal(value, path)
    if not number:
        raise CanonicalError(path, f"{_show(value)} must be greater than zero")
    return number


def is_store_sale(payment: dict) -> bool:
    """Whether a payment was taken at a store's till (the POS app)."""
    details = _dict(payment.get("application_details"))
    return details.get("square_product") == STORE_PRODUCT
