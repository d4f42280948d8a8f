"""Canonical returns shared by every returns platform.

A returns platform (Loop and the like) tells the connector that a customer
sends goods back: which units of which order lines, why, and what the customer
gets instead (a refund, an exchange, store credit). Its mapper translates the
platform's payloads into these frozen dataclasses through the
``*_from_dict`` parsers, which validate like ``canonical.order_from_dict``:
amounts are Decimals in the return's currency, datetimes naive UTC, and any
wrong or missing value raises :class:`~.canonical.CanonicalError` with a
message a back-office user can act on, never any other exception.

States and outcomes are closed sets here although the platforms' are open:
the webhook accepts any value, and an unknown one becomes a failed exchange a
person reads ("… is not one of …") instead of a guess.
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal

from .canonical import (
    _CURRENCY_CODE,
    MAX_IDENTIFIER_LENGTH,
    MAX_NOTE_LENGTH,
    CanonicalError,
    _boolean,
    _describe,
    _identifier,
    _items,
    _jsonable,
    _object,
    _optional_decimal,
    _show,
    _text,
    parse_datetime,
)

RETURN_STATUSES = ("open", "review", "closed", "cancelled", "expired")
# A return in one of these states is over: it may have no line left.
FINAL_RETURN_STATUSES = ("closed", "cancelled", "expired")
RETURN_OUTCOMES = ("refund", "exchange", "credit")
# Informational: label statuses are kept as the platform sends them.
LABEL_STATUSES = (
    "pre_transit",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "error",
    "failure",
)

_ZERO = Decimal(0)


@dataclass(frozen=True)
class ReturnLine:
    """Units of one order line sent back, and what the customer gets for them.

    ``unit_price`` and ``discount`` (the amount off the whole line) are tax
    included when the return's ``prices_include_tax`` says so; ``tax`` is the
    line's tax amount. ``refund_amount`` is what the platform plans to refund
    for the line, None when it does not say.
    """

    external_id: str
    order_line_external_id: str
    sku: str
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = _ZERO
    tax: Decimal = _ZERO
    refund_amount: Decimal | None = None
    reason: str = ""
    reason_label: str = ""
    outcome: str = "refund"
    exchange_sku: str = ""
    exchange_variant_id: str = ""
    comment: str = ""
    returned_at: datetime | None = None
    discount: Decimal = _ZERO
    name: str = ""
    product_external_id: str = ""
    variant_external_id: str = ""


@dataclass(frozen=True)
class ReturnLabel:
    """A shipping label of a return; ``status`` as the platform words it."""

    carrier: str = ""
    tracking_number: str = ""
    url: str = ""
    status: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ChannelRefund:
    """Money the platform (or the storefront) gave back; ``amount`` positive."""

    gateway: str
    amount: Decimal
    currency: str
    external_id: str = ""


@dataclass(frozen=True)
class Return:
    """A return in its latest known state.

    ``order_external_id`` is the storefront's order id (the one the order
    was imported under), ``external_id`` the platform's return id.
    ``total_refund`` is what the platform refunds in all, ``exchange_total``
    the value of the exchanged items, ``credit_total`` the store credit;
    None when the platform does not say.
    """

    external_id: str
    order_external_id: str
    order_name: str
    status: str
    currency: str
    created_at: datetime | None
    updated_at: datetime | None
    customer_email: str
    customer_name: str
    lines: tuple[ReturnLine, ...]
    labels: tuple[ReturnLabel, ...] = ()
    refunds: tuple[ChannelRefund, ...] = ()
    total_refund: Decimal | None = None
    exchange_total: Decimal | None = None
    credit_total: Decimal | None = None
    note: str = ""
    prices_include_tax: bool = False

    def quantities_by_order_line(self) -> dict[str, Decimal]:
        """Returned quantity per order line id (SKU when the id is missing)."""
        quantities = {}
        for line in self.lines:
            key = line.order_line_external_id or line.sku
            quantities[key] = quantities.get(key, _ZERO) + line.quantity
        return quantities


@dataclass(frozen=True)
class LabelEvent:
    """A label created or updated for a return."""

    return_external_id: str
    order_external_id: str = ""
    carrier: str = ""
    tracking_number: str = ""
    status: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class RestockItem:
    """Put ``quantity`` units of a variant back on sale at a location."""

    quantity: Decimal
    location_id: str = ""
    variant_id: str = ""
    sku: str = ""


@dataclass(frozen=True)
class RestockRequest:
    """The platform asks to put returned units back in stock."""

    items: tuple[RestockItem, ...]
    return_external_id: str = ""


# --- scalar helpers -----------------------------------------------------------


def _amount(value, path) -> Decimal:
    """An amount that may be missing (zero) but never negative."""
    number = _optional_decimal(value, path)
    return _ZERO if number is None else number


def _positive(value, path, *, default=None) -> Decimal:
    if (value is None or value == "") and default is not None:
        return default
    number = _optional_decimal(value, path)
    if number is None:
        raise CanonicalError(path, "this field is required")
    if number <= 0:
        raise CanonicalError(path, f"{_show(value)} must be greater than zero")
    return number


def _currency(value, path, *, required=True, default=""):
    currency = _identifier(value, path, required=required and not default)
    if not currency:
        return default
    if not _CURRENCY_CODE.fullmatch(currency):
        raise CanonicalError(
            path,
            f"{_show(currency)} is not a 3-letter ISO 4217 code in capitals (e.g. EUR)",
        )
    return currency


def _one_of(value, path, known, what):
    text = _identifier(value, path, required=True)
    if text not in known:
        raise CanonicalError(
            path, f"{_show(text)} is not a known {what} (known: {', '.join(known)})"
        )
    return text


def _parse_list(data, key, parse_item, path_prefix=""):
    path = f"{path_prefix}{key}"
    return tuple(
        parse_item(item, f"{path}[{index}]")
        for index, item in enumerate(_items(data.get(key), path))
    )


def _root(data, what):
    if not isinstance(data, dict):
        raise CanonicalError("", f"{what} must be an object, got {_describe(data)}")
    return data


# --- parsers ------------------------------------------------------------------


def return_line_from_dict(data, path="line") -> ReturnLine:
    """Validate one return line; ``path`` prefixes the error locations."""
    data = _object(data, path, required=True)
    order_line = _identifier(
        data.get("order_line_external_id"), f"{path}.order_line_external_id"
    )
    sku = _identifier(data.get("sku"), f"{path}.sku")
    if not order_line and not sku:
        raise CanonicalError(
            f"{path}.order_line_external_id",
            "a return line needs the order line id or a SKU to find the product",
        )
    outcome = _one_of(
        data.get("outcome") or "refund", f"{path}.outcome", RETURN_OUTCOMES, "outcome"
    )
    return ReturnLine(
        external_id=_identifier(
            data.get("external_id"), f"{path}.external_id", required=True
        ),
        order_line_external_id=order_line,
        sku=sku,
        quantity=_positive(data.get("quantity"), f"{path}.quantity", default=1),
        unit_price=_amount(data.get("unit_price"), f"{path}.unit_price"),
        discount=_amount(data.get("discount"), f"{path}.discount"),
        tax=_amount(data.get("tax"), f"{path}.tax"),
        refund_amount=_optional_decimal(
            data.get("refund_amount"), f"{path}.refund_amount"
        ),
        reason=_identifier(data.get("reason"), f"{path}.reason"),
        reason_label=_text(data.get("reason_label"), f"{path}.reason_label"),
        outcome=outcome,
        exchange_sku=_identifier(data.get("exchange_sku"), f"{path}.exchange_sku"),
        exchange_variant_id=_identifier(
            data.get("exchange_variant_id"), f"{path}.exchange_variant_id"
        ),
        comment=_text(data.get("comment"), f"{path}.comment"),
        returned_at=parse_datetime(data.get("returned_at"), f"{path}.returned_at"),
        name=_text(data.get("name"), f"{path}.name"),
        product_external_id=_identifier(
            data.get("product_external_id"), f"{path}.product_external_id"
        ),
        variant_external_id=_identifier(
            data.get("variant_external_id"), f"{path}.variant_external_id"
        ),
    )


def return_label_from_dict(data, path="label") -> ReturnLabel:
    """Validate one label of a return."""
    data = _object(data, path, required=True)
    return ReturnLabel(
        carrier=_text(data.get("carrier"), f"{path}.carrier"),
        tracking_number=_identifier(
            data.get("tracking_number"), f"{path}.tracking_number"
        ),
        url=_text(data.get("url"), f"{path}.url"),
        status=_identifier(data.get("status"), f"{path}.status"),
        updated_at=parse_datetime(data.get("updated_at"), f"{path}.updated_at"),
    )


def channel_refund_from_dict(data, path="refund", currency="") -> ChannelRefund:
    """Validate one refund the platform made; ``currency`` is the default."""
    data = _object(data, path, required=True)
    return ChannelRefund(
        gateway=_text(
            data.get("gateway"), f"{path}.gateway", max_length=MAX_IDENTIFIER_LENGTH
        ),
        amount=_positive(data.get("amount"), f"{path}.amount"),
        currency=_currency(data.get("currency"), f"{path}.currency", default=currency),
        external_id=_identifier(data.get("external_id"), f"{path}.external_id"),
    )


def return_from_dict(data: dict) -> Return:
    """Validate a return in the canonical dict form into a Return.

    Unknown keys are ignored. Raises CanonicalError naming the first wrong or
    missing field.
    """
    data = _root(data, "a return")
    external_id = _identifier(data.get("external_id"), "external_id", required=True)
    order_external_id = _identifier(data.get("order_external_id"), "order_external_id")
    if not order_external_id:
        raise CanonicalError(
            "order_external_id",
            "this field is required: without the storefront's order id the "
            "return cannot be matched to its order",
        )
    status = _one_of(data.get("status"), "status", RETURN_STATUSES, "return status")
    currency = _currency(data.get("currency"), "currency")
    lines = _parse_list(data, "lines", return_line_from_dict)
    if not lines and status not in FINAL_RETURN_STATUSES:
        raise CanonicalError("lines", "an open return needs at least one line")
    return Return(
        external_id=external_id,
        order_external_id=order_external_id,
        order_name=_text(
            data.get("order_name"), "order_name", max_length=MAX_IDENTIFIER_LENGTH
        ),
        status=status,
        currency=currency,
        created_at=parse_datetime(data.get("created_at"), "created_at"),
        updated_at=parse_datetime(data.get("updated_at"), "updated_at"),
        customer_email=_text(data.get("customer_email"), "customer_email"),
        customer_name=_text(data.get("customer_name"), "customer_name"),
        lines=lines,
        labels=_parse_list(data, "labels", return_label_from_dict),
        refunds=_parse_list(
            data,
            "refunds",
            lambda item, path: channel_refund_from_dict(item, path, currency),
        ),
        total_refund=_optional_decimal(data.get("total_refund"), "total_refund"),
        exchange_total=_optional_decimal(data.get("exchange_total"), "exchange_total"),
        credit_total=_optional_decimal(data.get("credit_total"), "credit_total"),
        prices_include_tax=_boolean(
            data.get("prices_include_tax"), "prices_include_tax"
        ),
        note=_text(data.get("note"), "note", max_length=MAX_NOTE_LENGTH, strip=False),
    )


def label_event_from_dict(data: dict) -> LabelEvent:
    """Validate a label creation or update."""
    data = _root(data, "a label event")
    return LabelEvent(
        return_external_id=_identifier(
            data.get("return_external_id"), "return_external_id", required=True
        ),
        order_external_id=_identifier(
            data.get("order_external_id"), "order_external_id"
        ),
        carrier=_text(data.get("carrier"), "carrier"),
        tracking_number=_identifier(data.get("tracking_number"), "tracking_number"),
        status=_identifier(data.get("status"), "status"),
        updated_at=parse_datetime(data.get("updated_at"), "updated_at"),
    )


def restock_item_from_dict(data, path="item") -> RestockItem:
    """Validate one restock item; it needs a variant id or a SKU."""
    data = _object(data, path, required=True)
    variant_id = _identifier(data.get("variant_id"), f"{path}.variant_id")
    sku = _identifier(data.get("sku"), f"{path}.sku")
    if not variant_id and not sku:
        raise CanonicalError(
            f"{path}.variant_id",
            "a restock item needs the variant id or a SKU to find the product",
        )
    return RestockItem(
        quantity=_positive(data.get("quantity"), f"{path}.quantity"),
        location_id=_identifier(data.get("location_id"), f"{path}.location_id"),
        variant_id=variant_id,
        sku=sku,
    )


def restock_request_from_dict(data: dict) -> RestockRequest:
    """Validate a restock request; it needs at least one item."""
    data = _root(data, "a restock request")
    items = _parse_list(data, "items", restock_item_from_dict)
    if not items:
        raise CanonicalError("items", "a restock request needs at least one item")
    return RestockRequest(
        items=items,
        return_external_id=_identifier(
            data.get("return_external_id"), "return_external_id"
        ),
    )


# --- serialisation ------------------------------------------------------------


def return_to_dict(value: Return) -> dict:
    """The canonical dict form: ``return_from_dict(return_to_dict(r)) == r``."""
    return _jsonable(asdict(value))


def label_event_to_dict(value: LabelEvent) -> dict:
    """The canonical dict form of a label event (round-trips)."""
    return _jsonable(asdict(value))


def restock_request_to_dict(value: RestockRequest) -> dict:
    """The canonical dict form of a restock request (round-trips)."""
    return _jsonable(asdict(value))
