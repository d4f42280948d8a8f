"""The shop's side: sending canonical events to Odoo, receiving its pushes."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Mapping
from decimal import Decimal

from ..common import (
    LOOPBACK,
    Deliverer,
    FaultConfig,
    Faults,
    SandboxServer,
    as_bytes,
    compact_json,
    http_request,
    serve_app,
)
from .amounts import to_decimal
from .catalog import DEFAULT_CATALOG, CatalogItem
from .orders import OrderBook, _Order
from .receiver import PushHandler, PushReceiver
from .signing import DEFAULT_TOLERANCE, SIGNATURE_HEADER, sign


class GenericChannel(OrderBook):
    """A generic-channel shop: builds, signs and sends canonical order events.

    ``webhook_url`` and ``secret`` are Odoo's webhook URL and secret. Random
    choices come from ``seed`` (reproducible) and event timestamps from
    ``clock`` (epoch seconds); signatures always use the real time so Odoo's
    300 s window accepts them. Delivery faults come from ``faults`` or, when
    not given, from the ``duplicates`` / ``out_of_order`` /
    ``bad_signature`` / ``drop`` knobs. Use as a context manager, or call
    `close`.
    """

    def __init__(
        self,
        webhook_url: str | None = None,
        secret: str | bytes = "",
        *,
        catalog: tuple[CatalogItem, ...] | list[CatalogItem] | None = None,
        currency: str = "EUR",
        tax_rate: str | Decimal | None = "21.0",
        seed: int | None = None,
        prefix: str | None = None,
        faults: Faults | None = None,
        duplicates: float = 0.0,
        out_of_order: int = 0,
        bad_signature: float = 0.0,
        drop: float = 0.0,
        concurrency: int = 4,
        timeout: float = 10.0,
        update_rate: float = 0.2,
        cancel_rate: float = 0.1,
        clock: Callable[[], float] = time.time,
    ):
        if not (
            isinstance(currency, str) and len(currency) == 3 and currency.isupper()
        ):
            raise ValueError(f"currency must be 3 upper-case letters, got {currency!r}")
        if tax_rate is not None:
            rate = to_decimal(tax_rate, "tax_rate")
            if rate < 0:
                raise ValueError("tax_rate must not be negative")
            tax_rate = str(tax_rate) if isinstance(tax_rate, str) else str(rate)
        self.webhook_url = webhook_url
        self.secret = secret
        self.catalog = tuple(catalog or DEFAULT_CATALOG)
        if not self.catalog:
            raise ValueError("the catalog is empty")
        self._by_sku = {item.sku: item for item in self.catalog}
        self.currency = currency
        self.tax_rate = tax_rate
        self.seed = seed
        self.update_rate = update_rate
        self.cancel_rate = cancel_rate
        self.timeout = timeout
        self.clock = clock
        self.faults = faults or Faults(
            FaultConfig(
                duplicate_rate=duplicates,
                reorder=out_of_order,
                bad_signature_rate=bad_signature,
                drop_rate=drop,
                seed=seed,
            )
        )
        self._random = random.Random(seed)
        self._ids = (
            random.Random(f"{seed}:ids") if seed is not None else random.SystemRandom()
        )
        if prefix is None:
            prefix = f"{self._ids.getrandbits(16):04x}-"
        self.prefix = prefix
        self._numbers = itertools.count(1001)
        self._orders: dict[str, _Order] = {}
        self._lock = threading.RLock()
        self.deliverer = Deliverer(
            self.faults, workers=concurrency, timeout=timeout, name="generic"
        )
        self._servers: list[SandboxServer] = []

    # -- sending ----------------------------------------------------------

    @staticmethod
    def encode(event: Mapping) -> bytes:
        """Compact UTF-8 JSON, as a real sender would put on the wire."""
        return compact_json(event)

    def signature(self, body: bytes, *, timestamp: int | None = None) -> str:
        """The signature header value for ``body`` (now, unless given)."""
        when = int(time.time()) if timestamp is None else timestamp
        return sign(self.secret, body, when)

    def send(
        self,
        event_or_bytes: Mapping | bytes | str,
        *,
        signature: str | bool | None = None,
        headers: Mapping[str, str] | None = None,
        url: str | None = None,
        timeout: float | None = None,
    ) -> tuple[int, object]:
        """POST one event now and return ``(status, parsed JSON body)``.

        ``signature``: ``None`` signs correctly with the current time, a
        string is sent verbatim as the header value, ``False`` sends no
        signature header. ``headers`` are added last (and may override).
        No delivery faults apply. Network errors raise `OSError`.
        """
        if isinstance(event_or_bytes, bytes):
            body = event_or_bytes
        elif isinstance(event_or_bytes, str):
            body = event_or_bytes.encode("utf-8")
        else:
            body = self.encode(event_or_bytes)
        all_headers = {"Content-Type": "application/json"}
        if signature is None:
            all_headers[SIGNATURE_HEADER] = self.signature(body)
        elif signature is not False:
            all_headers[SIGNATURE_HEADER] = str(signature)
        all_headers.update(headers or {})
        target = url or self.webhook_url
        if not target:
            raise ValueError("no webhook URL")
        response = http_request(
            "POST",
            target,
            body=body,
            headers=all_headers,
            timeout=self.timeout if timeout is None else timeout,
        )
        return response.status, response.json()

    def _signed_headers(self, body: bytes, bad: bool) -> dict:
        timestamp = int(time.time())
        # A forged signature: well formed and current, wrong key.
        secret = as_bytes(self.secret) + b"\x00forged" if bad else self.secret
        return {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body, timestamp),
        }

    def submit(self, event: Mapping) -> int:
        """Queue ``event`` for delivery with the configured faults.

        The signature is computed when the delivery is actually sent, so a
        delivery held back by the reorder fault is still fresh.
        """
        if not self.webhook_url:
            raise ValueError("no webhook URL")
        body = self.encode(event)
        bad = self.faults.bad_signature()
        meta = {
            "event_id": event.get("id"),
            "topic": event.get("topic"),
            "external_id": (event.get("data") or {}).get("external_id"),
            "bad_signature": bad,
        }
        return self.deliverer.submit(
            self.webhook_url,
            body,
            lambda raw: self._signed_headers(raw, bad),
            meta=meta,
        )

    def run(
        self,
        count: int | None = None,
        *,
        rate: float = 5.0,
        stop: threading.Event | None = None,
        progress: Callable[[dict], None] | None = None,
        progress_interval: float = 1.0,
        drain_timeout: float = 60.0,
    ) -> dict:
        """Send `events` at ``rate`` per second (0: as fast as the workers go).

        Stops after ``count`` events, or when ``stop`` is set; then waits up to
        ``drain_timeout`` seconds for deliveries in flight. Returns `summary`.
        """
        stop = stop or threading.Event()
        start = time.monotonic()
        next_report = start + progress_interval
        sent = 0
        for event in self.events(count):
            if rate > 0:
                delay = start + sent / rate - time.monotonic()
                if delay > 0 and stop.wait(delay):
                    break
            if stop.is_set():
                break
            self.submit(event)
            sent += 1
            if progress is not None and time.monotonic() >= next_report:
                next_report = time.monotonic() + progress_interval
                progress(self.summary(sent, time.monotonic() - start))
        self.deliverer.wait_idle(drain_timeout)
        return self.summary(sent, time.monotonic() - start)

    def summary(self, events: int | None = None, elapsed: float | None = None) -> dict:
        """Delivery outcomes so far (see `Deliverer.summary`) plus rates."""
        data = self.deliverer.summary()
        attempts = self.deliverer.attempts()
        data["bad_signatures"] = len(
            {a.delivery_id for a in attempts if a.meta.get("bad_signature")}
        )
        if events is not None:
            data["events"] = events
        if elapsed is not None:
            data["elapsed_s"] = round(elapsed, 3)
            if events and elapsed > 0:
                data["events_per_s"] = round(events / elapsed, 1)
        return data

    # -- receiving pushes -------------------------------------------------

    def serve_pushes(
        self,
        port: int = 0,
        push_secret: str | bytes | None = None,
        *,
        host: str = LOOPBACK,
        tolerance: int = DEFAULT_TOLERANCE,
    ) -> SandboxServer:
        """Start the push receiver; ``push_secret`` defaults to the channel's.

        The server shares this channel's `Faults` (so ``/_sandbox/faults``
        drives both directions) and shows its deliveries in
        ``/_sandbox/state``. It is shut down by `close`.
        """
        receiver = PushReceiver(
            self.secret if push_secret is None else push_secret, tolerance=tolerance
        )
        server = serve_app(
            PushHandler,
            receiver,
            host,
            port,
            name="generic",
            faults=self.faults,
            deliverer=self.deliverer,
        )
        self._servers.append(server)
        return server

    def close(self) -> None:
        """Stop the deliverer and every push server started here."""
        self.deliverer.stop()
        for server in self._servers:
            server.shutdown()

    def __enter__(self) -> GenericChannel:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
