"""The channel's side of Odoo's pushes: ``POST /events``, stock and shipments.

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

import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from ..common import HttpError, JsonHandler, SandboxApp, route
from .amounts import to_decimal
from .signing import DEFAULT_TOLERANCE, SIGNATURE_HEADER, SignatureError, verify

PUSH_TOPICS = ("stock.updated", "order.shipped")
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
            number = to_decimal(quantity, "quantity")
        except ValueError:
            return []
        levels.append(
            (
                item["sku"],
                int(number) if number == number.to_integral() else str(number),
            )
        )
    return levels


class PushReceiver(SandboxApp):
    """What the channel knows of Odoo's pushes: events, stock, shipments."""

    name = "generic"

    def __init__(
        self,
        secret: str | bytes,
        *,
        tolerance: int = DEFAULT_TOLERANCE,
        now: Callable[[], float] = time.time,
    ):
        super().__init__(clock=now)
        self.secret = secret
        self.tolerance = tolerance
        self.now = now
        self.reset()

    def reset(self) -> None:
        """Forget everything received."""
        with self.lock:
            super().reset()
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
            with self.lock:
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
        with self.lock:
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
        with self.lock:
            return [
                dict(record)
                for record in self._events
                if record["seq"] > since and (topic is None or record["topic"] == topic)
            ]

    def stock(self) -> dict[str, object]:
        """Latest quantity per SKU."""
        with self.lock:
            return {sku: level["quantity"] for sku, level in self._stock.items()}

    def stock_details(self) -> dict[str, dict]:
        """Latest level per SKU with the event that set it."""
        with self.lock:
            return {sku: dict(level) for sku, level in self._stock.items()}

    def shipments(self) -> dict[str, dict]:
        """Latest shipment per order external id."""
        with self.lock:
            return {key: dict(value) for key, value in self._shipments.items()}

    def state(self) -> dict:
        """Counters for the admin state endpoint."""
        with self.lock:
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
