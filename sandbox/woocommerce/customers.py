"""Simulated customers: checkouts from the catalog, on demand or at a rate."""

from __future__ import annotations

import logging
from decimal import Decimal

from .seed import COUPONS, CUSTOMERS, GATEWAYS, NOTES

_logger = logging.getLogger(__package__)


class Customers:
    """Store mixin: customers checking out."""

    def checkout(
        self,
        items: list[tuple[dict, int]] | None = None,
        *,
        payment_method: str | None = None,
        coupon: str | None = None,
        fee: bool | None = None,
        note: str | None = None,
    ) -> dict | None:
        """A customer checks out (random cart unless ``items`` are given).

        Fires ``order.created`` then ``order.updated`` (payment) and
        ``product.updated`` for every stock reduced. None when nothing is
        in stock.
        """
        if items is None:
            items = self._random_cart()
            if not items:
                return None
        gateway = (
            next(
                (g for g in GATEWAYS if g[0] == payment_method),
                None,
            )
            or self.random.choices(GATEWAYS, weights=(7, 2, 1))[0]
        )
        method, title, status, paid = gateway
        customer_index = self.random.randrange(len(CUSTOMERS))
        if coupon is None and self.random.random() < 0.2:
            coupon = self.random.choice(sorted(COUPONS))
        if fee is None:
            fee = self.random.random() < 0.1
        order = self._order_from_items(
            items,
            customer=CUSTOMERS[customer_index],
            customer_id=0 if customer_index % 3 == 2 else customer_index + 2,
            payment=(method, title),
            status="pending",
            paid=paid,
            coupon=coupon or None,
            fee=("Gift wrap", Decimal("2.00")) if fee else None,
            note=self.random.choice(NOTES) if note is None else note,
        )
        self._emit("order", "created", order["id"])
        self._set_status(order, status)
        self._emit("order", "updated", order["id"])
        return order

    def _random_cart(self) -> list[tuple[dict, int]]:
        candidates = []
        for product in self.products.values():
            if product["status"] != "publish":
                continue
            if product["type"] == "variable":
                candidates.extend(
                    self.variations[v]
                    for v in product["variations"]
                    if v in self.variations
                )
            elif product["type"] == "simple":
                candidates.append(product)
        candidates = [
            r
            for r in candidates
            if (r["sale_price"] or r["regular_price"]) is not None
            and (not r["manage_stock"] or (r["stock_quantity"] or 0) > 0)
            and r["stock_status"] != "outofstock"
        ]
        if not candidates:
            return []
        chosen = self.random.sample(
            candidates, k=min(len(candidates), self.random.choice((1, 1, 2, 3)))
        )
        cart = []
        for record in chosen:
            limit = record["stock_quantity"] if record["manage_stock"] else 3
            cart.append((record, max(1, min(limit, self.random.choice((1, 1, 2, 3))))))
        return cart

    def start_checkouts(self, per_minute: float, count: int | None = None):
        """Simulate customers checking out at ``per_minute`` (bounded by count)."""
        if per_minute <= 0:
            return None

        def loop():
            interval = 60.0 / per_minute
            placed = 0
            while not self.stopping.wait(self.random.expovariate(1 / interval)):
                with self.change():
                    order = self.checkout()
                if order is not None:
                    placed += 1
                    _logger.info("checkout: order %s", order["id"])
                if count is not None and placed >= count:
                    return

        return self.spawn(loop, "woocommerce-checkouts")
