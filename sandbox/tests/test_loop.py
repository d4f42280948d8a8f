"""The Loop returns platform sandbox, over real loopback HTTP."""

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time

import pytest

from sandbox.common import FaultConfig, Faults, request_json
from sandbox.loop import (
    DEFAULT_API_KEY,
    DEFAULT_WEBHOOK_SECRET,
    LoopPlatform,
    payload_bytes,
    serve_loop,
)

from .receiver import Receiver as BaseReceiver

KEY = {"X-Authorization": DEFAULT_API_KEY}

ORDER = {
    "id": 1042,
    "name": "#1042",
    "number": "1042",
    "currency": "EUR",
    "customer": {"email": "jo@example.com", "first_name": "Jo", "last_name": "Doe"},
    "line_items": [
        {
            "id": 77,
            "sku": "TEE-M",
            "price": "50",
            "tax": "10.5",
            "product_id": 12,
            "variant_id": 13,
            "title": "Tee 1/2 sleeve, café",
            "quantity": 2,
        },
        {
            "id": 78,
            "sku": "CAP",
            "price": "19.90",
            "tax": "4.18",
            "product_id": 20,
            "variant_id": 20,
            "title": "Cap",
            "quantity": 1,
        },
    ],
}
UNITS = [
    (77, "Too small", "refund"),
    (77, "Too small", "exchange", 14),
    (78, "Damaged", "refund"),
]


class Receiver(BaseReceiver):
    """The shared receiver, at a Loop-like path."""

    def __init__(self, answers=((200, {}),)):
        super().__init__(answers, path="/loop/hook")

    def payloads(self, trigger=None):
        return [b for b in self.bodies() if trigger is None or b["trigger"] == trigger]


@pytest.fixture
def receiver():
    instance = Receiver()
    yield instance
    instance.close()


def start(**options):
    options.setdefault("seed", 3)
    options.setdefault("retry_scale", 0.001)
    # Loop delivers concurrently; one worker keeps the order for assertions.
    options.setdefault("delivery_workers", 1)
    return serve_loop(LoopPlatform(**options))


@pytest.fixture
def loop():
    server = start()
    yield server
    server.shutdown()


def api(server, method, path, payload=None, *, headers=KEY):
    return request_json(method, f"{server.url}/api/v1{path}", payload, headers=headers)


def control(server, method, path, payload=None):
    return request_json(method, f"{server.url}/_sandbox{path}", payload)


def subscribe(server, url, *triggers):
    ids = []
    for trigger in triggers:
        topic = trigger.rsplit(".", 1)[0]
        status, body = api(
            server,
            "POST",
            "/webhooks",
            {"topic": topic, "trigger": trigger, "url": url, "status": "active"},
        )
        assert status == 201, body
        ids.append(body["id"])
    return ids


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def signature(body: bytes, secret=DEFAULT_WEBHOOK_SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_api_needs_the_key_in_x_authorization(loop):
    assert api(loop, "GET", "/webhooks", headers={}) == (
        401,
        {"message": "Unauthenticated."},
    )
    assert api(loop, "GET", "/webhooks", headers={"X-Authorization": "nope"})[0] == 401
    bearer = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    assert api(loop, "GET", "/webhooks", headers=bearer)[0] == 401
    assert api(loop, "GET", "/webhooks") == (200, [])
    assert api(loop, "GET", "/warehouse/return/1/details", headers={})[0] == 401
    assert api(loop, "GET", "/warehouse/return/1/details")[0] == 404


def test_one_subscription_per_topic_and_trigger(loop, receiver):
    first, second = subscribe(loop, receiver.url, "return.created", "label.updated")
    assert first != second
    status, body = api(
        loop,
        "POST",
        "/webhooks",
        {"topic": "return", "trigger": "return.created", "url": receiver.url + "2"},
    )
    assert status == 200 and body["id"] == first
    assert body["url"] == receiver.url + "2" and body["status"] == "active"
    status, listed = api(loop, "GET", "/webhooks")
    assert status == 200 and [s["id"] for s in listed] == [first, second]
    for bad in (
        {"topic": "return", "trigger": "label.created"},
        {"topic": "order", "trigger": "order.created"},
        {"topic": "label", "trigger": "label.request.issued"},
        {"topic": "return", "trigger": "return.created", "status": "paused"},
        {"topic": "return", "trigger": "return.created", "url": "ftp://x"},
    ):
        payload = {"url": receiver.url, "status": "active", **bad}
        status, body = api(loop, "POST", "/webhooks", payload)
        assert status == 422, (bad, body)
        assert body["message"] and body["errors"]
    for topic, trigger in (
        ("label.request", "label.request.issued"),
        ("label.request", "label.request.cancelled"),
        ("restock", "restock.requested"),
        ("giftcard", "giftcard.requested"),
    ):
        payload = {"topic": topic, "trigger": trigger, "url": receiver.url}
        assert api(loop, "POST", "/webhooks", payload)[0] == 201
    assert api(loop, "DELETE", f"/webhooks/{second}") == (200, listed[1])
    assert api(loop, "DELETE", f"/webhooks/{second}")[0] == 404
    strict = start(duplicate_subscription="refuse")
    try:
        subscribe(strict, receiver.url, "return.created")
        payload = {"topic": "return", "trigger": "return.created", "url": receiver.url}
        assert api(strict, "POST", "/webhooks", payload)[0] == 422
    finally:
        strict.shutdown()


def test_return_delivered_signed_over_raw_bytes(loop, receiver):
    subscribe(loop, receiver.url, "return.created")
    created = loop.app.create_return(ORDER, UNITS)
    assert wait_until(lambda: len(receiver.requests) == 1)
    request = receiver.requests[0]
    raw, headers = request["body"], request["headers"]
    assert hmac.compare_digest(headers["X-Loop-Signature"], signature(raw))
    assert headers["Content-Type"] == "application/json"
    assert not [h for h in headers if "id" in h.lower() and h.startswith("X-")]
    assert b"\\/" in raw and b"1/2" not in raw and b"\\u00e9" in raw
    assert raw.startswith(b'{"topic":"return","trigger":"return.created","id":')
    payload = json.loads(raw)
    assert payload_bytes(payload) == raw
    assert payload["topic"] == "return" and payload["trigger"] == "return.created"
    assert {k: v for k, v in payload.items() if k not in ("topic", "trigger")} == (
        created
    )
    assert payload["state"] == "open"
    assert payload["provider_order_id"] == "1042"
    assert payload["customer"] == "jo@example.com"
    assert payload["customer_detail"] == {
        "email": "jo@example.com",
        "first_name": "Jo",
        "last_name": "Doe",
    }
    lines = payload["line_items"]
    assert len(lines) == 3
    assert [li["provider_line_item_id"] for li in lines] == ["77", "77", "78"]
    assert all("quantity" not in li for li in lines)
    assert len({li["line_item_id"] for li in lines}) == 3
    assert [li["price"] for li in lines] == ["50.00", "50.00", "19.90"]
    assert [li["tax"] for li in lines] == ["10.50", "10.50", "4.18"]
    assert [li["refund"] for li in lines] == ["60.50", "0.00", "24.08"]
    assert lines[1]["exchange_variant"] == 14
    assert (
        lines[0]["returned_at"].count(":") == 2 and "T" not in lines[0]["returned_at"]
    )
    assert payload["return_product_total"] == "119.90"
    assert payload["return_tax_total"] == "25.18"
    assert payload["return_total"] == "145.08"
    assert payload["exchange_total"] == "60.50"
    assert payload["refund"] == "84.58"
    assert payload["total"] == "84.58"
    assert payload["exchanges"][0]["variant_id"] == 14
    assert payload["labels"] == [] and payload["refunds"] == []
    status, details = api(loop, "GET", f"/warehouse/return/{created['id']}/details")
    assert (status, details) == (200, created)
    needs_review = loop.app.create_return(ORDER, UNITS[:1], state="needs review")
    assert needs_review["state"] == "needs review"
    with pytest.raises(ValueError):
        loop.app.create_return(ORDER, [(78, "x", "refund"), (78, "y", "refund")])
    with pytest.raises(ValueError):
        loop.app.create_return(ORDER, [(99, "x", "refund")])


def test_label_progress_events(loop, receiver):
    subscribe(loop, receiver.url, "label.created", "label.updated")
    status, created = control(
        loop,
        "POST",
        "/returns",
        {"order": ORDER, "units": [[77, "Too small", "refund"]], "label": True},
    )
    assert status == 201 and created["labels"][0]["status"] == "pre_transit"
    return_id = created["id"]
    for _ in range(3):
        assert control(loop, "POST", f"/returns/{return_id}/label")[0] == 200
    assert control(loop, "POST", f"/returns/{return_id}/label")[0] == 400
    assert wait_until(lambda: len(receiver.requests) == 4)
    events = receiver.payloads()
    assert [(e["trigger"], e["label_status"]) for e in events] == [
        ("label.created", "pre_transit"),
        ("label.updated", "in_transit"),
        ("label.updated", "out_for_delivery"),
        ("label.updated", "delivered"),
    ]
    first = events[0]
    assert first["topic"] == "label" and first["return_id"] == return_id
    assert first["provider_order_id"] == "1042" and first["tracking_number"]
    assert set(first) == {
        "topic",
        "trigger",
        "shop_id",
        "return_id",
        "order_id",
        "provider_order_id",
        "carrier",
        "tracking_number",
        "label_status",
        "label_updated_at",
    }
    assert loop.app.return_payload(return_id)["labels"][0]["status"] == "delivered"
    assert (
        control(loop, "POST", f"/returns/{return_id}/label", {"status": "x"})[0] == 400
    )


def test_label_timer_and_auto_process(receiver):
    server = start(label_step_delay=0.05, auto_process=True)
    try:
        subscribe(server, receiver.url, "label.updated", "return.closed")
        created = server.app.create_return(ORDER, UNITS, label=True)
        assert wait_until(lambda: receiver.payloads("return.closed"), timeout=5)
        closed = receiver.payloads("return.closed")[0]
        assert closed["id"] == created["id"] and closed["state"] == "closed"
        assert closed["refunds"][0]["amount"] == "84.58"
        statuses = [e["label_status"] for e in receiver.payloads("label.updated")]
        assert statuses == ["in_transit", "out_for_delivery", "delivered"]
    finally:
        server.shutdown()


def test_close_with_refunds_and_process(loop, receiver):
    subscribe(loop, receiver.url, "return.closed", "restock.requested")
    first = loop.app.create_return(ORDER, UNITS)
    refunds = [{"gateway": "stripe", "amount": 84.58, "provider_refund_id": "re_9"}]
    path = f"/warehouse/return/{first['id']}/close"
    status, closed = api(loop, "POST", path, {"refunds": refunds})
    assert status == 200 and closed["state"] == "closed"
    assert closed["refunds"] == [
        {
            "gateway": "stripe",
            "amount": "84.58",
            "currency": "EUR",
            "provider_refund_id": "re_9",
        }
    ]
    assert api(loop, "POST", path, {})[0] == 422
    second = loop.app.create_return(ORDER, UNITS)
    status, processed = api(
        loop,
        "POST",
        f"/warehouse/return/{second['id']}/process",
        {"location_id": 5},
    )
    assert status == 200 and processed["state"] == "closed"
    assert processed["refunds"][0]["amount"] == "84.58"
    assert wait_until(lambda: len(receiver.requests) == 3)
    restock = receiver.payloads("restock.requested")[0]
    assert restock["return_id"] == second["id"]
    assert sorted(restock["restock_items"], key=lambda i: i["variant_id"]) == [
        {"location_id": 5, "variant_id": 13, "available_adjustment": "2"},
        {"location_id": 5, "variant_id": 20, "available_adjustment": "1"},
    ]
    assert [e["id"] for e in receiver.payloads("return.closed")] == [
        first["id"],
        second["id"],
    ]
    third = loop.app.create_return(ORDER, UNITS[:1])
    status, cancelled = api(loop, "POST", f"/warehouse/return/{third['id']}/cancel")
    assert status == 200 and cancelled["state"] == "cancelled"
    status, listed = api(loop, "GET", "/warehouse/return/list?state=closed")
    assert [r["id"] for r in listed] == [first["id"], second["id"]]


def test_control_endpoints_update_and_restock(loop, receiver):
    subscribe(loop, receiver.url, "return.updated", "restock.requested")
    created = loop.app.create_return(ORDER, UNITS)
    return_id, line = created["id"], created["line_items"][1]["line_item_id"]
    time.sleep(1.05)
    status, updated = control(
        loop,
        "POST",
        f"/returns/{return_id}/update",
        {"outcomes": {str(line): "refund"}, "handling_fee": "5"},
    )
    assert status == 200 and updated["edited_at"] > created["edited_at"]
    assert updated["refund"] == "140.08" and updated["handling_fee"] == "5.00"
    status, restock = control(
        loop, "POST", f"/returns/{return_id}/restock", {"location_id": "WH1"}
    )
    assert status == 200
    assert {i["available_adjustment"] for i in restock["restock_items"]} == {"2", "1"}
    assert control(loop, "POST", f"/returns/{return_id}/cancel")[0] == 200
    assert control(loop, "POST", f"/returns/{return_id}/close")[0] == 422
    assert control(loop, "POST", "/returns/999/close")[0] == 404
    assert wait_until(lambda: len(receiver.requests) == 3)
    updates = receiver.payloads("return.updated")
    assert [u["state"] for u in updates] == ["open", "cancelled"]
    status, events = control(loop, "GET", "/events")
    assert [e["trigger"] for e in events] == [
        "return.created",
        "return.updated",
        "restock.requested",
        "return.updated",
    ]


def test_retries_back_off_and_honour_retry_after():
    receiver = Receiver(
        [
            (503, {}),
            (500, {}),
            (429, {"Retry-After": "300"}),
            (429, {"Retry-After": "7200"}),
            (200, {}),
        ]
    )
    server = start(retry_scale=0.001)
    try:
        subscribe(server, receiver.url, "return.created")
        server.app.create_return(ORDER, UNITS)
        assert wait_until(lambda: len(receiver.requests) == 5, timeout=10)
        times = [r["at"] for r in receiver.requests]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        # 30 s and 60 s with +/-20 % jitter, then Retry-After 300 s, then
        # Retry-After 7200 s capped at 30 minutes; all times 0.001.
        # The upper bounds leave a loaded machine a second of slack; the
        # waits themselves are checked exactly below.
        assert 0.024 <= gaps[0] < 0.036 + 1.0
        assert 0.048 <= gaps[1] < 0.072 + 1.0
        assert 0.3 <= gaps[2] < 0.3 + 1.0
        assert 1.8 <= gaps[3] < 1.8 + 1.0
        waits = server.app.deliverer.waits
        assert 0.024 <= waits[0] <= 0.036 and 0.048 <= waits[1] <= 0.072
        assert waits[0] != 0.03 and waits[2:] == [0.3, 1.8]
        bodies = {r["body"] for r in receiver.requests}
        assert len(bodies) == 1
        # The sandbox records an attempt once it has the answer: a moment
        # after the receiver saw the request.
        assert server.app.wait_idle(timeout=10)
        attempts = server.app.deliveries
        assert [a["attempt"] for a in attempts] == [1, 2, 3, 4, 5]
        assert [a["status"] for a in attempts] == [503, 500, 429, 429, 200]
        assert attempts[-1]["ok"] and attempts[0]["meta"]["trigger"] == "return.created"
    finally:
        server.shutdown()
        receiver.close()


def test_six_attempts_then_give_up():
    receiver = Receiver([(500, {})])
    server = start(retry_scale=0.0005)
    try:
        subscribe(server, receiver.url, "return.created")
        server.app.create_return(ORDER, UNITS)
        assert server.app.wait_idle(timeout=10)
        time.sleep(0.3)
        assert len(receiver.requests) == 6
        status, attempts = control(server, "GET", "/deliveries")
        assert [a["attempt"] for a in attempts] == [1, 2, 3, 4, 5, 6]
        assert not any(a["ok"] for a in attempts)
        assert server.app.subscriptions[1]["status"] == "active"
    finally:
        server.shutdown()
        receiver.close()


def test_subscription_deactivated_after_more_than_ten_failures():
    receiver = Receiver([(502, {})])
    server = start(retry_scale=0.0001, delivery_workers=1)
    try:
        (subscription_id,) = subscribe(server, receiver.url, "return.created")
        server.app.create_return(ORDER, UNITS)
        server.app.create_return(ORDER, UNITS)
        assert server.app.wait_idle(timeout=10)
        # 6 failed attempts, then 5 more: the 11th in a row deactivates it.
        assert len(receiver.requests) == 11
        status, listed = api(server, "GET", "/webhooks")
        assert listed[0]["id"] == subscription_id
        assert listed[0]["status"] == "inactive"
        server.app.create_return(ORDER, UNITS)
        assert server.app.wait_idle(timeout=5)
        assert len(receiver.requests) == 11
        receiver.answers = [(200, {})]
        path = f"/subscriptions/{subscription_id}"
        assert control(server, "POST", path, {"status": "active"})[0] == 200
        server.app.create_return(ORDER, UNITS)
        assert wait_until(lambda: len(receiver.requests) == 12)
    finally:
        server.shutdown()
        receiver.close()


def test_duplicated_deliveries_are_byte_exact(receiver):
    server = start(faults=Faults(FaultConfig(duplicate_rate=1.0, seed=1)))
    try:
        subscribe(server, receiver.url, "return.created")
        server.app.create_return(ORDER, UNITS)
        assert wait_until(lambda: len(receiver.requests) == 2)
        first, second = receiver.requests
        assert first["body"] == second["body"]
        assert (
            first["headers"]["X-Loop-Signature"]
            == (second["headers"]["X-Loop-Signature"])
        )
        assert {a["copy"] for a in server.app.deliveries} == {0, 1}
    finally:
        server.shutdown()


def test_out_of_order_bad_signature_and_dropped_deliveries(receiver):
    server = start(faults=Faults(FaultConfig(reorder=5, seed=2)))
    try:
        subscribe(server, receiver.url, "return.created")
        ids = [server.app.create_return(ORDER, UNITS[:1])["id"] for _ in range(5)]
        assert wait_until(lambda: len(receiver.requests) == 5)
        received = [p["id"] for p in receiver.payloads()]
        assert sorted(received) == ids and received != ids
        server.app.faults.configure(reorder=0, bad_signature_rate=1.0)
        server.app.create_return(ORDER, UNITS[:1])
        assert wait_until(lambda: len(receiver.requests) == 6)
        last = receiver.requests[-1]
        assert last["headers"]["X-Loop-Signature"] != signature(last["body"])
        server.app.faults.configure(bad_signature_rate=0.0, drop_rate=1.0)
        server.app.create_return(ORDER, UNITS[:1])
        assert server.app.wait_idle()
        assert len(receiver.requests) == 6
        assert server.app.deliveries[-1]["dropped"]
    finally:
        server.shutdown()


def test_api_faults_spare_the_control_endpoints():
    server = start(faults=Faults(FaultConfig(rate_limit_rate=1.0, retry_after=3)))
    try:
        response_status, body = api(server, "GET", "/webhooks")
        assert (response_status, body) == (429, {"message": "Too Many Attempts."})
        assert control(server, "GET", "/returns") == (200, [])
        control(server, "POST", "/faults", {"rate_limit_rate": 0, "error_rate": 1})
        assert api(server, "GET", "/webhooks")[0] == 503
    finally:
        server.shutdown()


def test_returns_of_a_woocommerce_store():
    from sandbox.woocommerce import (
        DEFAULT_CONSUMER_KEY,
        DEFAULT_CONSUMER_SECRET,
        WooStore,
        serve_store,
    )

    store = WooStore(assume_https=True, seed=5)
    store.seed_catalog()
    shop = serve_store(store)
    server = start()
    try:
        orders = [store.checkout() for _ in range(3)]
        for order in orders:
            store.update_order(order["id"], {"status": "completed"})
        app = server.app
        fetched = app.fetch_store_orders(
            shop.url, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET
        )
        assert sorted(o["id"] for o in fetched) == sorted(o["id"] for o in orders)
        app.start_return_flow(
            shop.url,
            1200,
            consumer_key=DEFAULT_CONSUMER_KEY,
            consumer_secret=DEFAULT_CONSUMER_SECRET,
            count=2,
        )
        assert wait_until(lambda: len(app.returns) == 2, timeout=10)
        for record in app.returns.values():
            order = store.orders[int(record["provider_order_id"])]
            line_ids = {str(li["id"]) for li in order["line_items"]}
            assert {u["provider_line_item_id"] for u in record["line_items"]} <= (
                line_ids
            )
            assert record["labels"]
    finally:
        server.shutdown()
        shop.shutdown()


def test_command_line_prints_ready_and_stops():
    process = subprocess.run(
        [sys.executable, "-m", "sandbox", "loop", "--duration", "0.5"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert process.returncode == 0, process.stderr
    ready = json.loads(process.stdout.splitlines()[0])
    assert ready["event"] == "ready" and ready["api_key"] == DEFAULT_API_KEY
    assert ready["api_url"].endswith("/api/v1")
    bad = subprocess.run(
        [sys.executable, "-m", "sandbox", "loop", "--returns-per-minute", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "store-url" in bad.stderr
