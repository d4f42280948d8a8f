"""Returns: created for an order of the store, edited, closed, cancelled, processed.

A return has one line item per returned unit (no quantity). Amounts are kept
as `Decimal` and shown as strings; totals are recomputed on every change:
``return_product_total`` (prices), ``return_discount_total``,
``return_tax_total``, ``return_total`` (= products - discounts + tax),
``return_credit_total`` (= ``return_total``: what the returned units are
worth), ``exchange_product_total`` / ``exchange_total`` (the units
exchanged, untaxed / taxed: even exchanges), ``gift_card`` (units with a
``credit`` outcome), ``refund`` (units with a ``refund`` or ``default``
outcome, less the handling fee, not below zero) and ``total`` (= credit -
exchanges - handling fee). Other outcomes count in the return's value only.
"""

from __future__ import annotations

from decimal import Decimal

from ..common import parse_decimal, round_half_up
from .const import CREDIT_OUTCOMES, EXCHANGE_OUTCOMES, REFUND_OUTCOMES
from .render import render_return
from .values import ZERO, money, stamp

_EDITABLE_STATES = ("open", "needs review", "review", "expired")


class ReturnError(ValueError):
    """A change the return's state does not allow (answered 422)."""


def _unit(spec) -> dict:
    """``(line id, reason, outcome[, exchange variant])`` or a dict, normalized."""
    if isinstance(spec, dict):
        data = dict(spec)
        line_id = data.get("provider_line_item_id", data.get("line_item_id"))
    else:
        spec = tuple(spec)
        if not 3 <= len(spec) <= 4:
            raise ValueError(
                "a unit is (provider_line_item_id, reason, outcome[, exchange_variant])"
            )
        line_id = spec[0]
        data = {"reason": spec[1], "outcome": spec[2]}
        if len(spec) == 4:
            data["exchange_variant"] = spec[3]
    if line_id in (None, ""):
        raise ValueError("a unit needs its provider_line_item_id")
    return {
        "provider_line_item_id": str(line_id),
        "reason": str(data.get("reason") or "Other"),
        "parent_reason": data.get("parent_reason"),
        "outcome": str(data.get("outcome") or "refund"),
        "exchange_variant": data.get("exchange_variant"),
        "comment": str(data.get("comment") or ""),
    }


def _customer(order: dict) -> dict:
    customer = order.get("customer") or {}
    if isinstance(customer, str):
        customer = {"email": customer}
    email = str(customer.get("email") or order.get("email") or "")
    if not email:
        raise ValueError("the order needs its customer's e-mail")
    return {
        "email": email,
        "first_name": customer.get("first_name") or order.get("first_name") or "",
        "last_name": customer.get("last_name") or order.get("last_name") or "",
    }


def _address(order: dict, customer: dict) -> dict:
    address = dict(order.get("address") or {})
    name = f"{customer['first_name']} {customer['last_name']}".strip()
    defaults = {
        "name": name,
        "company": None,
        "address1": "1 Return Street",
        "address2": None,
        "city": "Springfield",
        "state": None,
        "zip": "10001",
        "country": "United States",
        "country_code": "US",
        "phone": None,
    }
    return {**defaults, **address}


class Returns:
    """Platform mixin: the life of a return."""

    def create_return(
        self,
        order: dict,
        units,
        *,
        state: str = "open",
        handling_fee="0",
        label: bool = False,
    ) -> dict:
        """Create a return of ``units`` of ``order``; emits ``return.created``.

        ``order`` = ``{"id", "name", "number", "currency", "customer"
        (e-mail, or {"email", "first_name", "last_name"}), "line_items":
        [{"id", "sku", "price", "tax", "product_id", "variant_id", "title",
        "discount"?, "quantity"?, "barcode"?}], "address"?}`` with unit
        amounts; ``units`` = ``[(provider_line_item_id, reason, outcome[,
        exchange_variant]), ...]`` or dicts (``comment``, ``parent_reason``).
        ``state`` "open" or "needs review"; ``label`` also creates the label
        (``label.created``). Returns the rendered return.
        """
        if state not in ("open", "needs review", "review"):
            raise ValueError(f"a new return is open or needs review, not {state!r}")
        provider_order_id = str(order.get("id") or "")
        if not provider_order_id:
            raise ValueError("the order needs its id")
        lines = {}
        for line in order.get("line_items") or []:
            lines[str(line["id"])] = line
        units = [_unit(spec) for spec in units or []]
        if not units:
            raise ValueError("a return needs at least one unit")
        counts: dict[str, int] = {}
        for unit in units:
            line_id = unit["provider_line_item_id"]
            if line_id not in lines:
                raise ValueError(
                    f"line item {line_id} is not in order {provider_order_id}"
                )
            counts[line_id] = counts.get(line_id, 0) + 1
            quantity = lines[line_id].get("quantity")
            if quantity is not None and counts[line_id] > int(quantity):
                raise ValueError(f"line item {line_id}: more units than ordered")
        customer = _customer(order)
        fee = parse_decimal(handling_fee)
        with self.change():
            now = self.now()
            order_id = self.orders.get(provider_order_id)
            if order_id is None:
                order_id = self.orders[provider_order_id] = next(self._order_ids)
            number = str(order.get("number") or provider_order_id)
            record = {
                "id": next(self._return_ids),
                "shop_id": self.shop_id,
                "state": state,
                "created_at": now,
                "edited_at": now,
                "order_id": order_id,
                "order_name": str(order.get("name") or f"#{number}"),
                "order_number": number,
                "provider_order_id": provider_order_id,
                "currency": str(order.get("currency") or "USD"),
                "customer": customer["email"],
                "customer_detail": customer,
                "address": _address(order, customer),
                "handling_fee": fee,
                "refunds": [],
                "labels": [],
                "line_items": [
                    self._line_item(lines[unit["provider_line_item_id"]], unit, now)
                    for unit in units
                ],
                "processed": False,
            }
            self.returns[record["id"]] = record
            self.emit_event("return.created", self.render_return(record))
            if label:
                self.create_label(record["id"])
            return self.render_return(record)

    def _line_item(self, line: dict, unit: dict, now: float) -> dict:
        # Unit amounts in cents, so the totals add up the amounts shown.
        price = round_half_up(parse_decimal(line.get("price", 0)))
        tax = round_half_up(parse_decimal(line.get("tax", 0)))
        discount = round_half_up(parse_decimal(line.get("discount", 0)))
        return {
            "line_item_id": next(self._line_item_ids),
            "provider_line_item_id": unit["provider_line_item_id"],
            "product_id": line.get("product_id"),
            "variant_id": line.get("variant_id") or line.get("product_id"),
            "sku": line.get("sku") or "",
            "barcode": line.get("barcode"),
            "title": line.get("title") or line.get("name") or "",
            "price": price,
            "discount": discount,
            "tax": tax,
            "outcome": unit["outcome"],
            "exchange_variant": unit["exchange_variant"],
            "return_reason": unit["reason"],
            "parent_return_reason": unit["parent_reason"],
            "return_comment": unit["comment"],
            "returned_at": stamp(now),
        }

    # -- reading ----------------------------------------------------------

    def get_return(self, return_id) -> dict:
        """The return's internal record; `KeyError` when unknown."""
        try:
            return self.returns[int(return_id)]
        except (KeyError, ValueError):
            raise KeyError(f"no return {return_id}") from None

    def render_return(self, record: dict) -> dict:
        """The return payload (without ``topic`` and ``trigger``)."""
        return render_return(record, totals(record))

    def return_payload(self, return_id) -> dict:
        """The rendered return ``return_id``."""
        with self.lock:
            return self.render_return(self.get_return(return_id))

    # -- changes ----------------------------------------------------------

    def update_return(
        self,
        return_id,
        *,
        state: str | None = None,
        handling_fee=None,
        outcomes: dict | None = None,
        comments: dict | None = None,
        address: dict | None = None,
    ) -> dict:
        """Edit a return not closed or cancelled; emits ``return.updated``.

        ``state`` open, needs review, review or expired; ``outcomes`` and
        ``comments`` by ``line_item_id``. ``edited_at`` moves.
        """
        if state is not None and state not in _EDITABLE_STATES:
            raise ValueError(f"state: one of {', '.join(_EDITABLE_STATES)}")
        with self.change():
            record = self._editable(return_id)
            units = {unit["line_item_id"]: unit for unit in record["line_items"]}
            for field, changes in (("outcome", outcomes), ("return_comment", comments)):
                for line_item_id, value in (changes or {}).items():
                    unit = units.get(int(line_item_id))
                    if unit is None:
                        raise ValueError(f"no line item {line_item_id} in the return")
                    unit[field] = str(value)
            if state is not None:
                record["state"] = state
            if handling_fee is not None:
                record["handling_fee"] = parse_decimal(handling_fee)
            if address:
                record["address"].update(address)
            return self._touch(record, "return.updated")

    def close_return(self, return_id, refunds=None) -> dict:
        """Close the return; emits ``return.closed``.

        ``refunds`` = ``[{"gateway", "amount", "currency"?,
        "provider_refund_id"}]`` when closing refunded the customer.
        """
        with self.change():
            record = self._editable(return_id)
            for refund in refunds or []:
                record["refunds"].append(
                    {
                        "gateway": str(refund.get("gateway") or self.refund_gateway),
                        "amount": money(refund.get("amount", 0)),
                        "currency": str(refund.get("currency") or record["currency"]),
                        "provider_refund_id": str(
                            refund.get("provider_refund_id")
                            or self.random.randint(10_000, 99_999)
                        ),
                    }
                )
            record["state"] = "closed"
            return self._touch(record, "return.closed")

    def cancel_return(self, return_id) -> dict:
        """Cancel the return: state cancelled, emits ``return.updated``."""
        with self.change():
            record = self._editable(return_id)
            record["state"] = "cancelled"
            return self._touch(record, "return.updated")

    def process_return(
        self, return_id, *, restock: bool = True, location_id=None
    ) -> dict:
        """Loop processes the return: restock requested, refund issued, closed.

        Emits ``restock.requested`` (with ``restock``) then ``return.closed``
        with one refund of the ``refund`` total through ``refund_gateway``
        (none when it is zero).
        """
        with self.change():
            record = self._editable(return_id)
            if restock:
                self.restock_requested(record["id"], location_id=location_id)
            amount = totals(record)["refund"]
            refunds = []
            if amount > ZERO:
                refunds.append({"gateway": self.refund_gateway, "amount": amount})
            record["processed"] = True
            return self.close_return(record["id"], refunds=refunds)

    def _editable(self, return_id) -> dict:
        record = self.get_return(return_id)
        if record["state"] in ("closed", "cancelled"):
            raise ReturnError(f"return {record['id']} is {record['state']}")
        return record

    def _touch(self, record: dict, trigger: str) -> dict:
        record["edited_at"] = max(self.now(), record["edited_at"] + 0.001)
        payload = self.render_return(record)
        self.emit_event(trigger, payload)
        return payload


def totals(record: dict) -> dict[str, Decimal]:
    """The return's totals (see the module), as `Decimal`."""
    sums = {
        key: ZERO
        for key in ("product", "discount", "tax", "refund", "credit", "xprod", "xall")
    }
    for unit in record["line_items"]:
        value = unit["price"] - unit["discount"] + unit["tax"]
        sums["product"] += unit["price"]
        sums["discount"] += unit["discount"]
        sums["tax"] += unit["tax"]
        if unit["outcome"] in REFUND_OUTCOMES:
            sums["refund"] += value
        elif unit["outcome"] in CREDIT_OUTCOMES:
            sums["credit"] += value
        elif unit["outcome"] in EXCHANGE_OUTCOMES:
            sums["xprod"] += unit["price"] - unit["discount"]
            sums["xall"] += value
    fee = record["handling_fee"]
    return_total = sums["product"] - sums["discount"] + sums["tax"]
    return {
        "return_product_total": sums["product"],
        "return_discount_total": sums["discount"],
        "return_tax_total": sums["tax"],
        "return_total": return_total,
        "return_credit_total": return_total,
        "exchange_product_total": sums["xprod"],
        "exchange_total": sums["xall"],
        "gift_card": sums["credit"],
        "handling_fee": fee,
        "refund": max(ZERO, sums["refund"] - fee),
        "total": return_total - sums["xall"] - fee,
    }
