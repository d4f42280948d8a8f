"""Orders and their state machine.

WAITING_ACCEPTANCE -> (OR21, every line accepted) WAITING_DEBIT_PAYMENT ->
(debit, after ``debit_delay`` or `debit`) SHIPPING -> (OR23 then OR24)
SHIPPED -> (``receive_delay`` or `receive`) RECEIVED -> (``close_delay`` or
`close`) CLOSED. Every line refused: REFUSED. OR29 (when ``can_cancel``),
the operator (`operator_cancel`) or a failed debit: CANCELED. The operator
can also cancel part of a line (`cancel_line`): the line's quantity goes
down and a ``cancelations[]`` entry records it. ``last_updated_date`` moves
on every change.
"""

from __future__ import annotations

import string
from decimal import Decimal

from .const import (
    CARRIER_UNKNOWN,
    ORDER_CANNOT_BE_CANCELED,
    ORDER_INVALID_STATE,
    ORDER_LINE_ACCEPTANCE_DECISION_MISSING,
    ORDER_LINE_NOT_FOUND,
    ORDER_NOT_FOUND,
    ORDER_PARTIAL_ACCEPTANCE_DISABLED,
    ORDER_TRACKING_MISSING,
)
from .customers import random_customer
from .errors import bad_request, not_found
from .render import line_amounts, render_order, tax_amount
from .values import cents

_CANCELABLE_BY_OPERATOR = (
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
)
_DAY = 86400.0


class Orders:
    """Marketplace mixin: placing orders and moving them through their states."""

    # -- placing ------------------------------------------------------------

    def place_order(
        self,
        lines: list[dict],
        *,
        customer: dict | None = None,
        commercial_id: str | None = None,
        channel: str | dict | None = None,
        shipping_type_code: str = "STANDARD",
        tax_rate=None,
        tax_code: str = "VAT",
        shipping_price=None,
        tax_mode: str | None = None,
        shop_id: int | None = None,
    ) -> list[dict]:
        """Place one customer order; returns its orders, one per shop (OR11 view).

        Each line: ``sku`` (or ``offer_sku``), ``quantity`` (1),
        ``price_unit`` (the offer's price, else 10), ``shipping_price`` (the
        line's shipping, default ``shipping_price`` or 0), ``tax_rate`` (a
        percentage; default ``tax_rate``; ``None``: no taxes), ``tax_code``,
        ``product_sku``, ``title`` and ``shop_id`` (default ``shop_id`` or
        the first shop). Lines of different shops make orders
        ``<commercial_id>-A``, ``-B``... in the order the shops first appear.
        """
        with self.lock:
            now = self.now()
            default_shop = self.shop(shop_id).id
            groups: dict[int, list] = {}
            for entry in lines:
                groups.setdefault(int(entry.get("shop_id") or default_shop), []).append(
                    entry
                )
            if not groups:
                raise ValueError("an order needs at least one line")
            for group_shop in groups:
                self.shop(group_shop)  # KeyError: unknown shop
            commercial_id = str(commercial_id or next(self._commercial_ids))
            if isinstance(channel, str):
                channel = next(
                    (c for c in self.channels if c["code"] == channel),
                    {"code": channel, "label": channel},
                )
            customer = {
                **random_customer(
                    self.random, self.null_country_rate, self.email_customer_ids
                ),
                **(customer or {}),
            }
            placed = []
            for letter, (group_shop, entries) in zip(
                string.ascii_uppercase, groups.items(), strict=False
            ):
                shop = self.shop(group_shop)
                order_id = f"{commercial_id}-{letter}"
                if order_id in self.orders:
                    raise ValueError(f"order {order_id} exists")
                order = {
                    "order_id": order_id,
                    "commercial_id": commercial_id,
                    "shop_id": shop.id,
                    "state": "WAITING_ACCEPTANCE",
                    "created": now,
                    "updated": now,
                    "currency": shop.currency,
                    "channel": dict(channel) if channel else None,
                    "shipping_type_code": shipping_type_code,
                    "tax_mode": tax_mode or shop.order_tax_mode,
                    "customer": customer,
                    "shipping_deadline": now + 2 * _DAY,
                    "tracking": None,
                    "lines": [],
                    "due": {},
                }
                for index, entry in enumerate(entries, start=1):
                    order["lines"].append(
                        self._new_line(
                            shop,
                            order,
                            index,
                            entry,
                            tax_rate,
                            tax_code,
                            shipping_price,
                        )
                    )
                self.orders[order_id] = order
                placed.append(self.render(order))
            return placed

    def _new_line(self, shop, order, index, entry, tax_rate, tax_code, shipping):
        sku = str(entry.get("sku") or entry.get("offer_sku"))
        offer = self.add_offer(
            shop,
            {
                "sku": sku,
                "product_sku": entry.get("product_sku"),
                "title": entry.get("title"),
            },
        )
        rate = entry.get("tax_rate", tax_rate)
        price_unit = entry.get("price_unit", entry.get("price", offer["price"]))
        line_shipping = entry.get("shipping_price", shipping)
        return {
            "order_line_id": f"{order['order_id']}-{index}",
            "index": index,
            "state": "WAITING_ACCEPTANCE",
            "offer_id": 1000 + sorted(shop.offers).index(sku),
            "offer_sku": sku,
            "product_sku": str(offer["product_sku"]),
            "product_title": str(offer["title"]),
            "quantity": int(entry.get("quantity", 1)),
            "price_unit": cents(price_unit if price_unit is not None else "10"),
            "shipping_price": cents(line_shipping or 0),
            "tax_rate": None if rate is None else Decimal(str(rate)),
            "tax_code": str(entry.get("tax_code") or tax_code),
            "commission_rate": shop.commission_rate,
            "commission_vat_rate": shop.commission_vat_rate,
            "refunds": [],
            "cancelations": [],
            "updated": order["created"],
        }

    # -- reading ------------------------------------------------------------

    def order(self, order_id: str, shop_id: int | None = None) -> dict:
        """The stored order (404 `MiraklError` when unknown or another shop's)."""
        with self.lock:
            order = self.orders.get(order_id)
            if order is None or (shop_id is not None and order["shop_id"] != shop_id):
                raise not_found(f"Order {order_id} not found", ORDER_NOT_FOUND)
            return order

    def find_line(self, order_line_id: str, shop_id: int | None = None):
        """``(order, line)`` of an order line id (404 when unknown)."""
        with self.lock:
            order_id = order_line_id.rsplit("-", 1)[0]
            order = self.orders.get(order_id)
            if order is not None and (shop_id is None or order["shop_id"] == shop_id):
                for line in order["lines"]:
                    if line["order_line_id"] == order_line_id:
                        return order, line
            raise not_found(
                f"Order line {order_line_id} not found", ORDER_LINE_NOT_FOUND
            )

    def can_cancel(self, order: dict) -> bool:
        """Whether the seller may cancel the order (OR29)."""
        shop = self.shop(order["shop_id"])
        return (
            order["state"] == "SHIPPING"
            and shop.seller_can_cancel
            and not any(line["refunds"] for line in order["lines"])
        )

    def render(self, order: dict) -> dict:
        """The order as OR11 shows it."""
        with self.lock:
            shop = self.shop(order["shop_id"])
            return render_order(order, shop, self.can_cancel(order))

    # -- changes --------------------------------------------------------------

    def _touch(self, order: dict, *lines) -> None:
        now = self.now()
        # Strictly increasing, so an update-date poll always sees a change.
        order["updated"] = max(now, order["updated"] + 0.001)
        for line in lines or order["lines"]:
            line["updated"] = order["updated"]

    def _set_state(self, order: dict, state: str, *, lines_from=None) -> None:
        order["state"] = state
        for line in order["lines"]:
            if lines_from is None or line["state"] in lines_from:
                line["state"] = state
        self._touch(order)

    def _require_state(self, order: dict, *states: str) -> None:
        if order["state"] not in states:
            raise bad_request(
                f"Order {order['order_id']} is in state {order['state']}, "
                f"expected {' or '.join(states)}",
                ORDER_INVALID_STATE,
            )

    def accept(self, order_id: str, decisions: dict, shop_id=None) -> dict:
        """OR21: ``decisions`` maps every order line id to accepted or not."""
        with self.lock:
            order = self.order(order_id, shop_id)
            self._require_state(order, "WAITING_ACCEPTANCE")
            ids = {line["order_line_id"] for line in order["lines"]}
            unknown = sorted(set(decisions) - ids)
            if unknown:
                raise bad_request(
                    f"Unknown order line(s) {', '.join(unknown)}", ORDER_LINE_NOT_FOUND
                )
            missing = sorted(ids - set(decisions))
            if missing:
                raise bad_request(
                    f"No acceptance decision for line(s) {', '.join(missing)}",
                    ORDER_LINE_ACCEPTANCE_DECISION_MISSING,
                )
            accepted = {k for k, v in decisions.items() if v}
            if accepted and accepted != ids:
                if not self.shop(order["shop_id"]).partial_acceptance:
                    raise bad_request(
                        "Partial acceptance is disabled for this shop",
                        ORDER_PARTIAL_ACCEPTANCE_DISABLED,
                    )
            order["accepted_at"] = self.now()
            for line in order["lines"]:
                line["state"] = (
                    "WAITING_DEBIT_PAYMENT"
                    if line["order_line_id"] in accepted
                    else "REFUSED"
                )
            if not accepted:
                order["state"] = "REFUSED"
            else:
                order["state"] = "WAITING_DEBIT_PAYMENT"
                if self.debit_delay is not None:
                    self._schedule(order, "debit", self.debit_delay)
            self._touch(order)
            return order

    def debit(self, order_id: str, *, success: bool = True) -> dict:
        """The customer is debited: SHIPPING, details shown, transaction lines.

        ``success=False``: the debit failed and the order is CANCELED.
        """
        with self.lock:
            order = self.order(order_id)
            self._require_state(order, "WAITING_DEBIT_PAYMENT", "WAITING_DEBIT")
            order["due"].pop("debit", None)
            if not success:
                order["reason_code"] = "PAYMENT_REFUSED"
                self._set_state(
                    order, "CANCELED", lines_from=("WAITING_DEBIT_PAYMENT",)
                )
                return order
            order["debited_at"] = self.now()
            self._set_state(order, "SHIPPING", lines_from=("WAITING_DEBIT_PAYMENT",))
            self.record_debit(order)
            return order

    def set_tracking(self, order_id: str, data: dict, shop_id=None) -> dict:
        """OR23: a known carrier by code, else a free name (and URL)."""
        with self.lock:
            order = self.order(order_id, shop_id)
            self._require_state(order, "SHIPPING", "SHIPPED")
            shop = self.shop(order["shop_id"])
            code = data.get("carrier_code") or data.get("carrier_standard_code")
            number = data.get("tracking_number") or None
            if code:
                carrier = next((c for c in shop.carriers if c["code"] == code), None)
                if carrier is None:
                    raise bad_request(f"Unknown carrier code {code}", CARRIER_UNKNOWN)
                url = carrier["tracking_url"].replace("{trackingId}", number or "")
                tracking = {
                    "carrier_code": code,
                    "carrier_name": carrier["label"],
                    "carrier_url": url or None,
                    "tracking_number": number,
                }
            else:
                if not data.get("carrier_name"):
                    raise bad_request("carrier_code or carrier_name is required")
                tracking = {
                    "carrier_code": None,
                    "carrier_name": str(data["carrier_name"]),
                    "carrier_url": data.get("carrier_url") or None,
                    "tracking_number": number,
                }
            order["tracking"] = tracking
            self._touch(order)
            return order

    def ship(self, order_id: str, shop_id=None) -> dict:
        """OR24: SHIPPING -> SHIPPED, once OR23 gave the tracking."""
        with self.lock:
            order = self.order(order_id, shop_id)
            self._require_state(order, "SHIPPING")
            if order["tracking"] is None:
                raise bad_request(
                    f"Order {order_id} has no tracking information (OR23 first)",
                    ORDER_TRACKING_MISSING,
                )
            order["shipped_at"] = self.now()
            self._set_state(order, "SHIPPED", lines_from=("SHIPPING",))
            if self.receive_delay is not None:
                self._schedule(order, "receive", self.receive_delay)
            return order

    def receive(self, order_id: str) -> dict:
        """The customer confirms reception: RECEIVED; its amounts become payable."""
        with self.lock:
            order = self.order(order_id)
            self._require_state(order, "SHIPPED", "TO_COLLECT")
            order["due"].pop("receive", None)
            order["received_at"] = self.now()
            self._set_state(order, "RECEIVED", lines_from=("SHIPPED", "TO_COLLECT"))
            self.make_payable(order)
            if self.close_delay is not None:
                self._schedule(order, "close", self.close_delay)
            return order

    def close(self, order_id: str) -> dict:
        """RECEIVED -> CLOSED."""
        with self.lock:
            order = self.order(order_id)
            self._require_state(order, "RECEIVED")
            order["due"].pop("close", None)
            self._set_state(order, "CLOSED", lines_from=("RECEIVED",))
            return order

    def seller_cancel(self, order_id: str, shop_id=None) -> dict:
        """OR29: cancel the whole order, when ``can_cancel``."""
        with self.lock:
            order = self.order(order_id, shop_id)
            if not self.can_cancel(order):
                raise bad_request(
                    f"Order {order_id} cannot be canceled (state {order['state']})",
                    ORDER_CANNOT_BE_CANCELED,
                )
            return self._cancel_order(order, "SELLER_CANCELED")

    def operator_cancel(self, order_id: str, reason_code: str = "OPERATOR") -> dict:
        """The operator cancels the whole order (any state before SHIPPED)."""
        with self.lock:
            order = self.order(order_id)
            self._require_state(order, *_CANCELABLE_BY_OPERATOR)
            return self._cancel_order(order, reason_code)

    def _cancel_order(self, order: dict, reason_code: str) -> dict:
        for line in order["lines"]:
            if line["quantity"] and line["state"] not in ("REFUSED", "CANCELED"):
                self._cancel_quantity(order, line, line["quantity"], reason_code)
        order["due"].clear()
        order["reason_code"] = reason_code
        self._set_state(order, "CANCELED", lines_from=_CANCELABLE_BY_OPERATOR)
        return order

    def cancel_line(
        self, order_line_id: str, quantity: int | None = None, reason_code="OPERATOR"
    ) -> dict:
        """The operator cancels ``quantity`` (all by default) of a line.

        The line's quantity and amounts go down and ``cancelations[]`` gets
        an entry; a line at 0 is CANCELED, an order without live lines too.
        """
        with self.lock:
            order, line = self.find_line(order_line_id)
            self._require_state(order, *_CANCELABLE_BY_OPERATOR)
            quantity = line["quantity"] if quantity is None else int(quantity)
            if not 0 < quantity <= line["quantity"]:
                raise bad_request(
                    f"Quantity {quantity} not between 1 and {line['quantity']}"
                )
            self._cancel_quantity(order, line, quantity, reason_code)
            if line["quantity"] == 0:
                line["state"] = "CANCELED"
            live = [
                li
                for li in order["lines"]
                if li["state"] not in ("CANCELED", "REFUSED")
            ]
            if not live:
                order["state"] = "CANCELED"
                order["reason_code"] = reason_code
                order["due"].clear()
            self._touch(order)
            return order

    def _cancel_quantity(self, order, line, quantity, reason_code) -> dict:
        before = line_amounts(line, order["tax_mode"])
        shipping = cents(line["shipping_price"] * quantity / line["quantity"])
        line["quantity"] -= quantity
        line["shipping_price"] -= shipping
        after = line_amounts(line, order["tax_mode"])
        amount = before["price"] - after["price"]
        rate, mode = line["tax_rate"], order["tax_mode"]
        taxes = []
        shipping_taxes = []
        if rate is not None:
            taxes = [
                {"code": line["tax_code"], "amount": tax_amount(amount, rate, mode)}
            ]
            shipping_taxes = [
                {"code": line["tax_code"], "amount": tax_amount(shipping, rate, mode)}
            ]
        cancelation = {
            "id": next(self._cancelation_ids),
            "quantity": quantity,
            "amount": amount,
            "shipping_amount": shipping,
            "reason_code": reason_code,
            "created": self.now(),
            "taxes": taxes,
            "shipping_taxes": shipping_taxes,
            "commission_amount": before["commission_fee"] - after["commission_fee"],
            "commission_vat": before["commission_vat"] - after["commission_vat"],
        }
        line["cancelations"].append(cancelation)
        if order.get("debited_at"):
            self.record_cancelation(order, line, cancelation)
        return cancelation

    # -- timers -------------------------------------------------------------

    def _schedule(self, order: dict, step: str, delay: float) -> None:
        order["due"][step] = self.now() + delay
        self._orders_due.add(order["order_id"])

    def _tick_orders(self, now: float) -> None:
        for order_id in sorted(self._orders_due):
            order = self.orders[order_id]
            due = order["due"]
            if not due:
                self._orders_due.discard(order_id)
                continue
            if "debit" in due and due["debit"] <= now:
                self.debit(order["order_id"])
            if "receive" in due and due["receive"] <= now:
                self.receive(order["order_id"])
            if "close" in due and due["close"] <= now:
                self.close(order["order_id"])
