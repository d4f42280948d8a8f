"""Generic channel: signed canonical order events to Odoo, signed pushes back.

The generic channel is any system that speaks Retail Connector's canonical
format. This stand-in plays both sides of it:

- As a shop, it generates realistic order events from a catalog of SKUs and
  POSTs them to Odoo's webhook URL, signed with
  ``X-Retail-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
  Some orders later get an ``order.updated`` (a quantity change, an added
  line, a pending order getting paid) and some an ``order.cancelled``, each
  with a strictly later ``updated_at`` (whole seconds apart, the precision of
  an Odoo datetime). Knobs: rate, count, concurrency, duplicates,
  out-of-order window, bad signatures, drops, seed.
- As a channel receiving Odoo's outbound pushes, it serves ``POST /events``,
  verifying the same signature scheme with the push secret (401 with a JSON
  reason otherwise), records every push (``GET /events?topic=``) and keeps the
  latest stock per SKU (``GET /stock``) and shipment per order
  (``GET /shipments``). Inbound faults (latency, 429, 5xx) apply to
  ``POST /events`` only, so an outage test can still read what arrived.

Event body (amounts are decimal strings)::

    {"id": "evt-…", "topic": "order.created", "occurred_at": "2026-11-25T10:00:00Z",
     "data": {"external_id": "a3f9-1001", "name": "WEB-a3f9-1001",
              "status": "confirmed", "currency": "EUR",
              "ordered_at": "…", "updated_at": "…", "prices_include_tax": false,
              "customer": {…}, "billing_address": {…}, "shipping_address": {…},
              "lines": [{"external_id", "sku", "name", "quantity",
                         "unit_price", "discount", "tax_rate"}],
              "shipping": [{"code", "name", "amount", "tax_rate"}],
              "fees": [{"name", "amount", "tax_rate"}],
              "payment": {"method", "reference", "status", "amount"},
              "note": "…", "total": "…"}}

Amounts and rounding
--------------------
Computed with `decimal.Decimal` and ROUND_HALF_UP (how Odoo rounds currency
amounts), never with floats; prices exclude tax::

    line amount = round(quantity * unit_price - discount, 2)
    untaxed     = sum(line amounts) + sum(shipping amounts) + sum(fee amounts)
    tax         = sum, over every line, shipping line and fee, of
                  round(amount * tax_rate / 100, 2)      <- rounded per line
    total       = untaxed + tax

This is what an Odoo sale order computes with price-excluded taxes and the
default "round per line" tax rounding. ``discount`` is an amount off the
whole line; generated discounts are always an exact percentage (5-25 %) of
the line amount to the cent, so an Odoo line carrying that percentage has the
very same subtotal. ``payment.amount`` equals ``total``.

Pushes received
---------------
``POST /events`` takes the canonical envelope ``{"id", "topic",
"occurred_at", "data"}``. For ``stock.*`` topics ``data`` is one level
(``{"sku": "DESK-01", "quantity": 5}``), a list of them, or an object holding
that list under ``items``, ``levels``, ``stock``, ``lines`` or ``products``;
the quantity may be called ``quantity``, ``qty``, ``available`` or
``stock_quantity``. Stock is last-write-wins in arrival order, as a real
channel applies it. ``order.shipped`` is keyed by ``data.order_external_id``
(or ``external_id`` / ``order_id``). A push with an ``id`` seen before is
answered 200 ``{"status": "duplicate"}`` and changes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import hmac
import itertools
import json
import os
import random
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from .common import (
    LOOPBACK,
    Deliverer,
    FaultConfig,
    Faults,
    HttpError,
    JsonHandler,
    SandboxServer,
    add_fault_arguments,
    fault_config_from_args,
    http_request,
    route,
    serve,
)

SIGNATURE_HEADER = "X-Retail-Signature"
DEFAULT_TOLERANCE = 300
ORDER_TOPICS = ("order.created", "order.updated", "order.cancelled")
PUSH_TOPICS = ("stock.updated", "order.shipped")
SECRET_ENV = "SANDBOX_WEBHOOK_SECRET"
PUSH_SECRET_ENV = "SANDBOX_PUSH_SECRET"

CENT = Decimal("0.01")
ZERO = Decimal("0")
_DISCOUNT_PERCENTS = (5, 10, 15, 20, 25)
_FREE_SHIPPING_FROM = Decimal("500")


# ---------------------------------------------------------------------------
# Signatures (this sandbox's own implementation, independent of the addons)
# ---------------------------------------------------------------------------


class SignatureError(Exception):
    """A signature header that does not verify; ``str()`` is the reason."""


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _hex_hmac(secret: str | bytes, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: str | bytes, timestamp: int | float) -> str:
    """The ``X-Retail-Signature`` value for ``body`` sent at ``timestamp``.

    ``t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``.
    """
    timestamp = int(timestamp)
    return f"t={timestamp},v1={_hex_hmac(secret, timestamp, _as_bytes(body))}"


def verify(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> int:
    """Check a signature header over the raw ``body``; returns its timestamp.

    Several ``v1=`` entries are accepted (a sender rotating secrets). Raises
    `SignatureError` with a reason that never reveals the expected value.
    """
    if not secret:
        raise SignatureError("no secret configured")
    if not header:
        raise SignatureError("missing signature header")
    timestamp, candidates = None, []
    for part in header.split(","):
        key, separator, value = part.strip().partition("=")
        if not separator:
            raise SignatureError("malformed signature header")
        if key == "t":
            if timestamp is not None or not (value.isascii() and value.isdigit()):
                raise SignatureError("malformed signature header")
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value.strip())
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature header")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = _hex_hmac(secret, timestamp, body).encode("ascii")
    matched = False
    for candidate in candidates:
        # Compare every entry, so timing does not tell which one matched.
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8"))
    if not matched:
        raise SignatureError("signature mismatch")
    return timestamp


# ---------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------


def round_money(value: Decimal) -> Decimal:
    """Round half up to the cent, like Odoo rounds currency amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: Decimal) -> str:
    return str(round_money(value))


def _quantity(value: Decimal) -> str:
    return (
        str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)
    )


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what}: {value!r} is not a decimal number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what}: {value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{what}: {value!r} is not a decimal number")
    return number


@dataclass(frozen=True)
class Totals:
    """Untaxed amount, tax and total of an order, as Decimals."""

    untaxed: Decimal
    tax: Decimal
    total: Decimal


def compute_totals(data: Mapping) -> Totals:
    """Totals of a generic order ``data`` dict, rounded as the module says.

    Reads ``lines`` (quantity, unit_price, discount, tax_rate), ``shipping``
    and ``fees`` (amount, tax_rate); a missing or null tax_rate is untaxed.
    """
    untaxed, tax = ZERO, ZERO
    taxable = []
    for line in data.get("lines") or ():
        amount = round_money(
            _decimal(line["quantity"], "quantity")
            * _decimal(line["unit_price"], "unit_price")
            - _decimal(line.get("discount") or 0, "discount")
        )
        taxable.append((amount, line.get("tax_rate")))
    for item in list(data.get("shipping") or ()) + list(data.get("fees") or ()):
        taxable.append(
            (round_money(_decimal(item["amount"], "amount")), item.get("tax_rate"))
        )
    for amount, rate in taxable:
        untaxed += amount
        if rate is not None and rate != "":
            tax += round_money(amount * _decimal(rate, "tax_rate") / 100)
    return Totals(untaxed, tax, untaxed + tax)


# ---------------------------------------------------------------------------
# Catalog and customers
# ---------------------------------------------------------------------------


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class CatalogItem:
    """One product the shop sells."""

    sku: str
    name: str
    price: Decimal

    def to_dict(self) -> dict:
        """JSON form, as read by `load_catalog`."""
        return {"sku": self.sku, "name": self.name, "price": _money(self.price)}


def _item(sku: str, name: str, price: str) -> CatalogItem:
    return CatalogItem(sku, name, Decimal(price))


DEFAULT_CATALOG: tuple[CatalogItem, ...] = (
    _item("DESK-01", "Standing desk, electric", "449.00"),
    _item("DESK-02", "Writing desk, oak", "229.00"),
    _item("DESK-03", "Corner desk, white", "189.50"),
    _item("CHAIR-01", "Ergonomic office chair", "289.00"),
    _item("CHAIR-02", "Meeting chair, stackable", "79.90"),
    _item("CHAIR-03", "Drafting stool", "119.00"),
    _item("CHAIR-04", "Lounge armchair", "349.00"),
    _item("TABLE-01", "Conference table, 8 seats", "899.00"),
    _item("TABLE-02", "Side table, round", "64.95"),
    _item("LAMP-01", "LED desk lamp", "49.99"),
    _item("LAMP-02", "Floor lamp, arc", "139.00"),
    _item("SHELF-01", "Bookcase, 5 shelves", "159.00"),
    _item("SHELF-02", "Wall shelf, 80 cm", "34.50"),
    _item("CAB-01", "Filing cabinet, 3 drawers", "199.00"),
    _item("CAB-02", "Mobile pedestal, lockable", "149.00"),
    _item("CAB-03", "Storage cabinet, tall", "329.00"),
    _item("MON-01", "Monitor arm, dual", "89.00"),
    _item("MON-02", "Monitor riser, bamboo", "29.95"),
    _item("FOOT-01", "Footrest, adjustable", "39.90"),
    _item("MAT-01", "Anti-fatigue mat", "44.00"),
    _item("BOARD-01", "Whiteboard, 120 x 90 cm", "99.00"),
    _item("BOARD-02", "Cork pinboard", "24.90"),
    _item("CABLE-01", "Cable tray, under-desk", "19.99"),
    _item("CABLE-02", "Cable sleeve, 2 m", "12.95"),
    _item("PHONE-01", "Acoustic phone booth", "3490.00"),
    _item("PANEL-01", "Desk divider panel", "74.00"),
    _item("RUG-01", "Office rug, 200 x 300 cm", "179.00"),
    _item("PLANT-01", "Planter with ficus", "59.00"),
    _item("COAT-01", "Coat stand", "54.90"),
    _item("BIN-01", "Recycling bin, 3 compartments", "69.00"),
    _item("CLOCK-01", "Wall clock, silent", "27.50"),
    _item("SOFA-01", "Reception sofa, 3 seats", "1190.00"),
    _item("LOCK-01", "Locker, 4 doors", "259.00"),
    _item("TRAY-01", "Letter tray set", "16.49"),
    _item("ORG-01", "Desk organizer, felt", "22.00"),
    _item("HOOK-01", "Headphone hook", "9.95"),
)


def load_catalog(path: str | os.PathLike) -> tuple[CatalogItem, ...]:
    """Read a catalog JSON file.

    Either a list or ``{"products": [...]}`` of ``{"sku", "name", "price"}``
    (``unit_price`` / ``list_price`` accepted for ``price``; name defaults to
    the SKU). SKUs must be unique, prices decimal and not negative.
    """
    label = Path(path).name
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{label}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise CatalogError(f"{label}: not valid JSON: {exc}") from None
    if isinstance(raw, dict):
        raw = raw.get("products")
    if not isinstance(raw, list) or not raw:
        raise CatalogError(f"{label}: expected a non-empty list of products")
    items, seen = [], set()
    for index, entry in enumerate(raw):
        where = f"{label}: product {index + 1}"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: expected an object")
        sku = entry.get("sku")
        if not isinstance(sku, str) or not sku.strip():
            raise CatalogError(f"{where}: 'sku' is missing")
        sku = sku.strip()
        if sku in seen:
            raise CatalogError(f"{where}: SKU {sku} appears twice")
        seen.add(sku)
        price = next(
            (entry[k] for k in ("price", "unit_price", "list_price") if k in entry),
            None,
        )
        try:
            price = _decimal(price, "price")
        except ValueError:
            raise CatalogError(
                f"{where} ({sku}): price {price!r} is not a number"
            ) from None
        if price < 0:
            raise CatalogError(f"{where} ({sku}): price must not be negative")
        name = entry.get("name")
        name = name.strip() if isinstance(name, str) and name.strip() else sku
        items.append(CatalogItem(sku, name, round_money(price)))
    return tuple(items)


# Accented names on purpose: signatures are over raw UTF-8 bytes.
_CUSTOMERS = (
    ("Zoë Janssens", "zoe.janssens", "", 0),
    ("Émile Dubois", "emile.dubois", "Atelier Dubois", 4),
    ("Jürgen Weiß", "juergen.weiss", "", 6),
    ("Inês Costa", "ines.costa", "", 9),
    ("Søren Nielsen", "soren.nielsen", "Nielsen Arkitekter", 11),
    ("Marta Kowalska", "marta.kowalska", "", 10),
    ("Liam O'Brien", "liam.obrien", "", 8),
    ("Sofia Rossi", "sofia.rossi", "Studio Rossi", 7),
    ("Lucas Martin", "lucas.martin", "", 3),
    ("Emma de Vries", "emma.devries", "", 2),
    ("Noah Peeters", "noah.peeters", "Peeters & Co", 1),
    ("Chloé Lambert", "chloe.lambert", "", 5),
    ("Mateo García", "mateo.garcia", "", 9),
    ("Hanna Svensson", "hanna.svensson", "", 11),
    ("Ruben Maes", "ruben.maes", "Maes Interieur", 0),
    ("Julia Fischer", "julia.fischer", "", 6),
    ("Tom Claes", "tom.claes", "", 1),
    ("Léa Fontaine", "lea.fontaine", "Cabinet Fontaine", 4),
    ("Bram Smit", "bram.smit", "", 2),
    ("Elif Yılmaz", "elif.yilmaz", "", 6),
    ("Anna Müller", "anna.mueller", "Müller Planung GmbH", 6),
    ("Pieter Willems", "pieter.willems", "", 0),
    ("Clara Moreau", "clara.moreau", "", 5),
    ("Diego Fernández", "diego.fernandez", "Oficinas Fernández", 9),
)

_ADDRESSES = (
    ("Rue de la Loi 16", "1000", "Brussels", "BE", "+32 2 555 01 {:02d}"),
    ("Meir 44", "2000", "Antwerp", "BE", "+32 3 555 02 {:02d}"),
    ("Damrak 70", "1012 LM", "Amsterdam", "NL", "+31 20 555 03 {:02d}"),
    ("Coolsingel 40", "3011 AD", "Rotterdam", "NL", "+31 10 555 04 {:02d}"),
    ("12 rue de Rivoli", "75001", "Paris", "FR", "+33 1 55 50 05 {:02d}"),
    ("8 quai Saint-Antoine", "69002", "Lyon", "FR", "+33 4 55 50 06 {:02d}"),
    ("Friedrichstraße 120", "10117", "Berlin", "DE", "+49 30 5550 07{:02d}"),
    ("Via Torino 21", "20123", "Milan", "IT", "+39 02 5550 08{:02d}"),
    ("14 Grafton Street", "D02 VF65", "Dublin", "IE", "+353 1 555 09{:02d}"),
    ("Calle de Alcalá 48", "28014", "Madrid", "ES", "+34 91 555 10 {:02d}"),
    ("ul. Marszałkowska 84", "00-514", "Warsaw", "PL", "+48 22 555 11 {:02d}"),
    ("Strøget 18", "1160", "Copenhagen", "DK", "+45 33 55 12 {:02d}"),
)

_PAYMENT_METHODS = ("stripe", "stripe", "paypal", "bank_transfer")
_NOTES = (
    "Please deliver after 2 pm.",
    "Leave at the reception desk.",
    "Call before delivery.",
    "Gift: no prices on the packing slip.",
)


def _utc_iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------


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
            "quantity": _quantity(self.quantity),
            "unit_price": _money(self.unit_price),
            "discount": _money(self.discount()),
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


class GenericChannel:
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
            rate = _decimal(tax_rate, "tax_rate")
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

    # -- building events --------------------------------------------------

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
        customer_index = rng.randrange(len(_CUSTOMERS))
        name, email_local, company, address_index = _CUSTOMERS[customer_index]
        street, zip_code, city, country, phone = _ADDRESSES[address_index]
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
            other = _ADDRESSES[(address_index + 1 + rng.randrange(3)) % len(_ADDRESSES)]
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
            payment_method=rng.choice(_PAYMENT_METHODS),
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
                order.note = rng.choice(_NOTES)
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
                choices = list(_DISCOUNT_PERCENTS)
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
            price = _decimal(spec["unit_price"], f"{sku} unit_price")
        elif item is not None:
            price = item.price
        else:
            raise ValueError(f"SKU {sku} is not in the catalog: give its unit_price")
        quantity = _decimal(spec.get("quantity", 1), f"{sku} quantity")
        name = spec.get("name") or (item.name if item else sku)
        line = self._new_line(order, CatalogItem(sku, name, price), quantity)
        if "tax_rate" in spec:
            rate = spec["tax_rate"]
            line.tax_rate = None if rate is None else str(rate)
        if spec.get("discount") is not None:
            line.discount_amount = round_money(_decimal(spec["discount"], "discount"))
        elif spec.get("discount_percent"):
            line.discount_percent = int(spec["discount_percent"])
        return line

    def _random_shipping(self, order: _Order) -> list[dict]:
        subtotal = sum(line.quantity * line.unit_price for line in order.lines)
        if subtotal >= _FREE_SHIPPING_FROM:
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
            "amount": _money(_decimal(spec.get("amount", 0), "shipping amount")),
            "tax_rate": spec.get("tax_rate", self.tax_rate),
        }

    def _fee_from_spec(self, spec: Mapping) -> dict:
        return {
            "name": str(spec.get("name") or "Fee"),
            "amount": _money(_decimal(spec.get("amount", 0), "fee amount")),
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
            total = _decimal(total_override, "total")
        if order.status == "cancelled":
            payment_status = "refunded" if order.paid else "cancelled"
        else:
            payment_status = "paid" if order.paid else "pending"
        data["payment"] = {
            "method": order.payment_method,
            "reference": order.payment_reference if order.paid else "",
            "status": payment_status,
            "amount": _money(total),
        }
        data["note"] = order.note
        data["total"] = _money(total)
        return data

    def _envelope(self, topic, order, event_id, total_override) -> dict:
        return {
            "id": event_id
            or f"evt-{uuid.UUID(int=self._ids.getrandbits(128), version=4)}",
            "topic": topic,
            "occurred_at": _utc_iso(order.updated_ts),
            "data": self._order_data(order, total_override),
        }

    # -- sending ----------------------------------------------------------

    @staticmethod
    def encode(event: Mapping) -> bytes:
        """Compact UTF-8 JSON, as a real sender would put on the wire."""
        return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()

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
        secret = _as_bytes(self.secret) + b"\x00forged" if bad else self.secret
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
        server = serve(
            PushHandler,
            host,
            port,
            app=receiver,
            faults=self.faults,
            deliverer=self.deliverer,
            name="generic",
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


def _check_status(status: str) -> str:
    allowed = ("pending", "confirmed", "completed", "cancelled")
    if status not in allowed:
        raise ValueError(f"status must be one of {', '.join(allowed)}")
    return status


# ---------------------------------------------------------------------------
# Push receiver
# ---------------------------------------------------------------------------

_LIST_KEYS = ("items", "levels", "stock", "lines", "products")
_QUANTITY_KEYS = ("quantity", "qty", "available", "stock_quantity")
_ORDER_KEYS = ("order_external_id", "external_id", "order_id")


def _stock_levels(data) -> list[tuple[str, object]]:
    if isinstance(data, dict):
        for key in _LIST_KEYS:
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [data]
    if not isinstance(data, list):
        return []
    levels = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str):
            return []
        key = next((k for k in _QUANTITY_KEYS if k in item), None)
        if key is None:
            return []
        quantity = item[key]
        try:
            number = _decimal(quantity, "quantity")
        except ValueError:
            return []
        levels.append(
            (
                item["sku"],
                int(number) if number == number.to_integral() else str(number),
            )
        )
    return levels


class PushReceiver:
    """What the channel knows of Odoo's pushes: events, stock, shipments."""

    def __init__(
        self,
        secret: str | bytes,
        *,
        tolerance: int = DEFAULT_TOLERANCE,
        now: Callable[[], float] = time.time,
    ):
        self.secret = secret
        self.tolerance = tolerance
        self.now = now
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget everything received."""
        with self._lock:
            self._events: list[dict] = []
            self._seen: set[str] = set()
            self._stock: dict[str, dict] = {}
            self._shipments: dict[str, dict] = {}
            self._counts: Counter = Counter()

    def receive(self, body: bytes, signature_header: str | None) -> tuple[int, dict]:
        """Verify, validate and record one push; returns ``(status, answer)``."""
        try:
            timestamp = verify(
                self.secret,
                body,
                signature_header,
                now=self.now(),
                tolerance=self.tolerance,
            )
        except SignatureError as exc:
            with self._lock:
                self._counts["rejected"] += 1
            return 401, {"error": "invalid_signature", "message": str(exc)}
        try:
            event = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return 400, {"error": "malformed_json", "message": f"malformed JSON: {exc}"}
        problem = _envelope_problem(event)
        if problem:
            return 400, {"error": "invalid_event", "message": problem}
        topic, data = event["topic"], event.get("data")
        levels, order_id = [], None
        if topic.startswith("stock."):
            levels = _stock_levels(data)
            if not levels:
                return 422, {
                    "error": "invalid_stock",
                    "message": (
                        f"{topic}: data has no stock level with 'sku' and "
                        f"'quantity' (expected {{'sku': 'DESK-01', 'quantity': 5}}, "
                        "a list of them, or {'items': [...]})"
                    ),
                }
        elif topic == "order.shipped":
            order_id = next(
                (
                    data.get(k)
                    for k in _ORDER_KEYS
                    if isinstance(data, dict) and data.get(k)
                ),
                None,
            )
            if order_id is None:
                return 422, {
                    "error": "invalid_shipment",
                    "message": "order.shipped: data has no order_external_id",
                }
        received_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self._lock:
            duplicate = event["id"] in self._seen
            self._seen.add(event["id"])
            record = {
                "seq": len(self._events) + 1,
                "id": event["id"],
                "topic": topic,
                "occurred_at": event.get("occurred_at"),
                "received_at": received_at,
                "signature_timestamp": timestamp,
                "duplicate": duplicate,
                "data": data,
            }
            self._events.append(record)
            self._counts["received"] += 1
            self._counts[f"topic:{topic}"] += 1
            if duplicate:
                self._counts["duplicates"] += 1
                return 200, {"status": "duplicate", "id": event["id"]}
            for sku, quantity in levels:
                self._stock[sku] = {
                    "quantity": quantity,
                    "event_id": event["id"],
                    "occurred_at": event.get("occurred_at"),
                    "received_at": received_at,
                }
            if order_id is not None:
                self._shipments[str(order_id)] = {
                    **data,
                    "event_id": event["id"],
                    "received_at": received_at,
                }
        return 200, {"status": "received", "id": event["id"]}

    def events(self, topic: str | None = None, since: int = 0) -> list[dict]:
        """Recorded pushes (duplicates included), optionally of one topic,
        with ``seq`` greater than ``since``."""
        with self._lock:
            return [
                dict(record)
                for record in self._events
                if record["seq"] > since and (topic is None or record["topic"] == topic)
            ]

    def stock(self) -> dict[str, object]:
        """Latest quantity per SKU."""
        with self._lock:
            return {sku: level["quantity"] for sku, level in self._stock.items()}

    def stock_details(self) -> dict[str, dict]:
        """Latest level per SKU with the event that set it."""
        with self._lock:
            return {sku: dict(level) for sku, level in self._stock.items()}

    def shipments(self) -> dict[str, dict]:
        """Latest shipment per order external id."""
        with self._lock:
            return {key: dict(value) for key, value in self._shipments.items()}

    def state(self) -> dict:
        """Counters for the admin state endpoint."""
        with self._lock:
            counts = dict(self._counts)
            return {
                "pushes": counts.pop("received", 0),
                "duplicates": counts.pop("duplicates", 0),
                "rejected": counts.pop("rejected", 0),
                "by_topic": {
                    k[6:]: v for k, v in counts.items() if k.startswith("topic:")
                },
                "skus": len(self._stock),
                "shipments": len(self._shipments),
            }


def _envelope_problem(event) -> str | None:
    if not isinstance(event, dict):
        return "expected a JSON object with id, topic and data"
    if not isinstance(event.get("id"), str) or not event["id"].strip():
        return "'id' must be a non-empty string"
    if not isinstance(event.get("topic"), str) or not event["topic"].strip():
        return "'topic' must be a non-empty string"
    if "data" not in event:
        return "'data' is missing"
    return None


class PushHandler(JsonHandler):
    """HTTP face of a `PushReceiver`."""

    @route("POST", r"/events")
    def post_event(self, match):
        return self.app.receive(self.body, self.headers.get(SIGNATURE_HEADER))

    @route("GET", r"/events", faults=False)
    def list_events(self, match):
        try:
            since = int(self.query_value("since", "0"))
        except ValueError:
            raise HttpError(400, "'since' must be an integer") from None
        return 200, self.app.events(self.query_value("topic"), since)

    @route("GET", r"/stock", faults=False)
    def get_stock(self, match):
        return 200, {"stock": self.app.stock(), "details": self.app.stock_details()}

    @route("GET", r"/stock/(?P<sku>[^/]+)", faults=False)
    def get_sku(self, match):
        level = self.app.stock_details().get(match["sku"])
        if level is None:
            raise HttpError(404, f"no stock received for SKU {match['sku']}")
        return 200, {"sku": match["sku"], **level}

    @route("GET", r"/shipments", faults=False)
    def get_shipments(self, match):
        return 200, self.app.shipments()

    @route("GET", r"/", faults=False)
    def index(self, match):
        return 200, {
            "channel": "generic",
            "endpoints": [
                "POST /events",
                "GET /events?topic=&since=",
                "GET /stock",
                "GET /stock/<sku>",
                "GET /shipments",
                "GET /_sandbox/state",
                "POST /_sandbox/faults",
                "POST /_sandbox/reset",
            ],
        }


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

EPILOG = """\
examples:
  # 200 orders at 20/s to Odoo, 10 % resent, shuffled by 5, 5 % forged
  SANDBOX_WEBHOOK_SECRET=s3cret python -m sandbox generic \\
      --webhook-url http://127.0.0.1:8069/retail/webhook/<token> \\
      --count 200 --rate 20 --duplicates 0.1 --out-of-order 5 --bad-signature 0.05

  # receive Odoo's stock and shipment pushes on port 8765
  python -m sandbox generic --push-port 8765 --push-secret s3cret

Output on stdout is JSON lines: {"event": "ready", ...} once servers listen,
{"event": "summary", ...} at the end; progress goes to stderr.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m sandbox generic``."""
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    send = parser.add_argument_group("order events sent to Odoo")
    send.add_argument("--webhook-url", help="Odoo's webhook URL for the connection")
    send.add_argument(
        "--secret",
        default=os.environ.get(SECRET_ENV, ""),
        help=f"webhook secret (default: ${SECRET_ENV})",
    )
    send.add_argument(
        "--count", type=int, default=None, help="events to send (default: endless)"
    )
    send.add_argument(
        "--rate", type=float, default=5.0, help="events per second, 0 = flat out"
    )
    send.add_argument("--concurrency", type=int, default=4, help="parallel senders")
    send.add_argument("--update-rate", type=float, default=0.2, metavar="F")
    send.add_argument("--cancel-rate", type=float, default=0.1, metavar="F")
    send.add_argument("--tax-rate", default="21.0", help="tax rate in %% on every line")
    send.add_argument("--currency", default="EUR")
    send.add_argument("--catalog", help="JSON file of {sku, name, price} products")
    send.add_argument(
        "--prefix", help="order number prefix (default: 4 random hex digits and '-')"
    )
    send.add_argument("--timeout", type=float, default=10.0, help="per request, s")
    send.add_argument(
        "--dry-run",
        action="store_true",
        help="print the events as JSON lines instead of sending (count default 10)",
    )
    send.add_argument(
        "--print-catalog", action="store_true", help="print the catalog as JSON"
    )
    push = parser.add_argument_group("pushes received from Odoo")
    push.add_argument("--host", default=LOOPBACK)
    push.add_argument(
        "--push-port", type=int, default=None, help="serve POST /events (0: any port)"
    )
    push.add_argument(
        "--push-secret",
        default=os.environ.get(PUSH_SECRET_ENV, ""),
        help=f"secret Odoo signs pushes with (default: ${PUSH_SECRET_ENV})",
    )
    parser.add_argument(
        "--duration", type=float, default=None, help="stop after this many seconds"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_fault_arguments(parser)


def _emit(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False), flush=True)


def _progress(summary: dict) -> None:
    statuses = " ".join(f"{k}:{v}" for k, v in sorted(summary["by_status"].items()))
    results = " ".join(f"{k}:{v}" for k, v in sorted(summary["by_result"].items()))
    print(
        f"sent {summary.get('events', 0)} events | http {statuses or '-'} | "
        f"{results or '-'} | errors {summary['network_errors']} | "
        f"p95 {summary['latency_ms']['p95']} ms",
        file=sys.stderr,
        flush=True,
    )


def _channel_from_args(args: argparse.Namespace) -> GenericChannel:
    """The channel the options describe; `ValueError` with a readable reason."""
    if args.webhook_url and not args.secret and not args.dry_run:
        raise ValueError(f"--secret (or ${SECRET_ENV}) is required")
    if not (args.webhook_url or args.dry_run or args.push_port is not None):
        raise ValueError("nothing to do: give --webhook-url, --push-port or --dry-run")
    if args.push_port is not None and not (args.push_secret or args.secret):
        raise ValueError(f"--push-secret (or ${PUSH_SECRET_ENV}) is required")
    catalog = load_catalog(args.catalog) if args.catalog else DEFAULT_CATALOG
    return GenericChannel(
        args.webhook_url,
        args.secret,
        catalog=catalog,
        currency=args.currency,
        tax_rate=args.tax_rate,
        seed=args.seed,
        prefix=args.prefix,
        faults=Faults(fault_config_from_args(args)),
        concurrency=args.concurrency,
        timeout=args.timeout,
        update_rate=args.update_rate,
        cancel_rate=args.cancel_rate,
    )


def _serve_and_send(channel: GenericChannel, args: argparse.Namespace) -> None:
    stop = threading.Event()

    def on_signal(signum, frame):
        # The first Ctrl-C / SIGTERM lets the run drain and report; a second
        # one interrupts at once.
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    if args.duration is not None:
        timer = threading.Timer(args.duration, stop.set)
        timer.daemon = True
        timer.start()
    ready = {"event": "ready"}
    if args.push_port is not None:
        server = channel.serve_pushes(
            args.push_port, args.push_secret or args.secret, host=args.host
        )
        ready.update(
            push_url=f"{server.url}/events",
            stock_url=f"{server.url}/stock",
            state_url=f"{server.url}/_sandbox/state",
        )
    _emit(ready)
    try:
        if args.webhook_url:
            summary = channel.run(
                args.count,
                rate=args.rate,
                stop=stop,
                progress=None if args.quiet else _progress,
            )
            _emit({"event": "summary", **summary})
        if args.push_port is not None:
            if not args.quiet:
                print("serving pushes; Ctrl-C to stop", file=sys.stderr, flush=True)
            while not stop.wait(0.5):
                pass
    except KeyboardInterrupt:
        if args.webhook_url:
            _emit({"event": "summary", **channel.summary()})


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m sandbox generic``."""
    try:
        if args.print_catalog:
            catalog = load_catalog(args.catalog) if args.catalog else DEFAULT_CATALOG
            print(json.dumps([item.to_dict() for item in catalog], indent=2))
            return 0
        channel = _channel_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with channel:
        if args.dry_run:
            for event in channel.events(10 if args.count is None else args.count):
                print(json.dumps(event, ensure_ascii=False), flush=True)
        else:
            _serve_and_send(channel, args)
    return 0


__all__ = [
    "DEFAULT_CATALOG",
    "SIGNATURE_HEADER",
    "CatalogError",
    "CatalogItem",
    "GenericChannel",
    "PushHandler",
    "PushReceiver",
    "SignatureError",
    "Totals",
    "add_arguments",
    "compute_totals",
    "load_catalog",
    "round_money",
    "run",
    "sign",
    "verify",
]
