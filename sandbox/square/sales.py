"""What happens in the stores and the online shop (the simulation API).

- `pos_sale`: a sale in the POS app: a ``COMPLETED`` order and its payment,
  announced ONLY by ``payment.created`` (``APPROVED``) then
  ``payment.updated`` (``COMPLETED``), as the real POS app does.
- `online_order`: ``order.created`` (a summary, first as ``DRAFT`` unless
  ``draft_first=False``) then ``order.updated`` when paid (``OPEN``), with
  the payment's events; `complete_order` / `cancel_order` later.
- `till_return`: a new order whose ``returns[]`` point to the sale, and a
  refund (``refund.created`` ``PENDING``, ``refund.updated`` ``COMPLETED``,
  and ``payment.updated`` for the refunded amount); with ``exchange`` lines
  the new order sells them and only the difference moves.
- `go_offline` / `come_online`: sales of an offline store stay on the device
  and are uploaded when it comes back: ``created_at`` is the upload,
  ``offline_payment_details.client_created_at`` the sale; a card payment
  uploaded more than 24 h after the sale is declined (``FAILED``, the
  order stays ``OPEN``).
"""

from __future__ import annotations

import copy
from decimal import Decimal

from .const import OFFLINE_LIMIT
from .orders import OrderError
from .values import new_id, rfc3339

STEP = 0.001  # a payment is captured a millisecond after it is approved


class Sales:
    """Merchant mixin: the flows that make orders, payments and refunds."""

    def _init_sales(self) -> None:
        self.offline: dict[str, list[dict]] = {}

    # -- events -----------------------------------------------------------

    def _emit_payment(self, kind: str, payment: dict) -> None:
        self.emit_event(
            f"payment.{kind}",
            payment["location_id"],
            "payment",
            payment["id"],
            {"payment": copy.deepcopy(payment)},
        )

    def _emit_refund(self, kind: str, refund: dict) -> None:
        self.emit_event(
            f"refund.{kind}",
            refund["location_id"],
            "refund",
            refund["id"],
            {"refund": copy.deepcopy(refund)},
        )

    def _emit_order(self, kind: str, order: dict) -> None:
        self.emit_event(
            f"order.{kind}",
            order["location_id"],
            f"order_{kind}",
            order["id"],
            {f"order_{kind}": self.order_summary(order)},
        )

    # -- the POS app ------------------------------------------------------

    def pos_sale(
        self,
        location_id: str,
        lines,
        tender: str = "CARD",
        tip: int = 0,
        customer_id=None,
        at=None,
        discount_percent=None,
    ) -> dict:
        """A sale in the POS app; returns ``{"order", "payment"}``.

        ``lines`` are ``(catalog_object_id or sku, quantity, unit_amount)``
        (see `normalize_lines`), ``tip`` in minor units, ``at`` the time of
        the sale (epoch or RFC 3339; now by default). In an offline store it
        returns ``{"offline": True, "client_created_at", "local_id"}``.
        """
        if tender not in ("CARD", "CASH"):
            raise ValueError("tender: CARD or CASH")
        if int(tip) != tip or tip < 0:
            raise ValueError("tip: minor units >= 0")
        with self.change():
            location = self.location(location_id)
            if location["status"] != "ACTIVE":
                raise OrderError(f"location {location_id} is {location['status']}")
            moment = self.stamp(at)
            specs = self.normalize_lines(location_id, lines)
            sale = {
                "specs": specs,
                "tender": tender,
                "tip": int(tip),
                "customer_id": customer_id,
                "at": moment,
                "discount_percent": discount_percent,
                "local_id": new_id(self.ids, 12, upper=True),
            }
            if location_id in self.offline:
                self.offline[location_id].append(sale)
                self.stats["offline_sales"] += 1
                return {
                    "offline": True,
                    "local_id": sale["local_id"],
                    "client_created_at": rfc3339(moment),
                }
            self.stats["pos_sales"] += 1
            return self._record_sale(location_id, sale, moment)

    def _record_sale(self, location_id, sale, created, client_at=None) -> dict:
        items, taxes, discounts = self.price_lines(
            location_id, sale["specs"], sale["discount_percent"]
        )
        order = self.new_order(
            location_id,
            items,
            taxes,
            discounts,
            state="COMPLETED",
            at=created,
            customer_id=sale["customer_id"],
        )
        amount = order["total_money"]["amount"]
        order["tip"] = sale["tip"]
        payment = self.new_payment(
            order, sale["tender"], amount, sale["tip"], at=created, client_at=client_at
        )
        self._emit_payment("created", payment)
        declined = (
            client_at is not None
            and sale["tender"] == "CARD"
            and created - client_at > OFFLINE_LIMIT
        )
        self.complete_payment(payment, created + STEP, failed=declined)
        if declined:
            order.pop("closed_at", None)
            self.touch_order(order, created, state="OPEN")
            self.stats["offline_declined"] += 1
        else:
            order["tenders"].append(self.tender_of(payment))
            self.compute_totals(order)
            self._move_stock(location_id, self._sold(order), -1)
            self.cash_payment(payment, client_at if client_at is not None else created)
        self._emit_payment("updated", payment)
        return {"order": self.order_view(order), "payment": copy.deepcopy(payment)}

    @staticmethod
    def _sold(order: dict) -> list:
        return [
            (line.get("catalog_object_id"), Decimal(line["quantity"]))
            for line in order["line_items"]
        ]

    # -- offline ----------------------------------------------------------

    def go_offline(self, location_id: str) -> None:
        """The store's device loses its connection: sales wait on it."""
        with self.lock:
            self.location(location_id)
            self.offline.setdefault(location_id, [])

    def come_online(self, location_id: str, at=None) -> list[dict]:
        """The device is back: upload its sales (now, or at ``at``)."""
        with self.change():
            self.location(location_id)
            waiting = self.offline.pop(location_id, None) or []
            upload = self.stamp(at)
            uploaded = []
            for index, sale in enumerate(waiting):
                created = upload + index * 2 * STEP
                uploaded.append(
                    self._record_sale(location_id, sale, created, sale["at"])
                )
            self.stats["offline_uploaded"] += len(uploaded)
            return uploaded

    # -- the online shop --------------------------------------------------

    def online_order(
        self,
        location_id: str,
        lines,
        customer_id=None,
        at=None,
        draft_first: bool = True,
        pay: bool = True,
        tender: str = "CARD",
        fulfillment: str = "PICKUP",
    ) -> dict:
        """An order of the online shop; returns the order (as it ends up)."""
        if fulfillment not in ("PICKUP", "SHIPMENT"):
            raise ValueError("fulfillment: PICKUP or SHIPMENT")
        with self.change():
            self.location(location_id)
            moment = self.stamp(at)
            specs = self.normalize_lines(location_id, lines)
            items, taxes, discounts = self.price_lines(location_id, specs)
            order = self.new_order(
                location_id,
                items,
                taxes,
                discounts,
                state="DRAFT" if draft_first else "OPEN",
                at=moment,
                source="Square Online",
                customer_id=customer_id,
                version=1,
            )
            order["fulfillments"] = [
                {"uid": new_id(self.ids, 22), "type": fulfillment, "state": "PROPOSED"}
            ]
            self._emit_order("created", order)
            self.stats["online_orders"] += 1
        if pay:
            self.pay_order(order["id"], tender=tender, at=moment + 5 * STEP)
        return self.get_order(order["id"])

    def pay_order(self, order_id: str, tender: str = "CARD", at=None) -> dict:
        """Pay an online order in full: it becomes ``OPEN``; returns the payment."""
        with self.change():
            order = self._order(order_id)
            if order["tenders"] or order["state"] in ("COMPLETED", "CANCELED"):
                raise OrderError(f"order {order_id} is already paid or closed")
            moment = self.stamp(at)
            payment = self.new_payment(
                order,
                tender,
                order["total_money"]["amount"],
                0,
                at=moment,
                product="ONLINE_STORE",
            )
            self._emit_payment("created", payment)
            self.complete_payment(payment, moment + STEP)
            order["tenders"].append(self.tender_of(payment))
            self.touch_order(order, moment + STEP, state="OPEN")
            self._move_stock(order["location_id"], self._sold(order), -1)
            self._emit_payment("updated", payment)
            self._emit_order("updated", order)
            return copy.deepcopy(payment)

    def complete_order(self, order_id: str, at=None) -> dict:
        """Hand the order over (fulfillment ``COMPLETED``, state ``COMPLETED``)."""
        with self.change():
            order = self._order(order_id)
            if order["state"] != "OPEN":
                raise OrderError(f"order {order_id} is {order['state']}, not OPEN")
            for fulfillment in order.get("fulfillments", ()):
                fulfillment["state"] = "COMPLETED"
            self.touch_order(order, self.stamp(at), state="COMPLETED")
            self._emit_order("updated", order)
            return self.order_view(order)

    def cancel_order(self, order_id: str, at=None) -> dict:
        """Cancel an order not completed yet; what was paid is refunded."""
        with self.change():
            order = self._order(order_id)
            if order["state"] in ("COMPLETED", "CANCELED"):
                raise OrderError(f"order {order_id} is {order['state']}")
            moment = self.stamp(at)
            for tender in order["tenders"]:
                payment = self.payments[tender["payment_id"]]
                self._refund(
                    payment,
                    payment["total_money"]["amount"],
                    order,
                    moment,
                    "Canceled order",
                )
            for fulfillment in order.get("fulfillments", ()):
                fulfillment["state"] = "CANCELED"
            if order["tenders"]:
                self._move_stock(order["location_id"], self._sold(order), 1)
            self.touch_order(order, moment, state="CANCELED")
            self._emit_order("updated", order)
            return self.order_view(order)

    def _order(self, order_id: str) -> dict:
        order = self.orders.get(order_id)
        if order is None:
            raise KeyError(f"Order `{order_id}` not found.")
        return order

    # -- returns ----------------------------------------------------------

    def till_return(
        self,
        source_order_id: str,
        lines,
        exchange=None,
        at=None,
        reason: str = "Returned goods",
    ) -> dict:
        """Goods brought back to the till; returns ``{"order", "refund", "payment"}``.

        ``lines`` are ``(source line uid, quantity)``; ``exchange`` lines
        (as for `pos_sale`) are sold in the same new order. The refund (or,
        when the exchange costs more, a payment) goes through the sale's
        payment method; nothing moves when both sides are equal.
        """
        with self.change():
            source = self._order(source_order_id)
            if not source["tenders"]:
                raise OrderError(f"order {source_order_id} was not paid")
            location_id = source["location_id"]
            moment = self.stamp(at)
            returned = self.return_lines(source, lines)
            items, taxes, discounts = [], [], []
            if exchange:
                specs = self.normalize_lines(location_id, exchange)
                items, taxes, discounts = self.price_lines(location_id, specs)
            ret = {
                "uid": new_id(self.ids, 22),
                "source_order_id": source_order_id,
                "return_line_items": returned,
            }
            order = self.new_order(
                location_id,
                items,
                taxes if items else [],
                discounts,
                state="COMPLETED",
                at=moment,
                returns=[ret],
                customer_id=source.get("customer_id"),
            )
            balance = -order["net_amounts"]["total_money"]["amount"]
            source_payment = self.payments[source["tenders"][0]["payment_id"]]
            result = {"refund": None, "payment": None}
            if balance > 0:
                refund = self._refund(source_payment, balance, order, moment, reason)
                result["refund"] = copy.deepcopy(refund)
            elif balance < 0:
                payment = self.new_payment(
                    order, source_payment["source_type"], -balance, 0, at=moment
                )
                self._emit_payment("created", payment)
                self.complete_payment(payment, moment + STEP)
                order["tenders"].append(self.tender_of(payment))
                self.cash_payment(payment, moment)
                self._emit_payment("updated", payment)
                result["payment"] = copy.deepcopy(payment)
            self.compute_totals(order)
            back = [
                (item.get("catalog_object_id"), Decimal(item["quantity"]))
                for item in returned
            ]
            self._move_stock(location_id, back, 1)
            if items:
                self._move_stock(location_id, self._sold(order), -1)
            self.stats["till_returns"] += 1
            result["order"] = self.order_view(order)
            return result

    def _refund(self, payment, amount, order, moment, reason) -> dict:
        refund = self.new_refund(
            payment, amount, order_id=order["id"], at=moment, reason=reason
        )
        self._emit_refund("created", refund)
        self.complete_refund(refund, moment + STEP)
        order.setdefault("refunds", []).append(
            {
                "id": refund["id"],
                "location_id": refund["location_id"],
                "transaction_id": order["id"],
                "tender_id": payment["id"],
                "created_at": refund["created_at"],
                "reason": reason,
                "amount_money": dict(refund["amount_money"]),
                "status": "COMPLETED",
            }
        )
        self.cash_refund(refund, moment)
        self._emit_refund("updated", refund)
        self._emit_payment("updated", payment)
        return refund
