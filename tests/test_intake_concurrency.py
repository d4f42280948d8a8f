"""Concurrent deliveries against a real server: prefork workers, the queue_job
runner and PostgreSQL commits. One channel order is one sale order, whatever
the concurrency, duplication or ordering of its events."""

import json
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

from sandbox.generic import sign

SECRET = "server-test-secret"


def _setup_connection(server, label):
    """A generic connection with its own SKU, tax and mapping, over RPC."""
    suffix = uuid.uuid4().hex[:6]
    tax = server.rpc(
        "account.tax",
        "create",
        {
            "name": f"Srv 21% {suffix}",
            "amount": 21.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_excluded",
        },
    )
    sku = f"SRV-{label}-{suffix}".upper()
    product = server.rpc(
        "product.product",
        "create",
        {"name": f"Server desk {suffix}", "default_code": sku, "is_storable": True},
    )
    backend = server.rpc(
        "retail.backend",
        "create",
        {"name": f"Server channel {label} {suffix}", "webhook_secret": SECRET},
    )
    server.rpc(
        "retail.tax.mapping",
        "create",
        {"rate": 21.0, "tax_id": tax, "backend_id": backend},
    )
    server.rpc("retail.backend", "action_activate", [backend])
    (record,) = server.rpc("retail.backend", "read", [backend], ["webhook_url"])
    path = urlsplit(record["webhook_url"]).path
    return backend, product, sku, f"{server.url}{path}"


def _event(sku, external_id, *, quantity=1, updated_at, topic="order.created"):
    untaxed = quantity * 100
    return {
        "id": f"evt-{uuid.uuid4()}",
        "topic": topic,
        "occurred_at": updated_at,
        "data": {
            "external_id": external_id,
            "name": f"SRV-{external_id}",
            "status": "cancelled" if topic == "order.cancelled" else "pending",
            "currency": "USD",
            "updated_at": updated_at,
            "customer": {"email": "server@example.com", "name": "Server Buyer"},
            "lines": [
                {
                    "external_id": "l1",
                    "sku": sku,
                    "name": "Desk",
                    "quantity": str(quantity),
                    "unit_price": "100.00",
                    "tax_rate": "21",
                }
            ],
            "total": f"{untaxed * 1.21:.2f}",
        },
    }


def _post(url, body):
    signature = sign(SECRET, body, int(time.time()))
    reply = requests.post(
        url,
        data=body,
        headers={"Content-Type": "application/json", "X-Retail-Signature": signature},
        timeout=60,
    )
    return reply.status_code, reply.json()


def _orders(server, backend, external_id):
    return server.rpc(
        "sale.order",
        "search_read",
        [
            ("retail_backend_id", "=", backend),
            ("retail_external_id", "=", external_id),
        ],
        fields=["state", "amount_untaxed"],
    )


def _settled(server, backend):
    open_count = server.rpc(
        "retail.exchange",
        "search_count",
        [("backend_id", "=", backend), ("state", "in", ["received", "queued"])],
    )
    return open_count == 0


def test_twenty_parallel_deliveries_of_one_event(odoo_server):
    backend, _product, sku, url = _setup_connection(odoo_server, "par")
    body = json.dumps(
        _event(sku, "P-1", updated_at="2026-11-25T10:00:00Z"), separators=(",", ":")
    ).encode()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _i: _post(url, body), range(20)))
    assert all(status == 200 for status, _reply in answers), answers
    outcomes = sorted(reply["status"] for _status, reply in answers)
    assert outcomes == ["accepted"] + ["duplicate"] * 19
    odoo_server.wait_until(
        lambda: _settled(odoo_server, backend), timeout=120, message="job not run"
    )
    exchanges = odoo_server.rpc(
        "retail.exchange",
        "search_read",
        [("backend_id", "=", backend)],
        fields=["state", "error"],
    )
    assert len(exchanges) == 1
    assert exchanges[0]["state"] == "done", exchanges[0]["error"]
    assert len(_orders(odoo_server, backend, "P-1")) == 1


def test_shuffled_concurrent_events_converge_to_latest_state(odoo_server):
    """Three orders, five versions each, every event delivered twice, shuffled."""
    backend, _product, sku, url = _setup_connection(odoo_server, "mix")
    bodies = []
    for index in range(3):
        external_id = f"M-{index}"
        for version in range(1, 6):
            event = _event(
                sku,
                external_id,
                quantity=version,
                updated_at=f"2026-11-25T10:0{version}:00Z",
                topic="order.created" if version == 1 else "order.updated",
            )
            body = json.dumps(event, separators=(",", ":")).encode()
            bodies += [body, body]
    random.Random(7).shuffle(bodies)
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda body: _post(url, body), bodies))
    assert all(status == 200 for status, _reply in answers)
    assert sum(reply["status"] == "accepted" for _s, reply in answers) == 15
    odoo_server.wait_until(
        lambda: _settled(odoo_server, backend), timeout=180, message="jobs not run"
    )
    failed = odoo_server.rpc(
        "retail.exchange",
        "search_read",
        [("backend_id", "=", backend), ("state", "=", "failed")],
        fields=["error"],
    )
    assert not failed, failed
    for index in range(3):
        orders = _orders(odoo_server, backend, f"M-{index}")
        assert len(orders) == 1
        assert orders[0]["amount_untaxed"] == 500.0, "latest version (quantity 5)"
