"""Square orders, cash drawer shifts and payouts -> the connector's records.

Pure functions: no Odoo, no network (see PROTOCOLS.md, "POS: Square style").
A :class:`Receipt` is a store sale (or return) as it will become a POS order
in Odoo; a :class:`CashShift` is one drawer's day; a :class:`Payout` is what
reaches the bank and the sales and refunds it settles. Amounts are Decimals
in the record's currency, datetimes naive UTC (Odoo's convention) and a
receipt's ``business_date`` is the day in the store's own time zone.

Everything raises ``CanonicalError`` naming the Square field, with a message
a back-office user can act on, and never any other exception.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_base.tools.canonical import CanonicalError

from . import square

TENDER_TYPES = ("CARD", "CASH", "OTHER")


def tender_cause_value(tender_type, location_id):
    """The failure value of a tender without payment method: ``CARD @ L1``."""
    return f"{tender_type} @ {location_id}"


def parse_tender_cause(value):
    """``(tender type, location id)`` of a tender cause value, or None."""
    tender, sep, location = (value or "").partition(" @ ")
    if not sep or tender not in TENDER_TYPES or not location:
        return None
    return tender, location


# Payments and refunds that moved no money are not tenders.
_PAYMENT_TAKEN = ("APPROVED", "COMPLETED")
_REFUND_LOST = ("REJECTED", "FAILED")
_MAX_TIMEZONE_LENGTH = 64


@dataclass(frozen=True)
class ReceiptLine:
    """One sold line; amounts are the line's, for its whole quantity.

    ``discount`` and ``tax_amount`` are what Square computed for the line;
    ``total`` is what the customer pays for it (tax included either way).
    ``tax_rate`` adds up the percentages of the taxes applied; ``sku`` is
    filled in from the catalog (order lines do not carry one).
    """

    uid: str
    catalog_object_id: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_amount: Decimal
    tax_rate: Decimal | None
    tax_included: bool
    total: Decimal
    variation_name: str = ""
    item_type: str = "ITEM"
    sku: str = ""


@dataclass(frozen=True)
class Tender:
    """Money taken (or given back: negative ``amount``) for a receipt.

    ``amount`` excludes the ``tip``; ``total`` is both. A refund names the
    payment it goes back to and its own ``refund_id``.
    """

    type: str
    amount: Decimal
    tip: Decimal
    payment_id: str
    card_brand: str = ""
    refund_id: str = ""
    status: str = ""

    @property
    def total(self) -> Decimal:
        """What moved, tip included."""
        return self.amount + self.tip


@dataclass(frozen=True)
class ReturnLine:
    """Goods brought back, pointing to the sale's order and line."""

    source_order_id: str
    source_line_uid: str
    quantity: Decimal
    amount: Decimal
    uid: str = ""
    catalog_object_id: str = ""
    name: str = ""
    tax_amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class Receipt:
    """A store sale or return: one Square order with its payments.

    ``total``, ``tax_total`` and ``tip_total`` are net of the returns (a
    pure return has a negative total). ``device_time`` is when the sale was
    rung up (the device's clock for an offline sale), ``uploaded_at`` when
    Square got it; ``business_date`` is ``device_time``'s day in the store's
    time zone. Orders made in the POS app have no ``version``: order their
    states by ``updated_at``.
    """

    external_id: str
    location_id: str
    business_date: date
    device_time: datetime
    uploaded_at: datetime
    is_offline: bool
    state: str
    currency: str
    lines: tuple[ReceiptLine, ...]
    tenders: tuple[Tender, ...]
    customer_id: str
    total: Decimal
    tax_total: Decimal
    tip_total: Decimal
    returns: tuple[ReturnLine, ...]
    updated_at: datetime | None
    version: int | None


@dataclass(frozen=True)
class CashShift:
    """A cash drawer shift; amounts None when the record does not carry them.

    The shift list gives summaries without the cash movements: fetch the
    shift itself for them. ``counted`` is known once the shift is
    ``CLOSED``; ``difference`` is counted - expected (negative: cash missing).
    """

    id: str
    location_id: str
    state: str
    currency: str
    opened: Decimal
    expected: Decimal
    counted: Decimal | None
    difference: Decimal | None
    cash_sales: Decimal | None
    cash_refunds: Decimal | None
    paid_in: Decimal | None
    paid_out: Decimal | None
    opened_at: datetime | None
    ended_at: datetime | None
    closed_at: datetime | None
    description: str = ""


@dataclass(frozen=True)
class PayoutEntry:
    """One sale, refund or fee settled by a payout; ``fee`` is negative."""

    id: str
    type: str
    payment_id: str
    refund_id: str
    gross: Decimal
    fee: Decimal
    net: Decimal
    effective_at: datetime | None = None


@dataclass(frozen=True)
class Payout:
    """Money sent to the bank: ``net`` as on the statement, under ``end_to_end_id``.

    ``gross`` and ``fees`` add up the entries (fees negative); ``transfer_fee``
    is what the payout itself cost (instant payouts), positive.
    """

    id: str
    location_id: str
    status: str
    arrival_date: date | None
    end_to_end_id: str
    currency: str
    gross: Decimal
    fees: Decimal
    net: Decimal
    entries: tuple[PayoutEntry, ...]
    transfer_fee: Decimal = Decimal(0)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int | None = None


# --- small helpers ------------------------------------------------------------


def _object(value, path, *, required=False) -> dict:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        if value is None:
            raise CanonicalError(path, "this field is required")
        raise CanonicalError(path, "expected an object")
    return value


def _objects(data: dict, key: str, path: str) -> list[dict]:
    """The JSON objects listed under ``key`` (Square leaves out empty lists)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise CanonicalError(path, "expected a list")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise CanonicalError(f"{path}[{index}]", "expected an object")
    return value


def _id(value, path, *, required=False) -> str:
    """An id or code, stripped; PostgreSQL must be able to store it."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise CanonicalError(path, "expected text")
    if required and not text:
        raise CanonicalError(path, "this field is required")
    if len(text) > canonical.MAX_IDENTIFIER_LENGTH or "\x00" in text:
        raise CanonicalError(path, f"{text[:40]!r}… is not a Square id")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(path, "is not valid Unicode text") from None
    return text


def _text(value, path) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CanonicalError(path, "expected text")
    if len(value) > canonical.MAX_TEXT_LENGTH or "\x00" in value:
        raise CanonicalError(path, "this text cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(path, "is not valid Unicode text") from None
    return value.strip()


def _time(value, path, *, required=False) -> datetime | None:
    return canonical.parse_datetime(value, path, required=required)


def _state(value, path, known) -> str:
    state = _id(value, path, required=True)
    if state not in known:
        raise CanonicalError(path, f"{state!r} is not one of {', '.join(known)}")
    return state


def _version(value, path) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CanonicalError(path, "expected a whole number")
    return value


# --- business day -------------------------------------------------------------


def store_timezone(location: dict, path: str = "location.timezone") -> ZoneInfo:
    """The time zone of a Square location (``Europe/Paris``)."""
    name = _object(location, "location", required=True).get("timezone")
    if not isinstance(name, str) or not name.strip():
        raise CanonicalError(
            path, "this field is required: the store's time zone dates its sales"
        )
    name = name.strip()
    if len(name) > _MAX_TIMEZONE_LENGTH:
        raise CanonicalError(path, "is not a time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CanonicalError(
            path, f"{name!r} is not a known time zone (e.g. Europe/Paris)"
        ) from None


def business_date(moment: datetime, timezone: ZoneInfo | str) -> date:
    """The store's day of ``moment`` (naive UTC) in ``timezone``.

    A sale at 23:30 UTC is on the next day in Paris; one at 04:30 UTC is
    still on the day before in New York.
    """
    if isinstance(timezone, str):
        timezone = store_timezone({"timezone": timezone}, "timezone")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(timezone).date()


def sale_times(order: dict, payments) -> tuple[datetime, datetime, bool]:
    """``(device_time, uploaded_at, is_offline)`` of an order.

    An offline sale is rung up on the device and uploaded later: its
    payment's ``offline_payment_details.client_created_at`` is the sale,
    its ``created_at`` (and the order's) the upload. With several offline
    payments, the first on the device wins. Otherwise both are the order's
    ``created_at``.
    """
    created = _time(order.get("created_at"), "created_at", required=True)
    order_id = order.get("id")
    offline = []
    for index, payment in enumerate(payments):
        path = f"payments[{index}]"
        payment = _object(payment, path, required=True)
        if payment.get("order_id") != order_id:
            continue
        details = _object(
            payment.get("offline_payment_details"), f"{path}.offline_payment_details"
        )
        if not payment.get("is_offline_payment") and not details:
            continue
        device = _time(
            details.get("client_created_at"),
            f"{path}.offline_payment_details.client_created_at",
        )
        if device is None:
            continue
        uploaded = _time(payment.get("created_at"), f"{path}.created_at") or created
        offline.append((device, uploaded))
    if offline:
        device, uploaded = min(offline)
        return device, uploaded, True
    return created, created, False


# --- receipts -----------------------------------------------------------------


def _tax_table(order: dict) -> dict:
    """Order taxes by uid: (percentage or None, included)."""
    table = {}
    for index, tax in enumerate(_objects(order, "taxes", "taxes")):
        path = f"taxes[{index}]"
        percentage = tax.get("percentage")
        rate = (
            None
            if percentage in (None, "")
            else canonical.parse_decimal(percentage, f"{path}.percentage")
        )
        kind = _id(tax.get("type"), f"{path}.type") or "ADDITIVE"
        table[_id(tax.get("uid"), f"{path}.uid")] = (rate, kind == "INCLUSIVE")
    return table


def _line_taxes(item: dict, path: str, taxes: dict) -> tuple[Decimal | None, bool]:
    applied = _objects(item, "applied_taxes", f"{path}.applied_taxes")
    if not applied:
        return None, False
    rate, included = Decimal(0), set()
    for index, tax in enumerate(applied):
        tax_path = f"{path}.applied_taxes[{index}].tax_uid"
        uid = _id(tax.get("tax_uid"), tax_path, required=True)
        if uid not in taxes:
            raise CanonicalError(tax_path, f"{uid!r} is not among the order's taxes")
        percentage, inclusive = taxes[uid]
        rate = None if rate is None or percentage is None else rate + percentage
        included.add(inclusive)
    if len(included) > 1:
        raise CanonicalError(
            f"{path}.applied_taxes",
            "the line has taxes both included in and added to its price",
        )
    return rate, included.pop()


def _line(item: dict, path: str, currency: str, taxes: dict) -> ReceiptLine:
    tax_rate, tax_included = _line_taxes(item, path, taxes)
    return ReceiptLine(
        uid=_id(item.get("uid"), f"{path}.uid", required=True),
        catalog_object_id=_id(
            item.get("catalog_object_id"), f"{path}.catalog_object_id"
        ),
        name=_text(item.get("name"), f"{path}.name"),
        variation_name=_text(item.get("variation_name"), f"{path}.variation_name"),
        item_type=_id(item.get("item_type"), f"{path}.item_type") or "ITEM",
        quantity=square.decimal_quantity(item.get("quantity"), f"{path}.quantity"),
        unit_price=square.amount(
            item.get("base_price_money"), f"{path}.base_price_money", currency
        ),
        discount=square.amount(
            item.get("total_discount_money"), f"{path}.total_discount_money", currency
        ),
        tax_amount=square.amount(
            item.get("total_tax_money"), f"{path}.total_tax_money", currency
        ),
        tax_rate=tax_rate,
        tax_included=tax_included,
        total=square.amount(
            item.get("total_money"), f"{path}.total_money", currency, required=True
        ),
    )


def _returns(order: dict, currency: str) -> tuple[ReturnLine, ...]:
    result = []
    for index, ret in enumerate(_objects(order, "returns", "returns")):
        path = f"returns[{index}]"
        source = _id(ret.get("source_order_id"), f"{path}.source_order_id")
        items_path = f"{path}.return_line_items"
        for number, item in enumerate(_objects(ret, "return_line_items", items_path)):
            line_path = f"{items_path}[{number}]"
            result.append(
                ReturnLine(
                    source_order_id=source,
                    source_line_uid=_id(
                        item.get("source_line_item_uid"),
                        f"{line_path}.source_line_item_uid",
                    ),
                    quantity=square.decimal_quantity(
                        item.get("quantity"), f"{line_path}.quantity"
                    ),
                    amount=square.amount(
                        item.get("total_money"),
                        f"{line_path}.total_money",
                        currency,
                        required=True,
                    ),
                    uid=_id(item.get("uid"), f"{line_path}.uid"),
                    catalog_object_id=_id(
                        item.get("catalog_object_id"), f"{line_path}.catalog_object_id"
                    ),
                    name=_text(item.get("name"), f"{line_path}.name"),
                    tax_amount=square.amount(
                        item.get("total_tax_money"),
                        f"{line_path}.total_tax_money",
                        currency,
                    ),
                )
            )
    return tuple(result)


def _tender_type(value) -> str:
    return value if value in ("CARD", "CASH") else "OTHER"


def _card_brand(details) -> str:
    card = details.get("card") if isinstance(details, dict) else None
    brand = card.get("card_brand") if isinstance(card, dict) else None
    return brand if isinstance(brand, str) else ""


def _payment_tender(payment: dict, path: str, currency: str) -> Tender:
    return Tender(
        type=_tender_type(payment.get("source_type")),
        amount=square.amount(
            payment.get("amount_money"), f"{path}.amount_money", currency, required=True
        ),
        tip=square.amount(payment.get("tip_money"), f"{path}.tip_money", currency),
        payment_id=_id(payment.get("id"), f"{path}.id", required=True),
        card_brand=_card_brand(payment.get("card_details")),
        status=_id(payment.get("status"), f"{path}.status"),
    )


def _order_tender(tender: dict, path: str, currency: str) -> Tender:
    """A tender read from the order alone: its amount includes the tip."""
    total = square.amount(
        tender.get("amount_money"), f"{path}.amount_money", currency, required=True
    )
    tip = square.amount(tender.get("tip_money"), f"{path}.tip_money", currency)
    return Tender(
        type=_tender_type(tender.get("type")),
        amount=total - tip,
        tip=tip,
        payment_id=_id(tender.get("payment_id") or tender.get("id"), f"{path}.id"),
        card_brand=_card_brand(tender.get("card_details")),
    )


def _by_id(records, name: str) -> dict:
    found = {}
    for index, record in enumerate(records):
        record = _object(record, f"{name}[{index}]", required=True)
        if isinstance(record.get("id"), str):
            found[record["id"]] = (record, f"{name}[{index}]")
    return found


def _tenders(order, payments, refunds, currency) -> tuple[Tender, ...]:
    paid = _by_id(payments, "payments")
    refunded = _by_id(refunds, "refunds")
    tenders = []
    order_tenders = _objects(order, "tenders", "tenders")
    for index, tender in enumerate(order_tenders):
        payment_id = tender.get("payment_id") or tender.get("id")
        if payment_id in paid:
            payment, path = paid[payment_id]
            tenders.append(_payment_tender(payment, path, currency))
        else:
            tenders.append(_order_tender(tender, f"tenders[{index}]", currency))
    if not order_tenders:
        # Not on the order yet: its payments that went through.
        for payment, path in paid.values():
            if (
                payment.get("order_id") == order.get("id")
                and payment.get("status") in _PAYMENT_TAKEN
            ):
                tenders.append(_payment_tender(payment, path, currency))
    for index, refund in enumerate(_objects(order, "refunds", "refunds")):
        path = f"refunds[{index}]"
        status = _id(refund.get("status"), f"{path}.status")
        if status in _REFUND_LOST:
            continue
        refund_id = _id(refund.get("id"), f"{path}.id", required=True)
        payment_id = _id(refund.get("tender_id"), f"{path}.tender_id")
        kind, brand = "OTHER", ""
        if refund_id in refunded:
            kind = _tender_type(refunded[refund_id][0].get("destination_type"))
        if payment_id in paid:
            payment = paid[payment_id][0]
            kind = kind if kind != "OTHER" else _tender_type(payment.get("source_type"))
            brand = _card_brand(payment.get("card_details"))
        tenders.append(
            Tender(
                type=kind,
                amount=-square.amount(
                    refund.get("amount_money"),
                    f"{path}.amount_money",
                    currency,
                    required=True,
                ),
                tip=square.amount(None, "", currency),
                payment_id=payment_id,
                card_brand=brand,
                refund_id=refund_id,
                status=status,
            )
        )
    return tuple(tenders)


def _net(order: dict, key: str, total_key: str, currency: str) -> Decimal:
    """The order's ``net_amounts[key]``, or its total less what was returned."""
    net = _object(order.get("net_amounts"), "net_amounts")
    if net.get(key) is not None:
        return square.amount(net[key], f"net_amounts.{key}", currency)
    returned = _object(order.get("return_amounts"), "return_amounts")
    return square.amount(order.get(total_key), total_key, currency) - square.amount(
        returned.get(key), f"return_amounts.{key}", currency
    )


def _order_currency(order: dict, location: dict) -> str:
    for key in ("total_money", "net_amounts"):
        value = order.get(key)
        if key == "net_amounts" and isinstance(value, dict):
            value = value.get("total_money")
        if isinstance(value, dict):
            return square.money(value, key)[1]
    currency = location.get("currency")
    if isinstance(currency, str) and currency:
        return currency
    raise CanonicalError("total_money", "this field is required")


def receipt_from_order(
    order: dict, payments, location: dict, refunds=()
) -> Receipt | None:
    """The receipt of a fetched Square order, or None for a ``DRAFT``.

    A draft is an online order still being made: it is ignored, not an
    error. ``payments`` are the order's payments (``GET /v2/payments/{id}``
    of its tenders, or the ``payment.*`` events' objects) and, for a return,
    the payments its refunds go back to; ``refunds`` the refund objects when
    known (``refund.*`` events), which tell a cash refund from a card one.
    ``location`` is the order's store from ``GET /v2/locations``.

    Tenders come from the payments when given: a Payment's ``amount_money``
    excludes the tip while an order's Tender ``amount_money`` includes it.
    """
    order = _object(order, "order", required=True)
    location = _object(location, "location", required=True)
    external_id = _id(order.get("id"), "id", required=True)
    state = _state(order.get("state"), "state", square.ORDER_STATES)
    if state == "DRAFT":
        return None
    location_id = _id(order.get("location_id"), "location_id", required=True)
    store_id = _id(location.get("id"), "location.id")
    if store_id and store_id != location_id:
        raise CanonicalError(
            "location_id",
            f"the order belongs to location {location_id}, not to {store_id}",
        )
    payments = list(payments or ())
    currency = _order_currency(order, location)
    device_time, uploaded_at, is_offline = sale_times(order, payments)
    taxes = _tax_table(order)
    return Receipt(
        external_id=external_id,
        location_id=location_id,
        business_date=business_date(device_time, store_timezone(location)),
        device_time=device_time,
        uploaded_at=uploaded_at,
        is_offline=is_offline,
        state=state,
        currency=currency,
        lines=tuple(
            _line(item, f"line_items[{index}]", currency, taxes)
            for index, item in enumerate(_objects(order, "line_items", "line_items"))
        ),
        tenders=_tenders(order, payments, list(refunds or ()), currency),
        customer_id=_id(order.get("customer_id"), "customer_id"),
        total=_net(order, "total_money", "total_money", currency),
        tax_total=_net(order, "tax_money", "total_tax_money", currency),
        tip_total=_net(order, "tip_money", "total_tip_money", currency),
        returns=_returns(order, currency),
        updated_at=_time(order.get("updated_at"), "updated_at"),
        version=_version(order.get("version"), "version"),
    )


# --- cash drawer shifts -------------------------------------------------------


def cash_shift(shift: dict) -> CashShift:
    """A cash drawer shift (``GET /v2/cash-drawers/shifts/{id}``)."""
    shift = _object(shift, "shift", required=True)
    opened, currency = square.money(shift.get("opened_cash_money"), "opened_cash_money")

    def optional(key):
        value = shift.get(key)
        return None if value is None else square.amount(value, key, currency)

    expected = square.amount(
        shift.get("expected_cash_money"), "expected_cash_money", currency, required=True
    )
    counted = optional("closed_cash_money")
    return CashShift(
        id=_id(shift.get("id"), "id", required=True),
        location_id=_id(shift.get("location_id"), "location_id"),
        state=_state(shift.get("state"), "state", square.SHIFT_STATES),
        currency=currency,
        opened=opened,
        expected=expected,
        counted=counted,
        difference=None if counted is None else counted - expected,
        cash_sales=optional("cash_payment_money"),
        cash_refunds=optional("cash_refunds_money"),
        paid_in=optional("cash_paid_in_money"),
        paid_out=optional("cash_paid_out_money"),
        opened_at=_time(shift.get("opened_at"), "opened_at"),
        ended_at=_time(shift.get("ended_at"), "ended_at"),
        closed_at=_time(shift.get("closed_at"), "closed_at"),
        description=_text(shift.get("description"), "description"),
    )


# --- payouts ------------------------------------------------------------------


def _settled_ids(entry: dict, path: str) -> tuple[str, str]:
    """The payment and refund an entry settles: top level, else its details."""
    payment_id = _id(entry.get("payment_id"), f"{path}.payment_id")
    refund_id = _id(entry.get("refund_id"), f"{path}.refund_id")
    for key, details in entry.items():
        if not (key.startswith("type_") and key.endswith("_details")):
            continue
        details = _object(details, f"{path}.{key}")
        payment_id = payment_id or _id(
            details.get("payment_id"), f"{path}.{key}.payment_id"
        )
        refund_id = refund_id or _id(
            details.get("refund_id"), f"{path}.{key}.refund_id"
        )
    return payment_id, refund_id


def _payout_entry(entry: dict, path: str, currency: str) -> PayoutEntry:
    gross = square.amount(
        entry.get("gross_amount_money"), f"{path}.gross_amount_money", currency
    )
    fee = square.amount(
        entry.get("fee_amount_money"), f"{path}.fee_amount_money", currency
    )
    net = square.amount(
        entry.get("net_amount_money"),
        f"{path}.net_amount_money",
        currency,
        required=True,
    )
    if gross + fee != net:
        if gross - fee != net:
            raise CanonicalError(
                path, f"gross {gross} and fee {fee} do not make the net {net}"
            )
        fee = -fee  # written as a positive fee: keep fees negative
    payment_id, refund_id = _settled_ids(entry, path)
    return PayoutEntry(
        id=_id(entry.get("id"), f"{path}.id"),
        type=_id(entry.get("type"), f"{path}.type", required=True),
        payment_id=payment_id,
        refund_id=refund_id,
        gross=gross,
        fee=fee,
        net=net,
        effective_at=_time(entry.get("effective_at"), f"{path}.effective_at"),
    )


def _arrival_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError as exc:
            raise CanonicalError(
                "arrival_date", f"{value!r} is not a date (YYYY-MM-DD)"
            ) from exc
    raise CanonicalError("arrival_date", f"{value!r} is not a date (YYYY-MM-DD)")


def payout(record: dict, entries) -> Payout:
    """A payout (``GET /v2/payouts/{id}``) with every one of its entries.

    ``entries`` are all the pages of ``GET /v2/payouts/{id}/payout-entries``
    (a list, or the answer's ``{"payout_entries": [...]}``). Their nets must
    add up to the payout's amount (less its own fee, if any): a missing page
    is refused rather than booked short.
    """
    data = _object(record, "payout", required=True)
    if isinstance(entries, dict):
        entries = _objects(entries, "payout_entries", "payout_entries")
    net, currency = square.money(data.get("amount_money"), "amount_money")
    parsed = []
    for index, entry in enumerate(entries or ()):
        path = f"payout_entries[{index}]"
        parsed.append(
            _payout_entry(_object(entry, path, required=True), path, currency)
        )
    transfer_fee = sum(
        (
            abs(
                square.amount(
                    fee.get("amount_money"),
                    f"payout_fee[{index}].amount_money",
                    currency,
                )
            )
            for index, fee in enumerate(_objects(data, "payout_fee", "payout_fee"))
        ),
        square.amount(None, "", currency),
    )
    settled = sum((entry.net for entry in parsed), square.amount(None, "", currency))
    if net not in (settled, settled - transfer_fee):
        raise CanonicalError(
            "payout_entries",
            f"the entries add up to {settled} {currency} but the payout is "
            f"{net} {currency}: fetch every page of its entries",
        )
    return Payout(
        id=_id(data.get("id"), "id", required=True),
        location_id=_id(data.get("location_id"), "location_id"),
        status=_state(data.get("status"), "status", square.PAYOUT_STATUSES),
        arrival_date=_arrival_date(data.get("arrival_date")),
        end_to_end_id=_id(data.get("end_to_end_id"), "end_to_end_id"),
        currency=currency,
        gross=sum((entry.gross for entry in parsed), square.amount(None, "", currency)),
        fees=sum((entry.fee for entry in parsed), square.amount(None, "", currency)),
        net=net,
        entries=tuple(parsed),
        transfer_fee=transfer_fee,
        created_at=_time(data.get("created_at"), "created_at"),
        updated_at=_time(data.get("updated_at"), "updated_at"),
        version=_version(data.get("version"), "version"),
    )
