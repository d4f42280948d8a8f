"""Simulated customers returning orders of a WooCommerce sandbox store (demos).

The store's completed orders are read from its API (``GET {store}/wp-json/
wc/v3/orders?status=completed``, HTTP Basic with the store's consumer key:
run the store with ``--assume-https``); now and then one of them gets a
return of one to three units, each with a reason and an outcome (mostly
refunds), and a label. With ``label_step_delay`` and ``auto_process`` the
parcels then travel and the returns are processed on their own.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
from collections import Counter
from decimal import Decimal

from ..common import http_request
from .const import RETURN_REASONS

_logger = logging.getLogger(__name__)

WC_ORDERS = "/wp-json/wc/v3/orders"


def order_from_woocommerce(order: dict) -> dict:
    """A WooCommerce order (wc/v3 JSON) as `LoopPlatform.create_return` takes it."""
    billing = order.get("billing") or {}
    lines = []
    for line in order.get("line_items") or []:
        quantity = int(line.get("quantity") or 1)
        total = Decimal(str(line.get("total") or "0"))
        tax = Decimal(str(line.get("total_tax") or "0"))
        lines.append(
            {
                "id": line["id"],
                "sku": line.get("sku") or "",
                "price": total / quantity,
                "tax": tax / quantity,
                "product_id": line.get("product_id"),
                "variant_id": line.get("variation_id") or line.get("product_id"),
                "title": line.get("name") or "",
                "quantity": quantity,
            }
        )
    address = {
        "name": " ".join(
            part
            for part in (billing.get("first_name"), billing.get("last_name"))
            if part
        ),
        "address1": billing.get("address_1") or "1 Return Street",
        "city": billing.get("city") or "Springfield",
        "zip": billing.get("postcode") or "10001",
        "country_code": billing.get("country") or "US",
    }
    return {
        "id": order["id"],
        "name": f"#{order.get('number') or order['id']}",
        "number": str(order.get("number") or order["id"]),
        "currency": order.get("currency") or "USD",
        "customer": {
            "email": billing.get("email") or f"customer{order['id']}@example.com",
            "first_name": billing.get("first_name") or "",
            "last_name": billing.get("last_name") or "",
        },
        "line_items": lines,
        "address": address,
    }


class ReturnFlow:
    """Platform mixin: `fetch_store_orders`, `return_random_units`, the flow."""

    flow_stats: Counter

    def fetch_store_orders(
        self, store_url: str, consumer_key: str, consumer_secret: str
    ) -> list[dict]:
        """The store's completed orders (first page of 100), converted."""
        token = base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode()
        query = urllib.parse.urlencode({"status": "completed", "per_page": 100})
        response = http_request(
            "GET",
            f"{store_url.rstrip('/')}{WC_ORDERS}?{query}",
            headers={"Authorization": f"Basic {token}"},
        )
        if response.status != 200:
            raise OSError(f"store answered {response.status}: {response.text[:200]}")
        return [order_from_woocommerce(o) for o in json.loads(response.body)]

    def return_random_units(self, order: dict, *, label: bool = True) -> dict:
        """A return of one to three units of ``order`` with random reasons."""
        units = []
        for line in order["line_items"]:
            units += [line] * int(line.get("quantity") or 1)
        chosen = self.random.sample(units, k=min(len(units), self.random.randint(1, 3)))
        specs = []
        for line in chosen:
            outcome = self.random.choices(
                ("refund", "exchange", "credit"), weights=(7, 2, 1)
            )[0]
            exchange = line["variant_id"] if outcome == "exchange" else None
            specs.append(
                (line["id"], self.random.choice(RETURN_REASONS), outcome, exchange)
            )
        return self.create_return(order, specs, label=label)

    def start_return_flow(
        self,
        store_url: str,
        per_minute: float,
        *,
        consumer_key: str,
        consumer_secret: str,
        count: int | None = None,
    ):
        """Return units of the store's completed orders at ``per_minute``."""
        if per_minute <= 0 or not store_url:
            return None
        interval = 60.0 / per_minute
        returned: set = set()

        def loop():
            made = 0
            while not self.stopping.wait(self.random.expovariate(1 / interval)):
                try:
                    orders = self.fetch_store_orders(
                        store_url, consumer_key, consumer_secret
                    )
                except (OSError, ValueError) as exc:
                    self.flow_stats["store_errors"] += 1
                    _logger.warning("could not read the store's orders: %s", exc)
                    continue
                fresh = [
                    o for o in orders if o["id"] not in returned and o["line_items"]
                ]
                if not fresh:
                    self.flow_stats["no_order"] += 1
                    continue
                order = self.random.choice(fresh)
                returned.add(order["id"])
                self.return_random_units(order)
                self.flow_stats["returns"] += 1
                made += 1
                if count is not None and made >= count:
                    return

        return self.spawn(loop, "loop-returns")
