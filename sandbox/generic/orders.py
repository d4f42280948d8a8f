"""Orders the shop builds, and the canonical events that carry them.

New orders come from the catalog with random customers, lines, discounts,
shipping and fees (or from explicit lines); updates change quantities, add a
line or get a pending order paid; every change moves ``updated_at`` forward
by whole seconds.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from .amounts import compute_totals, money, quantity_text, round_money, to_decimal
from .catalog import ADDRESSES, CUSTOMERS, NOTES, PAYMENT_METHODS, CatalogItem

ORDER_TOPICS = ("order.created", "order.updated", "order.cancelled")
DISCOUNT_PERCENTS = (5, 10, 15, 20, 25)
FREE_SHIPPING_FROM = Decimal("500")


def _utc_iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Line:
    external_id: str
    sku: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: str | None
    discount_percent: int = 0
    discount_amount: Decimal | None = None

    def discount(self) -> Decimal:
        if self.discount_amount is not None:
            return self.discount_amount
        return self.quantity * self.unit_price * self.discount_percent / 100

    def to_dict(self) -> dict:
        return {
            "external_id": self.external_id,
            "sku": self.sku,
            "name": self.name,
            "quantity": quantity_text(self.quantity),
            "unit_price": money(self.unit_price),
            "discount": money(self.discount()),
            "tax_rate": self.tax_rate,
        }


def _exact_percent(quantity: Decimal, price: Decimal, percent: int) -> bool:
    amount = quantity * price * percent / 100
    return amount == round_money(amount)


@dataclass
class _Order:
    external_id: str
    name: str
    status: str
    currency: str
    ordered_ts: int
    updated_ts: int
    customer: dict
    billing_address: dict
    shipping_address: dict
    lines: list
    shipping: list
    fees: list
    payment_method: str
    payment_reference: str
    note: str
    paid: bool = False
    line_numbers: Iterator[int] | None = None


class OrderBook:
    """Channel mixin: the orders built so far and the events about them."""

    def order(self, external_id: str) -> dict:
        """The current ``data`` of an order this channel built."""
        with self._lock:
            return self._order_data(self._orders[external_id])

    @property
    def orders(self) -> list[str]:
        """External ids of every order built so far, oldest first."""
        with self._lock:
            return list(self._orders)

    def make_order_event(
        self,
        topic: str = "order.created",
        *,
        external_id: str | None = None,
        lines: list | None = None,
        status: str | None = None,
        shipping: list | None = None,
        fees: list | None = None,
        customer: Mapping | None = None,
        note: str | None = None,
        total: str | Decimal | None = None,
        event_id: str | None = None,
    ) -> dict:
        """A canonical event (a dict, ready to sign and send) for an order.

        A new ``external_id`` (or none) creates an order; a known one is
        changed by the given arguments and its ``updated_at`` moves forward.
        ``order.cancelled`` sets the status to cancelled.

        ``lines`` items are a SKU, ``(sku, quantity[, unit_price])`` or a dict
        with ``sku`` and optional ``quantity``, ``unit_price`` (required for a
        SKU outside the catalog), ``name``, ``discount`` (amount),
        ``discount_percent``, ``tax_rate`` (``None``: untaxed). An order made
        from explicit lines has no random amounts: status confirmed, no
        shipping and no fees unless given. ``shipping`` items are dicts with
        ``code``, ``name``, ``amount`` (and optional ``tax_rate``); ``fees``
        with ``name`` and ``amount``. ``total`` overrides the computed total
        (to provoke a mismatch).
        """
        if topic not in ORDER_TOPICS:
            raise ValueError(f"topic must be one of {', '.join(ORDER_TOPICS)}")
        with self._lock:
            order = self._orders.get(external_id) if external_id else None
            if order is None:
                order = self._new_order(
                    external_id, lines, status, shipping, fees, customer, note
                )
            else:
                self._change_order(order, lines, status, shipping, fees, customer, note)
                self._tick(order)
            if topic == "order.cancelled":
                order.status = "cancelled"
            return self._envelope(topic, order, event_id, total)

    def update_event(self, external_id: str, **changes) -> dict:
        """An ``order.updated`` event: ``changes`` as in `make_order_event`,
        or a random realistic change when none are given."""
        if not changes:
            with self._lock:
                order = self._orders[external_id]
                self._random_change(order)
                self._tick(order)
                return self._envelope("order.updated", order, None, None)
        return self.make_order_event(
            "order.updated", external_id=external_id, **changes
        )

    def cancel_event(self, external_id: str) -> dict:
        """An ``order.cancelled`` event for a known order."""
        if external_id not in self._orders:
            raise KeyError(external_id)
        return self.make_order_event("order.cancelled", external_id=external_id)

    def events(
        self,
        count: int | None = None,
        *,
        update_rate: float | None = None,
        cancel_rate: float | None = None,
    ) -> Iterator[dict]:
        """A stream of ``count`` events (endless when ``None``).

        Mostly new orders; a share of them (``update_rate``, ``cancel_rate``)
        get a follow-up 2 to 12 events later, and an updated order may get
        another update or a cancellation. Nothing follows a cancellation.
        """
        update_rate = self.update_rate if update_rate is None else update_rate
        cancel_rate = self.cancel_rate if cancel_rate is None else cancel_rate
        followups: list[tuple[int, int, str, str]] = []
        tiebreak = itertools.count()
        step = 0
        while count is None or step < count:
            if followups and followups[0][0] <= step:
                _, _, external_id, topic = heapq.heappop(followups)
                if topic == "order.cancelled":
                    event = self.cancel_event(external_id)
                else:
                    event = self.update_event(external_id)
                    # Chains stay rarer than first follow-ups.
                    self._schedule(
                        followups,
                        tiebreak,
                        step,
                        external_id,
                        update_rate / 2,
                        cancel_rate,
                    )
            else:
                event = self.make_order_event()
                external_id = event["data"]["external_id"]
                self._schedule(
                    followups, tiebreak, step, external_id, update_rate, cancel_rate
                )
            yield event
            step += 1

    def _schedule(
        self, followups, tiebreak, step, external_id, update_rate, cancel_rate
    ):
        draw = self._random.random()
        if draw < cancel_rate:
            topic = "order.cancelled"
        elif draw < cancel_rate + update_rate:
            topic = "order.updated"
        else:
            return
        due = step + self._random.randint(2, 12)
        heapq.heappush(followups, (due, next(tiebreak), external_id, topic))

    def _new_order(self, external_id, lines, status, shipping, fees, customer, note):
        explicit = lines is not None
        if external_id is None:
            external_id = f"{self.prefix}{next(self._numbers)}"
        now = int(self.clock())
        rng = self._random
        customer_index = rng.randrange(len(CUSTOMERS))
        name, email_local, company, address_index = CUSTOMERS[customer_index]
        street, zip_code, city, country, phone = ADDRESSES[address_index]
        phone = phone.format(customer_index + 10)
        email = f"{email_local}@example.com"
        billing = {
            "name": name,
            "company": company,
            "street": street,
            "street2": "",
            "city": city,
            "zip": zip_code,
            "state_code": "",
            "country_code": country,
            "email": email,
            "phone": phone,
        }
        delivery = dict(billing)
        if rng.random() < 0.15:
            # Shipped elsewhere (a gift, an office): a second contact.
            other = ADDRESSES[(address_index + 1 + rng.randrange(3)) % len(ADDRESSES)]
            delivery.update(
                company="",
                street=other[0],
                zip=other[1],
                city=other[2],
                country_code=other[3],
            )
        order = _Order(
            external_id=external_id,
            name=f"WEB-{external_id}",
            status="confirmed",
            currency=self.currency,
            ordered_ts=now,
            updated_ts=now,
            customer={
                "external_id": f"c-{customer_index + 101}",
                "email": email,
                "name": name,
                "phone": phone,
            },
            billing_address=billing,
            shipping_address=delivery,
            lines=[],
            shipping=[],
            fees=[],
            payment_method=rng.choice(PAYMENT_METHODS),
            payment_reference="",
            note="",
            line_numbers=itertools.count(1),
        )
        order.payment_reference = self._payment_reference(order.payment_method)
        if explicit:
            order.lines = [self._line_from_spec(order, spec) for spec in lines]
        else:
            order.lines = self._random_lines(order)
            if rng.random() < 0.15:
                order.status = "pending"
            if rng.random() < 0.1:
                order.note = rng.choice(NOTES)
        if not order.lines:
            raise ValueError("an order needs at least one line")
        if shipping is not None:
            order.shipping = [self._shipping_from_spec(spec) for spec in shipping]
        elif not explicit:
            order.shipping = self._random_shipping(order)
        if fees is not None:
            order.fees = [self._fee_from_spec(spec) for spec in fees]
        elif not explicit:
            order.fees = self._random_fees()
        if order.payment_method == "bank_transfer" and not explicit:
            # Bank transfers are paid after checkout.
            order.status = "pending"
        if status is not None:
            order.status = _check_status(status)
        if customer is not None:
            order.customer = {**order.customer, **dict(customer)}
        if note is not None:
            order.note = note
        order.paid = order.status in ("confirmed", "completed")
        self._orders[external_id] = order
        return order

    def _change_order(self, order, lines, status, shipping, fees, customer, note):
        if lines is not None:
            order.lines = [self._line_from_spec(order, spec) for spec in lines]
            if not order.lines:
                raise ValueError("an order needs at least one line")
        if shipping is not None:
            order.shipping = [self._shipping_from_spec(spec) for spec in shipping]
        if fees is not None:
            order.fees = [self._fee_from_spec(spec) for spec in fees]
        if customer is not None:
            order.customer = {**order.customer, **dict(customer)}
        if note is not None:
            order.note = note
        if status is not None:
            order.status = _check_status(status)
            order.paid = order.paid or order.status in ("confirmed", "completed")

    def _random_change(self, order: _Order) -> None:
        rng = self._random
        if order.status == "pending" and rng.random() < 0.6:
            order.status, order.paid = "confirmed", True
            return
        unused = [
            item
            for item in self.catalog
            if item.sku not in {line.sku for line in order.lines}
        ]
        if unused and rng.random() < 0.3:
            item = rng.choice(unused)
            order.lines.append(self._new_line(order, item, Decimal(1)))
            return
        line = rng.choice(order.lines)
        if line.quantity > 1 and rng.random() < 0.5:
            line.quantity -= 1
        else:
            line.quantity += 1
        if line.discount_percent and not _exact_percent(
            line.quantity, line.unit_price, line.discount_percent
        ):
            line.discount_percent = 0

    def _tick(self, order: _Order) -> None:
        # Whole seconds, strictly increasing: Odoo stores datetimes to the
        # second, and an update must never look as old as its predecessor.
        order.updated_ts = max(int(self.clock()), order.updated_ts + 1)

    def _new_line(self, order, item: CatalogItem, quantity: Decimal, **extra) -> _Line:
        return _Line(
            external_id=f"{order.external_id}-l{next(order.line_numbers)}",
            sku=item.sku,
            name=item.name,
            quantity=quantity,
            unit_price=item.price,
            tax_rate=self.tax_rate,
            **extra,
        )

    def _random_lines(self, order: _Order) -> list[_Line]:
        rng = self._random
        size = rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
        items = rng.sample(self.catalog, min(size, len(self.catalog)))
        lines = []
        for item in items:
            quantity = Decimal(
                rng.choices((1, 2, 3, 4, 5), weights=(60, 25, 8, 4, 3))[0]
            )
            percent = 0
            if rng.random() < 0.2:
                choices = list(DISCOUNT_PERCENTS)
                rng.shuffle(choices)
                percent = next(
                    (p for p in choices if _exact_percent(quantity, item.price, p)), 0
                )
            lines.append(
                self._new_line(order, item, quantity, discount_percent=percent)
            )
        return lines

    def _line_from_spec(self, order: _Order, spec) -> _Line:
        if isinstance(spec, str):
            spec = {"sku": spec}
        elif isinstance(spec, list | tuple):
            spec = dict(zip(("sku", "quantity", "unit_price"), spec, strict=False))
        if not isinstance(spec, Mapping) or not spec.get("sku"):
            raise ValueError(f"a line needs a sku: {spec!r}")
        sku = spec["sku"]
        item = self._by_sku.get(sku)
        if "unit_price" in spec:
            price = to_decimal(spec["unit_price"], f"{sku} unit_price")
        elif item is not None:
            price = item.price
        else:
            raise ValueError(f"SKU {sku} is not in the catalog: give its unit_price")
        quantity = to_decimal(spec.get("quantity", 1), f"{sku} quantity")
        name = spec.get("name") or (item.name if item else sku)
        line = self._new_line(order, CatalogItem(sku, name, price), quantity)
        if "tax_rate" in spec:
            rate = spec["tax_rate"]
            line.tax_rate = None if rate is None else str(rate)
        if spec.get("discount") is not None:
            line.discount_amount = round_money(to_decimal(spec["discount"], "discount"))
        elif spec.get("discount_percent"):
            line.discount_percent = int(spec["discount_percent"])
        return line

    def _random_shipping(self, order: _Order) -> list[dict]:
        subtotal = sum(line.quantity * line.unit_price for line in order.lines)
        if subtotal >= FREE_SHIPPING_FROM:
            option = ("free_shipping", "Free shipping", "0.00")
        elif self._random.random() < 0.25:
            option = ("express", "Express delivery", "12.50")
        else:
            option = ("flat_rate", "Flat rate", "5.95")
        code, name, amount = option
        return [
            self._shipping_from_spec({"code": code, "name": name, "amount": amount})
        ]

    def _random_fees(self) -> list[dict]:
        draw = self._random.random()
        if draw < 0.08:
            return [self._fee_from_spec({"name": "Gift wrap", "amount": "2.50"})]
        if draw < 0.12:
            return [
                self._fee_from_spec({"name": "Assembly service", "amount": "35.00"})
            ]
        return []

    def _shipping_from_spec(self, spec: Mapping) -> dict:
        return {
            "code": str(spec.get("code") or "flat_rate"),
            "name": str(spec.get("name") or "Shipping"),
            "amount": money(to_decimal(spec.get("amount", 0), "shipping amount")),
            "tax_rate": spec.get("tax_rate", self.tax_rate),
        }

    def _fee_from_spec(self, spec: Mapping) -> dict:
        return {
            "name": str(spec.get("name") or "Fee"),
            "amount": money(to_decimal(spec.get("amount", 0), "fee amount")),
            "tax_rate": spec.get("tax_rate", self.tax_rate),
        }

    def _payment_reference(self, method: str) -> str:
        token = f"{self._random.getrandbits(48):012x}"
        return {"stripe": f"ch_{token}", "paypal": f"PAYID-{token.upper()}"}.get(
            method, ""
        )

    def _order_data(self, order: _Order, total_override=None) -> dict:
        data = {
            "external_id": order.external_id,
            "name": order.name,
            "status": order.status,
            "currency": order.currency,
            "ordered_at": _utc_iso(order.ordered_ts),
            "updated_at": _utc_iso(order.updated_ts),
            "prices_include_tax": False,
            "customer": dict(order.customer),
            "billing_address": dict(order.billing_address),
            "shipping_address": dict(order.shipping_address),
            "lines": [line.to_dict() for line in order.lines],
            "shipping": [dict(item) for item in order.shipping],
            "fees": [dict(item) for item in order.fees],
        }
        total = compute_totals(data).total
        if total_override is not None:
            total = to_decimal(total_override, "total")
        if order.status == "cancelled":
            payment_status = "refunded" if order.paid else "cancelled"
        else:
            payment_status = "paid" if order.paid else "pending"
        data["payment"] = {
            "method": order.payment_method,
            "reference": order.payment_reference if order.paid else "",
            "status": payment_status,
            "amount": money(total),
        }
        data["note"] = order.note
        data["total"] = money(total)
        return data

    def _envelope(self, topic, order, event_id, total_override) -> dict:
        return {
            "id": event_id
            or f"evt-{uuid.UUID(int=self._ids.getrandbits(128), version=4)}",
            "topic": topic,
            "occurred_at": _utc_iso(order.updated_ts),
            "data": self._order_data(order, total_override),
        }


def _check_status(status: str) -> str:
    allowed = ("pending", "confirmed", "completed", "cancelled")
    if status not in allowed:
        raise ValueError(f"status must be one of {', '.join(allowed)}")
    return status
