"""WooCommerce payloads <-> canonical model, and webhook helpers.

Pure functions: no Odoo, no network. Money arrives as strings ("10.00", "37.8")
or, for a line's ``price``, as a JSON number; everything becomes Decimal.
"""

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qs, urlsplit

from odoo.addons.retail_connector_base.tools import canonical, signatures

from . import const

_ZERO = Decimal(0)
_UNIT_PRICE_STEP = Decimal("0.000001")
_RATE_STEP = Decimal("0.0001")
_CENT = Decimal("0.01")
_PING_BODY = re.compile(rb"\s*webhook_id=\d+\s*")
_CanonicalError = canonical.CanonicalError


class WebhookPayloadError(ValueError):
    """A delivery whose headers or body are not what WooCommerce sends."""


# --- small helpers ------------------------------------------------------------


def _money(value, path) -> Decimal:
    """Parse a WooCommerce money value; empty means zero."""
    if value is None or value == "":
        return _ZERO
    return canonical.parse_decimal(value, path, allow_negative=True)


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _plain(value: Decimal) -> str:
    """Decimal as plain text without exponent and without useless zeros."""
    if value == value.to_integral_value():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


def _amount(value: Decimal) -> str:
    """Decimal as text, exponent-free (canonical dicts and request bodies)."""
    return format(value, "f")


def _unit_price(gross: Decimal, quantity: Decimal) -> Decimal:
    """Line amount / quantity, kept exact when it fits in 6 decimals."""
    unit = gross / quantity
    if unit.as_tuple().exponent < -6:
        unit = unit.quantize(_UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)
    return unit


def cents(value) -> Decimal:
    """A money value rounded half-up to the cent, as the store keeps amounts."""
    return Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP)


def money_text(value) -> str:
    """A price as WooCommerce takes it: a string with two decimals."""
    return format(cents(value), "f")


def _header(headers: Mapping, name: str) -> str | None:
    """Case-insensitive header lookup on any mapping."""
    if headers is None:
        return None
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if isinstance(key, str) and key.lower() == lowered:
                value = candidate
                break
    return None if value is None else str(value)


def _list(data: dict, key: str, path: str = "") -> list:
    """The list under ``key`` (empty when absent or empty).

    Anything else is a CanonicalError at ``path`` (``key`` when not given).
    """
    value = data.get(key)
    if not value:
        return []
    if not isinstance(value, list):
        raise _CanonicalError(path or key, "expected a list")
    return value


def _objects(data: dict, key: str, path: str = "") -> list[dict]:
    """The list of JSON objects under ``key``; CanonicalError for any other."""
    path = path or key
    items = _list(data, key, path)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _CanonicalError(f"{path}[{index}]", "expected an object")
    return items


# --- taxes --------------------------------------------------------------------


def _tax_rates(payload: dict) -> dict:
    """Map each tax rate id of the order to its percentage (``rate_percent``).

    Stores older than WooCommerce 5.7 omit ``rate_percent``; those rates are
    left out and the line rate is computed from the amounts instead.
    """
    rates = {}
    for index, tax_line in enumerate(_list(payload, "tax_lines")):
        if not isinstance(tax_line, dict):
            continue
        percent = tax_line.get("rate_percent")
        if percent is None or percent == "":
            continue
        rates[str(tax_line.get("rate_id"))] = canonical.parse_decimal(
            percent, f"tax_lines[{index}].rate_percent"
        )
    return rates


def _tax_rate(item: dict, rates: dict, path: str) -> Decimal:
    """Tax rate (percent) of one line, shipping line or fee.

    Sum of the ``rate_percent`` of the rates that taxed it; otherwise computed
    from the amounts (``taxes[]`` keep 6 decimals and a line's ``price`` is its
    unrounded total per unit, so the ratio is exact to 4 decimals even where the
    displayed amounts are rounded); 0 for an untaxed item.
    """
    applied = []
    tax_total = tax_subtotal = _ZERO
    for index, tax in enumerate(_list(item, "taxes", f"{path}.taxes")):
        if not isinstance(tax, dict):
            continue
        total = _money(tax.get("total"), f"{path}.taxes[{index}].total")
        subtotal = _money(tax.get("subtotal"), f"{path}.taxes[{index}].subtotal")
        if total or subtotal:
            applied.append(str(tax.get("id")))
        tax_total += total
        tax_subtotal += subtotal
    if applied and all(rate_id in rates for rate_id in applied):
        return sum((rates[rate_id] for rate_id in applied), _ZERO)
    if not applied:
        tax_total = _money(item.get("total_tax"), f"{path}.total_tax")
    base = _money(item.get("total"), f"{path}.total")
    if item.get("price") not in (None, "") and item.get("quantity"):
        base = _money(item["price"], f"{path}.price") * _money(
            item["quantity"], f"{path}.quantity"
        )
    if not base and item.get("subtotal"):
        # A line discounted to zero still shows its rate on the subtotal.
        base = _money(item.get("subtotal"), f"{path}.subtotal")
        tax_total = tax_subtotal or _money(
            item.get("subtotal_tax"), f"{path}.subtotal_tax"
        )
    if not base or not tax_total:
        return _ZERO
    rate = (tax_total / base * 100).quantize(_RATE_STEP, ROUND_HALF_UP)
    return Decimal(_plain(rate))


# --- orders -------------------------------------------------------------------


def map_status(wc_status: str, status_mapping: Mapping | None = None) -> str:
    """Return the canonical status for a WooCommerce status.

    ``status_mapping`` values are canonical statuses or ``REFUND_HANDLING``
    (the sale stays confirmed; refunds[] carry the money back). An unmapped
    status is a business error a person fixes in the connection's mapping.
    """
    mapping = const.DEFAULT_STATUS_MAPPING if status_mapping is None else status_mapping
    status = _text(wc_status)
    if status.startswith("wc-"):
        status = status[3:]
    target = mapping.get(status)
    if not target:
        raise _CanonicalError(
            "status",
            f"the WooCommerce status {status!r} has no mapping; add it to the "
            "connection's status mapping",
            cause_kind="unknown_status" if status else None,
            cause_value=status,
        )
    if target == const.REFUND_HANDLING:
        return const.REFUND_HANDLING_STATUS
    if target not in canonical.ORDER_STATUSES:
        raise _CanonicalError(
            "status",
            f"the WooCommerce status {status!r} is mapped to {target!r}, which is "
            f"not one of {', '.join(canonical.ORDER_STATUSES)}",
        )
    return target


def _address(data) -> dict:
    data = data if isinstance(data, dict) else {}
    name = " ".join(
        part
        for part in (_text(data.get("first_name")), _text(data.get("last_name")))
        if part
    )
    return {
        "name": name,
        "company": _text(data.get("company")),
        "street": _text(data.get("address_1")),
        "street2": _text(data.get("address_2")),
        "city": _text(data.get("city")),
        "zip": _text(data.get("postcode")),
        "state_code": _text(data.get("state")),
        "country_code": _text(data.get("country")).upper(),
        "email": _text(data.get("email")),
        "phone": _text(data.get("phone")),
    }


def _line(item, index, rates, include_tax) -> dict:
    path = f"line_items[{index}]"
    name = _text(item.get("name"))
    sku = _text(item.get("sku"))
    product_id = item.get("variation_id") or item.get("product_id") or ""
    if not sku:
        raise _CanonicalError(
            f"{path}.sku",
            f"the product {name or '?'!r} (WooCommerce id {product_id or '?'}) has no "
            "SKU in the store; give it a SKU so it can be matched to a product",
        )
    quantity = canonical.parse_decimal(item.get("quantity"), f"{path}.quantity")
    if quantity <= 0:
        raise _CanonicalError(f"{path}.quantity", "must be greater than zero")
    subtotal = _money(item.get("subtotal"), f"{path}.subtotal")
    total = _money(item.get("total"), f"{path}.total")
    if include_tax:
        # The canonical unit price of a tax-inclusive store includes the tax.
        subtotal += _money(item.get("subtotal_tax"), f"{path}.subtotal_tax")
        total += _money(item.get("total_tax"), f"{path}.total_tax")
    if total > subtotal:
        # Price raised by hand in the admin: no discount, the total is the price.
        subtotal = total
    unit_price = _unit_price(subtotal, quantity)
    discount = min(subtotal - total, quantity * unit_price)
    return {
        "external_id": str(item.get("id") or ""),
        "sku": sku,
        "name": name,
        "quantity": _amount(quantity),
        "unit_price": _amount(unit_price),
        "discount": _amount(max(discount, _ZERO)),
        "tax_rate": _amount(_tax_rate(item, rates, path)),
        "product_external_id": str(product_id),
    }


def _charge(item, path, rates, include_tax) -> tuple[Decimal, Decimal]:
    amount = _money(item.get("total"), f"{path}.total")
    if include_tax:
        amount += _money(item.get("total_tax"), f"{path}.total_tax")
    return amount, _tax_rate(item, rates, path)


def _refund_entry(entry, index) -> dict:
    path = f"refunds[{index}]"
    return {
        "external_id": str(entry.get("id") or ""),
        # WooCommerce lists refunds with a negative total.
        "amount": _amount(abs(_money(entry.get("total"), f"{path}.total"))),
        "reason": _text(entry.get("reason")),
    }


def order_to_canonical(payload: dict, status_mapping: Mapping | None = None):
    """Map a WooCommerce order (``GET orders/<id>`` / webhook body) to an Order.

    In a tax-inclusive store (``prices_include_tax``) every canonical amount
    (unit prices, discounts, shipping, fees, coupons) includes its tax; tax
    rates come from ``tax_lines[].rate_percent`` or are computed from the
    amounts. Raises CanonicalError with a message a back-office user can act on.
    """
    if not isinstance(payload, dict):
        raise _CanonicalError("", "a WooCommerce order must be a JSON object")
    if not payload.get("id"):
        raise _CanonicalError("id", "the WooCommerce order has no id")
    include_tax = bool(payload.get("prices_include_tax"))
    rates = _tax_rates(payload)
    lines = [
        _line(item, index, rates, include_tax)
        for index, item in enumerate(_objects(payload, "line_items"))
    ]
    shipping = []
    for index, item in enumerate(_objects(payload, "shipping_lines")):
        amount, rate = _charge(item, f"shipping_lines[{index}]", rates, include_tax)
        shipping.append(
            {
                "code": _text(item.get("method_id")) or "shipping",
                "name": _text(item.get("method_title")),
                "amount": _amount(amount),
                "tax_rate": _amount(rate),
            }
        )
    fees = []
    for index, item in enumerate(_objects(payload, "fee_lines")):
        amount, rate = _charge(item, f"fee_lines[{index}]", rates, include_tax)
        fees.append(
            {
                "name": _text(item.get("name")),
                "amount": _amount(amount),
                "tax_rate": _amount(rate),
            }
        )
    discounts = []
    for index, item in enumerate(_objects(payload, "coupon_lines")):
        path = f"coupon_lines[{index}]"
        amount = _money(item.get("discount"), f"{path}.discount")
        if include_tax:
            amount += _money(item.get("discount_tax"), f"{path}.discount_tax")
        discounts.append({"code": _text(item.get("code")), "amount": _amount(amount)})
    billing = _address(payload.get("billing"))
    shipping_address = _address(payload.get("shipping"))
    customer_id = payload.get("customer_id")
    total = _money(payload.get("total"), "total")
    data = {
        "external_id": str(payload["id"]),
        "name": _text(payload.get("number")) or str(payload["id"]),
        "status": map_status(payload.get("status"), status_mapping),
        "currency": _text(payload.get("currency")).upper(),
        "ordered_at": payload.get("date_created_gmt") or payload.get("date_created"),
        "updated_at": payload.get("date_modified_gmt") or payload.get("date_modified"),
        "prices_include_tax": include_tax,
        "customer": {
            # 0 is a guest checkout: matched by email, not by id.
            "external_id": str(customer_id) if customer_id else "",
            "email": billing["email"],
            "name": billing["name"] or shipping_address["name"] or billing["company"],
            "phone": billing["phone"],
        },
        "billing_address": billing,
        "shipping_address": shipping_address,
        "lines": lines,
        "shipping": shipping,
        "fees": fees,
        "discounts": discounts,
        "payment": {
            "method": _text(payload.get("payment_method"))
            or _text(payload.get("payment_method_title")),
            "reference": _text(payload.get("transaction_id")),
            "status": "paid"
            if (payload.get("date_paid_gmt") or payload.get("date_paid"))
            else "pending",
            "amount": _amount(total),
        },
        "note": payload.get("customer_note") or "",
        "total": _amount(total),
        "refunds": [
            _refund_entry(entry, index)
            for index, entry in enumerate(_objects(payload, "refunds"))
        ],
    }
    return canonical.order_from_dict(data)


def refund_to_canonical(
    payload: dict, order_external_id: str, *, prices_include_tax: bool = False
):
    """Map ``GET orders/<id>/refunds/<id>`` to a Refund with its lines.

    Refund line quantities and totals are negative in WooCommerce; canonical
    ones are positive. ``line_external_id`` comes from ``_refunded_item_id``
    when the store exposes it.
    """
    if not isinstance(payload, dict):
        raise _CanonicalError("", "a WooCommerce refund must be a JSON object")
    lines = []
    for index, item in enumerate(_objects(payload, "line_items")):
        path = f"line_items[{index}]"
        amount = _money(item.get("total"), f"{path}.total")
        if prices_include_tax:
            amount += _money(item.get("total_tax"), f"{path}.total_tax")
        refunded_item = ""
        for meta in _list(item, "meta_data", f"{path}.meta_data"):
            if isinstance(meta, dict) and meta.get("key") in (
                "_refunded_item_id",
                "refunded_item_id",
            ):
                refunded_item = _text(meta.get("value"))
        lines.append(
            canonical.RefundLine(
                line_external_id=refunded_item,
                sku=_text(item.get("sku")),
                quantity=abs(_money(item.get("quantity"), f"{path}.quantity")),
                amount=abs(amount),
            )
        )
    refund_id = _text(payload.get("id"))
    if not refund_id:
        raise _CanonicalError("id", "the WooCommerce refund has no id")
    return canonical.Refund(
        external_id=refund_id,
        order_external_id=str(order_external_id),
        amount=abs(_money(payload.get("amount"), "amount")),
        reason=_text(payload.get("reason")),
        lines=tuple(lines),
        created_at=canonical.parse_datetime(
            payload.get("date_created_gmt") or payload.get("date_created"),
            "date_created_gmt",
        ),
    )


# --- outbound -----------------------------------------------------------------


def stock_update_items(levels: Iterable) -> list[dict]:
    """Batch ``update`` items that set each product's or variation's stock.

    ``levels`` are canonical StockLevels whose ``external_id`` is the
    WooCommerce product or variation id. Stock is only applied with
    ``manage_stock`` on, so it is always switched on.
    """
    items = []
    for level in levels:
        if not str(level.external_id or "").isdigit():
            raise _CanonicalError(
                "external_id",
                f"SKU {level.sku!r} is not linked to a WooCommerce product or "
                "variation; link the catalog first",
            )
        quantity = int(level.quantity)
        items.append(
            {
                "id": int(level.external_id),
                "manage_stock": True,
                "stock_quantity": quantity,
                "stock_status": "instock" if quantity > 0 else "outofstock",
            }
        )
    return items


def stock_updates_by_endpoint(levels: Iterable, parent_ids: Mapping) -> dict:
    """Group stock items per batch endpoint.

    ``parent_ids`` maps a variation's external id to its product's id; the
    result maps ``""`` (``products/batch``) or a parent id
    (``products/<id>/variations/batch``) to its update items.
    """
    groups: dict = {}
    for item in stock_update_items(levels):
        parent = str(parent_ids.get(str(item["id"])) or "")
        groups.setdefault(parent, []).append(item)
    return groups


def refund_payload(
    amount,
    reason: str = "",
    lines: Sequence = (),
    *,
    api_refund: bool = True,
    api_restock: bool = True,
    order: dict | None = None,
) -> dict:
    """Body of ``POST orders/<id>/refunds``.

    ``lines`` are canonical RefundLines (or dicts with the same keys) whose
    ``amount`` follows the order's convention (tax included in a tax-inclusive
    store). With the WooCommerce ``order`` at hand, lines given by SKU are
    resolved to line ids and each amount is split into ``refund_total`` and
    ``refund_tax`` per tax rate, as the store records them.
    """
    total = canonical.parse_decimal(amount, "amount")
    if total <= 0:
        raise _CanonicalError("amount", "a refund amount must be greater than zero")
    body = {
        "amount": _amount(total.quantize(Decimal("0.01"), ROUND_HALF_UP)),
        "reason": reason or "",
        "api_refund": bool(api_refund),
        "api_restock": bool(api_restock),
    }
    order_lines = [
        item
        for item in ((order or {}).get("line_items") or [])
        if isinstance(item, dict)
    ]
    include_tax = bool((order or {}).get("prices_include_tax"))
    items = []
    for index, line in enumerate(lines):
        get = (
            line.get
            if isinstance(line, dict)
            else lambda key, obj=line: getattr(obj, key, "")
        )
        path = f"lines[{index}]"
        line_id = _text(get("line_external_id"))
        sku = _text(get("sku"))
        source = next(
            (
                item
                for item in order_lines
                if (line_id and str(item.get("id")) == line_id)
                or (not line_id and sku and _text(item.get("sku")) == sku)
            ),
            None,
        )
        if source is not None:
            line_id = str(source.get("id"))
        if not line_id.isdigit():
            raise _CanonicalError(
                path, f"cannot tell which order line SKU {sku!r} refunds"
            )
        line_amount = _money(get("amount"), f"{path}.amount")
        entry = {
            "id": int(line_id),
            "quantity": int(_money(get("quantity"), f"{path}.quantity")),
        }
        entry.update(_split_line_refund(line_amount, source, include_tax, path))
        items.append(entry)
    if items:
        body["line_items"] = items
    return body


def refundable_amount(order: dict) -> Decimal:
    """What is left to refund on a WooCommerce order: its total minus refunds."""
    refunded = sum(
        (
            abs(Decimal(str(entry.get("total") or 0)))
            for entry in order.get("refunds") or []
        ),
        Decimal(0),
    )
    return Decimal(str(order.get("total") or 0)) - refunded


def _split_line_refund(amount: Decimal, source, include_tax, path) -> dict:
    """``refund_total`` (untaxed) and ``refund_tax`` for one refunded line."""
    cent = Decimal("0.01")
    taxes = []
    if source is not None:
        base = _money(source.get("total"), f"{path}.total")
        for tax in source.get("taxes") or []:
            tax_total = _money(tax.get("total"), f"{path}.taxes.total")
            if tax_total and base:
                taxes.append((tax.get("id"), tax_total / base))
    ratio = sum((share for _, share in taxes), _ZERO)
    untaxed = amount / (1 + ratio) if include_tax else amount
    untaxed = untaxed.quantize(cent, ROUND_HALF_UP)
    result = {"refund_total": _amount(untaxed)}
    if taxes:
        result["refund_tax"] = [
            {
                "id": tax_id,
                "refund_total": _amount(
                    (untaxed * share).quantize(cent, ROUND_HALF_UP)
                ),
            }
            for tax_id, share in taxes
        ]
        if include_tax:
            # Keep total + taxes equal to the amount asked for, cent for cent.
            taxed = sum(Decimal(t["refund_total"]) for t in result["refund_tax"])
            result["refund_tax"][-1]["refund_total"] = _amount(
                Decimal(result["refund_tax"][-1]["refund_total"])
                + amount
                - untaxed
                - taxed
            )
    return result


def _price(value, path):
    if value is None or value == "":
        return None
    return _amount(canonical.parse_decimal(value, path))


def _common_fields(data: dict, path: str) -> dict:
    body = {}
    for key in ("sku", "description", "short_description", "status", "backorders"):
        if data.get(key) not in (None, ""):
            body[key] = str(data[key])
    for key in ("regular_price", "sale_price"):
        price = _price(data.get(key), f"{path}.{key}")
        if price is not None:
            body[key] = price
    if data.get("weight") not in (None, ""):
        body["weight"] = _plain(
            canonical.parse_decimal(data["weight"], f"{path}.weight")
        )
    if data.get("manage_stock") is not None or data.get("stock_quantity") is not None:
        body["manage_stock"] = bool(data.get("manage_stock", True))
        if data.get("stock_quantity") is not None:
            body["stock_quantity"] = int(data["stock_quantity"])
    return body


def product_payload(template: dict) -> dict:
    """Body of ``POST products`` for a product template given as a plain dict.

    Keys: ``name`` (required), ``sku``, ``description``, ``short_description``,
    ``status`` (publish/draft/private), ``regular_price``, ``sale_price``,
    ``weight``, ``manage_stock``, ``stock_quantity``, ``categories`` (ids),
    ``attributes`` (``[{"name", "values", "id"?}]``) and ``variants``
    (``[{"sku", "attributes": {name: value}, "regular_price", ...}]``). With
    variants the product is ``variable``: prices and stock live on the
    variations (see :func:`variation_payloads`).
    """
    name = _text(template.get("name"))
    if not name:
        raise _CanonicalError("name", "a product needs a name")
    variants = template.get("variants") or []
    body = {"name": name, "type": "variable" if variants else "simple"}
    body.update(_common_fields(template, "product"))
    if variants:
        for key in ("regular_price", "sale_price", "manage_stock", "stock_quantity"):
            body.pop(key, None)
    if template.get("categories"):
        body["categories"] = [{"id": int(cat)} for cat in template["categories"]]
    attributes = []
    for index, attribute in enumerate(template.get("attributes") or []):
        values = [str(value) for value in attribute.get("values") or []]
        if not values:
            raise _CanonicalError(
                f"attributes[{index}]",
                f"attribute {attribute.get('name')!r} has no values",
            )
        entry = {
            "name": _text(attribute.get("name")),
            "options": values,
            "visible": True,
            "variation": bool(variants),
        }
        if attribute.get("id"):
            entry["id"] = int(attribute["id"])
        attributes.append(entry)
    if variants and not attributes:
        raise _CanonicalError("attributes", "a product with variants needs attributes")
    if attributes:
        body["attributes"] = attributes
    return body


def variation_payloads(template: dict) -> list[dict]:
    """Variation bodies of a variable product template (see product_payload).

    A variant with an ``external_id`` gets its ``id``, so callers can send it
    as an ``update`` and the others as ``create`` in the variations batch.
    """
    declared = {
        _text(attribute.get("name")): (
            attribute,
            {str(value) for value in attribute.get("values") or []},
        )
        for attribute in template.get("attributes") or []
    }
    payloads = []
    for index, variant in enumerate(template.get("variants") or []):
        path = f"variants[{index}]"
        body = _common_fields(variant, path)
        if not body.get("sku"):
            raise _CanonicalError(f"{path}.sku", "every variant needs a SKU")
        options = []
        for attribute_name, value in (variant.get("attributes") or {}).items():
            if (
                attribute_name not in declared
                or str(value) not in declared[attribute_name][1]
            ):
                raise _CanonicalError(
                    f"{path}.attributes",
                    f"{attribute_name}={value!r} is not one of the product's "
                    "attribute values",
                )
            attribute = declared[attribute_name][0]
            option = {"option": str(value)}
            if attribute.get("id"):
                option["id"] = int(attribute["id"])
            else:
                option["name"] = attribute_name
            options.append(option)
        body["attributes"] = options
        body.setdefault("manage_stock", True)
        if str(variant.get("external_id") or "").isdigit():
            body["id"] = int(variant["external_id"])
        payloads.append(body)
    return payloads


def catalog_entries(product: dict, variations: Iterable = ()) -> list[dict]:
    """Flatten a store product (and its variations) for linking by SKU.

    Each entry: ``external_id``, ``parent_id`` ("" for a product), ``sku``,
    ``name``, ``type``. A variable product's own row is listed too, since it
    may carry a SKU although it is not sold itself.
    """
    if not isinstance(product, dict):
        raise _CanonicalError("", "a WooCommerce product must be a JSON object")
    entries = [
        {
            "external_id": str(product.get("id")),
            "parent_id": str(product.get("parent_id") or ""),
            "sku": _text(product.get("sku")),
            "name": _text(product.get("name")),
            "type": _text(product.get("type")) or "simple",
        }
    ]
    for index, variation in enumerate(variations):
        if not isinstance(variation, dict):
            raise _CanonicalError(
                f"variations[{index}]", "a WooCommerce variation must be a JSON object"
            )
        label = ", ".join(
            _text(attribute.get("option"))
            for attribute in _list(
                variation, "attributes", f"variations[{index}].attributes"
            )
            if isinstance(attribute, dict)
        )
        entries.append(
            {
                "external_id": str(variation.get("id")),
                "parent_id": str(product.get("id")),
                "sku": _text(variation.get("sku")),
                "name": f"{entries[0]['name']} - {label}"
                if label
                else entries[0]["name"],
                "type": "variation",
            }
        )
    return entries


def shipment_note(carrier: str, tracking_number: str, tracking_url: str = "") -> str:
    """Customer note announcing a shipment with its tracking."""
    parts = ["Your order has been shipped"]
    if carrier:
        parts[0] += f" with {carrier}"
    note = parts[0] + "."
    if tracking_number:
        note += f" Tracking number: {tracking_number}."
    if tracking_url:
        note += f" Track it at {tracking_url}"
    return note


def store_summary(system_status: dict) -> dict:
    """What "Test connection" shows: store URL, currency and versions."""
    environment = (system_status or {}).get("environment") or {}
    settings = (system_status or {}).get("settings") or {}
    return {
        "store_url": _text(environment.get("home_url") or environment.get("site_url")),
        "currency": _text(settings.get("currency")),
        "woocommerce_version": _text(environment.get("version")),
        "wordpress_version": _text(environment.get("wp_version")),
    }


def delivery_url_warning(url: str) -> str | None:
    """Explain why a store would refuse this webhook delivery URL, else None."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The webhook URL must be an absolute http(s) URL."
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if port not in const.WEBHOOK_ALLOWED_PORTS:
        allowed = ", ".join(str(p) for p in const.WEBHOOK_ALLOWED_PORTS)
        return (
            f"WooCommerce only delivers webhooks to ports {allowed}; publish Odoo "
            f"behind a reverse proxy instead of port {port}."
        )
    return None


# --- webhooks -----------------------------------------------------------------


def verify_webhook(secret, raw_body: bytes, headers: Mapping) -> None:
    """Check ``X-WC-Webhook-Signature`` (base64 HMAC-SHA256 of the raw body).

    Raises ``signatures.SignatureError``; never compares re-encoded JSON.
    """
    signatures.verify_base64_hmac(
        secret, raw_body, _header(headers, const.HEADER_SIGNATURE)
    )


def is_ping(raw_body: bytes, headers: Mapping) -> bool:
    """Whether this is the unsigned ping sent when a webhook is created.

    It is a form body ``webhook_id=N`` without any ``X-WC-Webhook-*`` header;
    it must be answered 200 and never stored.
    """
    if _header(headers, const.HEADER_TOPIC):
        return False
    return bool(_PING_BODY.fullmatch(raw_body or b""))


def is_creation_ping(headers: Mapping, raw_body: bytes, form=None) -> bool:
    """Whether a delivery is the store's unsigned creation ping.

    Odoo parses a form body before the webhook sees it, leaving the raw
    body empty: the ping is then recognised by its form content type, the
    absence of any delivery header and (when known) its ``webhook_id``.
    """
    if is_ping(raw_body, headers):
        return True
    if raw_body or any(
        headers.get(name) for name in (const.HEADER_TOPIC, const.HEADER_SIGNATURE)
    ):
        return False
    content_type = (headers.get("Content-Type") or "").lower()
    return content_type.startswith("application/x-www-form-urlencoded") and (
        form is None or "webhook_id" in form
    )


def ping_webhook_id(raw_body: bytes) -> int | None:
    """The webhook id announced by a ping body, if it is one."""
    values = parse_qs((raw_body or b"").decode("ascii", "replace")).get("webhook_id")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def parse_webhook(headers: Mapping, raw_body: bytes) -> tuple[str, str, str, dict]:
    """Return (topic, resource, event, payload) of a signed delivery.

    ``deleted`` events carry only ``{"id": N}``. Raises WebhookPayloadError
    when the topic header or the JSON object body is missing.
    """
    topic = _text(_header(headers, const.HEADER_TOPIC))
    if not topic:
        raise WebhookPayloadError(f"the {const.HEADER_TOPIC} header is missing")
    resource, _, event = topic.partition(".")
    resource = _text(_header(headers, const.HEADER_RESOURCE)) or resource
    event = _text(_header(headers, const.HEADER_EVENT)) or event
    try:
        payload = json.loads((raw_body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookPayloadError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise WebhookPayloadError("the body must be a JSON object")
    return topic, resource, event, payload


def webhook_dedup_key(headers: Mapping, payload: dict) -> str:
    """Delivery id + resource id + date_modified, unique per real change.

    WooCommerce derives the delivery id from the webhook id and the current
    second, so two deliveries within one second can share it; the resource's
    id and modification date tell them apart.
    """
    delivery_id = _text(_header(headers, const.HEADER_DELIVERY_ID)) or "-"
    payload = payload if isinstance(payload, dict) else {}
    modified = _text(payload.get("date_modified_gmt") or payload.get("date_modified"))
    return f"{delivery_id}:{_text(payload.get('id'))}:{modified}"[:255]


def modified_at(payload: dict):
    """The resource's modification time (naive UTC datetime), or None."""
    try:
        return canonical.parse_datetime(
            payload.get("date_modified_gmt") or payload.get("date_modified"),
            "date_modified_gmt",
        )
    except canonical.CanonicalError:
        return None
