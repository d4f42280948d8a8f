"""WooCommerce store: the wc/v3 REST API, signed webhooks and simulated checkouts.

A stand-in for a WooCommerce 8.9.1 / WordPress 6.5.3 store on loopback that
behaves like the real plugin wherever the connector can tell the difference:

- Endpoints under ``/wp-json/wc/v3/``: ``system_status``; ``products`` (list,
  get, create, update; ``sku`` also finds variations), ``products/<id>/
  variations``, ``products/batch`` and ``products/<id>/variations/batch``
  (more than 100 items: 413 ``woocommerce_rest_request_entity_too_large``;
  a bad item fails inside a 200 answer); ``orders`` (list with
  ``modified_after``, ``after``, ``status``, ``orderby``/``order``, ``page``/
  ``per_page``/``offset``, ``X-WP-Total``/``X-WP-TotalPages``/``Link``; get,
  create, update, delete to the trash then 410), ``orders/<id>/notes``,
  ``orders/<id>/refunds``; ``webhooks`` (the secret is write-only; creating
  one pings its URL with the form body ``webhook_id=N``).
- Authentication as ``WC_REST_Authentication``: on an HTTPS store (here
  ``--assume-https``, as behind a TLS proxy) HTTP Basic or ``consumer_key``/
  ``consumer_secret`` in the query string, secrets compared in constant time;
  on a plain-HTTP store those are ignored (401 ``woocommerce_rest_cannot_view``)
  and one-legged OAuth 1.0a (HMAC-SHA1/SHA256, timestamp within 15 minutes,
  nonce never reused) is required. Keys are read, write or read_write.
- Webhook deliveries from a queue, some time after the change (``--delivery-
  delay``), the body rendered when the delivery runs, encoded like PHP
  (``\\/`` and ``\\u20ac``), signed ``X-WC-Webhook-Signature: base64(HMAC-
  SHA256(secret, raw body))``, with WooCommerce's headers; a webhook is set
  ``disabled`` after more than 5 consecutive failures; never retried.
- Checkouts from the catalog at ``--checkout-rate`` per minute, and a seeded
  catalog of about 50 products, some variable (``--seed-catalog``).

Standard library only, independent of the addons. Money is computed with
Decimal, half up: line amounts untaxed to 6 decimals as WooCommerce stores
them, shown with 2; in a tax-inclusive store (``--prices-include-tax``) the
catalog prices include the tax and the untaxed line amounts are derived.

Admin endpoints (no auth, no faults) besides the shared ``/_sandbox/*``:
``POST /_sandbox/checkout`` (place orders now), ``GET /_sandbox/requests``
(every API call received), ``GET /_sandbox/webhooks`` (with secrets and
failure counts), ``GET /_sandbox/delivery-log``, ``POST /_sandbox/keys``,
``POST /_sandbox/orders/<id>/restore`` (untrash: fires ``order.restored``),
``GET /_sandbox/stock`` (each SKU's quantity and when a call last set it).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import heapq
import hmac
import itertools
import json
import logging
import math
import random
import re
import secrets
import signal
import string
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .common import (
    LOOPBACK,
    Deliverer,
    DeliveryAttempt,
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

_logger = logging.getLogger(__name__)

WC_VERSION = "8.9.1"
WP_VERSION = "6.5.3"
HOOKSHOT_USER_AGENT = f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})"
API = "/wp-json/wc/v3"
BATCH_LIMIT = 100
MAX_PER_PAGE = 100
MAX_DELIVERY_FAILURES = 5
OAUTH_WINDOW = 15 * 60
PING_TIMEOUT = 5.0
ALLOWED_DELIVERY_PORTS = (80, 443, 8080)
DEFAULT_CONSUMER_KEY = "ck_" + "5a9d2c7e1f3b4a6c8e0d2f4b6a8c0e2d4f6a8b0c"
DEFAULT_CONSUMER_SECRET = "cs_" + "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"

ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
# Statuses in which the order holds stock (WooCommerce reduces it on payment
# or on hold, and gives it back on cancellation).
STOCK_HOLDING = ("processing", "on-hold", "completed")
WEBHOOK_RESOURCES = ("coupon", "customer", "order", "product")
WEBHOOK_EVENTS = ("created", "updated", "deleted", "restored")
REFUNDING_GATEWAYS = ("stripe", "ppcp-gateway", "woocommerce_payments")
ZERO = Decimal(0)
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")


# ---------------------------------------------------------------------------
# Encoding, money and dates
# ---------------------------------------------------------------------------


def php_json(value) -> bytes:
    """JSON as ``wp_json_encode`` writes it: compact, ``\\/``, ``\\uXXXX``."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    # "/" only ever appears inside strings in JSON text.
    return text.replace("/", "\\/").encode("ascii")


def q2(value: Decimal) -> Decimal:
    """Round half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def q6(value: Decimal) -> Decimal:
    """Round half up to WooCommerce's stored precision (6 decimals)."""
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


def money(value: Decimal | None) -> str:
    """A money string as the REST API shows it ("10.00")."""
    return "" if value is None else str(q2(value))


def unpadded(value: Decimal) -> str:
    """A tax amount as the ``taxes[]`` entries show it ("37.8", "15.619835")."""
    text = format(q6(value).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def decimal_input(value, name: str) -> Decimal:
    """Parse a money or number parameter; rest_invalid_param otherwise."""
    if isinstance(value, bool) or value is None:
        raise invalid_param(name, f"{name} is not of type string.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid_param(name, f"{name} is not a valid number.") from None
    if not number.is_finite():
        raise invalid_param(name, f"{name} is not a valid number.")
    return number


def int_input(value, name: str) -> int:
    """An integer parameter; WordPress also accepts numeric strings."""
    if isinstance(value, bool):
        raise invalid_param(name, f"{name} is not of type integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,15}\s*", value):
        return int(value)
    raise invalid_param(name, f"{name} is not of type integer.")


def iso(moment: datetime | None) -> str | None:
    """WooCommerce's date format: no offset, seconds."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S")


def parse_rest_date(value: str, name: str) -> datetime:
    """Parse an RFC 3339 date parameter (offset optional) to naive time."""
    text = (value or "").strip()
    match = re.fullmatch(
        r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?", text
    )
    if not match:
        raise invalid_param(name, "Invalid date.")
    moment = datetime.fromisoformat(f"{match[1]}T{match[2]}")
    zone = match[4]
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        moment -= sign * timedelta(hours=hours, minutes=minutes)
        return moment.replace(tzinfo=UTC)
    if zone == "Z":
        return moment.replace(tzinfo=UTC)
    return moment


def slugify(text: str) -> str:
    """WordPress-like slug."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


# ---------------------------------------------------------------------------
# OAuth 1.0a, one-legged, as WC_REST_Authentication verifies it
# ---------------------------------------------------------------------------


def _rawurlencode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def oauth_string_to_sign(method: str, base_url: str, params: dict) -> str:
    """``METHOD&rawurlencode(url)&k%3Dv%26...`` over params sorted by key.

    Each pair is encoded, joined with ``=`` and encoded again; a parameter
    given as a PHP array (``a[0]=x``) is flattened to ``a%5B0%5D``.
    """
    pieces = []
    for key in sorted(params, key=lambda name: name.encode()):
        value = params[key]
        if isinstance(value, list):
            for index, item in value:
                name = f"{_rawurlencode(key)}%5B{_rawurlencode(index)}%5D"
                pieces.append(_rawurlencode(f"{name}={_rawurlencode(item)}"))
        else:
            pair = f"{_rawurlencode(key)}={_rawurlencode(value)}"
            pieces.append(_rawurlencode(pair))
    return f"{method}&{_rawurlencode(base_url)}&{'%26'.join(pieces)}"


def oauth_expected_signature(secret: str, string_to_sign: str, method: str) -> str:
    """base64(HMAC-<method>(key=secret + "&", string_to_sign))."""
    digest = hashlib.sha256 if method == "HMAC-SHA256" else hashlib.sha1
    mac = hmac.new((secret + "&").encode(), string_to_sign.encode(), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def php_params(pairs: Iterable[tuple[str, str]]) -> dict:
    """Query pairs as PHP parses them into ``$_GET``.

    A repeated key keeps its last value; ``key[sub]`` entries become a list of
    ``(sub, value)`` under ``key``.
    """
    params: dict = {}
    for key, value in pairs:
        match = re.fullmatch(r"([^\[\]]+)\[([^\[\]]*)\]", key)
        if match:
            bucket = params.get(match[1])
            if not isinstance(bucket, list):
                bucket = params[match[1]] = []
            index = match[2] if match[2] else str(len(bucket))
            bucket.append((index, value))
        else:
            params[key] = value
    return params


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class WooError(HttpError):
    """An answer in WordPress's error format ``{"code", "message", "data"}``.

    ``data`` defaults to ``{"status": status}``; a few WooCommerce errors carry
    a bare number instead (``WP_Error(code, message, 400)``), which WordPress
    serves with HTTP 500.
    """

    def __init__(self, status, code, message, data=None, headers=None):
        super().__init__(status, message, code=code, headers=headers)
        self.data = {"status": status} if data is None else data

    def body(self) -> dict:
        """The JSON body of the answer."""
        return {"code": self.code, "message": self.message, "data": self.data}


def invalid_param(name: str, reason: str) -> WooError:
    """WordPress's schema validation error for one parameter."""
    return WooError(
        400,
        "rest_invalid_param",
        f"Invalid parameter(s): {name}",
        {"status": 400, "params": {name: reason}, "details": {}},
    )


def missing_param(name: str) -> WooError:
    """WordPress's error for a required parameter that is absent."""
    return WooError(
        400,
        "rest_missing_callback_param",
        f"Missing parameter(s): {name}",
        {"status": 400, "params": [name]},
    )


def item_error(code: str, message: str, status: int) -> dict:
    """The error object of one failed batch item."""
    return {"code": code, "message": message, "data": {"status": status}}


_CHOICES = {
    "status": ("draft", "pending", "private", "publish"),
    "backorders": ("no", "notify", "yes"),
    "stock_status": ("instock", "outofstock", "onbackorder"),
}


def _choice(data: dict, field: str) -> str:
    """A value from a fixed list, validated as WordPress's schema does."""
    allowed = _CHOICES[field]
    if data[field] not in allowed:
        listed = ", ".join(allowed[:-1]) + f" and {allowed[-1]}"
        raise invalid_param(field, f"{field} is not one of {listed}.")
    return data[field]


def _attributes(values: list, variation: bool) -> list:
    """Product attributes (``options``) or a variation's (``option``)."""
    result = []
    for index, value in enumerate(v for v in values if isinstance(v, dict)):
        name = str(value.get("name") or "")
        entry = {"id": int_input(value.get("id", 0), "attributes"), "name": name}
        if variation:
            entry["option"] = str(value.get("option") or "")
        else:
            entry.update(
                slug=slugify(name),
                position=index,
                visible=bool(value.get("visible", True)),
                variation=bool(value.get("variation", False)),
                options=[str(o) for o in value.get("options") or []],
            )
        result.append(entry)
    return result


# ---------------------------------------------------------------------------
# Seed data
# ---------------------------------------------------------------------------

_SIMPLE_PRODUCTS = (
    ("DESK-OAK", "Oak Desk", "189.00"),
    ("DESK-WALNUT", "Walnut Desk", "249.00"),
    ("CHAIR-OAK", "Oak Chair", "90.00"),
    ("CHAIR-LOUNGE", "Lounge Chair", "329.00"),
    ("STOOL-BAR", "Bar Stool", "79.50"),
    ("TABLE-SIDE", "Side Table", "64.90"),
    ("TABLE-DINING", "Dining Table", "599.00"),
    ("SHELF-WALL", "Wall Shelf", "39.95"),
    ("BOOKCASE-5", "Five-shelf Bookcase", "159.00"),
    ("LAMP-DESK", "Desk Lamp", "34.99"),
    ("LAMP-FLOOR", "Floor Lamp", "119.00"),
    ("LAMP-PENDANT", "Pendant Lamp", "89.00"),
    ("RUG-WOOL-S", "Wool Rug 120x170", "129.00"),
    ("RUG-WOOL-L", "Wool Rug 200x300", "349.00"),
    ("CUSHION-LINEN", "Linen Cushion", "24.90"),
    ("THROW-MOHAIR", "Mohair Throw", "74.00"),
    ("VASE-STONE", "Stoneware Vase", "29.50"),
    ("MIRROR-ROUND", "Round Mirror", "99.00"),
    ("CLOCK-WALL", "Wall Clock", "45.00"),
    ("PLANTER-CERAMIC", "Ceramic Planter", "19.95"),
    ("CANDLE-SOY", "Soy Candle", "14.50"),
    ("MUG-ENAMEL", "Enamel Mug", "9.90"),
    ("PLATE-SET", "Dinner Plate Set", "54.00"),
    ("BOWL-OAK", "Oak Serving Bowl", "42.00"),
    ("BOARD-CUTTING", "Cutting Board", "27.00"),
    ("KNIFE-CHEF", "Chef's Knife", "89.90"),
    ("KETTLE-STEEL", "Steel Kettle", "69.00"),
    ("TEAPOT-CAST", "Cast Iron Teapot", "49.00"),
    ("APRON-LINEN", "Linen Apron", "32.00"),
    ("TOWEL-WAFFLE", "Waffle Towel", "18.00"),
    ("BASKET-SEAGRASS", "Seagrass Basket", "37.50"),
    ("HOOK-BRASS", "Brass Hook", "12.00"),
    ("FRAME-OAK-A4", "Oak Frame A4", "22.00"),
    ("POSTER-ALPS", "Alps Poster", "29.00"),
    ("NOTEBOOK-A5", "A5 Notebook", "11.50"),
    ("PEN-BRASS", "Brass Pen", "39.00"),
    ("UMBRELLA-BLACK", "Black Umbrella", "35.00"),
    ("BACKPACK-CANVAS", "Canvas Backpack", "119.00"),
    ("WALLET-LEATHER", "Leather Wallet", "59.00"),
    ("BELT-LEATHER", "Leather Belt", "49.00"),
    ("GIFTCARD-50", "Gift Card \u20ac50", "50.00"),
    ("CAF\u00c9-BEANS", "Caf\u00e9 Beans 1 kg", "24.00"),
)
_VARIABLE_PRODUCTS = (
    ("HOODIE", "Hoodie", "45.00", {"Color": ("Blue", "Grey"), "Size": ("M", "L")}),
    ("TEE-ORGANIC", "Organic Tee", "25.00", {"Color": ("White", "Black", "Olive")}),
    ("SOCKS-WOOL", "Wool Socks", "12.50", {"Color": ("Grey", "Navy")}),
    ("SHIRT-LINEN", "Linen Shirt", "79.00", {"Size": ("S", "M", "L", "XL")}),
    ("SNEAKER-LOW", "Low Sneaker", "99.00", {"Size": ("40", "41", "42", "43")}),
    ("BEANIE", "Beanie", "19.00", {"Color": ("Rust", "Forest")}),
    ("SCARF-CASHMERE", "Cashmere Scarf", "89.00", {"Color": ("Camel", "Charcoal")}),
    ("CAP-CORD", "Corduroy Cap", "29.00", {"Color": ("Sand", "Brown")}),
)
_CUSTOMERS = tuple(
    tuple(line.split("|"))
    for line in (
        "Anna|de Vries|anna.devries@example.nl|Keizersgracht 123|Amsterdam|1015 CJ|NL"
        "|+31 20 555 0101",
        "Lucas|Peeters|lucas.peeters@example.be|Rue Haute 17|Bruxelles|1000|BE"
        "|+32 2 555 01 77",
        "J\u00e9r\u00f4me|Lef\u00e8vre|jerome.lefevre@example.fr|12 rue de la Paix|"
        "Paris|75002|FR|+33 1 55 55 01 23",
        "Zo\u00eb|M\u00fcller|zoe.mueller@example.de|Gr\u00fcnstra\u00dfe 5|"
        "K\u00f6ln|50667|DE|+49 221 5550123",
        "Sofia|Rossi|sofia.rossi@example.it|Via Roma 44|Milano|20121|IT"
        "|+39 02 5550 1234",
        "Liam|Janssens|liam.janssens@example.be|Meir 88|Antwerpen|2000|BE"
        "|+32 3 555 22 10",
        "Emma|Bakker|emma.bakker@example.nl|Oudegracht 210|Utrecht|3511 NR|NL"
        "|+31 30 555 0199",
        "Noah|Schmidt|noah.schmidt@example.de|Torstra\u00dfe 9|Berlin|10119|DE"
        "|+49 30 5550199",
    )
)
_COUPONS = {"spring10": Decimal(10), "welcome5": Decimal(5)}
_GATEWAYS = (
    ("stripe", "Credit Card (Stripe)", "processing", True),
    ("bacs", "Direct bank transfer", "on-hold", False),
    ("cod", "Cash on delivery", "processing", False),
)
_NOTES = (
    "",
    "",
    "Please leave the parcel with the neighbours.",
    "Merci beaucoup \u2014 \u00e0 bient\u00f4t !",
    "Gift for my mother, no invoice in the box please.",
)


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------


class WooStore:
    """State and behaviour of one store; every method is thread-safe.

    ``site_url`` is the store's home URL (set from the server's address when
    started through `serve_store`). ``clock`` returns Unix seconds.
    """

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
        self.lock = threading.RLock()
        self.site_url = site_url.rstrip("/")
        self.assume_https = assume_https
        self.currency = currency
        self.tax_rate = Decimal(str(tax_rate))
        self.prices_include_tax = prices_include_tax
        self.utc_offset = timedelta(hours=utc_offset)
        self.shipping_cost = Decimal(str(shipping_cost))
        self.delivery_delay = delivery_delay
        self.strict_delivery_ports = strict_delivery_ports
        self.faults = faults if faults is not None else Faults()
        self.clock = clock
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
        self.requests: list[dict] = []
        self.delivery_log: list[dict] = []
        # Record id -> Unix time a call last set its stock quantity.
        self.stock_written_at: dict[int, float] = {}
        self._events: list[tuple] = []
        self._scheduled: list[tuple] = []
        self._in_flight = 0
        self._sequence = itertools.count()
        self._wakeup = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.deliverer = Deliverer(
            self.faults,
            workers=delivery_workers,
            timeout=10.0,
            max_attempts=1,
            is_success=lambda status: 200 <= status <= 302,
            on_attempt=self._on_attempt,
            name="woocommerce-webhooks",
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

    def _emit(self, resource: str, event: str, resource_id: int) -> None:
        """Queue an event; scheduled for delivery once the change is done.

        A webhook fires at most once per resource within one request, as
        WooCommerce's ``is_already_processed`` guard does.
        """
        key = (resource, event, resource_id)
        if key not in self._events:
            self._events.append(key)

    def _flush_events(self) -> None:
        with self.lock:
            events, self._events = self._events, []
            due = time.monotonic() + self.delivery_delay
            for resource, event, resource_id in events:
                topic = f"{resource}.{event}"
                for webhook in self.webhooks.values():
                    if webhook["status"] == "active" and webhook["topic"] == topic:
                        heapq.heappush(
                            self._scheduled,
                            (
                                due,
                                next(self._sequence),
                                webhook["id"],
                                event,
                                resource,
                                resource_id,
                            ),
                        )
        with self._wakeup:
            self._wakeup.notify_all()

    def change(self):
        """Context manager: hold the lock, then schedule the events raised."""
        return _Change(self)

    # -- catalog ------------------------------------------------------------

    def _new_product(self, data: dict, product_type: str = "simple") -> dict:
        now = self.now()
        product_id = next(self._post_ids)
        name = str(data.get("name") or "")
        product = {
            "id": product_id,
            "name": name,
            "slug": slugify(name or f"product-{product_id}"),
            "type": product_type,
            "status": "publish",
            "description": "",
            "short_description": "",
            "sku": "",
            "regular_price": None,
            "sale_price": None,
            "manage_stock": False,
            "stock_quantity": None,
            "backorders": "no",
            "stock_status": "instock",
            "weight": "",
            "categories": [],
            "attributes": [],
            "default_attributes": [],
            "variations": [],
            "date_created": now,
            "date_modified": now,
            "total_sales": 0,
        }
        return product

    def _new_variation(self, parent: dict) -> dict:
        now = self.now()
        return {
            "id": next(self._post_ids),
            "parent_id": parent["id"],
            "sku": "",
            "description": "",
            "status": "publish",
            "regular_price": None,
            "sale_price": None,
            "manage_stock": False,
            "stock_quantity": None,
            "backorders": "no",
            "stock_status": "instock",
            "weight": "",
            "attributes": [],
            "date_created": now,
            "date_modified": now,
        }

    def _sku_owner(self, sku: str) -> int | None:
        for record in itertools.chain(self.products.values(), self.variations.values()):
            if sku and record["sku"] == sku:
                return record["id"]
        return None

    def _apply_stock_status(self, record: dict) -> None:
        if record["manage_stock"]:
            quantity = record["stock_quantity"] or 0
            if quantity > 0:
                record["stock_status"] = "instock"
            elif record["backorders"] != "no":
                record["stock_status"] = "onbackorder"
            else:
                record["stock_status"] = "outofstock"

    def _apply_fields(self, record: dict, data: dict, *, variation: bool) -> bool:
        """Apply writable fields; returns whether anything changed."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        before = json.dumps(record, default=str, sort_keys=True)
        if "sku" in data:
            self._apply_sku(record, str(data["sku"] or "").strip())
        for field in ("regular_price", "sale_price"):
            if field in data:
                value = data[field]
                record[field] = (
                    None if value in (None, "") else q2(decimal_input(value, field))
                )
        for field in ("description", "weight"):
            if field in data:
                record[field] = str(data[field] or "")
        for field in ("status", "backorders"):
            if field in data:
                record[field] = _choice(data, field)
        if "manage_stock" in data:
            record["manage_stock"] = bool(data["manage_stock"])
        if data.get("stock_quantity") is not None:
            quantity = int_input(data["stock_quantity"], "stock_quantity")
            # Ignored unless stock is managed, as in WooCommerce.
            if record["manage_stock"]:
                record["stock_quantity"] = quantity
                self.stock_written_at[record["id"]] = self.clock()
        if "stock_status" in data and not record["manage_stock"]:
            record["stock_status"] = _choice(data, "stock_status")
        if isinstance(data.get("attributes"), list):
            record["attributes"] = _attributes(data["attributes"], variation)
        if not variation:
            self._apply_product_fields(record, data)
        self._apply_stock_status(record)
        changed = json.dumps(record, default=str, sort_keys=True) != before
        if changed:
            record["date_modified"] = self.now()
        return changed

    def _apply_sku(self, record: dict, sku: str) -> None:
        owner = self._sku_owner(sku)
        if sku and owner not in (None, record["id"]):
            raise WooError(
                400,
                "product_invalid_sku",
                "Invalid or duplicated SKU.",
                {"status": 400, "resource_id": owner, "unique_sku": sku},
            )
        record["sku"] = sku

    @staticmethod
    def _apply_product_fields(record: dict, data: dict) -> None:
        if "name" in data:
            record["name"] = str(data["name"] or "")
        if "short_description" in data:
            record["short_description"] = str(data["short_description"] or "")
        if isinstance(data.get("categories"), list):
            record["categories"] = [
                int_input(c.get("id") if isinstance(c, dict) else c, "categories")
                for c in data["categories"]
            ]

    def create_product(self, data: dict) -> dict:
        """POST products."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        product_type = data.get("type", "simple")
        if product_type not in ("simple", "variable", "grouped", "external"):
            raise invalid_param(
                "type", "type is not one of simple, grouped, external and variable."
            )
        product = self._new_product(data, product_type)
        self._apply_fields(product, data, variation=False)
        product["date_modified"] = product["date_created"]
        self.products[product["id"]] = product
        self._emit("product", "created", product["id"])
        return product

    def update_product(self, product_id: int, data: dict) -> dict:
        """PUT products/<id> (a variation id works too, as in WooCommerce)."""
        record = self.products.get(product_id) or self.variations.get(product_id)
        if record is None:
            raise WooError(400, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        self._apply_fields(record, data, variation=product_id in self.variations)
        self._emit("product", "updated", product_id)
        return record

    def create_variation(self, product_id: int, data: dict) -> dict:
        """POST products/<id>/variations."""
        parent = self.products.get(product_id)
        if parent is None:
            raise WooError(
                404, "woocommerce_rest_product_invalid_id", "Invalid product ID."
            )
        variation = self._new_variation(parent)
        self._apply_fields(variation, data, variation=True)
        variation["date_modified"] = variation["date_created"]
        self.variations[variation["id"]] = variation
        parent["variations"].append(variation["id"])
        self._emit("product", "updated", parent["id"])
        return variation

    def update_variation(self, product_id: int, variation_id: int, data: dict):
        """PUT products/<id>/variations/<id>."""
        variation = self.variations.get(variation_id)
        if variation is None or variation["parent_id"] != product_id:
            raise WooError(
                400, "woocommerce_rest_product_variation_invalid_id", "Invalid ID."
            )
        self._apply_fields(variation, data, variation=True)
        self._emit("product", "updated", variation_id)
        return variation

    def apply_batch(self, parent_id: int | None, actions: dict) -> dict:
        """products/batch or products/<id>/variations/batch, item by item.

        A refused item becomes ``{"id": N, "error": {...}}`` in the 200 answer
        (``id`` 0 for a create); the others are applied.
        """
        if parent_id is not None and parent_id not in self.products:
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        kind = "product_variation" if parent_id is not None else "product"
        invalid_id = f"woocommerce_rest_{kind}_invalid_id"
        steps = {
            "create": self._batch_create,
            "update": self._batch_update,
            "delete": self._batch_delete,
        }
        answer: dict = {}
        for action, step in steps.items():
            for item in actions[action]:
                item_id = item.get("id") if isinstance(item, dict) else item
                try:
                    rendered = step(parent_id, item, invalid_id)
                except WooError as exc:
                    rendered = {
                        "id": item_id if isinstance(item_id, int) else 0,
                        "error": item_error(exc.code, exc.message, exc.status),
                    }
                    if action == "create":
                        rendered["id"] = 0
                answer.setdefault(action, []).append(rendered)
        return answer

    def _batch_create(self, parent_id, item, invalid_id) -> dict:
        if parent_id is None:
            return self.render_product(self.create_product(item))
        return self.render_variation(self.create_variation(parent_id, item))

    def _batch_update(self, parent_id, item, invalid_id) -> dict:
        item_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(item_id, bool) or not isinstance(item_id, int | str):
            raise WooError(400, invalid_id, "Invalid ID.")
        try:
            item_id = int(item_id)
        except ValueError:
            raise WooError(400, invalid_id, "Invalid ID.") from None
        if parent_id is None:
            if item_id not in self.products and item_id not in self.variations:
                raise WooError(400, invalid_id, "Invalid ID.")
            self.update_product(item_id, item)
            return self.render_any_product(item_id)
        variation = self.variations.get(item_id)
        if variation is None or variation["parent_id"] != parent_id:
            raise WooError(400, invalid_id, "Invalid ID.")
        self.update_variation(parent_id, item_id, item)
        return self.render_variation(variation)

    def _batch_delete(self, parent_id, item_id, invalid_id) -> dict:
        # Batch deletes are forced: no trash for products deleted this way.
        record = None
        if isinstance(item_id, int) and not isinstance(item_id, bool):
            if parent_id is None:
                record = self.products.get(item_id)
            else:
                variation = self.variations.get(item_id)
                if variation is not None and variation["parent_id"] == parent_id:
                    record = variation
        if record is None:
            raise WooError(404, invalid_id, "Invalid ID.")
        if parent_id is None:
            rendered = self.render_product(record)
            del self.products[item_id]
        else:
            rendered = self.render_variation(record)
            del self.variations[item_id]
            self.products[parent_id]["variations"].remove(item_id)
        self._emit("product", "deleted", item_id)
        return rendered

    def seed_catalog(self, stock_max: int = 40) -> None:
        """About 50 products with SKUs: 42 simple, 8 variable (2 to 8 variations)."""
        with self.change():
            for sku, name, price in _SIMPLE_PRODUCTS:
                quantity = self.random.choice((0, 3, 8, 15, 25, stock_max))
                self.create_product(
                    {
                        "name": name,
                        "sku": sku,
                        "regular_price": price,
                        "manage_stock": True,
                        "stock_quantity": quantity,
                        "short_description": f"{name}, made to last.",
                    }
                )
            for sku, name, price, attributes in _VARIABLE_PRODUCTS:
                product = self.create_product(
                    {
                        "name": name,
                        "sku": sku,
                        "type": "variable",
                        "attributes": [
                            {"name": key, "options": list(values), "variation": True}
                            for key, values in attributes.items()
                        ],
                    }
                )
                for combination in itertools.product(*attributes.values()):
                    options = dict(zip(attributes, combination, strict=True))
                    suffix = "-".join(slugify(v)[:3].upper() for v in combination)
                    self.create_variation(
                        product["id"],
                        {
                            "sku": f"{sku}-{suffix}",
                            "regular_price": price,
                            "manage_stock": True,
                            "stock_quantity": self.random.randint(0, stock_max),
                            "attributes": [
                                {"name": k, "option": v} for k, v in options.items()
                            ],
                        },
                    )
            # Seeding is not news for anyone's webhooks.
            self._events.clear()

    # -- rendering -----------------------------------------------------------

    def _price(self, record: dict) -> Decimal | None:
        if record.get("type") == "variable":
            prices = [
                self._price(self.variations[v])
                for v in record["variations"]
                if v in self.variations
            ]
            prices = [p for p in prices if p is not None]
            return min(prices) if prices else None
        return record["sale_price"] or record["regular_price"]

    def _dates(self, record: dict, *names: str) -> dict:
        data = {}
        for name in names:
            data[name] = iso(self.local(record.get(name)))
            data[f"{name}_gmt"] = iso(record.get(name))
        return data

    def render_product(self, product: dict) -> dict:
        """GET products/<id>."""
        price = self._price(product)
        stock_status = product["stock_status"]
        if product["type"] == "variable":
            statuses = {
                self.variations[v]["stock_status"]
                for v in product["variations"]
                if v in self.variations
            }
            stock_status = (
                "instock"
                if "instock" in statuses
                else ("onbackorder" if "onbackorder" in statuses else "outofstock")
            )
        permalink = f"{self.site_url}/product/{product['slug']}/"
        return {
            "id": product["id"],
            "name": product["name"],
            "slug": product["slug"],
            "permalink": permalink,
            **self._dates(product, "date_created", "date_modified"),
            "type": product["type"],
            "status": product["status"],
            "featured": False,
            "catalog_visibility": "visible",
            "description": product["description"],
            "short_description": product["short_description"],
            "sku": product["sku"],
            "price": money(price),
            "regular_price": money(product["regular_price"]),
            "sale_price": money(product["sale_price"]),
            "date_on_sale_from": None,
            "date_on_sale_from_gmt": None,
            "date_on_sale_to": None,
            "date_on_sale_to_gmt": None,
            "on_sale": product["sale_price"] is not None,
            "purchasable": price is not None,
            "total_sales": product["total_sales"],
            "virtual": False,
            "downloadable": False,
            "downloads": [],
            "download_limit": -1,
            "download_expiry": -1,
            "external_url": "",
            "button_text": "",
            "tax_status": "taxable",
            "tax_class": "",
            "manage_stock": product["manage_stock"],
            "stock_quantity": product["stock_quantity"],
            "backorders": product["backorders"],
            "backorders_allowed": product["backorders"] != "no",
            "backordered": False,
            "low_stock_amount": None,
            "sold_individually": False,
            "weight": product["weight"],
            "dimensions": {"length": "", "width": "", "height": ""},
            "shipping_required": True,
            "shipping_taxable": True,
            "shipping_class": "",
            "shipping_class_id": 0,
            "reviews_allowed": True,
            "average_rating": "0",
            "rating_count": 0,
            "upsell_ids": [],
            "cross_sell_ids": [],
            "parent_id": 0,
            "purchase_note": "",
            "categories": [
                {"id": c, "name": f"Category {c}", "slug": f"category-{c}"}
                for c in product["categories"]
            ],
            "tags": [],
            "images": [],
            "attributes": product["attributes"],
            "default_attributes": product["default_attributes"],
            "variations": list(product["variations"]),
            "grouped_products": [],
            "menu_order": 0,
            "price_html": "",
            "related_ids": [],
            "meta_data": [],
            "stock_status": stock_status,
            "has_options": product["type"] == "variable",
            "post_password": "",
            "global_unique_id": "",
            "_links": {
                "self": [{"href": self._link(f"products/{product['id']}")}],
                "collection": [{"href": self._link("products")}],
            },
        }

    def render_variation(self, variation: dict) -> dict:
        """GET products/<id>/variations/<id>."""
        parent_id = variation["parent_id"]
        price = self._price(variation)
        return {
            "id": variation["id"],
            **self._dates(variation, "date_created", "date_modified"),
            "description": variation["description"],
            "permalink": f"{self.site_url}/?p={variation['id']}",
            "sku": variation["sku"],
            "global_unique_id": "",
            "price": money(price),
            "regular_price": money(variation["regular_price"]),
            "sale_price": money(variation["sale_price"]),
            "on_sale": variation["sale_price"] is not None,
            "status": variation["status"],
            "purchasable": price is not None,
            "virtual": False,
            "downloadable": False,
            "tax_status": "taxable",
            "tax_class": "",
            "manage_stock": variation["manage_stock"],
            "stock_quantity": variation["stock_quantity"],
            "stock_status": variation["stock_status"],
            "backorders": variation["backorders"],
            "backorders_allowed": variation["backorders"] != "no",
            "backordered": False,
            "low_stock_amount": None,
            "weight": variation["weight"],
            "dimensions": {"length": "", "width": "", "height": ""},
            "shipping_class": "",
            "shipping_class_id": 0,
            "image": None,
            "attributes": [dict(a) for a in variation["attributes"]],
            "menu_order": 0,
            "meta_data": [],
            "name": self._variation_name(variation),
            "parent_id": parent_id,
            "_links": {
                "self": [
                    {
                        "href": self._link(
                            f"products/{parent_id}/variations/{variation['id']}"
                        )
                    }
                ],
                "collection": [
                    {"href": self._link(f"products/{parent_id}/variations")}
                ],
                "up": [{"href": self._link(f"products/{parent_id}")}],
            },
        }

    def render_variation_as_product(self, variation: dict) -> dict:
        """A variation through the products endpoint (``type`` "variation")."""
        parent = self.products.get(variation["parent_id"]) or {}
        data = self.render_product(
            {
                **self._new_product_shape(parent),
                "id": variation["id"],
                "name": self._variation_name(variation),
                "slug": slugify(self._variation_name(variation)),
                "type": "variation",
                "sku": variation["sku"],
                "regular_price": variation["regular_price"],
                "sale_price": variation["sale_price"],
                "manage_stock": variation["manage_stock"],
                "stock_quantity": variation["stock_quantity"],
                "backorders": variation["backorders"],
                "stock_status": variation["stock_status"],
                "weight": variation["weight"],
                "attributes": [dict(a) for a in variation["attributes"]],
                "date_created": variation["date_created"],
                "date_modified": variation["date_modified"],
                "variations": [],
            }
        )
        data["parent_id"] = variation["parent_id"]
        return data

    def _new_product_shape(self, parent: dict) -> dict:
        shape = {
            "status": "publish",
            "description": "",
            "short_description": "",
            "categories": parent.get("categories", []),
            "default_attributes": [],
            "total_sales": 0,
        }
        return shape

    def _variation_name(self, variation: dict) -> str:
        parent = self.products.get(variation["parent_id"]) or {}
        options = ", ".join(a["option"] for a in variation["attributes"] if a["option"])
        name = parent.get("name", "")
        return f"{name} - {options}" if options else name

    def render_any_product(self, record_id: int) -> dict | None:
        """GET products/<id> for a product or a variation id."""
        if record_id in self.products:
            return self.render_product(self.products[record_id])
        if record_id in self.variations:
            return self.render_variation_as_product(self.variations[record_id])
        return None

    # -- orders: building -------------------------------------------------------

    def _tax_label(self) -> dict:
        return {
            "rate_id": 1,
            "rate_code": f"{self.currency[:2]}-VAT-1",
            "label": "VAT",
        }

    def _line_amounts(self, line: dict, coupon_percent: Decimal) -> None:
        """Fill a line's untaxed/tax amounts from its unit price and quantity."""
        rate = self.tax_rate / 100
        gross = line["unit_price"] * line["quantity"]
        factor = 1 - coupon_percent / 100
        if self.prices_include_tax:
            subtotal = q6(gross / (1 + rate))
            subtotal_tax = gross - subtotal
            total_gross = q2(gross * factor)
            total = q6(total_gross / (1 + rate))
            total_tax = total_gross - total
        else:
            subtotal = gross
            subtotal_tax = q6(gross * rate)
            total = q2(gross * factor)
            total_tax = q6(total * rate)
        line.update(
            subtotal=subtotal,
            subtotal_tax=subtotal_tax,
            total=total,
            total_tax=total_tax,
        )

    def _new_line(self, record: dict, quantity: int) -> dict:
        is_variation = record["id"] in self.variations
        parent = self.products.get(record["parent_id"]) if is_variation else None
        unit_price = record["sale_price"] or record["regular_price"] or ZERO
        meta = []
        if is_variation:
            for attribute in record["attributes"]:
                meta.append(
                    {
                        "id": next(self._meta_ids),
                        "key": slugify(attribute["name"]),
                        "value": slugify(attribute["option"]),
                        "display_key": attribute["name"],
                        "display_value": attribute["option"],
                    }
                )
        return {
            "id": next(self._item_ids),
            "name": self._variation_name(record) if is_variation else record["name"],
            "product_id": parent["id"] if parent else record["id"],
            "variation_id": record["id"] if is_variation else 0,
            "quantity": quantity,
            "unit_price": unit_price,
            "meta_data": meta,
            "sku": record["sku"],
            "parent_name": parent["name"] if parent else None,
        }

    def _order_from_items(
        self,
        items: list[tuple[dict, int]],
        *,
        customer: tuple,
        customer_id: int,
        payment: tuple,
        status: str,
        paid: bool,
        coupon: str | None = None,
        fee: tuple[str, Decimal] | None = None,
        shipping: tuple[str, str, Decimal] | None | bool = None,
        note: str = "",
        created_via: str = "checkout",
        billing: dict | None = None,
        shipping_address: dict | None = None,
    ) -> dict:
        now = self.now()
        order_id = next(self._post_ids)
        first, last, email, street, city, postcode, country, *rest = customer
        address = {
            "first_name": first,
            "last_name": last,
            "company": "",
            "address_1": street,
            "address_2": "",
            "city": city,
            "state": "",
            "postcode": postcode,
            "country": country,
        }
        coupon_percent = _COUPONS.get(coupon, ZERO) if coupon else ZERO
        lines = []
        for record, quantity in items:
            line = self._new_line(record, quantity)
            self._line_amounts(line, coupon_percent)
            lines.append(line)
        shipping_lines = []
        if shipping is not False:
            method_id, method_title, cost = shipping or (
                "flat_rate",
                "Flat rate",
                self.shipping_cost,
            )
            shipping_lines.append(
                {
                    "id": next(self._item_ids),
                    "method_title": method_title,
                    "method_id": method_id,
                    "instance_id": "1",
                    "total": q2(cost),
                    "total_tax": q6(q2(cost) * self.tax_rate / 100),
                }
            )
        order = {
            "id": order_id,
            "status": status,
            "previous_status": None,
            "currency": self.currency,
            "prices_include_tax": self.prices_include_tax,
            "customer_id": customer_id,
            "order_key": "wc_order_"
            + "".join(self.random.choices(string.ascii_letters + string.digits, k=13)),
            "billing": {
                **address,
                "email": email,
                "phone": rest[0] if rest else "",
                **(billing or {}),
            },
            "shipping": {**address, "phone": "", **(shipping_address or {})},
            "payment_method": payment[0],
            "payment_method_title": payment[1],
            "transaction_id": "",
            "customer_ip_address": "203.0.113.%d" % self.random.randint(2, 250),
            "customer_user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) "
            "Gecko/20100101 Firefox/126.0",
            "created_via": created_via,
            "customer_note": note,
            "date_created": now,
            "date_modified": now,
            "date_paid": None,
            "date_completed": None,
            "line_items": lines,
            "coupon": (coupon, coupon_percent) if coupon_percent else None,
            "coupon_line_id": next(self._item_ids) if coupon_percent else None,
            "shipping_lines": shipping_lines,
            "fee_lines": [],
            "tax_line_id": next(self._item_ids),
            "refunds": [],
            "stock_reduced": False,
        }
        if fee:
            name, amount = fee
            order["fee_lines"].append(
                {
                    "id": next(self._item_ids),
                    "name": name,
                    "total": q2(amount),
                    "total_tax": q6(q2(amount) * self.tax_rate / 100),
                }
            )
        if paid:
            order["date_paid"] = now
            if payment[0] == "stripe":
                order["transaction_id"] = "ch_" + "".join(
                    self.random.choices(string.ascii_letters + string.digits, k=24)
                )
        self.orders[order_id] = order
        self.notes[order_id] = []
        return order

    def order_totals(self, order: dict) -> dict:
        """Order-level amounts, rounded to the cent as WooCommerce shows them."""
        lines = order["line_items"]
        cart_tax = sum((q2(line["total_tax"]) for line in lines), ZERO)
        cart_tax += sum((q2(fee["total_tax"]) for fee in order["fee_lines"]), ZERO)
        shipping_total = sum((s["total"] for s in order["shipping_lines"]), ZERO)
        shipping_tax = sum((q2(s["total_tax"]) for s in order["shipping_lines"]), ZERO)
        discount = sum((q2(line["subtotal"] - line["total"]) for line in lines), ZERO)
        discount_tax = sum(
            (q2(line["subtotal_tax"] - line["total_tax"]) for line in lines), ZERO
        )
        total = (
            sum((q2(line["total"]) for line in lines), ZERO)
            + sum((fee["total"] for fee in order["fee_lines"]), ZERO)
            + shipping_total
            + cart_tax
            + shipping_tax
        )
        refunded = sum((self.refunds[r]["amount"] for r in order["refunds"]), ZERO)
        return {
            "discount_total": discount,
            "discount_tax": discount_tax,
            "shipping_total": shipping_total,
            "shipping_tax": shipping_tax,
            "cart_tax": cart_tax,
            "total_tax": cart_tax + shipping_tax,
            "total": total,
            "refunded": refunded,
        }

    # -- orders: rendering --------------------------------------------------------

    def _taxes(self, amount: Decimal, subtotal: Decimal | None) -> list:
        if not self.tax_rate:
            return []
        return [
            {
                "id": 1,
                "total": unpadded(amount),
                "subtotal": "" if subtotal is None else unpadded(subtotal),
            }
        ]

    def render_order(self, order: dict) -> dict:
        """GET orders/<id>."""
        totals = self.order_totals(order)
        links = {
            "self": [{"href": self._link(f"orders/{order['id']}")}],
            "collection": [{"href": self._link("orders")}],
        }
        if order["customer_id"]:
            links["customer"] = [
                {"href": self._link(f"customers/{order['customer_id']}")}
            ]
        line_items = []
        for line in order["line_items"]:
            line_items.append(
                {
                    "id": line["id"],
                    "name": line["name"],
                    "product_id": line["product_id"],
                    "variation_id": line["variation_id"],
                    "quantity": line["quantity"],
                    "tax_class": "",
                    "subtotal": money(line["subtotal"]),
                    "subtotal_tax": money(line["subtotal_tax"]),
                    "total": money(line["total"]),
                    "total_tax": money(line["total_tax"]),
                    "taxes": self._taxes(line["total_tax"], line["subtotal_tax"]),
                    "meta_data": line["meta_data"],
                    "sku": line["sku"],
                    "price": float(line["total"] / line["quantity"]),
                    "image": {"id": "", "src": ""},
                    "parent_name": line["parent_name"],
                }
            )
        tax_lines = []
        if self.tax_rate:
            tax_lines.append(
                {
                    "id": order["tax_line_id"],
                    **self._tax_label(),
                    "compound": False,
                    "tax_total": money(totals["cart_tax"]),
                    "shipping_tax_total": money(totals["shipping_tax"]),
                    "rate_percent": float(self.tax_rate),
                    "meta_data": [],
                }
            )
        coupon_lines = []
        if order["coupon"]:
            code, percent = order["coupon"]
            coupon_lines.append(
                {
                    "id": order["coupon_line_id"],
                    "code": code,
                    "discount": money(totals["discount_total"]),
                    "discount_tax": unpadded(totals["discount_tax"]),
                    "meta_data": [],
                    "discount_type": "percent",
                    "nominal_amount": float(percent),
                    "free_shipping": False,
                }
            )
        billing = dict(order["billing"])
        return {
            "id": order["id"],
            "parent_id": 0,
            "status": order["status"],
            "currency": order["currency"],
            "version": WC_VERSION,
            "prices_include_tax": order["prices_include_tax"],
            "date_created": iso(self.local(order["date_created"])),
            "date_modified": iso(self.local(order["date_modified"])),
            "discount_total": money(totals["discount_total"]),
            "discount_tax": money(totals["discount_tax"]),
            "shipping_total": money(totals["shipping_total"]),
            "shipping_tax": money(totals["shipping_tax"]),
            "cart_tax": money(totals["cart_tax"]),
            "total": money(totals["total"]),
            "total_tax": money(totals["total_tax"]),
            "customer_id": order["customer_id"],
            "order_key": order["order_key"],
            "billing": billing,
            "shipping": dict(order["shipping"]),
            "payment_method": order["payment_method"],
            "payment_method_title": order["payment_method_title"],
            "transaction_id": order["transaction_id"],
            "customer_ip_address": order["customer_ip_address"],
            "customer_user_agent": order["customer_user_agent"],
            "created_via": order["created_via"],
            "customer_note": order["customer_note"],
            "date_completed": iso(self.local(order["date_completed"])),
            "date_paid": iso(self.local(order["date_paid"])),
            "cart_hash": hashlib.md5(
                str(order["id"]).encode(), usedforsecurity=False
            ).hexdigest(),
            "number": str(order["id"]),
            "meta_data": [],
            "line_items": line_items,
            "tax_lines": tax_lines,
            "shipping_lines": [
                {
                    "id": s["id"],
                    "method_title": s["method_title"],
                    "method_id": s["method_id"],
                    "instance_id": s["instance_id"],
                    "total": money(s["total"]),
                    "total_tax": money(s["total_tax"]),
                    "taxes": self._taxes(s["total_tax"], None),
                    "meta_data": [],
                }
                for s in order["shipping_lines"]
            ],
            "fee_lines": [
                {
                    "id": fee["id"],
                    "name": fee["name"],
                    "tax_class": "",
                    "tax_status": "taxable",
                    "amount": unpadded(fee["total"]),
                    "total": money(fee["total"]),
                    "total_tax": money(fee["total_tax"]),
                    "taxes": self._taxes(fee["total_tax"], None),
                    "meta_data": [],
                }
                for fee in order["fee_lines"]
            ],
            "coupon_lines": coupon_lines,
            "refunds": [
                {
                    "id": refund_id,
                    "reason": self.refunds[refund_id]["reason"],
                    "total": "-" + money(self.refunds[refund_id]["amount"]),
                }
                for refund_id in reversed(order["refunds"])
            ],
            "payment_url": f"{self.site_url}/checkout/order-pay/{order['id']}/"
            f"?pay_for_order=true&key={order['order_key']}",
            "is_editable": order["status"] in ("pending", "on-hold", "checkout-draft"),
            "needs_payment": order["status"] in ("pending", "failed"),
            "needs_processing": True,
            "date_created_gmt": iso(order["date_created"]),
            "date_modified_gmt": iso(order["date_modified"]),
            "date_completed_gmt": iso(order["date_completed"]),
            "date_paid_gmt": iso(order["date_paid"]),
            "currency_symbol": {"EUR": "\u20ac", "GBP": "\u00a3", "USD": "$"}.get(
                order["currency"], order["currency"]
            ),
            "_links": links,
        }

    def render_refund(self, refund: dict) -> dict:
        """GET orders/<id>/refunds/<id>."""
        order_id = refund["order_id"]
        return {
            "id": refund["id"],
            "date_created": iso(self.local(refund["date_created"])),
            "date_created_gmt": iso(refund["date_created"]),
            "amount": money(refund["amount"]),
            "reason": refund["reason"],
            "refunded_by": 1,
            "refunded_payment": refund["refunded_payment"],
            "meta_data": [],
            "line_items": [
                {
                    "id": item["id"],
                    "name": item["name"],
                    "product_id": item["product_id"],
                    "variation_id": item["variation_id"],
                    "quantity": -item["quantity"],
                    "tax_class": "",
                    "subtotal": "-" + money(item["total"]),
                    "subtotal_tax": "-" + money(item["total_tax"]),
                    "total": "-" + money(item["total"]),
                    "total_tax": "-" + money(item["total_tax"]),
                    "taxes": [
                        {
                            "id": 1,
                            "total": "-" + unpadded(item["total_tax"]),
                            "subtotal": "-" + unpadded(item["total_tax"]),
                        }
                    ]
                    if self.tax_rate
                    else [],
                    "meta_data": [
                        {
                            "id": item["meta_id"],
                            "key": "_refunded_item_id",
                            "value": str(item["refunded_item_id"]),
                            "display_key": "_refunded_item_id",
                            "display_value": str(item["refunded_item_id"]),
                        }
                    ],
                    "sku": item["sku"],
                    "price": -float(item["total"] / item["quantity"])
                    if item["quantity"]
                    else 0.0,
                    "refund_total": -float(item["total"]),
                }
                for item in refund["line_items"]
            ],
            "shipping_lines": [],
            "tax_lines": [],
            "fee_lines": [],
            "_links": {
                "self": [
                    {"href": self._link(f"orders/{order_id}/refunds/{refund['id']}")}
                ],
                "collection": [{"href": self._link(f"orders/{order_id}/refunds")}],
                "up": [{"href": self._link(f"orders/{order_id}")}],
            },
        }

    # -- orders: behaviour --------------------------------------------------------

    def _stock_record(self, line: dict) -> dict | None:
        record_id = line["variation_id"] or line["product_id"]
        return self.variations.get(record_id) or self.products.get(record_id)

    def _adjust_stock(self, order: dict, direction: int) -> None:
        """Reduce (-1) or restore (+1) stock for every managed line."""
        for line in order["line_items"]:
            record = self._stock_record(line)
            if record is None or not record["manage_stock"]:
                continue
            record["stock_quantity"] = (record["stock_quantity"] or 0) + (
                direction * line["quantity"]
            )
            self._apply_stock_status(record)
            record["date_modified"] = self.now()
            self._emit("product", "updated", record["id"])
        order["stock_reduced"] = direction < 0

    def _set_status(self, order: dict, status: str) -> None:
        old = order["status"]
        if status == old:
            return
        order["status"] = status
        now = self.now()
        if status in STOCK_HOLDING and not order["stock_reduced"]:
            self._adjust_stock(order, -1)
        if status in ("cancelled", "failed", "pending") and order["stock_reduced"]:
            self._adjust_stock(order, +1)
        if status in ("processing", "completed") and order["date_paid"] is None:
            if order["payment_method"] not in ("cod", "bacs", "cheque"):
                order["date_paid"] = now
        if status == "completed":
            order["date_completed"] = now
        if status == "refunded":
            totals = self.order_totals(order)
            remaining = totals["total"] - totals["refunded"]
            if remaining > 0:
                # wc_order_fully_refunded(): a manual refund of what is left.
                self._record_refund(
                    order,
                    remaining,
                    "Order status set to refunded. To return funds to the customer "
                    "you will need to issue a refund through your payment gateway.",
                    [],
                    refunded_payment=False,
                )

    def create_order_from_request(self, data: dict) -> dict:
        """POST orders (created via REST: ``order.created`` + ``order.updated``)."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        items = []
        for index, entry in enumerate(data.get("line_items") or []):
            if not isinstance(entry, dict):
                raise invalid_param(
                    "line_items", f"line_items[{index}] is not an object."
                )
            record = None
            if entry.get("variation_id"):
                record = self.variations.get(int_input(entry["variation_id"], "id"))
            elif entry.get("product_id"):
                record = self.products.get(int_input(entry["product_id"], "id"))
            elif entry.get("sku"):
                owner = self._sku_owner(str(entry["sku"]))
                record = self.products.get(owner) or self.variations.get(owner)
            if record is None or record.get("type") == "variable":
                raise WooError(
                    400,
                    "woocommerce_rest_invalid_product_id",
                    "Product ID provided is invalid.",
                )
            quantity = int_input(entry.get("quantity", 1), "quantity")
            if quantity < 1:
                raise invalid_param("quantity", "quantity must be greater than 0.")
            items.append((record, quantity))
        status = data.get("status", "pending")
        if status not in ORDER_STATUSES:
            raise invalid_param(
                "status", "status is not one of " + ", ".join(ORDER_STATUSES) + "."
            )
        set_paid = bool(data.get("set_paid"))
        method = str(data.get("payment_method") or "")
        billing = data.get("billing") if isinstance(data.get("billing"), dict) else {}
        customer = (
            billing.get("first_name", ""),
            billing.get("last_name", ""),
            billing.get("email", ""),
            billing.get("address_1", ""),
            billing.get("city", ""),
            billing.get("postcode", ""),
            billing.get("country", ""),
        )
        coupon = None
        for entry in data.get("coupon_lines") or []:
            code = str((entry or {}).get("code") or "").lower()
            if code not in _COUPONS:
                raise WooError(
                    400,
                    "woocommerce_rest_invalid_coupon",
                    f'Coupon "{code}" does not exist!',
                )
            coupon = code
        shipping = None
        for entry in data.get("shipping_lines") or []:
            shipping = (
                str(entry.get("method_id") or "flat_rate"),
                str(entry.get("method_title") or "Flat rate"),
                decimal_input(entry.get("total", "0"), "shipping_lines"),
            )
        fee = None
        for entry in data.get("fee_lines") or []:
            fee = (
                str(entry.get("name") or "Fee"),
                decimal_input(entry.get("total", "0"), "fee_lines"),
            )
        order = self._order_from_items(
            items,
            customer=customer,
            customer_id=int_input(data.get("customer_id", 0), "customer_id"),
            payment=(method, str(data.get("payment_method_title") or method)),
            status="pending",
            paid=False,
            coupon=coupon,
            fee=fee,
            shipping=shipping if shipping is not None else False,
            note=str(data.get("customer_note") or ""),
            created_via="rest-api",
            billing={k: str(v) for k, v in billing.items()},
            shipping_address={
                k: str(v) for k, v in (data.get("shipping") or {}).items()
            },
        )
        if data.get("transaction_id"):
            order["transaction_id"] = str(data["transaction_id"])
        if set_paid:
            order["date_paid"] = self.now()
            status = "processing" if status == "pending" else status
        self._set_status(order, status)
        self._emit("order", "created", order["id"])
        self._emit("order", "updated", order["id"])
        return order

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
                (g for g in _GATEWAYS if g[0] == payment_method),
                None,
            )
            or self.random.choices(_GATEWAYS, weights=(7, 2, 1))[0]
        )
        method, title, status, paid = gateway
        customer_index = self.random.randrange(len(_CUSTOMERS))
        if coupon is None and self.random.random() < 0.2:
            coupon = self.random.choice(sorted(_COUPONS))
        if fee is None:
            fee = self.random.random() < 0.1
        order = self._order_from_items(
            items,
            customer=_CUSTOMERS[customer_index],
            customer_id=0 if customer_index % 3 == 2 else customer_index + 2,
            payment=(method, title),
            status="pending",
            paid=paid,
            coupon=coupon or None,
            fee=("Gift wrap", Decimal("2.00")) if fee else None,
            note=self.random.choice(_NOTES) if note is None else note,
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

    def update_order(self, order_id: int, data: dict) -> dict:
        """PUT orders/<id>: any change bumps ``date_modified``."""
        order = self._order(order_id)
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        status = data.get("status")
        if status is not None and status not in ORDER_STATUSES:
            raise invalid_param(
                "status", "status is not one of " + ", ".join(ORDER_STATUSES) + "."
            )
        before = json.dumps(order, default=str, sort_keys=True)
        for field in ("billing", "shipping"):
            if isinstance(data.get(field), dict):
                order[field].update({k: str(v) for k, v in data[field].items()})
        for field in (
            "customer_note",
            "transaction_id",
            "payment_method",
            "payment_method_title",
        ):
            if field in data:
                order[field] = str(data[field] or "")
        if data.get("set_paid") and order["date_paid"] is None:
            order["date_paid"] = self.now()
            if status is None and order["status"] in ("pending", "on-hold"):
                status = "processing"
        if status is not None:
            self._set_status(order, status)
        if json.dumps(order, default=str, sort_keys=True) != before:
            order["date_modified"] = self.now()
        self._emit("order", "updated", order_id)
        return order

    def _order(self, order_id: int) -> dict:
        order = self.orders.get(order_id)
        if order is None:
            raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    def delete_order(self, order_id: int, force: bool) -> dict:
        """DELETE orders/<id>: to the trash (``order.deleted``), or for good."""
        order = self._order(order_id)
        rendered = self.render_order(order)
        if force:
            del self.orders[order_id]
            return rendered
        if order["status"] == "trash":
            raise WooError(
                410,
                "woocommerce_rest_already_trashed",
                "The order has already been deleted.",
            )
        order["previous_status"] = order["status"]
        order["status"] = "trash"
        order["date_modified"] = self.now()
        self._emit("order", "deleted", order_id)
        return rendered

    def restore_order(self, order_id: int) -> dict:
        """Bring an order back from the trash (``order.restored``)."""
        order = self._order(order_id)
        if order["status"] != "trash":
            raise WooError(400, "not_in_trash", "The order is not in the trash.")
        order["status"] = order["previous_status"] or "pending"
        order["date_modified"] = self.now()
        self._emit("order", "restored", order_id)
        return order

    def add_note(self, order_id: int, data: dict) -> dict:
        """POST orders/<id>/notes: no webhook, no ``date_modified`` change."""
        self._order(order_id)
        if not isinstance(data, dict) or not str(data.get("note") or "").strip():
            raise missing_param("note")
        now = self.now()
        note = {
            "id": next(self._note_ids),
            "author": "system" if not data.get("added_by_user") else "admin",
            "date_created": iso(self.local(now)),
            "date_created_gmt": iso(now),
            "note": str(data["note"]),
            "customer_note": bool(data.get("customer_note", False)),
            "_links": {
                "self": [{"href": self._link(f"orders/{order_id}/notes")}],
                "up": [{"href": self._link(f"orders/{order_id}")}],
            },
        }
        self.notes.setdefault(order_id, []).append(note)
        return note

    def _record_refund(self, order, amount, reason, lines, *, refunded_payment) -> dict:
        refund_id = next(self._post_ids)
        now = self.now()
        refund = {
            "id": refund_id,
            "order_id": order["id"],
            "amount": q2(amount),
            "reason": reason,
            "date_created": now,
            "refunded_payment": refunded_payment,
            "line_items": lines,
        }
        self.refunds[refund_id] = refund
        order["refunds"].append(refund_id)
        order["date_modified"] = now
        return refund

    def create_refund(self, order_id: int, data: dict) -> dict:
        """POST orders/<id>/refunds with WooCommerce's validation and errors."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        order = self.orders.get(order_id)
        if order is None:
            # WP_Error(..., 404): served as HTTP 500 with "data": 404.
            raise WooError(
                500, "woocommerce_rest_invalid_order_id", "Invalid order ID.", 404
            )
        requested = []
        for index, entry in enumerate(data.get("line_items") or []):
            if not isinstance(entry, dict):
                raise invalid_param(
                    "line_items", f"line_items[{index}] is not an object."
                )
            line_id = int_input(entry.get("id"), "line_items")
            line = next((x for x in order["line_items"] if x["id"] == line_id), None)
            if line is None:
                continue  # wc_create_refund() skips unknown items
            quantity = abs(int_input(entry.get("quantity", 0), "line_items"))
            total = abs(decimal_input(entry.get("refund_total", "0"), "line_items"))
            taxes = sum(
                (
                    abs(decimal_input(t.get("refund_total", "0"), "line_items"))
                    for t in entry.get("refund_tax") or []
                    if isinstance(t, dict)
                ),
                ZERO,
            )
            requested.append((line, quantity, total, taxes))
        if data.get("amount") in (None, ""):
            amount = sum((total + taxes for _, _, total, taxes in requested), ZERO)
        else:
            amount = decimal_input(data["amount"], "amount")
        if amount < 0:
            raise WooError(
                500,
                "woocommerce_rest_invalid_order_refund",
                "Refund amount must be greater than zero.",
                400,
            )
        totals = self.order_totals(order)
        remaining = totals["total"] - totals["refunded"]
        if q2(amount) > remaining or q2(amount) <= 0:
            raise WooError(
                500,
                "woocommerce_rest_cannot_create_order_refund",
                "Invalid refund amount.",
                500,
            )
        api_refund = data.get("api_refund", True)
        api_refund = api_refund if isinstance(api_refund, bool) else True
        if api_refund and order["payment_method"] not in REFUNDING_GATEWAYS:
            raise WooError(
                500,
                "woocommerce_rest_cannot_create_order_refund",
                "The payment gateway for this order does not support automatic "
                "refunds.",
                500,
            )
        lines = [
            {
                "id": next(self._item_ids),
                "meta_id": next(self._meta_ids),
                "refunded_item_id": line["id"],
                "name": line["name"],
                "product_id": line["product_id"],
                "variation_id": line["variation_id"],
                "quantity": quantity,
                "total": total,
                "total_tax": taxes,
                "sku": line["sku"],
            }
            for line, quantity, total, taxes in requested
        ]
        refund = self._record_refund(
            order,
            amount,
            str(data.get("reason") or ""),
            lines,
            refunded_payment=api_refund,
        )
        if data.get("api_restock", True) is not False:
            for line, quantity, _, _ in requested:
                record = self._stock_record(line)
                if quantity and record is not None and record["manage_stock"]:
                    record["stock_quantity"] = (
                        record["stock_quantity"] or 0
                    ) + quantity
                    self._apply_stock_status(record)
                    record["date_modified"] = self.now()
                    self._emit("product", "updated", record["id"])
        if q2(amount) == remaining:
            order["status"] = "refunded"
        self._emit("order", "updated", order_id)
        return refund

    # -- webhooks --------------------------------------------------------------

    def render_webhook(self, webhook: dict) -> dict:
        """GET webhooks/<id> (no secret: it is write-only)."""
        hooks = {
            "order": ["woocommerce_new_order", "woocommerce_update_order"],
            "product": ["woocommerce_new_product", "woocommerce_update_product"],
        }.get(webhook["resource"], [])
        return {
            "id": webhook["id"],
            "name": webhook["name"],
            "status": webhook["status"],
            "topic": webhook["topic"],
            "resource": webhook["resource"],
            "event": webhook["event"],
            "hooks": hooks,
            "delivery_url": webhook["delivery_url"],
            "date_created": iso(self.local(webhook["date_created"])),
            "date_created_gmt": iso(webhook["date_created"]),
            "date_modified": iso(self.local(webhook["date_modified"])),
            "date_modified_gmt": iso(webhook["date_modified"]),
            "_links": {
                "self": [{"href": self._link(f"webhooks/{webhook['id']}")}],
                "collection": [{"href": self._link("webhooks")}],
            },
        }

    def _validate_webhook(self, data: dict, partial: bool) -> None:
        if "topic" in data or not partial:
            topic = str(data.get("topic") or "")
            resource, _, event = topic.partition(".")
            valid = (
                (resource in WEBHOOK_RESOURCES and event in WEBHOOK_EVENTS)
                or (topic.startswith("action.") and len(topic) > 7)
                or topic == "product.published"
            )
            if not valid:
                raise WooError(
                    400,
                    "woocommerce_rest_webhook_invalid_topic",
                    "Webhook topic is required and must be valid.",
                )
        if "delivery_url" in data or not partial:
            url = str(data.get("delivery_url") or "")
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise invalid_param("delivery_url", "Invalid URL.")
        if "status" in data and data["status"] not in ("active", "paused", "disabled"):
            raise invalid_param(
                "status", "status is not one of active, paused and disabled."
            )

    def create_webhook(self, data: dict) -> dict:
        """POST webhooks; the ping is sent by the handler once the lock is free."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        self._validate_webhook(data, partial=False)
        now = self.now()
        webhook_id = next(self._webhook_ids)
        topic = data["topic"]
        resource, _, event = topic.partition(".")
        webhook = {
            "id": webhook_id,
            "name": str(data.get("name") or f"Webhook created on {iso(now)}"),
            "status": data.get("status", "active"),
            "topic": topic,
            "resource": resource,
            "event": event,
            "delivery_url": data["delivery_url"],
            # Without a secret WooCommerce derives one from the API user.
            "secret": str(
                data.get("secret")
                or hashlib.md5(b"1|admin", usedforsecurity=False).hexdigest()
            ),
            "date_created": now,
            "date_modified": now,
            "failure_count": 0,
            "pending_delivery": True,
            "ping": None,
        }
        self.webhooks[webhook_id] = webhook
        return webhook

    def update_webhook(self, webhook_id: int, data: dict) -> dict:
        """PUT webhooks/<id> (e.g. re-enable one disabled after failures)."""
        webhook = self._webhook(webhook_id)
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        self._validate_webhook(data, partial=True)
        for field in ("name", "status", "delivery_url", "secret"):
            if field in data:
                webhook[field] = str(data[field])
        if "topic" in data:
            webhook["topic"] = data["topic"]
            webhook["resource"], _, webhook["event"] = data["topic"].partition(".")
        webhook["date_modified"] = self.now()
        return webhook

    def _webhook(self, webhook_id: int) -> dict:
        webhook = self.webhooks.get(webhook_id)
        if webhook is None:
            raise WooError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        return webhook

    def ping(self, webhook_id: int) -> dict:
        """Send the creation ping: form body ``webhook_id=N``, no X-WC headers."""
        with self.lock:
            webhook = dict(self.webhooks[webhook_id])
        result = {"status": None, "error": ""}
        try:
            response = http_request(
                "POST",
                webhook["delivery_url"],
                body=f"webhook_id={webhook_id}".encode(),
                headers={
                    "User-Agent": HOOKSHOT_USER_AGENT,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                timeout=PING_TIMEOUT,
            )
            result["status"] = response.status
            if response.status != 200:
                result["error"] = (
                    f"Error: Delivery URL returned response code: {response.status}"
                )
        except (OSError, ValueError) as exc:
            result["error"] = f"Error: Delivery URL cannot be reached: {exc}"
        with self.lock:
            if webhook_id in self.webhooks:
                self.webhooks[webhook_id]["ping"] = result
                if result["status"] == 200:
                    self.webhooks[webhook_id]["pending_delivery"] = False
            self.delivery_log.append(
                {"webhook_id": webhook_id, "kind": "ping", **result, "at": time.time()}
            )
        return result

    def _delivery_id(self, webhook_id: int) -> str:
        # wp_hash($webhook_id . strtotime('now')): equal within one second.
        message = f"{webhook_id}{int(self.clock())}".encode()
        return hmac.new(self.hash_salt.encode(), message, hashlib.md5).hexdigest()

    def _render_delivery(self, event: str, resource: str, resource_id: int) -> bytes:
        with self.lock:
            if event == "deleted":
                payload = {"id": resource_id}
            elif resource == "order" and resource_id in self.orders:
                payload = self.render_order(self.orders[resource_id])
            elif resource == "product":
                payload = self.render_any_product(resource_id) or {"id": resource_id}
            else:
                payload = {"id": resource_id}
        return php_json(payload)

    def _submit(self, webhook_id, event, resource, resource_id) -> None:
        with self.lock:
            webhook = self.webhooks.get(webhook_id)
            if webhook is None:
                return
            webhook = dict(webhook)
        if self.strict_delivery_ports:
            parts = urllib.parse.urlsplit(webhook["delivery_url"])
            port = parts.port or (443 if parts.scheme == "https" else 80)
            if port not in ALLOWED_DELIVERY_PORTS:
                with self.lock:
                    self.delivery_log.append(
                        {
                            "webhook_id": webhook_id,
                            "kind": "delivery",
                            "status": None,
                            "error": "A valid URL was not provided.",
                            "at": time.time(),
                        }
                    )
                    self._count_failure(webhook_id)
                return
        cache: dict = {}

        def body() -> bytes:
            # Rendered when the delivery runs, once for both copies of a
            # duplicated delivery, so a duplicate is a byte-exact redelivery.
            if "body" not in cache:
                cache["body"] = self._render_delivery(event, resource, resource_id)
            return cache["body"]

        def headers(raw: bytes) -> dict:
            if "headers" not in cache:
                signature = base64.b64encode(
                    hmac.new(webhook["secret"].encode(), raw, hashlib.sha256).digest()
                ).decode("ascii")
                if self.faults.bad_signature():
                    signature = signature[::-1]
                cache["headers"] = {
                    "Content-Type": "application/json",
                    "User-Agent": HOOKSHOT_USER_AGENT,
                    "X-WC-Webhook-Source": f"{self.site_url}/",
                    "X-WC-Webhook-Topic": webhook["topic"],
                    "X-WC-Webhook-Resource": webhook["resource"],
                    "X-WC-Webhook-Event": webhook["event"],
                    "X-WC-Webhook-Signature": signature,
                    "X-WC-Webhook-ID": str(webhook_id),
                    "X-WC-Webhook-Delivery-ID": self._delivery_id(webhook_id),
                }
            return cache["headers"]

        self.deliverer.submit(
            webhook["delivery_url"],
            body,
            headers,
            meta={
                "webhook_id": webhook_id,
                "topic": webhook["topic"],
                "resource_id": resource_id,
            },
        )

    def _on_attempt(self, attempt: DeliveryAttempt) -> None:
        if attempt.dropped:
            return
        webhook_id = attempt.meta.get("webhook_id")
        with self.lock:
            self.delivery_log.append(
                {
                    "webhook_id": webhook_id,
                    "kind": "delivery",
                    "topic": attempt.meta.get("topic"),
                    "resource_id": attempt.meta.get("resource_id"),
                    "status": attempt.status,
                    "error": attempt.error,
                    "at": attempt.sent_at,
                }
            )
            if webhook_id not in self.webhooks:
                return
            if attempt.ok:
                self.webhooks[webhook_id]["failure_count"] = 0
            else:
                self._count_failure(webhook_id)

    def _count_failure(self, webhook_id: int) -> None:
        # WC_Webhook::failed_delivery(): disabled once the count already
        # exceeds the limit, i.e. on the 7th failure in a row.
        webhook = self.webhooks[webhook_id]
        if webhook["failure_count"] > MAX_DELIVERY_FAILURES:
            webhook["status"] = "disabled"
        else:
            webhook["failure_count"] += 1

    # -- background work --------------------------------------------------------

    def start(self) -> WooStore:
        """Start the delivery scheduler (idempotent)."""
        if not self._threads:
            self.deliverer.start()
            thread = threading.Thread(
                target=self._schedule_loop, name="woocommerce-scheduler", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def _schedule_loop(self) -> None:
        while not self._stop.is_set():
            due = []
            with self.lock:
                now = time.monotonic()
                while self._scheduled and self._scheduled[0][0] <= now:
                    due.append(heapq.heappop(self._scheduled))
                wait = self._scheduled[0][0] - now if self._scheduled else 0.2
                self._in_flight += len(due)
            for _, _, webhook_id, event, resource, resource_id in due:
                try:
                    self._submit(webhook_id, event, resource, resource_id)
                except Exception:
                    _logger.exception("could not queue a webhook delivery")
                finally:
                    with self.lock:
                        self._in_flight -= 1
            with self._wakeup:
                self._wakeup.wait(max(0.005, min(wait, 0.2)))

    def start_checkouts(self, per_minute: float, count: int | None = None):
        """Simulate customers checking out at ``per_minute`` (bounded by count)."""
        if per_minute <= 0:
            return None

        def loop():
            interval = 60.0 / per_minute
            placed = 0
            while not self._stop.wait(self.random.expovariate(1 / interval)):
                with self.change():
                    order = self.checkout()
                if order is not None:
                    placed += 1
                    _logger.info("checkout: order %s", order["id"])
                if count is not None and placed >= count:
                    return

        thread = threading.Thread(
            target=loop, name="woocommerce-checkouts", daemon=True
        )
        thread.start()
        self._threads.append(thread)
        return thread

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until scheduled deliveries are sent and answered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                scheduled = self._scheduled or self._events or self._in_flight
            if not scheduled and self.deliverer.pending == 0:
                return True
            time.sleep(0.01)
        return False

    def stop(self) -> None:
        """Stop background threads; undelivered webhooks are dropped."""
        self._stop.set()
        with self._wakeup:
            self._wakeup.notify_all()
        self.deliverer.stop()
        for thread in self._threads:
            thread.join(timeout=2)

    # -- admin views --------------------------------------------------------------

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
                "scheduled_deliveries": len(self._scheduled),
            }

    def stock_levels(self) -> dict:
        """``{sku: {"id", "quantity", "written_at"}}`` for ``GET /_sandbox/stock``.

        Every product and variation with a SKU that manages stock;
        ``written_at`` is the Unix time, with fractions (the REST dates have
        whole seconds), of the last call that set its quantity.
        """
        with self.lock:
            return {
                record["sku"]: {
                    "id": record["id"],
                    "quantity": record["stock_quantity"],
                    "written_at": self.stock_written_at.get(record["id"]),
                }
                for record in itertools.chain(
                    self.products.values(), self.variations.values()
                )
                if record["sku"] and record["manage_stock"]
            }

    def admin_webhook(self, webhook: dict) -> dict:
        """A webhook with what REST hides: secret, failure count, last ping."""
        return {
            **self.render_webhook(webhook),
            "secret": webhook["secret"],
            "failure_count": webhook["failure_count"],
            "pending_delivery": webhook["pending_delivery"],
            "ping": webhook["ping"],
        }

    def reset(self) -> None:
        """Forget the request and delivery logs (catalog and orders stay)."""
        with self.lock:
            self.requests.clear()
            self.delivery_log.clear()


class _Change:
    """Hold the store lock; schedule the events raised inside on exit."""

    def __init__(self, store: WooStore):
        self.store = store

    def __enter__(self) -> WooStore:
        self.store.lock.acquire()
        return self.store

    def __exit__(self, exc_type, *exc_info) -> None:
        try:
            if exc_type is not None:
                self.store._events.clear()
        finally:
            self.store.lock.release()
        if exc_type is None:
            self.store._flush_events()


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

_PERMISSION_ERRORS = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": (
        "woocommerce_rest_cannot_create",
        "Sorry, you are not allowed to create resources.",
    ),
    "edit": (
        "woocommerce_rest_cannot_edit",
        "Sorry, you are not allowed to edit this resource.",
    ),
    "delete": (
        "woocommerce_rest_cannot_delete",
        "Sorry, you are not allowed to delete this resource.",
    ),
    "batch": (
        "woocommerce_rest_cannot_batch",
        "Sorry, you are not allowed to batch manipulate this resource.",
    ),
}
_OAUTH_PARAMS = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)


def api(permission: str):
    """Wrap a WooCommerce route: auth, key permissions, error format, log."""

    def decorate(function):
        def handler(self, match):
            record = {
                "method": self.command,
                "path": self.route_path,
                "auth": None,
                "status": None,
                "items": None,
                "at": time.time(),
            }
            self.batch_items = None
            try:
                record["auth"] = self.authenticate(permission)
                result = function(self, match)
                status = result[0]
            except WooError as exc:
                result = (exc.status, exc.body(), exc.headers)
                status = exc.status
            record["status"] = status
            record["items"] = getattr(self, "batch_items", None)
            with self.app.lock:
                self.app.requests.append(record)
            return result

        handler.__name__ = function.__name__
        handler.__doc__ = function.__doc__
        return handler

    return decorate


class WooHandler(JsonHandler):
    """The wc/v3 routes of `WooStore`."""

    # -- plumbing ------------------------------------------------------------------

    def error_body(self, status: int, message: str, code: str | None) -> object:
        """WordPress's error format; unknown routes are ``rest_no_route``."""
        if status in (404, 405) and code is None:
            code, message = (
                "rest_no_route",
                "No route was found matching the URL and request method.",
            )
        return {"code": code or "error", "message": message, "data": {"status": status}}

    def send_json(self, status, body, headers=None) -> None:
        """Answer as WordPress encodes it (``wp_json_encode``)."""
        extra = {
            "X-Robots-Tag": "noindex",
            "X-Content-Type-Options": "nosniff",
            "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
            **(headers or {}),
        }
        self.send_bytes(
            status, php_json(body), "application/json; charset=UTF-8", extra
        )

    def fault_response(self, decision) -> None:
        """Injected 429 (JSON, Retry-After) or 5xx (an HTML page from the host)."""
        if decision.status == 429:
            self.send_json(
                429,
                {
                    "code": "woocommerce_rest_too_many_requests",
                    "message": "Too many requests. Please wait and try again.",
                    "data": {"status": 429},
                },
                {"Retry-After": decision.retry_after},
            )
            return
        page = (
            f"<html><head><title>{decision.status} Service Unavailable</title>"
            "</head><body><h1>Service Unavailable</h1></body></html>"
        ).encode()
        self.send_bytes(decision.status, page, "text/html; charset=UTF-8")

    def params(self) -> dict:
        """Query parameters, PHP style (last value wins, ``a[]`` lists)."""
        pairs = [(k, v) for k, values in self.query.items() for v in values]
        return php_params(pairs)

    def param(self, name: str, default=None):
        value = self.params().get(name, default)
        if isinstance(value, list):
            return [v for _, v in value]
        return value

    def list_param(self, name: str) -> list[str]:
        value = self.param(name)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [v.strip() for item in values for v in item.split(",") if v.strip()]

    def body_json(self):
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise WooError(
                400,
                "rest_invalid_json",
                "Invalid JSON body passed.",
                {
                    "status": 400,
                    "json_error_code": 4,
                    "json_error_message": "Syntax error",
                },
            ) from None

    # -- authentication --------------------------------------------------------------

    def _is_ssl(self) -> bool:
        return self.app.assume_https

    def authenticate(self, permission: str) -> str:
        """Return the auth method used, or raise WooCommerce's 401."""
        store = self.app
        params = self.params()
        user = None
        method = None
        error: WooError | None = None
        if self._is_ssl():
            key = secret = ""
            if params.get("consumer_key") and params.get("consumer_secret"):
                key, secret, method = (
                    str(params["consumer_key"]),
                    str(params["consumer_secret"]),
                    "query",
                )
            else:
                header = self.headers.get("Authorization", "")
                if header[:6].lower() == "basic ":
                    try:
                        decoded = base64.b64decode(header[6:].strip()).decode()
                        key, _, secret = decoded.partition(":")
                        method = "basic"
                    except (ValueError, UnicodeDecodeError):
                        key = secret = ""
            if key and secret:
                with store.lock:
                    entry = store.keys.get(key)
                if entry is not None:
                    if hmac.compare_digest(
                        entry["consumer_secret"].encode(), secret.encode()
                    ):
                        user = entry
                    else:
                        error = WooError(
                            401,
                            "woocommerce_rest_authentication_error",
                            "Consumer secret is invalid.",
                            headers={
                                "WWW-Authenticate": 'Basic realm="WooCommerce API. '
                                "Use a consumer key in the username field and a "
                                'consumer secret in the password field."'
                            },
                        )
        if user is None:
            oauth_user, oauth_error = self._oauth(params)
            if oauth_user is not None:
                user, method, error = oauth_user, "oauth", None
            elif oauth_error is not None:
                error = oauth_error
        if error is not None:
            raise error
        if user is None:
            code, message = _PERMISSION_ERRORS[permission]
            raise WooError(401, code, message)
        self._check_key_permissions(user)
        return method

    def _check_key_permissions(self, user: dict) -> None:
        permissions = user["permissions"]
        if self.command in ("GET", "HEAD"):
            if permissions not in ("read", "read_write"):
                raise WooError(
                    401,
                    "woocommerce_rest_authentication_error",
                    "The API key provided does not have read permissions.",
                )
        elif permissions not in ("write", "read_write"):
            raise WooError(
                401,
                "woocommerce_rest_authentication_error",
                "The API key provided does not have write permissions.",
            )

    def _oauth(self, params: dict):
        """One-legged OAuth 1.0a; returns (user, error)."""
        store = self.app
        merged = dict(params)
        content_type = self.headers.get("Content-Type", "")
        if "application/x-www-form-urlencoded" in content_type:
            form = urllib.parse.parse_qsl(
                self.body.decode("utf-8", "replace"), keep_blank_values=True
            )
            merged.update(php_params(form))
        header = self.headers.get("Authorization", "").strip()
        if header.startswith("OAuth "):
            for name, quoted, bare in re.findall(
                r'(oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*))', header
            ):
                merged[name] = urllib.parse.unquote_plus(quoted or bare)
        present = [name for name in _OAUTH_PARAMS if merged.get(name)]
        if not present:
            return None, None
        missing = [name for name in _OAUTH_PARAMS if not merged.get(name)]
        if missing:
            noun = "parameter" if len(missing) == 1 else "parameters"
            return None, WooError(
                401,
                "woocommerce_rest_authentication_missing_parameter",
                f"Missing OAuth {noun} {', '.join(missing)}",
            )
        with store.lock:
            entry = store.keys.get(str(merged["oauth_consumer_key"]))
        if entry is None:
            return None, WooError(
                401, "woocommerce_rest_authentication_error", "Consumer key is invalid."
            )
        signature = urllib.parse.unquote(
            str(merged.pop("oauth_signature")).replace(" ", "+")
        )
        method = str(merged["oauth_signature_method"])
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return None, WooError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - signature method is invalid.",
            )
        scheme = "https" if self._is_ssl() else "http"
        home = urllib.parse.urlsplit(store.site_url)
        base_url = f"{scheme}://{home.netloc}{self.route_path}"
        expected = oauth_expected_signature(
            entry["consumer_secret"],
            oauth_string_to_sign(self.command, base_url, merged),
            method,
        )
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return None, WooError(
                401,
                "woocommerce_rest_authentication_error",
                "Invalid signature - provided signature does not match.",
            )
        try:
            timestamp = int(str(merged["oauth_timestamp"]))
        except ValueError:
            timestamp = 0
        now = store.clock()
        if abs(now - timestamp) > OAUTH_WINDOW:
            return None, WooError(
                401, "woocommerce_rest_authentication_error", "Invalid timestamp."
            )
        nonce = str(merged["oauth_nonce"])
        with store.lock:
            nonces = entry["nonces"]
            for old, seen_at in list(nonces.items()):
                if seen_at < now - OAUTH_WINDOW:
                    del nonces[old]
            if nonce in nonces:
                return None, WooError(
                    401,
                    "woocommerce_rest_authentication_error",
                    "Invalid nonce - nonce has already been used.",
                )
            nonces[nonce] = now
        return entry, None

    # -- collections -----------------------------------------------------------------

    def paginate(self, items: list, *, default_status_any: bool = False):
        """Slice a collection; answer it with WordPress's pagination headers."""
        per_page = int_input(self.param("per_page", "10"), "per_page")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise invalid_param(
                "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"
            )
        page = int_input(self.param("page", "1"), "page")
        if page < 1:
            raise invalid_param("page", "page must be greater than or equal to 1")
        offset = self.param("offset")
        start = (
            int_input(offset, "offset") if offset is not None else (page - 1) * per_page
        )
        total = len(items)
        chunk = items[start : start + per_page]
        if not chunk:
            # Past the last page WordPress counts nothing at all.
            return 200, [], {"X-WP-Total": "0", "X-WP-TotalPages": "0"}
        pages = math.ceil(total / per_page)
        pairs = [(k, v) for k, values in self.query.items() for v in values]
        if default_status_any and not any(k.startswith("status") for k, _ in pairs):
            pairs.append(("status[0]", "any"))
        base = f"{self.app.site_url}{self.route_path}"

        def link(number):
            query = [(k, v) for k, v in pairs if k != "page"] + [("page", str(number))]
            return f"{base}?{urllib.parse.urlencode(query)}"

        links = []
        if page > 1:
            links.append(f'<{link(min(page - 1, pages))}>; rel="prev"')
        if page < pages:
            links.append(f'<{link(page + 1)}>; rel="next"')
        links.append(f'<{link(1)}>; rel="first"')
        links.append(f'<{link(pages)}>; rel="last"')
        headers = {
            "X-WP-Total": str(total),
            "X-WP-TotalPages": str(pages),
            "Link": ", ".join(links),
        }
        return 200, chunk, headers

    def _sort(self, items: list, allowed: tuple, key_of: dict) -> list:
        orderby = self.param("orderby", "date")
        if orderby not in allowed:
            raise invalid_param(
                "orderby", f"orderby is not one of {', '.join(allowed)}."
            )
        order = self.param("order", "desc")
        if order not in ("asc", "desc"):
            raise invalid_param("order", "order is not one of asc and desc.")
        if orderby == "include":
            include = [int(i) for i in self.list_param("include") if i.isdigit()]
            rank = {value: index for index, value in enumerate(include)}
            return sorted(items, key=lambda r: rank.get(r["id"], len(rank)))
        key = key_of.get(orderby, lambda r: r["id"])
        # Ties broken by id, as MySQL's post ordering does in practice.
        return sorted(items, key=lambda r: (key(r), r["id"]), reverse=order == "desc")

    def _date_filter(self, items, param, field):
        value = self.param(param)
        if value is None:
            return items
        moment = parse_rest_date(value, param)
        gmt = str(self.param("dates_are_gmt", "false")).lower() in ("1", "true")
        if moment.tzinfo is not None:
            moment = moment.replace(tzinfo=None)
        elif not gmt:
            moment -= self.app.utc_offset
        if param.endswith("after"):
            return [r for r in items if r[field] > moment]
        return [r for r in items if r[field] < moment]

    # -- routes: store ---------------------------------------------------------------

    @route("GET", rf"{API}/system_status")
    @api("list")
    def get_system_status(self, match):
        store = self.app
        with store.lock:
            counts = {"product": len(store.products), "shop_order": len(store.orders)}
        return 200, {
            "environment": {
                "home_url": store.site_url,
                "site_url": store.site_url,
                "store_id": hashlib.md5(
                    store.site_url.encode(), usedforsecurity=False
                ).hexdigest(),
                "version": WC_VERSION,
                "log_directory": "/var/www/html/wp-content/uploads/wc-logs/",
                "log_directory_writable": True,
                "wp_version": WP_VERSION,
                "wp_multisite": False,
                "wp_memory_limit": 268435456,
                "wp_debug_mode": False,
                "wp_cron": True,
                "language": "en_US",
                "external_object_cache": None,
                "server_info": "Apache/2.4.59 (Debian)",
                "php_version": "8.2.20",
                "mysql_version": "10.11.6",
                "default_timezone": "UTC",
                "remote_post_successful": True,
                "remote_get_successful": True,
            },
            "database": {"wc_database_version": WC_VERSION, "database_prefix": "wp_"},
            "active_plugins": [
                {
                    "plugin": "woocommerce/woocommerce.php",
                    "name": "WooCommerce",
                    "version": WC_VERSION,
                    "author_name": "Automattic",
                }
            ],
            "inactive_plugins": [],
            "dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
            "theme": {
                "name": "Storefront",
                "version": "4.6.0",
                "is_child_theme": False,
            },
            "settings": {
                "api_enabled": True,
                "force_ssl": False,
                "currency": store.currency,
                "currency_symbol": {"EUR": "&euro;", "GBP": "&pound;"}.get(
                    store.currency, "&#36;"
                ),
                "currency_position": "left",
                "thousand_separator": ",",
                "decimal_separator": ".",
                "number_of_decimals": 2,
                "geolocation_enabled": False,
                "taxonomies": {"simple": "simple", "variable": "variable"},
                "product_visibility_terms": {},
                "woocommerce_com_connected": "no",
                "enforce_approved_download_dirs": True,
                "order_datastore": "Automattic\\WooCommerce\\Internal\\DataStores\\"
                "Orders\\OrdersTableDataStore",
                "HPOS_enabled": True,
                "HPOS_sync_enabled": False,
                "prices_include_tax": store.prices_include_tax,
            },
            "security": {"secure_connection": store.assume_https, "hide_errors": True},
            "pages": [],
            "post_type_counts": [
                {"type": key, "count": str(value)} for key, value in counts.items()
            ],
        }

    # -- routes: products ------------------------------------------------------------

    @route("GET", rf"{API}/products")
    @api("list")
    def list_products(self, match):
        store = self.app
        with store.lock:
            skus = set(self.list_param("sku"))
            records = list(store.products.values())
            if skus:
                # With a SKU filter WooCommerce searches variations too.
                records += list(store.variations.values())
                records = [r for r in records if r["sku"] in skus]
            status = self.param("status", "any")
            if status != "any":
                records = [r for r in records if r.get("status") == status]
            product_type = self.param("type")
            if product_type:
                records = [r for r in records if r.get("type") == product_type]
            search = self.param("search")
            if search:
                needle = str(search).lower()
                records = [r for r in records if needle in r.get("name", "").lower()]
            include = self.list_param("include")
            if include:
                ids = {int(i) for i in include if i.isdigit()}
                records = [r for r in records if r["id"] in ids]
            records = self._date_filter(records, "modified_after", "date_modified")
            records = self._date_filter(records, "after", "date_created")
            records = self._sort(
                records,
                (
                    "date",
                    "id",
                    "include",
                    "title",
                    "slug",
                    "price",
                    "popularity",
                    "rating",
                    "menu_order",
                    "modified",
                ),
                {
                    "date": lambda r: r["date_created"],
                    "modified": lambda r: r["date_modified"],
                    "title": lambda r: r.get("name", ""),
                    "slug": lambda r: r.get("slug", ""),
                    "price": lambda r: store._price(r) or ZERO,
                },
            )
            status_code, chunk, headers = self.paginate(records)
            body = [store.render_any_product(r["id"]) for r in chunk]
        return status_code, body, headers

    @route("POST", rf"{API}/products")
    @api("create")
    def create_product(self, match):
        data = self.body_json()
        with self.app.change() as store:
            product = store.create_product(data)
            return 201, store.render_product(product)

    @route("GET", rf"{API}/products/(?P<id>\d+)")
    @api("view")
    def get_product(self, match):
        with self.app.lock:
            data = self.app.render_any_product(int(match["id"]))
        if data is None:
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return 200, data

    @route("PUT", rf"{API}/products/(?P<id>\d+)")
    @route("PATCH", rf"{API}/products/(?P<id>\d+)")
    @api("edit")
    def update_product(self, match):
        data = self.body_json()
        with self.app.change() as store:
            store.update_product(int(match["id"]), data)
            return 200, store.render_any_product(int(match["id"]))

    @route("POST", rf"{API}/products/batch")
    @api("batch")
    def batch_products(self, match):
        return self._batch(None)

    @route("GET", rf"{API}/products/(?P<id>\d+)/variations")
    @api("list")
    def list_variations(self, match):
        store = self.app
        with store.lock:
            product = store.products.get(int(match["id"]))
            if product is None:
                raise WooError(
                    404, "woocommerce_rest_product_invalid_id", "Invalid ID."
                )
            records = [
                store.variations[v]
                for v in product["variations"]
                if v in store.variations
            ]
            skus = set(self.list_param("sku"))
            if skus:
                records = [r for r in records if r["sku"] in skus]
            records = self._sort(
                records,
                ("date", "id", "include", "title", "slug", "modified", "menu_order"),
                {
                    "date": lambda r: r["date_created"],
                    "modified": lambda r: r["date_modified"],
                },
            )
            status_code, chunk, headers = self.paginate(records)
            body = [store.render_variation(r) for r in chunk]
        return status_code, body, headers

    @route("POST", rf"{API}/products/(?P<id>\d+)/variations")
    @api("create")
    def create_variation(self, match):
        data = self.body_json()
        with self.app.change() as store:
            variation = store.create_variation(int(match["id"]), data)
            return 201, store.render_variation(variation)

    @route("GET", rf"{API}/products/(?P<id>\d+)/variations/(?P<vid>\d+)")
    @api("view")
    def get_variation(self, match):
        with self.app.lock:
            variation = self.app.variations.get(int(match["vid"]))
            if variation is None or variation["parent_id"] != int(match["id"]):
                raise WooError(
                    404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID."
                )
            return 200, self.app.render_variation(variation)

    @route("PUT", rf"{API}/products/(?P<id>\d+)/variations/(?P<vid>\d+)")
    @route("PATCH", rf"{API}/products/(?P<id>\d+)/variations/(?P<vid>\d+)")
    @api("edit")
    def update_variation(self, match):
        data = self.body_json()
        with self.app.change() as store:
            variation = store.update_variation(
                int(match["id"]), int(match["vid"]), data
            )
            return 200, store.render_variation(variation)

    @route("POST", rf"{API}/products/(?P<id>\d+)/variations/batch")
    @api("batch")
    def batch_variations(self, match):
        return self._batch(int(match["id"]))

    def _batch(self, parent_id: int | None):
        data = self.body_json()
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        actions = {k: data.get(k) or [] for k in ("create", "update", "delete")}
        for key, value in actions.items():
            if not isinstance(value, list):
                raise invalid_param(key, f"{key} is not of type array.")
        self.batch_items = sum(len(v) for v in actions.values())
        if self.batch_items > BATCH_LIMIT:
            raise WooError(
                413,
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            )
        with self.app.change() as store:
            return 200, store.apply_batch(parent_id, actions)

    # -- routes: orders ---------------------------------------------------------------

    @route("GET", rf"{API}/orders")
    @api("list")
    def list_orders(self, match):
        store = self.app
        with store.lock:
            statuses = self.list_param("status") or ["any"]
            records = list(store.orders.values())
            if "any" in statuses:
                records = [
                    r for r in records if r["status"] not in ("trash", "checkout-draft")
                ]
            else:
                unknown = [s for s in statuses if s not in (*ORDER_STATUSES, "trash")]
                if unknown:
                    raise invalid_param(
                        "status",
                        "status[0] is not one of any, trash, "
                        + ", ".join(ORDER_STATUSES)
                        + ".",
                    )
                records = [r for r in records if r["status"] in statuses]
            customer = self.param("customer")
            if customer is not None:
                records = [
                    r
                    for r in records
                    if r["customer_id"] == int_input(customer, "customer")
                ]
            include = self.list_param("include")
            if include:
                ids = {int(i) for i in include if i.isdigit()}
                records = [r for r in records if r["id"] in ids]
            records = self._date_filter(records, "modified_after", "date_modified")
            records = self._date_filter(records, "modified_before", "date_modified")
            records = self._date_filter(records, "after", "date_created")
            records = self._date_filter(records, "before", "date_created")
            records = self._sort(
                records,
                ("date", "id", "include", "title", "slug", "modified"),
                {
                    "date": lambda r: r["date_created"],
                    "modified": lambda r: r["date_modified"],
                    "title": lambda r: r["id"],
                    "slug": lambda r: r["id"],
                },
            )
            status_code, chunk, headers = self.paginate(
                records, default_status_any=True
            )
            body = [store.render_order(r) for r in chunk]
        return status_code, body, headers

    @route("POST", rf"{API}/orders")
    @api("create")
    def create_order(self, match):
        data = self.body_json()
        with self.app.change() as store:
            order = store.create_order_from_request(data)
            return 201, store.render_order(order)

    @route("GET", rf"{API}/orders/(?P<id>\d+)")
    @api("view")
    def get_order(self, match):
        with self.app.lock:
            return 200, self.app.render_order(self.app._order(int(match["id"])))

    @route("PUT", rf"{API}/orders/(?P<id>\d+)")
    @route("PATCH", rf"{API}/orders/(?P<id>\d+)")
    @api("edit")
    def update_order(self, match):
        data = self.body_json()
        with self.app.change() as store:
            order = store.update_order(int(match["id"]), data)
            return 200, store.render_order(order)

    @route("DELETE", rf"{API}/orders/(?P<id>\d+)")
    @api("delete")
    def delete_order(self, match):
        force = str(self.param("force", "false")).lower() in ("1", "true")
        with self.app.change() as store:
            return 200, store.delete_order(int(match["id"]), force)

    @route("GET", rf"{API}/orders/(?P<id>\d+)/notes")
    @api("list")
    def list_notes(self, match):
        with self.app.lock:
            self.app._order(int(match["id"]))
            return 200, list(reversed(self.app.notes.get(int(match["id"]), [])))

    @route("POST", rf"{API}/orders/(?P<id>\d+)/notes")
    @api("create")
    def create_note(self, match):
        data = self.body_json()
        with self.app.change() as store:
            return 201, store.add_note(int(match["id"]), data)

    @route("GET", rf"{API}/orders/(?P<id>\d+)/refunds")
    @api("list")
    def list_refunds(self, match):
        store = self.app
        with store.lock:
            order = store._order(int(match["id"]))
            records = [store.refunds[r] for r in reversed(order["refunds"])]
            status_code, chunk, headers = self.paginate(records)
            return status_code, [store.render_refund(r) for r in chunk], headers

    @route("GET", rf"{API}/orders/(?P<id>\d+)/refunds/(?P<rid>\d+)")
    @api("view")
    def get_refund(self, match):
        with self.app.lock:
            refund = self.app.refunds.get(int(match["rid"]))
            if refund is None or refund["order_id"] != int(match["id"]):
                raise WooError(
                    404, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID."
                )
            return 200, self.app.render_refund(refund)

    @route("POST", rf"{API}/orders/(?P<id>\d+)/refunds")
    @api("create")
    def create_refund(self, match):
        data = self.body_json()
        with self.app.change() as store:
            refund = store.create_refund(int(match["id"]), data)
            return 201, store.render_refund(refund)

    # -- routes: webhooks --------------------------------------------------------------

    @route("GET", rf"{API}/webhooks")
    @api("list")
    def list_webhooks(self, match):
        store = self.app
        with store.lock:
            status = self.param("status", "all")
            records = [
                w
                for w in store.webhooks.values()
                if status == "all" or w["status"] == status
            ]
            records = self._sort(
                records,
                ("date", "id", "include", "title"),
                {"date": lambda r: r["date_created"], "title": lambda r: r["name"]},
            )
            status_code, chunk, headers = self.paginate(records)
            return status_code, [store.render_webhook(w) for w in chunk], headers

    @route("POST", rf"{API}/webhooks")
    @api("create")
    def create_webhook(self, match):
        data = self.body_json()
        with self.app.change() as store:
            webhook = store.create_webhook(data)
        if webhook["status"] == "active":
            # The REST call answers 201 whatever the ping's fate.
            self.app.ping(webhook["id"])
        with self.app.lock:
            return 201, self.app.render_webhook(webhook)

    @route("GET", rf"{API}/webhooks/(?P<id>\d+)")
    @api("view")
    def get_webhook(self, match):
        with self.app.lock:
            return 200, self.app.render_webhook(self.app._webhook(int(match["id"])))

    @route("PUT", rf"{API}/webhooks/(?P<id>\d+)")
    @route("PATCH", rf"{API}/webhooks/(?P<id>\d+)")
    @api("edit")
    def update_webhook(self, match):
        data = self.body_json()
        with self.app.change() as store:
            return 200, store.render_webhook(
                store.update_webhook(int(match["id"]), data)
            )

    @route("DELETE", rf"{API}/webhooks/(?P<id>\d+)")
    @api("delete")
    def delete_webhook(self, match):
        if str(self.param("force", "false")).lower() not in ("1", "true"):
            raise WooError(
                501,
                "woocommerce_rest_trash_not_supported",
                "Webhooks do not support trashing.",
            )
        with self.app.change() as store:
            webhook = store._webhook(int(match["id"]))
            rendered = store.render_webhook(webhook)
            del store.webhooks[webhook["id"]]
            return 200, rendered

    # -- admin -------------------------------------------------------------------------

    @route("POST", r"/_sandbox/checkout", faults=False)
    def _admin_checkout(self, match):
        """Place orders now: ``{"count": 1, "items": [{"sku", "quantity"}],
        "payment_method", "coupon", "fee", "note"}``."""
        data = self.json_body(required=False) or {}
        store = self.app
        orders = []
        with store.change():
            items = None
            if data.get("items"):
                items = []
                for entry in data["items"]:
                    owner = store._sku_owner(str(entry.get("sku") or ""))
                    record = store.products.get(owner) or store.variations.get(owner)
                    if record is None:
                        raise HttpError(400, f"unknown SKU {entry.get('sku')!r}")
                    items.append((record, int(entry.get("quantity", 1))))
            for _ in range(max(1, min(int(data.get("count", 1)), 1000))):
                order = store.checkout(
                    items,
                    payment_method=data.get("payment_method"),
                    coupon=data.get("coupon", ""),
                    fee=data.get("fee", False),
                    note=data.get("note"),
                )
                if order is not None:
                    orders.append(store.render_order(order))
        return 200, {"orders": orders}

    @route("GET", r"/_sandbox/requests", faults=False)
    def _admin_requests(self, match):
        with self.app.lock:
            return 200, list(self.app.requests)

    @route("GET", r"/_sandbox/webhooks", faults=False)
    def _admin_webhooks(self, match):
        with self.app.lock:
            return 200, [self.app.admin_webhook(w) for w in self.app.webhooks.values()]

    @route("GET", r"/_sandbox/delivery-log", faults=False)
    def _admin_delivery_log(self, match):
        with self.app.lock:
            return 200, list(self.app.delivery_log)

    @route("POST", r"/_sandbox/keys", faults=False)
    def _admin_keys(self, match):
        data = self.json_body()
        try:
            self.app.add_key(
                str(data["consumer_key"]),
                str(data["consumer_secret"]),
                str(data.get("permissions", "read_write")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HttpError(400, f"invalid key: {exc}") from None
        return 201, {"consumer_key": data["consumer_key"]}

    @route("GET", r"/_sandbox/stock", faults=False)
    def _admin_stock(self, match):
        return 200, self.app.stock_levels()

    @route("POST", r"/_sandbox/orders/(?P<id>\d+)/restore", faults=False)
    def _admin_restore(self, match):
        try:
            with self.app.change() as store:
                return 200, store.render_order(store.restore_order(int(match["id"])))
        except WooError as exc:
            return exc.status, exc.body()

    # Last, so that every real route is tried first: WordPress answers an
    # unknown route or method with 404 rest_no_route, never 405.
    @route("GET", r"/wp-json/.*")
    @route("POST", r"/wp-json/.*")
    @route("PUT", r"/wp-json/.*")
    @route("PATCH", r"/wp-json/.*")
    @route("DELETE", r"/wp-json/.*")
    def _no_route(self, match):
        raise WooError(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )


# ---------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------


def serve_store(
    store: WooStore | None = None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    **options,
) -> SandboxServer:
    """Start a store on ``host:port`` (0: any free port); returns the server.

    ``server.app`` is the `WooStore`; its site URL is the server's URL unless
    one was given. ``server.shutdown()`` also stops deliveries and checkouts.
    """
    store = store or WooStore(**options)
    server = serve(
        WooHandler,
        host,
        port,
        app=store,
        faults=store.faults,
        deliverer=store.deliverer,
        name="woocommerce",
    )
    if not store.site_url:
        store.site_url = server.url
    server.add_cleanup(store.stop)
    store.start()
    return server


EPILOG = """\
examples:
  # a plain-HTTP store (OAuth 1.0a only) with a catalog and 6 orders a minute
  python -m sandbox woocommerce --port 8081 --seed-catalog --checkout-rate 6

  # an HTTPS store behind a TLS proxy: Basic and query-string auth accepted
  python -m sandbox woocommerce --assume-https --seed-catalog --seed 7

  # webhooks arriving late, duplicated and shuffled, 10 % of API calls 429
  python -m sandbox woocommerce --seed-catalog --delivery-delay 3 \\
      --duplicates 0.1 --out-of-order 4 --rate-limit 0.1 --retry-after 2

Output on stdout is one JSON line {"event": "ready", ...} with the URLs and
the API key; progress goes to stderr.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m sandbox woocommerce``."""
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    server = parser.add_argument_group("store")
    server.add_argument("--host", default=LOOPBACK)
    server.add_argument("--port", type=int, default=0, help="0: any free port")
    server.add_argument(
        "--site-url", default="", help="home URL the store believes it has"
    )
    server.add_argument(
        "--assume-https",
        action="store_true",
        help="behave as an HTTPS store (behind a TLS proxy): Basic and "
        "query-string auth accepted",
    )
    server.add_argument("--consumer-key", default=DEFAULT_CONSUMER_KEY)
    server.add_argument("--consumer-secret", default=DEFAULT_CONSUMER_SECRET)
    server.add_argument(
        "--permissions", choices=("read", "write", "read_write"), default="read_write"
    )
    server.add_argument("--currency", default="EUR")
    server.add_argument("--tax-rate", default="21", help="VAT %% (0: no tax)")
    server.add_argument(
        "--prices-include-tax",
        action="store_true",
        help="catalog prices include tax",
    )
    server.add_argument(
        "--utc-offset", type=float, default=0.0, help="store timezone, hours"
    )
    server.add_argument(
        "--seed-catalog", action="store_true", help="about 50 products with SKUs"
    )
    activity = parser.add_argument_group("activity")
    activity.add_argument(
        "--checkout-rate",
        type=float,
        default=0.0,
        metavar="N",
        help="simulated checkouts per minute (0: none)",
    )
    activity.add_argument(
        "--checkout-count", type=int, default=None, help="stop after N checkouts"
    )
    activity.add_argument(
        "--delivery-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds between a change and its webhook delivery",
    )
    activity.add_argument("--delivery-workers", type=int, default=4)
    activity.add_argument(
        "--strict-delivery-ports",
        action="store_true",
        help="refuse delivery URLs not on port 80, 443 or 8080, as WordPress does",
    )
    parser.add_argument(
        "--duration", type=float, default=None, help="stop after this many seconds"
    )
    add_fault_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m sandbox woocommerce``."""
    try:
        tax_rate = Decimal(args.tax_rate)
        store = WooStore(
            consumer_key=args.consumer_key,
            consumer_secret=args.consumer_secret,
            permissions=args.permissions,
            assume_https=args.assume_https,
            currency=args.currency,
            tax_rate=tax_rate,
            prices_include_tax=args.prices_include_tax,
            utc_offset=args.utc_offset,
            delivery_delay=args.delivery_delay,
            strict_delivery_ports=args.strict_delivery_ports,
            faults=Faults(fault_config_from_args(args)),
            seed=args.seed,
            site_url=args.site_url,
            delivery_workers=args.delivery_workers,
        )
    except (InvalidOperation, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.seed_catalog:
        store.seed_catalog()
    server = serve_store(store, host=args.host, port=args.port)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.duration is not None:
        timer = threading.Timer(args.duration, stop.set)
        timer.daemon = True
        timer.start()
    store.start_checkouts(args.checkout_rate, args.checkout_count)
    print(
        json.dumps(
            {
                "event": "ready",
                "url": server.url,
                "site_url": store.site_url,
                "api_url": f"{store.site_url}{API}",
                "https": store.assume_https,
                "consumer_key": args.consumer_key,
                "consumer_secret": args.consumer_secret,
                "products": len(store.products),
                "state_url": f"{server.url}/_sandbox/state",
            }
        ),
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


__all__ = [
    "API",
    "DEFAULT_CONSUMER_KEY",
    "DEFAULT_CONSUMER_SECRET",
    "HOOKSHOT_USER_AGENT",
    "WooError",
    "WooHandler",
    "WooStore",
    "add_arguments",
    "oauth_expected_signature",
    "oauth_string_to_sign",
    "php_json",
    "run",
    "serve_store",
]
