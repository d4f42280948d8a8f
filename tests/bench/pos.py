"""The store POS (Square) rows of ``make bench``: section 6.

A Square sandbox merchant (``sandbox/square``) runs in this process on
loopback; a Square connection on the bench's real server (its New York store
as a point of sale, the 8.875 % sales tax mapped by rate) receives a
store-day of ``RECEIPTS`` sales made at the till (the sandbox's simulated
activity: card and cash, tips, discounts, weighed tea), which fire payment
and inventory events only, as Square's POS app does:

1. Acknowledged: every event of the day, its exact bytes signed as Square
   signs them, POSTed to the connection's webhook URL by ``CONCURRENCY``
   senders; events acknowledged per second and the latency of an answer.
2. Booked: from the first POST until every sale is a paid ``pos.order`` in
   the store-day's session (the job runner fetching each order and its
   payments from the sandbox and booking it through Odoo's order
   processing). Against Odoo's floor of ``pos_floor.py``: the same orders
   created through ``pos.order._process_order`` with prepared values in one
   process, same run.
3. Closed: the store day closed (``action_close_day``: its session closed
   by Odoo's closing, one consolidated entry) against Odoo closing the
   floor's session of the same orders by itself
   (``action_pos_session_closing_control``).
"""

import http.client
import random
import sys
import time
import traceback
import uuid
from urllib.parse import urlsplit

from sandbox.common import latency_summary
from sandbox.square import (
    DEFAULT_ACCESS_TOKEN,
    LOCATIONS,
    SquareMerchant,
    serve_square,
    signature,
)
from sandbox.square.activity import random_sale
from tests.bench.scenarios import (
    all_queues_idle,
    post_all,
    run_shell_script,
    wait_for,
)
from tests.retail_channel import set_stock
from tests.server import ADMIN_PASSWORD, odoo_rpc

POS = "retail_connector_pos"
RECEIPTS = 2_000
CONCURRENCY = 10
NEW_YORK = next(loc["id"] for loc in LOCATIONS if loc["currency"] == "USD")
SALES_TAX = 8.875
# Seconds the Close Day call may take (the server's limit_time_real is 300).
CLOSING_TIMEOUT = 300


def counts(scale=1):
    """The row sizes (``--quick`` divides them)."""
    return {"receipts": RECEIPTS // scale}


def log(message):
    """Progress on stderr, as ``run.log``."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# set-up
# ---------------------------------------------------------------------------


def _store_setup(server, app):
    """Products of the sandbox catalog with stock, the tax mapped."""
    rpc = server.rpc
    with app.lock:
        variations = list(app.variations.values())
    skus = [variation["sku"] for variation in variations]
    known = {
        row["default_code"]: row["id"]
        for row in rpc(
            "product.product",
            "search_read",
            [("default_code", "in", skus)],
            fields=["default_code"],
        )
    }
    created = rpc(
        "product.product",
        "create",
        [
            {
                "name": f"{variation['item_name']} ({variation['name']})",
                "default_code": variation["sku"],
                "is_storable": True,
                "available_in_pos": True,
                "list_price": variation["prices"]["USD"] / 100,
                "taxes_id": [(5, 0, 0)],
            }
            for variation in variations
            if variation["sku"] not in known
        ],
    )
    set_stock(server, [*known.values(), *created], 1_000_000)
    (warehouse,) = rpc(
        "stock.warehouse", "search_read", [], fields=["company_id"], limit=1
    )
    company = warehouse["company_id"][0]
    mapped = [
        row["rate"]
        for row in rpc(
            "retail.tax.mapping",
            "search_read",
            [("company_id", "=", company), ("price_include", "=", False)],
            fields=["rate"],
        )
    ]
    if not any(abs(rate - SALES_TAX) < 0.0001 for rate in mapped):
        tax = rpc(
            "account.tax",
            "create",
            {
                "name": f"Bench NY sales tax {uuid.uuid4().hex[:6]}",
                "amount": SALES_TAX,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            },
        )
        rpc(
            "retail.tax.mapping",
            "create",
            {
                "company_id": company,
                "rate": SALES_TAX,
                "price_include": False,
                "tax_id": tax,
            },
        )
    return warehouse["id"]


def _connection(server, url, warehouse):
    """An active Square connection whose New York store is a point of sale.

    Set up as a user does (Test connection, Create Point of Sale, Register
    webhooks, Activate); its store closes at midnight, so that only the
    bench closes its day.
    """
    rpc = server.rpc
    rpc("ir.config_parameter", "set_param", "web.base.url", server.url)
    backend = rpc(
        "retail.backend",
        "create",
        {
            "name": f"Bench Square {uuid.uuid4().hex[:6]}",
            "channel": "square",
            "square_api_url": url,
            "square_access_token": DEFAULT_ACCESS_TOKEN,
            "warehouse_id": warehouse,
            "rate_limit": 0,
            "breaker_threshold": 100,
        },
    )
    rpc("retail.backend", "action_test_connection", [backend])
    stores = rpc(
        "retail.location.mapping",
        "search_read",
        [("backend_id", "=", backend)],
        fields=["location_code"],
    )
    store = next(row["id"] for row in stores if row["location_code"] == NEW_YORK)
    others = [row["id"] for row in stores if row["id"] != store]
    rpc("retail.location.mapping", "write", others, {"active": False})
    rpc("retail.location.mapping", "write", [store], {"pos_closing_hour": 24.0})
    rpc("retail.location.mapping", "action_create_pos_config", [store])
    rpc("retail.backend", "action_register_webhooks", [backend])
    rpc("retail.backend", "action_activate", [backend])
    (row,) = rpc(
        "retail.backend",
        "read",
        [backend],
        ["square_notification_url", "square_subscription_id"],
    )
    (mapping,) = rpc("retail.location.mapping", "read", [store], ["pos_config_id"])
    return backend, row, mapping["pos_config_id"][0]


class SignedSender:
    """POSTs an event's exact bytes with Square's signature header."""

    def __init__(self, url, key):
        self.url = url
        self.key = key
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path

    def post(self, body, timeout=120):
        headers = {
            "Content-Type": "application/json",
            "x-square-hmacsha256-signature": signature(self.key, self.url, body),
        }
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("POST", self.path, body=body, headers=headers)
            reply = connection.getresponse()
            answer = reply.read()
        finally:
            connection.close()
        return reply.status, answer, time.monotonic() - started


# ---------------------------------------------------------------------------
# the rows
# ---------------------------------------------------------------------------


def _booked(server, backend):
    return server.rpc(
        "pos.order",
        "search_count",
        [("retail_backend_id", "=", backend), ("state", "=", "paid")],
    )


def _failed(server, backend):
    return server.rpc(
        "retail.exchange",
        "search_count",
        [("backend_id", "=", backend), ("state", "=", "failed")],
    )


def bench_store_day(server, count, log):
    """The three rows on one connection."""
    app = SquareMerchant(retry_scale=0.001, seed=11)
    sandbox = serve_square(app)
    try:
        warehouse = _store_setup(server, app)
        backend, row, config = _connection(server, sandbox.url, warehouse)
        subscription = row["square_subscription_id"]
        # The bench delivers the events itself, at a known concurrency.
        app.update_subscription(subscription, {"enabled": False})
        with app.lock:
            key = app.subscriptions[subscription]["signature_key"]
            types = set(app.subscriptions[subscription]["event_types"])
            since = len(app.events)
        log(f"  {count} sales at the New York till (the sandbox's activity)")
        rng = random.Random(7)
        orders = [random_sale(app, rng, NEW_YORK)["order"]["id"] for _ in range(count)]
        with app.lock:
            events = [
                event_id
                for event_id, event in list(app.events.items())[since:]
                if event["type"] in types
            ]
        bodies = [app.event_body(event_id) for event_id in events]
        sender = SignedSender(row["square_notification_url"], key)
        log(f"  {len(bodies)} events POSTed by {CONCURRENCY} senders")
        started = time.monotonic()
        results, ack_wall = post_all(sender, bodies, CONCURRENCY)
        accepted = sum(1 for status, _answer, _e in results if status == 200)
        log("  waiting for every sale booked")
        wait_for(
            lambda: _booked(server, backend) >= len(orders) or _failed(server, backend),
            timeout=3600,
            interval=1,
            what=f"{len(orders)} receipts booked",
        )
        booked_wall = time.monotonic() - started
        failed = _failed(server, backend)
        if failed:
            raise RuntimeError(
                f"{failed} exchanges failed (Retail Connector > Exchanges)"
            )
        (day,) = server.rpc(
            "retail.pos.day",
            "search_read",
            [("backend_id", "=", backend)],
            fields=["session_ids", "late_count"],
        )
        log("  closing the store day")
        started = time.monotonic()
        # One call that closes a session of thousands of orders: longer than
        # the JSON-RPC client's usual minute is allowed.
        odoo_rpc.execute_kw(
            server.url,
            server.db,
            server.uid,
            ADMIN_PASSWORD,
            "retail.pos.day",
            "action_close_day",
            [[day["id"]]],
            {},
            timeout=CLOSING_TIMEOUT,
        )
        closing_wall = time.monotonic() - started
        (closed,) = server.rpc(
            "retail.pos.day", "read", [day["id"]], ["state", "session_ids"]
        )
        sessions = server.rpc(
            "pos.session", "read", closed["session_ids"], ["state", "move_id"]
        )
        # The floor is Odoo alone: the connection no longer exports stock, and
        # no job of the day is left running beside it.
        server.rpc("retail.backend", "action_pause", [backend])
        wait_for(
            lambda: all_queues_idle(server), timeout=600, interval=1, what="jobs done"
        )
        log(f"  Odoo's floor: the same {len(orders)} orders in one odoo shell process")
        floor = run_shell_script(
            server,
            "pos_floor.py",
            {"BENCH_BACKEND": str(backend), "BENCH_CONFIG": str(config)},
            timeout=3600,
        )
    finally:
        sandbox.shutdown()
    latencies = [elapsed for _s, _a, elapsed in results]
    return {
        "receipts": len(orders),
        "events": len(bodies),
        "concurrency": CONCURRENCY,
        "accepted": accepted,
        "errors": len(results) - accepted,
        "ack_wall_s": round(ack_wall, 2),
        "events_per_s": round(accepted / ack_wall, 1) if ack_wall else None,
        **{f"{k}_ms": v for k, v in latency_summary(latencies).items()},
        "booked_wall_s": round(booked_wall, 2),
        "receipts_per_s": round(len(orders) / booked_wall, 2),
        "sessions": len(sessions),
        "late": day["late_count"],
        "floor_s": round(floor["seconds"], 2),
        "floor_receipts_per_s": round(floor["orders"] / floor["seconds"], 2),
        "ratio_to_floor": round(booked_wall / floor["seconds"], 2),
        "day_state": closed["state"],
        "sessions_closed": sum(1 for s in sessions if s["state"] == "closed"),
        "closing_s": round(closing_wall, 2),
        "floor_closing_s": round(floor["closing_s"], 2),
        "closing_ratio": round(closing_wall / floor["closing_s"], 2),
        "floor_paid": floor["paid"],
        "floor_retried": floor["retried"],
        "floor_session_state": floor["session_state"],
        "floor_needed_balancing": floor["needs_balancing"],
    }


# ---------------------------------------------------------------------------
# the section
# ---------------------------------------------------------------------------


def measure(server, _woo_note, counts):
    """Section 6 (``run.MEASURE``): the rows, or why they were not measured."""
    try:
        installed = server.rpc(
            "ir.module.module",
            "search_count",
            [("name", "=", POS), ("state", "=", "installed")],
        )
        if not installed:
            return {"not_measured": f"{POS} not installed"}
        count = counts["pos"]["receipts"]
        log(f"6. store POS: a store-day of {count} receipts")
        return bench_store_day(server, count, log)
    except Exception as exc:  # the rest of the bench still runs
        log(f"store POS failed: {exc}")
        traceback.print_exc(file=sys.stderr)
        return {"error": f"store POS failed: {str(exc).splitlines()[0][:300]}"}


def failures(section):
    """The rows that failed (``run.main``'s exit status)."""
    return ["pos"] if "error" in (section or {}) else []


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def _num(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def report_lines(section):
    """Section 6 of the report, as Markdown lines."""
    lines = ["", "## 6. Store POS (Square)", ""]
    if not section or "receipts" not in section:
        text = (section or {}).get("not_measured") or (section or {}).get("error")
        return [*lines, f"not measured: {text or 'not run'}"]
    row = section
    lines += [
        "| row | count | seconds | per second | baseline (same run) | ratio |",
        "|---|---:|---:|---:|---|---:|",
        f"| 1. webhook events acknowledged ({row['concurrency']} senders) | "
        f"{row['events']:,} events | {_num(row['ack_wall_s'])} | "
        f"{_num(row['events_per_s'])} events | - | - |",
        f"| 2. receipts booked as paid POS orders | {row['receipts']:,} receipts | "
        f"{_num(row['booked_wall_s'])} | {_num(row['receipts_per_s'])} receipts | "
        f"`_process_order` in one process {_num(row['floor_s'])} s "
        f"({_num(row['floor_receipts_per_s'])}/s) | {_num(row['ratio_to_floor'])}× |",
        f"| 3. store day closed | 1 session, {row['receipts']:,} orders | "
        f"{_num(row['closing_s'])} | - | Odoo closing the same session "
        f"{_num(row['floor_closing_s'])} s | {_num(row['closing_ratio'])}× |",
        "",
        f"- Row 1: the day's {row['receipts']:,} till sales fire payment and "
        f"inventory events only, as Square's POS app does; their exact bytes, "
        f"signed over the notification URL, POSTed to the webhook URL: "
        f"{row['accepted']:,} acknowledged, {row['errors']} errors; answer "
        f"p50 / p99 {_num(row['p50_ms'])} / {_num(row['p99_ms'])} ms "
        "(Square waits 10 s).",
        "- Row 2: from the first POST until every sale is a paid `pos.order` of "
        "the store-day session (each job fetching the order and its payments "
        "from the sandbox, stock moved at once); "
        f"{row['sessions']} session(s), {row['late']} receipt(s) booked late. "
        "Baseline: the same orders, their values prepared beforehand, created "
        "through `pos.order._process_order` with a commit each in one "
        f"`odoo shell` (`pos_floor.py`), {row['floor_paid']:,} paid"
        + (
            f" ({row['floor_retried']} retried after a serialization failure)."
            if row.get("floor_retried")
            else "."
        ),
        f"- Row 3: Close Day (`action_close_day`, a call over JSON-RPC): "
        f"{row['sessions_closed']} session(s) closed by Odoo's closing, day "
        f"{row['day_state']}. Baseline: the floor's session of the same orders "
        "closed by `action_pos_session_closing_control`, the expected cash "
        f"counted (session {row['floor_session_state']}"
        + (
            ", balanced by cents of rounding as a person would"
            if row["floor_needed_balancing"]
            else ""
        )
        + ").",
    ]
    return lines
