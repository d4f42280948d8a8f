"""The marketplace: shops, keys, clock, timers, and the state views.

One `MiraklMarketplace` stands for one operator instance. Each shop has its
API key (a key may serve several shops), its options (partial acceptance,
carriers, offers, warehouse codes, tax mode, commission), its stock, its
stock imports, its transaction log and its accounting documents. Orders are
kept in one dict by order id. Timed transitions (debit, reception, closing,
refund payment, stock imports) run on the marketplace's clock: a background
ticker applies them, and so does every API call; `advance_clock` moves the
clock forward (a test does not wait a minute).
"""

from __future__ import annotations

import copy
import itertools
import logging
import random
import time
import uuid
from decimal import Decimal

from ..common import Faults, SandboxApp
from .const import (
    DEFAULT_API_KEY,
    DEFAULT_CARRIERS,
    DEFAULT_CHANNELS,
    DEFAULT_SHOP_ID,
    DEFAULT_SHOP_NAME,
)
from .flow import OrderFlow
from .ledger import Ledger
from .limits import Limits
from .orders import Orders
from .refunds import Refunds
from .stock import StockImports

_logger = logging.getLogger(__name__)

_SHOP_OPTIONS = (
    "name",
    "currency",
    "partial_acceptance",
    "carriers",
    "offers",
    "warehouse_codes",
    "order_tax_mode",
    "commission_rate",
    "commission_vat_rate",
    "subscription_fee",
    "subscription_vat_rate",
    "seller_can_cancel",
)


class Shop:
    """One shop: its options and the data only it sees."""

    def __init__(self, shop_id: int, name: str, api_key: str, currency: str):
        self.id = shop_id
        self.name = name
        self.api_key = api_key
        self.currency = currency
        self.partial_acceptance = False
        self.carriers = [dict(c) for c in DEFAULT_CARRIERS]
        # offer SKU -> {"product_sku", "price", "title"}; an order adds its SKUs.
        self.offers: dict[str, dict] = {}
        self.warehouse_codes: list[str] = []
        self.order_tax_mode = "TAX_INCLUDED"
        self.commission_rate = Decimal("0.10")
        self.commission_vat_rate = Decimal("0.20")
        self.subscription_fee = Decimal("9.99")
        self.subscription_vat_rate = Decimal("0.20")
        self.seller_can_cancel = True
        # offer SKU -> {warehouse code ("" = global): quantity}
        self.stock: dict[str, dict[str, int]] = {}
        self.imports: dict[int, dict] = {}
        self.transactions: list[dict] = []
        self.invoices: list[dict] = []
        self.balance = Decimal("0")

    def options(self) -> dict:
        data = {name: copy.deepcopy(getattr(self, name)) for name in _SHOP_OPTIONS}
        for name, value in data.items():
            if isinstance(value, Decimal):
                data[name] = str(value)
        data["shop_id"] = self.id
        return data


class MiraklMarketplace(Orders, Refunds, StockImports, Ledger, OrderFlow, SandboxApp):
    """State and behaviour of one operator instance; every method is thread-safe.

    ``debit_delay``, ``receive_delay``, ``close_delay``, ``refund_delay`` and
    ``import_delay`` are seconds on the marketplace clock (``None``: only an
    explicit call moves the order / refund on); every ``billing_cycle``
    seconds each shop's cycle is closed (``None``: `close_billing_cycle`).
    ``limit_scale`` multiplies the rate-limit windows, ``limits=False``
    turns them off,
    ``limit_retry_after`` adds ``Retry-After`` to their 429s.
    ``null_country_rate`` is the share of addresses without
    ``country_iso_code``; ``email_customer_ids`` the share of customers whose
    ``customer_id`` is their e-mail.
    """

    name = "mirakl"

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        shop_id: int = DEFAULT_SHOP_ID,
        shop_name: str = DEFAULT_SHOP_NAME,
        currency: str = "EUR",
        debit_delay: float | None = 1.0,
        receive_delay: float | None = None,
        close_delay: float | None = None,
        refund_delay: float | None = 0.5,
        import_delay: float = 0.1,
        billing_cycle: float | None = None,
        limits: bool = True,
        limit_scale: float = 1.0,
        limit_retry_after: bool = False,
        null_country_rate: float = 0.0,
        email_customer_ids: float = 0.5,
        channels=DEFAULT_CHANNELS,
        faults: Faults | None = None,
        seed: int | None = None,
        clock=time.time,
    ):
        super().__init__(faults=faults, clock=clock)
        self.random = random.Random(seed)
        self.currency = currency
        self.debit_delay = debit_delay
        self.receive_delay = receive_delay
        self.close_delay = close_delay
        self.refund_delay = refund_delay
        self.import_delay = import_delay
        self.null_country_rate = null_country_rate
        self.email_customer_ids = email_customer_ids
        self.channels = [dict(c) for c in channels]
        self.limits = Limits(
            enabled=limits, scale=limit_scale, retry_after=limit_retry_after
        )
        self.clock_offset = 0.0
        self.shops: dict[int, Shop] = {}
        self.keys: dict[str, list[int]] = {}
        self.orders: dict[str, dict] = {}
        # What the timers look at: orders with a step due, refunds waiting,
        # imports not done.
        self._orders_due: set[str] = set()
        self._refunds_due: list[tuple] = []
        self._imports_open: list[tuple] = []
        self.billing_cycle = billing_cycle
        self._next_cycle = None if billing_cycle is None else self.now() + billing_cycle
        self._commercial_ids = itertools.count(self.random.randint(10000, 90000) * 100)
        self._refund_ids = itertools.count(5001)
        self._cancelation_ids = itertools.count(7001)
        self._import_ids = itertools.count(301)
        self._invoice_ids = itertools.count(9001)
        self._cycle_ids = itertools.count(1)
        self._voucher_ids = itertools.count(1)
        self.add_shop(shop_id, shop_name, api_key=api_key)

    # -- clock --------------------------------------------------------------

    def now(self) -> float:
        """The marketplace's time: the clock plus what `advance_clock` added."""
        return self.clock() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the clock forward and run what became due; returns the new time."""
        with self.lock:
            self.clock_offset += float(seconds)
            self.tick()
            return self.now()

    def tick(self) -> None:
        """Apply every timed transition that is due."""
        with self.lock:
            now = self.now()
            self._tick_orders(now)
            self._tick_refunds(now)
            self._tick_imports(now)
            if self._next_cycle is not None and now >= self._next_cycle:
                self._next_cycle = now + self.billing_cycle
                for shop_id in list(self.shops):
                    self.close_billing_cycle(shop_id)

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    # -- shops and keys ---------------------------------------------------------

    def add_shop(
        self,
        shop_id: int | None = None,
        name: str | None = None,
        *,
        api_key: str | None = None,
        currency: str | None = None,
        **options,
    ) -> Shop:
        """Add a shop, reached with ``api_key`` (a new key when not given;
        an existing key then serves this shop too)."""
        with self.lock:
            if shop_id is None:
                shop_id = max(self.shops, default=DEFAULT_SHOP_ID - 1) + 1
            shop_id = int(shop_id)
            if shop_id in self.shops:
                raise ValueError(f"shop {shop_id} exists")
            api_key = api_key or f"mirakl-key-{shop_id}"
            shop = Shop(
                shop_id,
                name or f"Shop {shop_id}",
                api_key,
                currency or self.currency,
            )
            self.shops[shop_id] = shop
            self.keys.setdefault(api_key, []).append(shop_id)
            if options:
                self.set_shop_options(shop_id, **options)
            return shop

    def shop(self, shop_id: int | None = None) -> Shop:
        """A shop by id (the first one by default); `KeyError` when unknown."""
        with self.lock:
            if shop_id is None:
                return next(iter(self.shops.values()))
            return self.shops[int(shop_id)]

    def shops_of_key(self, api_key: str) -> list[int]:
        """The shops an API key reaches (empty: not a key)."""
        with self.lock:
            return list(self.keys.get(api_key, ()))

    def set_shop_options(self, shop_id: int | None = None, **options) -> dict:
        """Change a shop's options (see `Shop`); returns them all.

        ``offers`` is a list of SKUs or of ``{"sku", "product_sku", "price",
        "title"}``; ``carriers`` a list of ``{"code", "label",
        "tracking_url"}``; rates and fees are decimals.
        """
        with self.lock:
            shop = self.shop(shop_id)
            unknown = sorted(set(options) - set(_SHOP_OPTIONS))
            if unknown:
                raise ValueError(f"unknown shop option(s): {', '.join(unknown)}")
            for name, value in options.items():
                if name == "offers":
                    shop.offers = {}
                    for offer in value:
                        self.add_offer(shop, offer)
                elif name in (
                    "commission_rate",
                    "commission_vat_rate",
                    "subscription_fee",
                    "subscription_vat_rate",
                ):
                    setattr(shop, name, Decimal(str(value)))
                elif name in ("partial_acceptance", "seller_can_cancel"):
                    setattr(shop, name, bool(value))
                elif name == "order_tax_mode":
                    if value not in ("TAX_INCLUDED", "TAX_EXCLUDED"):
                        raise ValueError("order_tax_mode: TAX_INCLUDED or TAX_EXCLUDED")
                    shop.order_tax_mode = value
                elif name == "carriers":
                    shop.carriers = [
                        {
                            "code": str(c["code"]),
                            "label": str(c.get("label") or c["code"]),
                            "tracking_url": str(c.get("tracking_url") or ""),
                        }
                        for c in value
                    ]
                elif name == "warehouse_codes":
                    shop.warehouse_codes = [str(code) for code in value]
                else:
                    setattr(shop, name, value)
            return shop.options()

    @staticmethod
    def add_offer(shop: Shop, offer) -> dict:
        """Register an offer SKU in ``shop`` (a SKU or a dict)."""
        if isinstance(offer, str):
            offer = {"sku": offer}
        sku = str(offer["sku"])
        record = shop.offers.setdefault(
            sku, {"product_sku": sku, "price": None, "title": sku}
        )
        for name in ("product_sku", "price", "title"):
            if offer.get(name) is not None:
                record[name] = offer[name]
        return record

    @property
    def stock(self) -> dict[str, dict[str, int]]:
        """The first shop's stock: offer SKU -> {warehouse code: quantity}."""
        return self.shop().stock

    def call_times(self, operation: str, *, accepted_only: bool = False) -> list:
        """When ``operation`` (``"OR11"``, ``"TL02"``...) was called, oldest first."""
        with self.lock:
            return self.limits.call_times(operation, accepted_only=accepted_only)

    # -- lifecycle and views ------------------------------------------------------

    def start(self):
        if not self._started:
            super().start()
            self.spawn(self._ticker, "mirakl-ticker")
        return self

    def _ticker(self) -> None:
        while not self.stopping.wait(0.05):
            try:
                self.tick()
            except Exception:  # one bad transition must not stop the clock
                _logger.exception("mirakl: a timed transition failed")

    def state(self) -> dict:
        """Counts, shops and call times for ``GET /_sandbox/state``."""
        with self.lock:
            states: dict = {}
            for order in self.orders.values():
                states[order["state"]] = states.get(order["state"], 0) + 1
            return {
                "clock": self.now(),
                "clock_offset": self.clock_offset,
                "orders": len(self.orders),
                "orders_by_state": states,
                "shops": [
                    {
                        **shop.options(),
                        "balance": str(shop.balance),
                        "transactions": len(shop.transactions),
                        "invoices": len(shop.invoices),
                        "imports": len(shop.imports),
                    }
                    for shop in self.shops.values()
                ],
                "limits": self.limits.settings(),
                "calls": self.limits.summary(),
                "requests": len(self.requests),
            }

    def reset(self) -> None:
        """Forget the call log and the recorded call times (data stays)."""
        with self.lock:
            super().reset()
            self.limits.reset()
