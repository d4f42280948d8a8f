"""Simulated customers: new orders at a steady rate (for demos).

Orders take one to three of a shop's offers (ten ``MKP-SKU-nn`` offers are
created when the shop has none), with 20 % VAT and some shipping; with more
than one shop, some customer orders are split across two of them. The
seller accepts them; the customer is then debited after ``debit_delay``.
"""

from __future__ import annotations

from decimal import Decimal


class OrderFlow:
    """Marketplace mixin: `place_random_order` and `start_order_flow`."""

    def place_random_order(self) -> list[dict]:
        """Place one made-up customer order; returns its orders."""
        with self.lock:
            shops = list(self.shops.values())
            for shop in shops:
                if not shop.offers:
                    for n in range(1, 11):
                        self.add_offer(
                            shop,
                            {
                                "sku": f"MKP-SKU-{n:02d}",
                                "price": str(Decimal(5 * n) + Decimal("0.90")),
                                "title": f"Marketplace item {n}",
                            },
                        )
            chosen = [shops[0]]
            if len(shops) > 1 and self.random.random() < 0.3:
                chosen.append(self.random.choice(shops[1:]))
            lines = []
            for shop in chosen:
                skus = sorted(shop.offers)
                for sku in self.random.sample(
                    skus, k=min(len(skus), self.random.randint(1, 3))
                ):
                    lines.append(
                        {
                            "sku": sku,
                            "shop_id": shop.id,
                            "quantity": self.random.randint(1, 3),
                            "shipping_price": self.random.choice(("0", "4.90")),
                        }
                    )
            channel = self.random.choice(self.channels) if self.channels else None
            return self.place_order(lines, tax_rate="20", channel=channel)

    def start_order_flow(self, per_minute: float, count: int | None = None):
        """Place orders at ``per_minute`` (Poisson arrivals) in the background."""
        if per_minute <= 0:
            return None
        interval = 60.0 / per_minute

        def loop():
            placed = 0
            while not self.stopping.wait(self.random.expovariate(1 / interval)):
                self.place_random_order()
                placed += 1
                if count is not None and placed >= count:
                    return

        return self.spawn(loop, "mirakl-orders")
