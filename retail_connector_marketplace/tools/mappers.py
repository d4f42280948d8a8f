"""Mirakl seller API payloads <-> canonical model.

Pure functions: no Odoo, no network (see PROTOCOLS.md, "Marketplace: Mirakl
seller API"). Amounts arrive as JSON numbers and become Decimals; dates are
ISO 8601 with ``Z`` or an offset and become naive UTC datetimes. Errors are
:class:`CanonicalError` naming the Mirakl field, with a message a back-office
user can act on.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.core import get_global

from odoo.addons.retail_connector_base.tools import canonical

from . import api

_ZERO = Decimal(0)
_CENT = Decimal("0.01")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CanonicalError = canonical.CanonicalError

TAX_INCLUDED = "TAX_INCLUDED"
PAYMENT_METHOD = "mirakl"
# Refund states that mean the money went back to the customer; a refund
# without a state (older payloads) counts too.
REFUND_DONE_STATES = ("REFUNDED", "")
# What a Mirakl order state means as a canonical status. Mirakl adds states
# over time: an unknown one is "pending", never an error.
DEFAULT_STATUS_TARGETS = {
    "STAGING": "pending",
    "WAITING_ACCEPTANCE": "pending",
    "WAITING_DEBIT": "pending",
    "WAITING_DEBIT_PAYMENT": "pending",
    "SHIPPING": "confirmed",
    "SHIPPED": "completed",
    "TO_COLLECT": "completed",
    "RECEIVED": "completed",
    "CLOSED": "completed",
    "REFUSED": "cancelled",
    "CANCELED": "cancelled",
}
UNKNOWN_STATE_TARGET = "pending"


# --- small helpers ------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _money(value, path) -> Decimal:
    """A Mirakl amount; missing means zero."""
    if value is None or value == "":
        return _ZERO
    return canonical.parse_decimal(value, path, allow_negative=True)


def _amount(value: Decimal) -> str:
    return format(value, "f")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, ROUND_HALF_UP)


def _objects(data: dict, key: str, path: str) -> list[dict]:
    """The list of JSON objects under ``key`` (empty when absent)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _CanonicalError(path, "expected a list")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _CanonicalError(f"{path}[{index}]", "expected an object")
    return value


def _object(data: dict, key: str, path: str) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _CanonicalError(path, "expected an object")
    return value


def _tax_sum(item: dict, key: str, field: str, path: str) -> Decimal | None:
    """Sum of ``item[key][].field``; None when there is no tax at all."""
    taxes = _objects(item, key, f"{path}.{key}")
    if not taxes:
        return None
    return sum(
        (
            _money(tax.get(field), f"{path}.{key}[{index}].{field}")
            for index, tax in enumerate(taxes)
        ),
        _ZERO,
    )


def _country_code(value) -> str:
    """ISO 3166-1 alpha-2 code (Odoo's); Mirakl may send alpha-3 (``FRA``)."""
    code = _text(value).upper()
    if len(code) == 3 and code.isalpha():
        # CLDR's territory aliases map every alpha-3 code to its alpha-2 one.
        replacement = get_global("territory_aliases").get(code) or [code]
        if len(replacement[0]) == 2:
            return replacement[0]
    return code


def _datetime(value, path):
    return canonical.parse_datetime(value, path)


# --- orders -------------------------------------------------------------------


def map_status(state, status_targets: Mapping | None = None) -> str:
    """Canonical status target of a Mirakl order state; unknown -> pending."""
    state = _text(state)
    targets = DEFAULT_STATUS_TARGETS if status_targets is None else status_targets
    return (
        targets.get(state) or DEFAULT_STATUS_TARGETS.get(state) or UNKNOWN_STATE_TARGET
    )


def _address(data) -> dict:
    data = data if isinstance(data, dict) else {}
    name = " ".join(
        part
        for part in (_text(data.get("firstname")), _text(data.get("lastname")))
        if part
    )
    return {
        "name": name,
        "company": _text(data.get("company")),
        "street": _text(data.get("street_1")),
        "street2": _text(data.get("street_2")),
        "city": _text(data.get("city")),
        "zip": _text(data.get("zip_code")),
        "state_code": _text(data.get("state")),
        "country_code": _country_code(data.get("country_iso_code")),
        "phone": _text(data.get("phone")) or _text(data.get("phone_secondary")),
    }


def _customer(payload: dict) -> tuple[dict, dict, dict]:
    """(party, billing address, shipping address) of an order.

    Before the customer is debited Mirakl hides them: everything is empty.
    """
    customer = _object(payload, "customer", "customer")
    customer_id = _text(customer.get("customer_id"))
    billing = _address(customer.get("billing_address"))
    shipping = _address(customer.get("shipping_address"))
    name = " ".join(
        part
        for part in (_text(customer.get("firstname")), _text(customer.get("lastname")))
        if part
    )
    party = {
        "external_id": customer_id,
        "email": customer_id if _EMAIL.fullmatch(customer_id) else "",
        "name": name or billing["name"] or shipping["name"] or billing["company"],
        "phone": billing["phone"] or shipping["phone"],
    }
    return party, billing, shipping


def _line_quantity(item: dict, path: str) -> Decimal:
    value = item.get("quantity")
    if value is None or value == "":
        return _ZERO
    return canonical.parse_decimal(value, f"{path}.quantity")


def _ordered_quantity(item: dict, path: str) -> Decimal:
    """Quantity before operator cancellations (for an all-cancelled order)."""
    quantity = _line_quantity(item, path)
    for index, cancel in enumerate(
        _objects(item, "cancelations", f"{path}.cancelations")
    ):
        quantity += _money(
            cancel.get("quantity"), f"{path}.cancelations[{index}].quantity"
        )
    return quantity if quantity > 0 else Decimal(1)


def _line(item: dict, path: str, quantity: Decimal, *, promotions=True) -> dict:
    sku = _text(item.get("offer_sku"))
    line_id = _text(item.get("order_line_id"))
    if not sku:
        raise _CanonicalError(
            f"{path}.offer_sku",
            f"the Mirakl order line {line_id or '?'} has no offer SKU; give the "
            "offer a SKU in the Mirakl back office so it can be matched to a product",
        )
    unit_price = _money(item.get("price_unit"), f"{path}.price_unit")
    discount = _ZERO
    if promotions and item.get("price") not in (None, ""):
        # A promotion lowers the line price below quantity x unit price.
        discount = max(
            quantity * unit_price - _money(item["price"], f"{path}.price"), _ZERO
        )
    commission = item.get("commission_fee")
    rate = _tax_sum(item, "taxes", "rate", path)
    return {
        "external_id": line_id,
        "sku": sku,
        "name": _text(item.get("product_title")) or sku,
        "quantity": _amount(quantity),
        "unit_price": _amount(unit_price),
        "discount": _amount(discount),
        "tax_rate": None if rate is None else _amount(rate),
        "product_external_id": _text(item.get("product_sku")),
        "commission": None
        if commission in (None, "")
        else _amount(_money(commission, f"{path}.commission_fee")),
    }


def _shipping(kept: list, payload: dict) -> list[dict]:
    amount = _ZERO
    rate = None
    for path, item in kept:
        price = _money(item.get("shipping_price"), f"{path}.shipping_price")
        amount += price
        if rate is None:
            rate = _tax_sum(item, "shipping_taxes", "rate", path)
    if amount <= 0:
        return []
    code = _text(payload.get("shipping_type_code"))
    return [
        {
            "code": code,
            "name": _text(payload.get("shipping_type_label")) or code or "Shipping",
            "amount": _amount(amount),
            "tax_rate": None if rate is None else _amount(rate),
        }
    ]


def _total(kept: list, include_tax: bool) -> Decimal:
    total = _ZERO
    for path, item in kept:
        if include_tax:
            total += _money(item.get("total_price"), f"{path}.total_price")
            continue
        total += _money(item.get("price"), f"{path}.price")
        total += _money(item.get("shipping_price"), f"{path}.shipping_price")
        for key in ("taxes", "shipping_taxes"):
            total += _tax_sum(item, key, "amount", path) or _ZERO
    return total


def _refunds(payload: dict, order_id: str, include_tax: bool) -> list[dict]:
    """Refunds given back, grouped by Mirakl refund id, in order of appearance."""
    refunds = {}
    for index, item in enumerate(_objects(payload, "order_lines", "order_lines")):
        line_path = f"order_lines[{index}]"
        for number, entry in enumerate(
            _objects(item, "refunds", f"{line_path}.refunds")
        ):
            path = f"{line_path}.refunds[{number}]"
            if _text(entry.get("state")) not in REFUND_DONE_STATES:
                continue  # waiting: no money given back yet
            refund_id = _text(entry.get("id"))
            if not refund_id:
                raise _CanonicalError(f"{path}.id", "the Mirakl refund has no id")
            amount = _money(entry.get("amount"), f"{path}.amount")
            total = amount + _money(
                entry.get("shipping_amount"), f"{path}.shipping_amount"
            )
            if not include_tax:
                for key in ("taxes", "shipping_taxes"):
                    total += _tax_sum(entry, key, "amount", path) or _ZERO
            created = _datetime(entry.get("created_date"), f"{path}.created_date")
            refund = refunds.setdefault(
                refund_id,
                {
                    "external_id": refund_id,
                    "order_external_id": order_id,
                    "amount": _ZERO,
                    "reason": _text(entry.get("reason_code")),
                    "lines": [],
                    "created_at": created,
                },
            )
            refund["amount"] += total
            refund["reason"] = refund["reason"] or _text(entry.get("reason_code"))
            if created and (not refund["created_at"] or created < refund["created_at"]):
                refund["created_at"] = created
            quantity = _money(entry.get("quantity"), f"{path}.quantity")
            if amount or quantity:
                refund["lines"].append(
                    {
                        "line_external_id": _text(item.get("order_line_id")),
                        "sku": _text(item.get("offer_sku")),
                        "quantity": _amount(quantity),
                        "amount": _amount(amount),
                    }
                )
    for refund in refunds.values():
        refund["amount"] = _amount(refund["amount"])
    return list(refunds.values())


def _note(payload: dict) -> str:
    channel = _object(payload, "channel", "channel")
    code, label = _text(channel.get("code")), _text(channel.get("label"))
    if not (code or label):
        return ""
    shown = f"{label} ({code})" if label and code and label != code else label or code
    return f"Mirakl sales channel: {shown}"


def order_to_canonical(payload: dict, status_targets: Mapping | None = None):
    """Map a Mirakl order (an OR11 ``orders[]`` item) to a canonical Order.

    Refused and cancelled lines, and lines whose quantity operator
    cancellations brought to 0, are left out; an order with no line left (a
    refused or cancelled order) keeps its lines at their ordered quantity and
    has no total. ``status_targets`` maps Mirakl order states to canonical
    statuses (default :data:`DEFAULT_STATUS_TARGETS`; states it lacks fall back
    to the default, unknown ones to pending).
    """
    if not isinstance(payload, dict):
        raise _CanonicalError("", "a Mirakl order must be a JSON object")
    order_id = _text(payload.get("order_id"))
    if not order_id:
        raise _CanonicalError("order_id", "the Mirakl order has no order_id")
    include_tax = _text(payload.get("order_tax_mode")) == TAX_INCLUDED
    items = _objects(payload, "order_lines", "order_lines")
    kept = []
    for index, item in enumerate(items):
        path = f"order_lines[{index}]"
        if _text(item.get("order_line_state")) in api.LINE_CLOSED_STATES:
            continue
        if _line_quantity(item, path) > 0:
            kept.append((path, item))
    if kept:
        lines = [_line(item, path, _line_quantity(item, path)) for path, item in kept]
        total = _amount(_total(kept, include_tax))
    else:
        lines = [
            _line(
                item,
                f"order_lines[{i}]",
                _ordered_quantity(item, f"order_lines[{i}]"),
                promotions=False,
            )
            for i, item in enumerate(items)
        ]
        total = None
    party, billing, shipping_address = _customer(payload)
    data = {
        "external_id": order_id,
        "name": order_id,
        "status": map_status(payload.get("order_state"), status_targets),
        "currency": _text(payload.get("currency_iso_code")).upper(),
        "ordered_at": _datetime(payload.get("created_date"), "created_date"),
        "updated_at": _datetime(payload.get("last_updated_date"), "last_updated_date"),
        "prices_include_tax": include_tax,
        "customer": party,
        "billing_address": billing,
        "shipping_address": shipping_address,
        "lines": lines,
        "shipping": _shipping(kept, payload),
        "payment": {
            "method": PAYMENT_METHOD,
            "reference": _text(payload.get("commercial_id")),
        },
        "note": _note(payload),
        "total": total,
        "refunds": _refunds(payload, order_id, include_tax),
    }
    return canonical.order_from_dict(data)


def order_reference(payload: dict) -> tuple[str, datetime | None, str]:
    """``(order_id, last update as naive UTC or None, order_state)``, cheaply."""
    if not isinstance(payload, dict):
        return "", None, ""
    try:
        updated = canonical.parse_datetime(
            payload.get("last_updated_date"), "last_updated_date"
        )
    except _CanonicalError:
        updated = None
    return (
        _text(payload.get("order_id")),
        updated,
        _text(payload.get("order_state")),
    )


def is_waiting_acceptance(payload: dict) -> bool:
    """Whether the order waits for the seller to accept or refuse its lines."""
    return (
        isinstance(payload, dict)
        and _text(payload.get("order_state")) == api.WAITING_ACCEPTANCE
    )


# --- acceptance ---------------------------------------------------------------


def acceptance_lines(payload: dict) -> list[tuple[str, str, int]]:
    """``(order_line_id, offer_sku, quantity)`` of the lines awaiting a decision."""
    lines = []
    for index, item in enumerate(_objects(payload, "order_lines", "order_lines")):
        if _text(item.get("order_line_state")) != api.WAITING_ACCEPTANCE:
            continue
        path = f"order_lines[{index}]"
        line_id = _text(item.get("order_line_id"))
        if not line_id:
            raise _CanonicalError(
                f"{path}.order_line_id", "the Mirakl order line has no id"
            )
        quantity = _line_quantity(item, path)
        if quantity != quantity.to_integral_value():
            raise _CanonicalError(
                f"{path}.quantity", f"{quantity} is not a whole quantity"
            )
        lines.append((line_id, _text(item.get("offer_sku")), int(quantity)))
    return lines


def _quantity(value) -> Decimal:
    """A free quantity as Decimal (Odoo gives floats)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value or 0))


def acceptance_decisions(
    lines: Iterable, available: Mapping, partial_allowed: bool
) -> dict[str, bool]:
    """Accept each line whose SKU still has enough free quantity.

    Lines are decided in the given order and an accepted line consumes its
    quantity, so two lines of one SKU never both take the last unit. Without
    partial acceptance it is every line or none.
    """
    remaining = {sku: _quantity(free) for sku, free in (available or {}).items()}
    decisions = {}
    for line_id, sku, quantity in lines:
        free = remaining.get(sku, _ZERO)
        needed = _quantity(quantity)
        accepted = bool(sku) and free >= needed
        if accepted:
            remaining[sku] = free - needed
        decisions[line_id] = accepted
    if not partial_allowed and not all(decisions.values()):
        return dict.fromkeys(decisions, False)
    return decisions


# --- refunds (OR28) -----------------------------------------------------------


def _pro_rata(line_payload: dict, key: str, base_key: str, amount) -> list[dict]:
    base = _money(line_payload.get(base_key), base_key)
    amount = _money(amount, "amount")
    shares = {}
    for index, tax in enumerate(_objects(line_payload, key, key)):
        tax_amount = _money(tax.get("amount"), f"{key}[{index}].amount")
        code = _text(tax.get("code"))
        shares[code] = shares.get(code, _ZERO) + (
            tax_amount * amount / base if base else _ZERO
        )
    return [{"code": code, "amount": _cents(share)} for code, share in shares.items()]


def line_taxes_for_amount(line_payload: dict, amount) -> list[dict]:
    """The taxes of a Mirakl line for a refunded part of its price.

    Each tax code gets its amount x ``amount`` / line ``price``, rounded
    half-up to the cent: ``[{"code", "amount": Decimal}]``.
    """
    return _pro_rata(line_payload, "taxes", "price", amount)


def shipping_taxes_for_amount(line_payload: dict, amount) -> list[dict]:
    """Same as :func:`line_taxes_for_amount` for the line's shipping price."""
    return _pro_rata(line_payload, "shipping_taxes", "shipping_price", amount)


def _request_taxes(line: dict, key: str, path: str) -> list[dict]:
    taxes = []
    for index, tax in enumerate(_objects(line, key, f"{path}.{key}")):
        code = _text(tax.get("code"))
        if not code:
            raise _CanonicalError(f"{path}.{key}[{index}].code", "a tax needs a code")
        amount = canonical.parse_decimal(
            tax.get("amount"), f"{path}.{key}[{index}].amount"
        )
        taxes.append({"code": code, "amount": float(_cents(amount))})
    return taxes


def refund_requests(
    lines: Iterable, *, currency: str, reason_code: str, taxes_included: bool
) -> list[dict]:
    """The ``refunds`` list of an OR28 call, one entry per refunded line.

    ``lines``: ``{order_line_id, amount, quantity, shipping_amount, taxes:
    [{code, amount}], shipping_taxes: [{code, amount}]}``; amounts are in the
    order's tax mode (``taxes_included``: the taxes are part of the amounts,
    which therefore cannot be smaller than them). Amounts are rounded to the
    cent and sent as JSON numbers.
    """
    currency = _text(currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise _CanonicalError(
            "currency_iso_code", f"{currency!r} is not a currency code"
        )
    reason_code = _text(reason_code)
    if not reason_code:
        raise _CanonicalError(
            "reason_code",
            "choose a Mirakl refund reason (reason codes are listed in the "
            "Mirakl back office) on the connection",
        )
    requests = []
    for index, line in enumerate(lines):
        path = f"refunds[{index}]"
        line_id = _text(line.get("order_line_id"))
        if not line_id:
            raise _CanonicalError(f"{path}.order_line_id", "this field is required")
        amount = canonical.parse_decimal(line.get("amount") or 0, f"{path}.amount")
        shipping = canonical.parse_decimal(
            line.get("shipping_amount") or 0, f"{path}.shipping_amount"
        )
        if not amount and not shipping:
            raise _CanonicalError(
                path, f"nothing to refund on the Mirakl order line {line_id}"
            )
        request = {
            "order_line_id": line_id,
            "amount": float(_cents(amount)),
            "shipping_amount": float(_cents(shipping)),
            "currency_iso_code": currency,
            "reason_code": reason_code,
            "taxes": _request_taxes(line, "taxes", path),
            "shipping_taxes": _request_taxes(line, "shipping_taxes", path),
        }
        if taxes_included:
            for key, base in (("taxes", amount), ("shipping_taxes", shipping)):
                if sum(Decimal(str(t["amount"])) for t in request[key]) > base:
                    raise _CanonicalError(
                        f"{path}.{key}",
                        "the taxes are more than the tax-included amount refunded",
                    )
        if line.get("quantity") not in (None, ""):
            quantity = canonical.parse_decimal(line["quantity"], f"{path}.quantity")
            request["quantity"] = int(quantity)
        requests.append(request)
    return requests


# --- settlement (TL02, IV01) --------------------------------------------------


@dataclass(frozen=True)
class TransactionLine:
    """One line of Mirakl's transaction log (TL02)."""

    id: str
    type: str
    amount: Decimal
    amount_credited: Decimal
    amount_debited: Decimal
    currency: str = ""
    date_created: datetime | None = None
    last_updated: datetime | None = None
    payment_state: str = ""
    accounting_document_id: str = ""
    accounting_document_number: str = ""
    payment_voucher_number: str = ""
    billing_cycle_id: str = ""
    order_id: str = ""
    order_commercial_id: str = ""
    order_line_id: str = ""
    refund_id: str = ""
    tax_code: str = ""
    tax_rate: Decimal | None = None
    fee_code: str = ""


def _required(payload: dict, key: str, what: str):
    """The value under ``key``; CanonicalError when missing or empty."""
    if payload.get(key) in (None, ""):
        raise _CanonicalError(key, f"the Mirakl {what} has no {key}")
    return payload[key]


def transaction_line(payload: dict) -> TransactionLine:
    """Map a TL02 ``data[]`` item; unknown types are kept as they come."""
    if not isinstance(payload, dict):
        raise _CanonicalError("", "a Mirakl transaction line must be a JSON object")
    line_id = _text(_required(payload, "id", "transaction line"))
    kind = _text(_required(payload, "type", f"transaction line {line_id}"))
    amount = _required(payload, "amount", f"transaction line {line_id}")
    entities = _object(payload, "entities", "entities")

    def entity(name, key="id"):
        return _text(_object(entities, name, f"entities.{name}").get(key))

    rate = entity("order_tax", "rate")
    return TransactionLine(
        id=line_id,
        type=kind,
        amount=_money(amount, "amount"),
        amount_credited=_money(payload.get("amount_credited"), "amount_credited"),
        amount_debited=_money(payload.get("amount_debited"), "amount_debited"),
        currency=_text(payload.get("currency_iso_code")).upper(),
        date_created=_datetime(payload.get("date_created"), "date_created"),
        last_updated=_datetime(payload.get("last_updated"), "last_updated"),
        payment_state=_text(payload.get("payment_state")),
        accounting_document_id=_text(payload.get("accounting_document_id")),
        accounting_document_number=_text(payload.get("accounting_document_number")),
        payment_voucher_number=_text(payload.get("payment_voucher_number")),
        billing_cycle_id=_text(payload.get("seller_billing_cycle_id")),
        order_id=entity("order"),
        order_commercial_id=entity("order", "commercial_id"),
        order_line_id=entity("order_line"),
        refund_id=entity("refund"),
        tax_code=entity("order_tax", "code"),
        tax_rate=_money(rate, "entities.order_tax.rate") if rate else None,
        fee_code=entity("fee", "code"),
    )


@dataclass(frozen=True)
class AccountingDocument:
    """An accounting document of the operator to the seller (IV01)."""

    id: str
    number: str
    type: str
    issue_date: datetime | None
    due_date: datetime | None
    total_excl: Decimal
    total_incl: Decimal
    currency: str
    payment_state: str = ""
    payment_reference: str = ""
    payment_date: datetime | None = None


def accounting_document(payload: dict) -> AccountingDocument:
    """Map an IV01 ``invoices[]`` item."""
    if not isinstance(payload, dict):
        raise _CanonicalError("", "a Mirakl accounting document must be a JSON object")
    document_id = _text(_required(payload, "id", "accounting document"))
    what = f"accounting document {document_id}"
    excl, incl = "total_amount_excl_taxes", "total_amount_incl_taxes"
    payment = _object(payload, "payment", "payment")
    return AccountingDocument(
        id=document_id,
        number=_text(payload.get("invoice_id")) or document_id,
        type=_text(payload.get("type")),
        issue_date=_datetime(payload.get("issue_date"), "issue_date"),
        due_date=_datetime(payload.get("due_date"), "due_date"),
        total_excl=_money(_required(payload, excl, what), excl),
        total_incl=_money(_required(payload, incl, what), incl),
        currency=_text(payload.get("currency_iso_code")).upper(),
        payment_state=_text(payment.get("state")),
        payment_reference=_text(payment.get("reference")),
        payment_date=_datetime(
            payment.get("transaction_date"), "payment.transaction_date"
        ),
    )
