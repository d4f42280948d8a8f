"""Canonical retail model shared by every channel.

Channel mappers translate their payloads into these frozen dataclasses and the
processors apply them to Odoo, so neither side knows the other. Amounts are
Decimals in the order's currency and datetimes are naive UTC (Odoo's
convention). Everything coming from outside goes through the ``*_from_dict``
parsers, which raise :class:`CanonicalError` with a message a back-office user
can act on, and never any other exception.
"""

import math
import re
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal

ORDER_STATUSES = ("pending", "confirmed", "completed", "cancelled")
GENERIC_TOPICS = ("order.created", "order.updated", "order.cancelled")

# Odoo stores monetary values as floats: beyond 15 integer digits they no
# longer round-trip, so such values are rejected rather than silently mangled.
MAX_INTEGER_DIGITS = 15
MAX_DECIMAL_PLACES = 40
MAX_IDENTIFIER_LENGTH = 255
MAX_TEXT_LENGTH = 4096
MAX_NOTE_LENGTH = 65536
_MAX_NUMBER_TEXT_LENGTH = 64
_MAX_DATETIME_TEXT_LENGTH = 64
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


class CanonicalError(ValueError):
    """A value that cannot enter the canonical model.

    ``path`` locates the value (``lines[0].quantity``) and ``message`` says what
    is wrong with it; ``str()`` joins both for display. ``cause_kind`` and
    ``cause_value`` optionally name a cause a guided fix can repair (a status
    without mapping: ``unknown_status`` / ``on-hold``).
    """

    def __init__(self, path, message, cause_kind=None, cause_value=None):
        self.path = path
        self.message = message
        self.cause_kind = cause_kind
        self.cause_value = cause_value
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class Address:
    """A postal address with its contact details."""

    name: str = ""
    company: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    zip: str = ""
    state_code: str = ""
    country_code: str = ""
    email: str = ""
    phone: str = ""

    def is_empty(self) -> bool:
        """True when no field is filled in."""
        return not any(asdict(self).values())


@dataclass(frozen=True)
class Party:
    """The customer as the channel knows it."""

    external_id: str = ""
    email: str = ""
    name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class OrderLine:
    """One product line; ``discount`` is the amount off the whole line."""

    external_id: str
    sku: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    tax_rate: Decimal | None = None
    product_external_id: str = ""
    # What the channel keeps of this line (a marketplace's commission), tax
    # excluded; None when the channel charges none.
    commission: Decimal | None = None


@dataclass(frozen=True)
class ShippingLine:
    """A shipping charge of an order."""

    code: str
    name: str
    amount: Decimal
    tax_rate: Decimal | None = None


@dataclass(frozen=True)
class Fee:
    """An extra charge (or, when negative, a credit) on an order."""

    name: str
    amount: Decimal
    tax_rate: Decimal | None = None


@dataclass(frozen=True)
class Discount:
    """A coupon, informational: its amount is already in the line discounts."""

    code: str
    amount: Decimal


@dataclass(frozen=True)
class Payment:
    """How the customer paid."""

    method: str = ""
    reference: str = ""
    status: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class RefundLine:
    """The part of a refund that concerns one order line."""

    line_external_id: str = ""
    sku: str = ""
    quantity: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class Refund:
    """Money given back to the customer; ``amount`` is positive."""

    external_id: str
    order_external_id: str
    amount: Decimal
    reason: str = ""
    lines: tuple[RefundLine, ...] = ()
    created_at: datetime | None = None


@dataclass(frozen=True)
class Order:
    """A channel order in its latest known state."""

    external_id: str
    name: str
    status: str
    currency: str
    ordered_at: datetime | None
    updated_at: datetime | None
    prices_include_tax: bool
    customer: Party
    billing_address: Address
    shipping_address: Address
    lines: tuple[OrderLine, ...]
    shipping: tuple[ShippingLine, ...] = ()
    fees: tuple[Fee, ...] = ()
    discounts: tuple[Discount, ...] = ()
    payment: Payment | None = None
    note: str = ""
    total: Decimal | None = None
    refunds: tuple[Refund, ...] = ()
    # The channel's code of the store or warehouse that sold or fulfils the
    # order (see retail.location.mapping); empty: the connection's warehouse.
    location: str = ""


@dataclass(frozen=True)
class StockLevel:
    """The quantity a channel should offer for one SKU."""

    sku: str
    quantity: int
    external_id: str = ""


@dataclass(frozen=True)
class Event:
    """The envelope of a generic-channel event; ``data`` is validated later."""

    id: str
    topic: str
    occurred_at: datetime | None
    data: dict


# --- scalar parsing -----------------------------------------------------------


def _describe(value):
    """Name the JSON type of a value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value):
    """Quote a value for an error message, short enough to read."""
    if isinstance(value, int) and value.bit_length() > 64:
        # repr() of a huge int is slow and, past 4300 digits, raises.
        return "the number"
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:40]) + "…"
    return repr(value if isinstance(value, str) else str(value))


def _too_large(value, path):
    return CanonicalError(
        path,
        f"{_show(value)} is too large "
        f"(at most {MAX_INTEGER_DIGITS} digits before the decimal point)",
    )


def parse_decimal(value, path, *, allow_negative=False) -> Decimal:
    """Return ``value`` as a finite Decimal or raise CanonicalError.

    Text and integers are exact; a float goes through its shortest ``repr`` so
    that ``0.1`` stays ``0.1``. Booleans, NaN, infinities, values with more
    than 15 integer digits or 40 decimal places, and text that is not a plain
    ASCII decimal (``1_000``, ``1,5``) are rejected, as are negatives unless
    allowed.
    """
    if isinstance(value, bool) or value is None:
        raise CanonicalError(path, f"expected a decimal number, got {_describe(value)}")
    if isinstance(value, int):
        if abs(value) >= 10**MAX_INTEGER_DIGITS:
            raise _too_large(value, path)
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CanonicalError(path, f"{_show(value)} is not a finite number")
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise CanonicalError(path, f"{_show(value)} is not a finite number")
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_NUMBER_TEXT_LENGTH or not _DECIMAL_TEXT.fullmatch(text):
            raise CanonicalError(path, f"{_show(value)} is not a decimal number")
        number = Decimal(text)
    else:
        raise CanonicalError(path, f"expected a decimal number, got {_describe(value)}")
    if not number:
        # "0E+9999" is zero too; keep it from being written out digit by digit.
        number = number if number.as_tuple().exponent <= 0 else Decimal(0)
    elif number.adjusted() >= MAX_INTEGER_DIGITS:
        raise _too_large(value, path)
    if number.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        raise CanonicalError(
            path,
            f"{_show(value)} has too many decimal places "
            f"(at most {MAX_DECIMAL_PLACES})",
        )
    if number < 0 and not allow_negative:
        raise CanonicalError(path, f"{_show(value)} must not be negative")
    return number


def _optional_decimal(value, path, *, allow_negative=False):
    if value is None or value == "":
        return None
    return parse_decimal(value, path, allow_negative=allow_negative)


def _required_decimal(value, path, *, allow_negative=False):
    if value is None or value == "":
        raise CanonicalError(path, "this field is required")
    return parse_decimal(value, path, allow_negative=allow_negative)


def parse_datetime(value, path, *, required=False) -> datetime | None:
    """Return an ISO 8601 date and time as a naive UTC datetime.

    A trailing ``Z`` or an offset is converted to UTC; a value without offset
    is taken as UTC already. Empty values give None unless ``required``.
    """
    if value is None or value == "":
        if required:
            raise CanonicalError(path, "this field is required")
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_DATETIME_TEXT_LENGTH or not text.isascii():
            raise CanonicalError(
                path, f"{_show(value)} is not an ISO 8601 date and time"
            )
        if text[-1:] in ("z", "Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise CanonicalError(
                path,
                f"{_show(value)} is not an ISO 8601 date and time "
                "(e.g. 2026-11-25T10:00:00Z)",
            ) from None
    else:
        raise CanonicalError(
            path,
            "expected an ISO 8601 date and time (e.g. 2026-11-25T10:00:00Z), "
            f"got {_describe(value)}",
        )
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise CanonicalError(
            path, f"{_show(value)} is outside the supported date range"
        ) from None


def _text(value, path, *, required=False, max_length=MAX_TEXT_LENGTH, strip=True):
    """Return validated text ("" when missing) that PostgreSQL can store."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip() if strip else value
    else:
        raise CanonicalError(path, f"expected text, got {_describe(value)}")
    if required and not text:
        raise CanonicalError(path, "this field is required")
    if len(text) > max_length:
        raise CanonicalError(
            path, f"{_show(text)} is too long (at most {max_length} characters)"
        )
    if "\x00" in text:
        # PostgreSQL refuses NUL characters in text columns.
        raise CanonicalError(path, f"{_show(text)} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(path, f"{_show(text)} is not valid Unicode text") from None
    return text


def _identifier(value, path, *, required=False):
    """Return an external id or code; channels often send ids as integers."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 256:
            raise CanonicalError(path, f"{_show(value)} is too long for an id")
        value = str(value)
    return _text(value, path, required=required, max_length=MAX_IDENTIFIER_LENGTH)


def _boolean(value, path):
    if value is None:
        return False
    if not isinstance(value, bool):
        raise CanonicalError(path, f"expected true or false, got {_describe(value)}")
    return value


def _object(value, path, *, required=False):
    """Return a JSON object; a missing optional one is an empty dict."""
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        if value is None:
            raise CanonicalError(path, "this field is required")
        raise CanonicalError(path, f"expected an object, got {_describe(value)}")
    return value


def _items(value, path):
    """Return a JSON list of objects; a missing one is empty."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise CanonicalError(path, f"expected a list, got {_describe(value)}")
    return list(value)


# --- order parsing ------------------------------------------------------------


def _party(value, path):
    data = _object(value, path)
    return Party(
        external_id=_identifier(data.get("external_id"), f"{path}.external_id"),
        email=_text(data.get("email"), f"{path}.email"),
        name=_text(data.get("name"), f"{path}.name"),
        phone=_text(data.get("phone"), f"{path}.phone"),
    )


def _address(value, path):
    data = _object(value, path)
    return Address(
        **{
            key: _text(data.get(key), f"{path}.{key}")
            for key in (field.name for field in fields(Address))
        }
    )


def _order_line(value, path):
    data = _object(value, path, required=True)
    sku = _identifier(data.get("sku"), f"{path}.sku", required=True)
    quantity = _required_decimal(data.get("quantity"), f"{path}.quantity")
    if quantity <= 0:
        raise CanonicalError(
            f"{path}.quantity",
            f"{_show(data.get('quantity'))} must be greater than zero",
        )
    unit_price = _required_decimal(data.get("unit_price"), f"{path}.unit_price")
    discount = _optional_decimal(data.get("discount"), f"{path}.discount")
    discount = Decimal(0) if discount is None else discount
    line_amount = quantity * unit_price
    if discount > line_amount:
        raise CanonicalError(
            f"{path}.discount",
            f"{_show(data.get('discount'))} is more than the line amount "
            f"{line_amount:f}",
        )
    return OrderLine(
        external_id=_identifier(data.get("external_id"), f"{path}.external_id"),
        sku=sku,
        name=_text(data.get("name"), f"{path}.name") or sku,
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        tax_rate=_optional_decimal(data.get("tax_rate"), f"{path}.tax_rate"),
        product_external_id=_identifier(
            data.get("product_external_id"), f"{path}.product_external_id"
        ),
        commission=_optional_decimal(data.get("commission"), f"{path}.commission"),
    )


def _shipping_line(value, path):
    data = _object(value, path, required=True)
    return ShippingLine(
        code=_identifier(data.get("code"), f"{path}.code"),
        name=_text(data.get("name"), f"{path}.name"),
        amount=_required_decimal(data.get("amount"), f"{path}.amount"),
        tax_rate=_optional_decimal(data.get("tax_rate"), f"{path}.tax_rate"),
    )


def _fee(value, path):
    data = _object(value, path, required=True)
    return Fee(
        name=_text(data.get("name"), f"{path}.name"),
        amount=_required_decimal(
            data.get("amount"), f"{path}.amount", allow_negative=True
        ),
        tax_rate=_optional_decimal(data.get("tax_rate"), f"{path}.tax_rate"),
    )


def _discount(value, path):
    data = _object(value, path, required=True)
    return Discount(
        code=_identifier(data.get("code"), f"{path}.code"),
        amount=_required_decimal(data.get("amount"), f"{path}.amount"),
    )


def _payment(value, path):
    if value is None:
        return None
    data = _object(value, path)
    return Payment(
        method=_identifier(data.get("method"), f"{path}.method"),
        reference=_identifier(data.get("reference"), f"{path}.reference"),
        status=_identifier(data.get("status"), f"{path}.status"),
        amount=_optional_decimal(data.get("amount"), f"{path}.amount"),
    )


def _refund_line(value, path):
    data = _object(value, path, required=True)
    quantity = _optional_decimal(data.get("quantity"), f"{path}.quantity")
    amount = _optional_decimal(data.get("amount"), f"{path}.amount")
    return RefundLine(
        line_external_id=_identifier(
            data.get("line_external_id"), f"{path}.line_external_id"
        ),
        sku=_identifier(data.get("sku"), f"{path}.sku"),
        quantity=Decimal(0) if quantity is None else quantity,
        amount=Decimal(0) if amount is None else amount,
    )


def _refund(value, path, order_external_id):
    data = _object(value, path, required=True)
    lines_path = f"{path}.lines"
    return Refund(
        external_id=_identifier(
            data.get("external_id"), f"{path}.external_id", required=True
        ),
        order_external_id=_identifier(
            data.get("order_external_id"), f"{path}.order_external_id"
        )
        or order_external_id,
        amount=_required_decimal(data.get("amount"), f"{path}.amount"),
        reason=_text(data.get("reason"), f"{path}.reason"),
        lines=tuple(
            _refund_line(item, f"{lines_path}[{index}]")
            for index, item in enumerate(_items(data.get("lines"), lines_path))
        ),
        created_at=parse_datetime(data.get("created_at"), f"{path}.created_at"),
    )


def _parse_list(data, key, parse_item):
    return tuple(
        parse_item(item, f"{key}[{index}]")
        for index, item in enumerate(_items(data.get(key), key))
    )


def _status(value):
    status = _identifier(value, "status", required=True)
    if status not in ORDER_STATUSES:
        raise CanonicalError(
            "status", f"{_show(status)} is not one of {', '.join(ORDER_STATUSES)}"
        )
    return status


def _currency(value):
    currency = _identifier(value, "currency", required=True)
    if not _CURRENCY_CODE.fullmatch(currency):
        raise CanonicalError(
            "currency",
            f"{_show(currency)} is not a 3-letter ISO 4217 code in capitals (e.g. EUR)",
        )
    return currency


def order_from_dict(data: dict) -> Order:
    """Validate the generic channel's order ``data`` into an Order.

    Unknown keys are ignored. Raises CanonicalError naming the first wrong or
    missing field.
    """
    if not isinstance(data, dict):
        raise CanonicalError("", f"an order must be an object, got {_describe(data)}")
    external_id = _identifier(data.get("external_id"), "external_id", required=True)
    status = _status(data.get("status"))
    currency = _currency(data.get("currency"))
    lines = _parse_list(data, "lines", _order_line)
    if not lines:
        raise CanonicalError("lines", "an order needs at least one line")
    return Order(
        external_id=external_id,
        name=_text(data.get("name"), "name", max_length=MAX_IDENTIFIER_LENGTH)
        or external_id,
        status=status,
        currency=currency,
        ordered_at=parse_datetime(data.get("ordered_at"), "ordered_at"),
        updated_at=parse_datetime(data.get("updated_at"), "updated_at"),
        prices_include_tax=_boolean(
            data.get("prices_include_tax"), "prices_include_tax"
        ),
        customer=_party(data.get("customer"), "customer"),
        billing_address=_address(data.get("billing_address"), "billing_address"),
        shipping_address=_address(data.get("shipping_address"), "shipping_address"),
        lines=lines,
        shipping=_parse_list(data, "shipping", _shipping_line),
        fees=_parse_list(data, "fees", _fee),
        discounts=_parse_list(data, "discounts", _discount),
        payment=_payment(data.get("payment"), "payment"),
        note=_text(data.get("note"), "note", max_length=MAX_NOTE_LENGTH, strip=False),
        total=_optional_decimal(data.get("total"), "total"),
        location=_identifier(data.get("location"), "location"),
        refunds=_parse_list(
            data,
            "refunds",
            lambda item, path: _refund(item, path, external_id),
        ),
    )


# --- serialisation ------------------------------------------------------------


def format_decimal(value: Decimal) -> str:
    """Write a Decimal as plain positional text (never exponent notation)."""
    return format(value, "f")


def format_datetime(value: datetime) -> str:
    """Write a datetime as ISO 8601 UTC with a ``Z`` suffix."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return value


def order_to_dict(order: Order) -> dict:
    """Return the generic channel's JSON form of an order.

    Amounts become decimal strings and datetimes ISO 8601 with ``Z``, so that
    ``order_from_dict(order_to_dict(order)) == order``.
    """
    return _jsonable(asdict(order))


def event_from_dict(body: dict) -> Event:
    """Validate the envelope of a generic-channel event.

    Only the envelope is checked here; ``data`` is parsed when the event is
    processed so that a bad order becomes a readable failure, not a lost event.
    """
    if not isinstance(body, dict):
        raise CanonicalError("", f"an event must be an object, got {_describe(body)}")
    event_id = body.get("id")
    if not isinstance(event_id, str) and event_id is not None:
        raise CanonicalError("id", f"expected text, got {_describe(event_id)}")
    event_id = _text(event_id, "id", required=True, max_length=MAX_IDENTIFIER_LENGTH)
    topic = body.get("topic")
    if not isinstance(topic, str) or topic not in GENERIC_TOPICS:
        shown = _show(topic) if isinstance(topic, str) else _describe(topic)
        raise CanonicalError(
            "topic",
            f"{shown} is not a supported topic "
            f"(expected one of {', '.join(GENERIC_TOPICS)})",
        )
    data = body.get("data")
    if not isinstance(data, dict):
        raise CanonicalError("data", f"expected an object, got {_describe(data)}")
    return Event(
        id=event_id,
        topic=topic,
        occurred_at=parse_datetime(body.get("occurred_at"), "occurred_at"),
        data=data,
    )


def compute_lines_total(order) -> Decimal:
    """Sum lines (quantity x unit price - discount), shipping and fees, untaxed."""
    lines = sum(
        (line.quantity * line.unit_price - line.discount for line in order.lines),
        Decimal(0),
    )
    shipping = sum((item.amount for item in order.shipping), Decimal(0))
    fees = sum((item.amount for item in order.fees), Decimal(0))
    return lines + shipping + fees


def channel_ids(value) -> list[str]:
    """One channel id or several, as a list of texts.

    A hook may answer with a text, a number or a list of them (a refund the
    channel split in two); empty ones are left out.
    """
    values = value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in values if item not in (None, False, "")]
