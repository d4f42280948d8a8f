"""One Square merchant: its stores, catalog, sales, money and subscriptions.

`SquareMerchant` holds the state; the behaviour comes from its mixins:
`Catalog` (items, variations, stock), `Orders` (pricing, returns, search),
`Sales` (the POS app, online orders, till returns, offline devices),
`CashDrawers` (shifts), `Payouts` and `Webhooks` (subscriptions and signed
deliveries). Every change emits its events with the objects as they are at
that moment; the deliveries leave ``delivery_delay`` seconds later.
"""

from __future__ import annotations

import random
import time
from collections import Counter

from ..common import Faults, Outbox, SandboxApp
from .cash import CashDrawers
from .catalog import Catalog
from .const import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APPLICATION_ID,
    DEFAULT_MERCHANT_ID,
    LOCATIONS,
)
from .orders import Orders
from .payments import Payments
from .payouts import Payouts
from .sales import Sales
from .values import rfc3339
from .webhooks import SquareDeliverer, Webhooks


class SquareMerchant(
    Catalog, Orders, Payments, Sales, CashDrawers, Payouts, Webhooks, SandboxApp
):
    """State and behaviour of one Square merchant; every method is thread-safe.

    ``locations`` replaces the three seeded stores (dicts shaped like
    `const.LOCATIONS`); ``retry_scale`` multiplies every wait between
    delivery attempts (0.001: one minute becomes 60 ms, an hour 3.6 s);
    ``clock`` gives the time (epoch seconds), moved on by `advance_clock`;
    ``seed`` makes ids, cards and the simulated activity reproducible.
    """

    name = "square"

    def __init__(
        self,
        *,
        access_token: str = DEFAULT_ACCESS_TOKEN,
        merchant_id: str = DEFAULT_MERCHANT_ID,
        application_id: str = DEFAULT_APPLICATION_ID,
        locations=None,
        retry_scale: float = 1.0,
        faults: Faults | None = None,
        seed: int | None = None,
        delivery_delay: float = 0.0,
        delivery_workers: int = 8,
        delivery_timeout: float = 10.0,
        clock=time.time,
    ):
        if retry_scale < 0:
            raise ValueError("retry_scale must not be negative")
        super().__init__(faults=faults, clock=clock)
        self.access_token = access_token
        self.merchant_id = merchant_id
        self.application_id = application_id
        self.retry_scale = retry_scale
        self.seed = seed
        self.location_specs = [dict(spec) for spec in (locations or LOCATIONS)]
        self.clock_offset = 0.0
        self.deliverer = SquareDeliverer(
            self.faults,
            retry_scale=retry_scale,
            still_wanted=self._still_wanted,
            on_attempt=self._on_attempt,
            workers=delivery_workers,
            timeout=delivery_timeout,
            name="square-webhooks",
        )
        self.outbox = Outbox(
            self.lock, self._fan_out, self._send, delay=delivery_delay, name="square"
        )
        self._init_state()

    def _init_state(self) -> None:
        self.random = random.Random(self.seed)
        self.ids = random.Random(f"{self.seed}:ids" if self.seed is not None else None)
        self.stats: Counter = Counter()
        self.orders: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.events: dict[str, dict] = {}
        self.failing_since: dict[str, float] = {}
        self.idempotency: dict[tuple, object] = {}
        self._init_locations()
        self._init_catalog()
        self._init_sales()
        self._init_cash()
        self._init_payouts()

    def _init_locations(self) -> None:
        self.locations: dict[str, dict] = {}
        self.taxes: dict[str, dict] = {}
        created = rfc3339(self.now() - 400 * 86400)
        for spec in self.location_specs:
            location = {
                "id": spec["id"],
                "name": spec["name"],
                "address": dict(spec.get("address") or {}),
                "timezone": spec.get("timezone", "UTC"),
                "capabilities": ["CREDIT_CARD_PROCESSING"],
                "status": spec.get("status", "ACTIVE"),
                "created_at": created,
                "merchant_id": self.merchant_id,
                "country": spec.get("country", "US"),
                "language_code": spec.get("language_code", "en-US"),
                "currency": spec.get("currency", "USD"),
                "business_name": "Retail Connector Demo Shop",
                "type": "PHYSICAL",
                "mcc": "5999",
            }
            self.locations[location["id"]] = location
            tax = spec.get("tax") or {
                "name": "Tax",
                "percentage": "0",
                "type": "ADDITIVE",
            }
            self.taxes[location["id"]] = dict(tax)

    # -- time -------------------------------------------------------------

    def now(self) -> float:
        """The merchant's clock (epoch seconds), `advance_clock` included."""
        return self.clock() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the merchant's time on (offline uploads hours later); the new time."""
        with self.lock:
            self.clock_offset += float(seconds)
            return self.now()

    def stamp(self, at=None) -> float:
        """``at`` (epoch or RFC 3339) or now, as epoch seconds."""
        from .values import parse_time

        return self.now() if at is None else parse_time(at)

    # -- lookups ----------------------------------------------------------

    def location(self, location_id: str) -> dict:
        """A store; `KeyError` when unknown."""
        try:
            return self.locations[location_id]
        except KeyError:
            raise KeyError(f"location {location_id!r} not found") from None

    def set_location_status(self, location_id: str, status: str) -> dict:
        """Open (``ACTIVE``) or close (``INACTIVE``) a store (``location.updated``)."""
        if status not in ("ACTIVE", "INACTIVE"):
            raise ValueError("status: ACTIVE or INACTIVE")
        with self.change():
            location = self.location(location_id)
            location["status"] = status
            self.emit_event(
                "location.updated", location_id, "location", location_id, {}
            )
            return dict(location)

    def idempotent(self, scope: str, key, make):
        """The answer of a request: the first one for the same ``key``."""
        if not key:
            return make()
        with self.lock:
            if (scope, key) not in self.idempotency:
                self.idempotency[(scope, key)] = make()
            return self.idempotency[(scope, key)]

    # -- views ------------------------------------------------------------

    @property
    def deliveries(self) -> list[dict]:
        """Every delivery attempt (and drop) so far, oldest first."""
        return [attempt.to_dict() for attempt in self.deliverer.attempts()]

    def state(self) -> dict:
        with self.lock:
            orders = Counter(order["state"] for order in self.orders.values())
            return {
                "merchant_id": self.merchant_id,
                "now": rfc3339(self.now()),
                "retry_scale": self.retry_scale,
                "locations": {
                    lid: {
                        "status": loc["status"],
                        "offline": lid in self.offline,
                        "waiting_upload": len(self.offline.get(lid, [])),
                        "open_shift": self.open_shifts.get(lid),
                    }
                    for lid, loc in self.locations.items()
                },
                "orders": len(self.orders),
                "orders_by_state": dict(orders),
                "payments": len(self.payments),
                "refunds": len(self.refunds),
                "shifts": len(self.shifts),
                "payouts": len(self.payouts),
                "subscriptions": len(self.subscriptions),
                "events": len(self.events),
                "activity": dict(self.stats),
            }

    def reset(self) -> None:
        """Back to the seeded merchant: no sales, subscriptions or events."""
        super().reset()
        with self.lock:
            self.clock_offset = 0.0
            self._init_state()
