"""Fault suite: dropped webhooks, repaired by the reconciliation cron.

A WooCommerce store sends each webhook once and never retries: a delivery
lost on the way is lost for good. The reconciliation cron polls the store for
the orders modified since the connection's checkpoint (minus its re-read
window) and feeds what Odoo lacks through the same exchange path as a
delivery. Only WooCommerce can be polled (the generic channel is push-only),
so this runs against the WooCommerce sandbox store, in this process: half of
its webhook deliveries dropped, a fifth of the others sent twice, the rest
shuffled in windows of 4.

The connection is set up over JSON-RPC as an administrator would (store URL,
API key, webhook secret, activation, Test connection, Register webhooks, Link
catalog), the store's SKUs being Odoo products with stock and the 21 % rate
mapped by the demo data. Customers check out; then part of the orders change
status through the store's REST API (paid, completed, cancelled; some paid
then cancelled), and those webhooks are dropped alike. Once the deliveries
that got through are processed, the reconciliation cron is made due and the
server's cron worker runs it: the server runs with ``ODOO_NOTIFY_CRON_CHANGES``,
so writing the cron's next call wakes the worker at once.

Then every store order is exactly one sale order of the connection, in the
state and for the total the store shows last; no inbound exchange is failed
or waiting and no job is left started; and a second run queues nothing.
Short version: 30 checkouts (part of ``make test``); full: 300
(``make test-faults``).
"""

import base64
import json
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.common import FaultConfig, Faults, http_request
from sandbox.woocommerce import (
    API,
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    WooStore,
    serve_store,
)
from tests.retail_channel import (
    OPEN_STATES,
    create_woocommerce_connection,
    job_states,
    set_stock,
)
from tests.server import RpcError

pytestmark = pytest.mark.faults

CHECKOUTS = {"short": 30, "full": 300}
# Seconds over which the checkouts are spread, webhooks flowing meanwhile.
CHECKOUT_SPAN = {"short": 4.0, "full": 30.0}
SETTLE_TIMEOUT = {"short": 180, "full": 1200}
WEBHOOK_FAULTS = FaultConfig(drop_rate=0.5, duplicate_rate=0.2, reorder=4, seed=29)
ODOO_STOCK = 100_000
RECONCILE_CRON = ("retail_connector_base", "ir_cron_retail_reconcile")
# Sale order state of each store status under the default status mapping.
EXPECTED_STATE = {
    "pending": "draft",
    "on-hold": "draft",
    "processing": "sale",
    "completed": "sale",
    "cancelled": "cancel",
    "failed": "cancel",
}
# One-legged requests to an HTTPS store (the sandbox assumes one).
STORE_AUTH = "Basic " + base64.b64encode(
    f"{DEFAULT_CONSUMER_KEY}:{DEFAULT_CONSUMER_SECRET}".encode()
).decode("ascii")


def _odoo_datetime(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------


def _store_call(store_url, method, path, payload=None):
    """One call to the store (REST API or sandbox admin); the parsed answer."""
    reply = http_request(
        method,
        f"{store_url}{path}",
        body=None if payload is None else json.dumps(payload).encode(),
        headers={"Authorization": STORE_AUTH},
        timeout=30,
    )
    assert 200 <= reply.status < 300, (method, path, reply.status, reply.text[:500])
    return reply.json()


def _checkouts(store_url, count, span):
    """``count`` customers check out over about ``span`` seconds; their ids.

    Random carts, gateways, coupons and fees, as the store's own simulation.
    """
    ids = []
    pause = span / count
    for _index in range(count):
        answer = _store_call(
            store_url,
            "POST",
            "/_sandbox/checkout",
            {"count": 1, "coupon": None, "fee": None, "note": None},
        )
        ids += [order["id"] for order in answer["orders"]]
        time.sleep(pause)
    return ids


def _set_status(store_url, order_id, status):
    _store_call(store_url, "PUT", f"{API}/orders/{order_id}", {"status": status})


def _status_changes(store, store_url, order_ids, rng):
    """Change the status of part of the orders, as the shop manager does.

    Bank transfers get paid, card orders completed, some of either cancelled;
    a second round, in a later second than the first (WooCommerce's
    modification dates have whole seconds), cancels some orders just paid.
    Returns how many changes were made.
    """
    with store.lock:
        statuses = {
            order_id: store.orders[order_id]["status"] for order_id in order_ids
        }
    paid, changes = [], 0
    for order_id in order_ids:
        draw = rng.random()
        if statuses[order_id] == "on-hold" and draw < 0.5:
            _set_status(store_url, order_id, "processing")
            paid.append(order_id)
        elif statuses[order_id] == "on-hold" and draw < 0.75:
            _set_status(store_url, order_id, "cancelled")
        elif statuses[order_id] == "processing" and draw < 0.3:
            _set_status(store_url, order_id, "completed")
        elif statuses[order_id] == "processing" and draw < 0.5:
            _set_status(store_url, order_id, "cancelled")
        else:
            continue
        changes += 1
    time.sleep(1.1)
    for order_id in paid[::2]:
        _set_status(store_url, order_id, "cancelled")
        changes += 1
    return changes


def _store_orders(store):
    """``{order id as text: (status, total)}`` as the store shows them now."""
    with store.lock:
        rendered = [store.render_order(order) for order in store.orders.values()]
    return {
        str(order["id"]): (order["status"], float(order["total"])) for order in rendered
    }


def _store_catalog(store):
    """``{sku: name}`` of what the store sells (variations, not their parents)."""
    with store.lock:
        records = [
            *(p for p in store.products.values() if p["type"] != "variable"),
            *store.variations.values(),
        ]
        return {
            record["sku"]: record.get("name") or record["sku"] for record in records
        }


# ---------------------------------------------------------------------------
# Odoo
# ---------------------------------------------------------------------------


def _ensure_products(server, catalog):
    """Every store SKU an Odoo product with plenty of stock (Link catalog
    matches by SKU, and stock pushes must not empty the store)."""
    existing = {
        row["default_code"]: row["id"]
        for row in server.rpc(
            "product.product",
            "search_read",
            [("default_code", "in", list(catalog))],
            fields=["default_code"],
        )
    }
    missing = [sku for sku in catalog if sku not in existing]
    if missing:
        ids = server.rpc(
            "product.product",
            "create",
            [
                {
                    "name": catalog[sku],
                    "default_code": sku,
                    "is_storable": True,
                    "list_price": 10.0,
                }
                for sku in missing
            ],
            context={"tracking_disable": True, "mail_create_nolog": True},
        )
        existing.update(zip(missing, ids, strict=True))
    set_stock(server, list(existing.values()), ODOO_STOCK)


def _cron_id(server):
    module, name = RECONCILE_CRON
    (row,) = server.rpc(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    return row["res_id"]


def _set_nextcall(server, cron_id, moment, attempts=60):
    """Write the cron's next call; retried while the cron worker runs it."""
    for _attempt in range(attempts):
        try:
            server.rpc(
                "ir.cron", "write", [cron_id], {"nextcall": _odoo_datetime(moment)}
            )
            return
        except RpcError as exc:
            # "Record cannot be modified right now": the worker holds its lock.
            last = exc
            time.sleep(0.5)
    raise last


def _last_job_id(server):
    ids = server.rpc("queue.job", "search", [], order="id desc", limit=1)
    return ids[0] if ids else 0


def _run_reconciliation(server, cron_id, backend, timeout):
    """Make the cron due, let the cron worker run it; the reconcile job's result.

    The cron queues one job per active connection; this waits for ours.
    """
    (before,) = server.rpc("ir.cron", "read", [cron_id], ["lastcall"])
    after_job = _last_job_id(server)
    _set_nextcall(server, cron_id, _utcnow() - timedelta(minutes=1))

    def job():
        jobs = server.rpc(
            "queue.job",
            "search_read",
            [
                ("id", ">", after_job),
                ("identity_key", "=", f"retail-poll-{backend}-orders"),
            ],
            fields=["state", "result", "exc_info"],
        )
        if jobs and jobs[0]["state"] in ("failed", "cancelled"):
            pytest.fail(f"reconciliation job {jobs[0]['state']}: {jobs[0]['exc_info']}")
        return jobs[0] if jobs and jobs[0]["state"] == "done" else None

    done = server.wait_until(
        job, timeout=timeout, interval=0.5, message="reconciliation job done"
    )
    (after,) = server.rpc("ir.cron", "read", [cron_id], ["lastcall"])
    assert after["lastcall"] != before["lastcall"], "the cron worker ran the cron"
    return done["result"]


def _settled(server, store, backend):
    """True once the store sent everything and every inbound exchange is
    done, failed or ignored, with no processing job started or waiting."""
    if not store.wait_idle(timeout=1):
        return False
    groups = server.rpc(
        "retail.exchange",
        "read_group",
        [("backend_id", "=", backend), ("direction", "=", "inbound")],
        ["state"],
        ["state"],
        lazy=False,
    )
    if any(group["state"] in OPEN_STATES for group in groups):
        return False
    jobs = job_states(server, [("model_name", "=", "retail.exchange")])
    return not any(jobs.get(state) for state in ("pending", "enqueued", "started"))


def _wait_settled(server, store, backend, timeout):
    server.wait_until(
        lambda: _settled(server, store, backend),
        timeout=timeout,
        interval=1.0,
        message=f"store idle and exchanges of connection {backend} settled",
    )


def _sale_orders(server, backend):
    """``{external id: [sale orders]}`` of the connection."""
    orders = server.rpc(
        "sale.order",
        "search_read",
        [("retail_backend_id", "=", backend)],
        fields=["retail_external_id", "state", "amount_total"],
    )
    by_external_id = {}
    for order in orders:
        by_external_id.setdefault(order["retail_external_id"], []).append(order)
    return by_external_id


def _mismatches(expected, actual):
    """Store orders that are not exactly one sale order in their latest state.

    Returns ``(missing, duplicated, stale, unknown)``: lists of external ids
    (``stale`` with what differs), ``unknown`` for sale orders of the
    connection that match no store order.
    """
    missing, duplicated, stale = [], [], []
    for external_id, (status, total) in expected.items():
        orders = actual.get(external_id, [])
        if not orders:
            missing.append(external_id)
        elif len(orders) > 1:
            duplicated.append(external_id)
        elif (
            orders[0]["state"] != EXPECTED_STATE[status]
            or abs(orders[0]["amount_total"] - total) > 0.005
        ):
            stale.append((external_id, status, total, orders[0]))
    unknown = sorted(set(actual) - set(expected))
    return missing, duplicated, stale, unknown


def _poll_exchanges(server, backend):
    return server.rpc(
        "retail.exchange",
        "search_count",
        [
            ("backend_id", "=", backend),
            ("direction", "=", "inbound"),
            ("dedup_key", "=like", "poll:%"),
        ],
    )


# ---------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------


def test_dropped_webhooks_repaired_by_reconciliation(odoo_server_factory, fault_scale):
    checkouts = CHECKOUTS[fault_scale]
    settle = SETTLE_TIMEOUT[fault_scale]
    server = odoo_server_factory("dropped", env={"ODOO_NOTIFY_CRON_CHANGES": "1"})
    cron_id = _cron_id(server)
    # Nothing polls before the webhooks had their chance.
    _set_nextcall(server, cron_id, _utcnow() + timedelta(days=1))
    # Other polled connections (the demo one) are no part of this.
    others = server.rpc(
        "retail.backend",
        "search",
        [("channel", "=", "woocommerce"), ("state", "=", "active")],
    )
    if others:
        server.rpc("retail.backend", "action_pause", others)

    store = WooStore(
        assume_https=True, currency="USD", seed=29, faults=Faults(WEBHOOK_FAULTS)
    )
    store.seed_catalog(stock_max=1_000_000)
    sandbox = serve_store(store)
    try:
        _ensure_products(server, _store_catalog(store))
        # Webhook URLs are built from web.base.url: where this server listens.
        server.rpc("ir.config_parameter", "set_param", "web.base.url", server.url)
        server.rpc("ir.config_parameter", "set_param", "web.base.url.freeze", "True")
        backend, _webhook_url = create_woocommerce_connection(
            server,
            sandbox.url,
            name="Dropped webhooks store",
            settings={
                # Polls from here on, re-reading one minute before.
                "import_checkpoint": _odoo_datetime(_utcnow()),
                "reread_window": 1,
                # Each run of the cron polls it, however recent the last.
                "poll_interval": 0,
            },
        )
        server.rpc("retail.backend", "action_test_connection", [backend])
        server.rpc("retail.backend", "action_register_webhooks", [backend])
        server.rpc("retail.backend", "action_link_catalog", [backend])
        server.wait_until(
            lambda: server.rpc(
                "queue.job",
                "search_count",
                [
                    ("identity_key", "=", f"retail-catalog-{backend}"),
                    ("state", "=", "done"),
                ],
            ),
            timeout=120,
            interval=0.5,
            message="catalog linked",
        )

        order_ids = _checkouts(sandbox.url, checkouts, CHECKOUT_SPAN[fault_scale])
        assert len(order_ids) == checkouts, "the store had stock for every cart"
        time.sleep(1.1)  # status changes in later seconds than the checkouts
        changes = _status_changes(store, sandbox.url, order_ids, random.Random(29))
        _wait_settled(server, store, backend, settle)

        expected = _store_orders(store)
        assert set(expected) == {str(order_id) for order_id in order_ids}
        missing_before, duplicated, stale_before, unknown = _mismatches(
            expected, _sale_orders(server, backend)
        )
        assert not duplicated and not unknown, (duplicated, unknown)
        assert missing_before or stale_before, (
            "no webhook that mattered was dropped: nothing for reconciliation to do"
        )

        started = _utcnow().replace(microsecond=0)
        result = _run_reconciliation(server, cron_id, backend, settle)
        _wait_settled(server, store, backend, settle)
        (record,) = server.rpc(
            "retail.backend", "read", [backend], ["import_checkpoint"]
        )
        assert record["import_checkpoint"] >= _odoo_datetime(started), record

        actual = _sale_orders(server, backend)
        missing, duplicated, stale, unknown = _mismatches(expected, actual)
        assert not missing, f"{len(missing)} store orders never imported: {missing}"
        assert not duplicated, f"store orders with several sale orders: {duplicated}"
        assert not stale, f"{len(stale)} not in their latest state: {stale[:5]}"
        assert not unknown, f"sale orders of no store order: {unknown}"
        assert sum(len(orders) for orders in actual.values()) == len(expected)
        failed = server.rpc(
            "retail.exchange",
            "search_read",
            [
                ("backend_id", "=", backend),
                ("direction", "=", "inbound"),
                ("state", "=", "failed"),
            ],
            fields=["topic", "external_id", "error"],
        )
        assert not failed, failed[:5]
        jobs = job_states(server)
        assert not jobs.get("started") and not jobs.get("failed"), jobs

        # Polling again finds every order already in its latest state.
        polled = _poll_exchanges(server, backend)
        again = _run_reconciliation(server, cron_id, backend, settle)
        _wait_settled(server, store, backend, settle)
        assert _poll_exchanges(server, backend) == polled, again
        assert _sale_orders(server, backend) == actual

        summary = store.deliverer.summary()
        order_drops = sum(
            1
            for attempt in store.deliverer.attempts()
            if attempt.dropped and str(attempt.meta.get("topic")).startswith("order.")
        )
        print(
            f"\ndropped webhooks: {summary['dropped']} of {summary['submitted']} "
            f"deliveries dropped ({order_drops} order events), "
            f"{summary['duplicated']} sent twice; {len(expected)} orders, "
            f"{changes} status changes: {len(expected) - len(missing_before)} "
            f"came by webhook ({len(stale_before)} of them left stale), "
            f"{len(missing_before)} by reconciliation, which stored {polled} "
            f"exchanges ({result})"
        )
    finally:
        sandbox.shutdown()
