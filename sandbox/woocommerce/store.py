"""The store: its state, its clock and keys, and its admin views."""

from __future__ import annotations

import itertools
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ..common import Deliverer, Faults, Outbox, SandboxApp
from .const import API, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET
from .customers import Customers
from .orders import Orders
from .products import Catalog
from .refunds import Refunds
from .resources import Rendering
from .webhooks import Webhooks


class WooStore(Catalog, Orders, Refunds, Customers, Webhooks, Rendering, SandboxApp):
    """State and behaviour of one store; every method is thread-safe.

    ``site_url`` is the store's home URL (set from the server's address when
    started through `serve_store`). ``clock`` returns Unix seconds. Each
    concern lives in a mixin of its own module; this class holds the state
    they share.
    """

    name = "woocommerce"

    def __init__(
        self,
        *,
        consumer_key: str = DEFAULT_CONSUMER_KEY,
        consumer_secret: str = DEFAULT_CONSUMER_SECRET,
        permissions: str = "read_write",
        assume_https: bool = False,
        currency: str = "EUR",
        tax_rate: Decimal | str = "21",
        prices_include_tax: bool = False,
        utc_offset: float = 0.0,
        shipping_cost: Decimal | str = "5.00",
        delivery_delay: float = 0.0,
        strict_delivery_ports: bool = False,
        faults: Faults | None = None,
        seed: int | None = None,
        clock=time.time,
        site_url: str = "",
        delivery_workers: int = 4,
    ):
        super().__init__(faults=faults, clock=clock)
        self.site_url = site_url.rstrip("/")
        self.assume_https = assume_https
        self.currency = currency
        self.tax_rate = Decimal(str(tax_rate))
        self.prices_include_tax = prices_include_tax
        self.utc_offset = timedelta(hours=utc_offset)
        self.shipping_cost = Decimal(str(shipping_cost))
        self.strict_delivery_ports = strict_delivery_ports
        self.random = random.Random(seed)
        self.hash_salt = secrets.token_hex(16)
        self.keys: dict[str, dict] = {}
        self.add_key(consumer_key, consumer_secret, permissions)
        self.products: dict[int, dict] = {}
        self.variations: dict[int, dict] = {}
        self.orders: dict[int, dict] = {}
        self.refunds: dict[int, dict] = {}
        self.notes: dict[int, list] = {}
        self.webhooks: dict[int, dict] = {}
        self._post_ids = itertools.count(10)
        self._item_ids = itertools.count(1)
        self._meta_ids = itertools.count(1000)
        self._webhook_ids = itertools.count(1)
        self._note_ids = itertools.count(1)
        self.delivery_log: list[dict] = []
        # Record id -> Unix time a call last set its stock quantity.
        self.stock_written_at: dict[int, float] = {}
        self.deliverer = Deliverer(
            self.faults,
            workers=delivery_workers,
            timeout=10.0,
            max_attempts=1,
            is_success=lambda status: 200 <= status <= 302,
            on_attempt=self._on_attempt,
            name="woocommerce-webhooks",
        )
        self.outbox = Outbox(
            self.lock,
            self._fan_out,
            self._send,
            delay=delivery_delay,
            name="woocommerce",
        )

    # -- basics -------------------------------------------------------------

    def now(self) -> datetime:
        """Current UTC time, whole seconds (WordPress stores no fractions)."""
        return datetime.fromtimestamp(int(self.clock()), UTC).replace(tzinfo=None)

    def local(self, moment: datetime | None) -> datetime | None:
        """Store-local time of a UTC moment (the non-``_gmt`` fields)."""
        return None if moment is None else moment + self.utc_offset

    def add_key(self, consumer_key: str, consumer_secret: str, permissions: str):
        """Register an API key (``read``, ``write`` or ``read_write``)."""
        if permissions not in ("read", "write", "read_write"):
            raise ValueError("permissions must be read, write or read_write")
        with self.lock:
            self.keys[consumer_key] = {
                "consumer_key": consumer_key,
                "consumer_secret": consumer_secret,
                "permissions": permissions,
                "user_id": 1,
                "nonces": {},
            }

    def _link(self, path: str) -> str:
        return f"{self.site_url}{API}/{path}"

    @property
    def delivery_delay(self) -> float:
        """Seconds between a change and its webhook deliveries."""
        return self.outbox.delay

    @delivery_delay.setter
    def delivery_delay(self, seconds: float) -> None:
        self.outbox.delay = seconds

    def _emit(self, resource: str, event: str, resource_id: int) -> None:
        """Queue an event; scheduled for delivery once the change is done.

        A webhook fires at most once per resource within one request, as
        WooCommerce's ``is_already_processed`` guard does.
        """
        self.emit((resource, event, resource_id))

    def bind(self, server) -> None:
        """Started by `serve_store`: the site URL is the server's, unless given."""
        if not self.site_url:
            self.site_url = server.url

    def state(self) -> dict:
        """Counts for ``GET /_sandbox/state``."""
        with self.lock:
            statuses: dict = {}
            for order in self.orders.values():
                statuses[order["status"]] = statuses.get(order["status"], 0) + 1
            return {
                "site_url": self.site_url,
                "https": self.assume_https,
                "products": len(self.products),
                "variations": len(self.variations),
                "orders": len(self.orders),
                "orders_by_status": statuses,
                "refunds": len(self.refunds),
                "webhooks": [self.admin_webhook(w) for w in self.webhooks.values()],
                "requests": len(self.requests),
                "scheduled_deliveries": self.outbox.scheduled,
            }

    def reset(self) -> None:
        """Forget the request and delivery logs (catalog and orders stay)."""
        with self.lock:
            super().reset()
            self.delivery_log.clear()
