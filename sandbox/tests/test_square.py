"""The Square merchant sandbox, over real loopback HTTP."""

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time

import pytest

from sandbox.common import FaultConfig, Faults, request_json
from sandbox.square import (
    DEFAULT_ACCESS_TOKEN,
    TEST_BODY,
    TEST_NOTIFICATION_URL,
    TEST_SIGNATURE,
    TEST_SIGNATURE_KEY,
    OrderError,
    SquareMerchant,
    retry_waits,
    serve_square,
    signature,
)

from .receiver import Receiver as BaseReceiver

AUTH = {"Authorization": f"Bearer {DEFAULT_ACCESS_TOKEN}"}
PARIS, BERLIN, NEW_YORK = "LPARIS7Q2M3XA", "LBERLN4K8W1ZC", "LNYSOH9T5R6PD"
START = 1_790_000_000.0  # 2026-09-21T14:13:20Z
SUMMARY_KEYS = {
    "order_id",
    "version",
    "location_id",
    "state",
    "created_at",
    "updated_at",
}


class Clock:
    """A clock the test moves on."""

    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now


class Receiver(BaseReceiver):
    """The shared receiver; Square spells its headers in lower case."""

    def __init__(self, answers=(200,)):
        super().__init__(answers, path="/square/hook?x=1", lower_headers=True)

    def events(self, kind=None):
        return [b for b in self.bodies() if kind is None or b["type"] == kind]


@pytest.fixture
def receiver():
    instance = Receiver()
    yield instance
    instance.close()


def start(**options):
    options.setdefault("seed", 7)
    options.setdefault("retry_scale", 0.001)
    # Deliveries are concurrent; one worker keeps the order for assertions.
    options.setdefault("delivery_workers", 1)
    return serve_square(SquareMerchant(**options))


@pytest.fixture
def square():
    server = start()
    yield server
    server.shutdown()


def api(server, method, path, payload=None, *, headers=AUTH):
    return request_json(method, f"{server.url}/v2{path}", payload, headers=headers)


def subscribe(server, url, *types):
    status, body = api(
        server,
        "POST",
        "/webhooks/subscriptions",
        {
            "idempotency_key": f"sub-{url}-{types}",
            "subscription": {
                "name": "connector",
                "event_types": list(types),
                "notification_url": url,
            },
        },
    )
    assert status == 200, body
    return body["subscription"]


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def expected_signature(key, url, body):
    digest = hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def line_uid(order, sku_or_name):
    return next(
        line["uid"]
        for line in order["line_items"]
        if sku_or_name in (line["name"], line.get("catalog_object_id"))
    )


def test_signature_helper_matches_the_square_sdk_test_vector():
    assert TEST_SIGNATURE == "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="
    assert signature(TEST_SIGNATURE_KEY, TEST_NOTIFICATION_URL, TEST_BODY) == (
        TEST_SIGNATURE
    )
    # The URL is part of the signed message: another URL, another signature.
    other = signature(TEST_SIGNATURE_KEY, TEST_NOTIFICATION_URL + "/", TEST_BODY)
    assert other != TEST_SIGNATURE


def test_bearer_token_errors_and_injected_rate_limit(square):
    status, body = api(square, "GET", "/locations", headers={})
    assert status == 401
    assert body["errors"][0]["code"] == "UNAUTHORIZED"
    assert body["errors"][0]["category"] == "AUTHENTICATION_ERROR"
    wrong = {"Authorization": "Bearer nope"}
    assert api(square, "GET", "/locations", headers=wrong)[0] == 401
    status, body = api(square, "GET", "/locations")
    assert status == 200
    stores = {loc["id"]: loc for loc in body["locations"]}
    assert stores[PARIS]["timezone"] == "Europe/Paris"
    assert stores[NEW_YORK]["currency"] == "USD"
    assert {loc["status"] for loc in stores.values()} == {"ACTIVE"}
    assert stores[BERLIN]["address"]["locality"] == "Berlin"
    status, body = api(square, "GET", "/orders/nope")
    assert status == 404 and body["errors"][0]["code"] == "NOT_FOUND"
    request_json("POST", f"{square.url}/_sandbox/faults", {"rate_limit_rate": 1.0})
    response_status, body = api(square, "GET", "/locations")
    assert response_status == 429
    assert body == {
        "errors": [
            {
                "category": "RATE_LIMIT_ERROR",
                "code": "RATE_LIMITED",
                "detail": "Rate limit exceeded.",
            }
        ]
    }
    from sandbox.common import http_request

    raw = http_request("GET", f"{square.url}/v2/locations", headers=AUTH)
    assert raw.status == 429 and "retry-after" not in raw.headers


def test_pos_sale_fires_only_payment_events_signed_over_url_and_body(square, receiver):
    app = square.app
    sub = subscribe(
        square,
        receiver.url,
        "order.created",
        "order.updated",
        "payment.created",
        "payment.updated",
    )
    key = sub["signature_key"]
    sale = app.pos_sale(
        PARIS, [("TEE-LIN-M", 2, None), ("TEA-SEN-KG", "1.7", None)], tender="CARD"
    )
    assert app.wait_idle() and wait_until(lambda: len(receiver.requests) >= 2)
    time.sleep(0.1)
    assert [e["type"] for e in receiver.events()] == [
        "payment.created",
        "payment.updated",
    ]
    created, updated = receiver.events()
    assert created["data"]["object"]["payment"]["status"] == "APPROVED"
    payment = updated["data"]["object"]["payment"]
    assert payment["status"] == "COMPLETED"
    assert payment["application_details"]["square_product"] == "SQUARE_POS"
    assert payment["order_id"] == sale["order"]["id"]
    assert updated["merchant_id"] and updated["location_id"] == PARIS
    assert updated["data"] == {
        "type": "payment",
        "id": payment["id"],
        "object": {"payment": payment},
    }
    assert created["event_id"] != updated["event_id"]
    for request in receiver.requests:
        headers = request["headers"]
        assert headers["x-square-hmacsha256-signature"] == expected_signature(
            key, receiver.url, request["body"]
        )
        assert headers["square-environment"] == "Sandbox"
        assert headers["square-retry-number"] == "0"
        assert headers["square-initial-delivery-timestamp"].endswith("Z")
    # The connector fetches the order the payment points to.
    status, body = api(square, "GET", f"/orders/{payment['order_id']}")
    order = body["order"]
    assert status == 200 and order["state"] == "COMPLETED" and "version" not in order
    tea = next(line for line in order["line_items"] if "Tea" in line["name"])
    assert tea["quantity"] == "1.70000"
    assert tea["base_price_money"] == {"amount": 6000, "currency": "EUR"}
    assert tea["total_money"]["amount"] == 10200
    assert order["total_money"]["amount"] == 7000 + 10200
    # VAT is included in Paris: 20 / 120 of each line.
    assert order["total_tax_money"]["amount"] == 1167 + 1700
    assert order["tenders"][0]["payment_id"] == payment["id"]
    assert order["net_amounts"]["total_money"] == order["total_money"]


def test_online_order_events_are_summaries_and_a_draft_comes_first(square, receiver):
    app = square.app
    subscribe(square, receiver.url, "order.created", "order.updated")
    order = app.online_order(NEW_YORK, [("NB-DOT", 3, None)], customer_id="C1")
    app.complete_order(order["id"])
    assert app.wait_idle() and wait_until(lambda: len(receiver.requests) >= 3)
    events = receiver.events()
    assert [e["type"] for e in events] == [
        "order.created",
        "order.updated",
        "order.updated",
    ]
    summaries = [e["data"]["object"][e["data"]["type"]] for e in events]
    assert events[0]["data"]["type"] == "order_created"
    assert all(set(s) == SUMMARY_KEYS for s in summaries)
    assert [(s["state"], s["version"]) for s in summaries] == [
        ("DRAFT", 1),
        ("OPEN", 2),
        ("COMPLETED", 3),
    ]
    assert {s["order_id"] for s in summaries} == {order["id"]}
    status, body = api(
        square, "POST", "/orders/batch-retrieve", {"order_ids": [order["id"], "x"]}
    )
    assert status == 200 and [o["id"] for o in body["orders"]] == [order["id"]]
    fetched = body["orders"][0]
    assert fetched["state"] == "COMPLETED" and fetched["version"] == 3
    # New York adds its sales tax on top: 3 x 10.00 + 8.875 %.
    assert fetched["total_money"] == {"amount": 3266, "currency": "USD"}
    payment = app.get_payment(fetched["tenders"][0]["payment_id"])
    assert payment["application_details"]["square_product"] == "ONLINE_STORE"
    direct = app.online_order(PARIS, [("CUP-ESP", 1, None)], draft_first=False)
    assert direct["state"] == "OPEN"


def test_till_return_is_a_new_order_pointing_to_its_source(square, receiver):
    app = square.app
    subscribe(square, receiver.url, "refund.created", "refund.updated")
    sale = app.pos_sale(BERLIN, [("TEE-LIN-S", 3, None), ("CUP-ESP", 1, None)])
    source = sale["order"]
    tee = line_uid(source, "Linen Tee")
    result = app.till_return(source["id"], [(tee, 2)])
    ret = result["order"]
    assert ret["id"] != source["id"] and ret["state"] == "COMPLETED"
    assert ret["returns"][0]["source_order_id"] == source["id"]
    line = ret["returns"][0]["return_line_items"][0]
    assert line["source_line_item_uid"] == tee and line["quantity"] == "2"
    assert line["total_money"] == {"amount": 7000, "currency": "EUR"}
    assert ret["return_amounts"]["total_money"]["amount"] == 7000
    assert ret["net_amounts"]["total_money"]["amount"] == -7000
    refund = result["refund"]
    assert refund["payment_id"] == sale["payment"]["id"]
    assert refund["order_id"] == ret["id"]
    assert refund["amount_money"]["amount"] == 7000
    status, body = api(square, "GET", f"/refunds/{refund['id']}")
    assert status == 200 and body["refund"]["status"] == "COMPLETED"
    assert app.wait_idle() and wait_until(lambda: len(receiver.requests) >= 2)
    assert [e["type"] for e in receiver.events()] == [
        "refund.created",
        "refund.updated",
    ]
    assert receiver.events()[0]["data"]["object"]["refund"]["status"] == "PENDING"
    # The last unit takes exactly what is left; no more can come back.
    app.till_return(source["id"], [(tee, 1)])
    with pytest.raises(OrderError):
        app.till_return(source["id"], [(tee, 1)])
    payment = app.get_payment(sale["payment"]["id"])
    assert (
        payment["refunded_money"]["amount"] == 10500 and len(payment["refund_ids"]) == 2
    )


def test_offline_sales_are_uploaded_later_with_the_device_time(receiver):
    clock = Clock()
    server = start(clock=clock)
    try:
        app = server.app
        subscribe(server, receiver.url, "payment.created", "payment.updated")
        app.go_offline(BERLIN)
        pending = app.pos_sale(BERLIN, [("NB-PLN", 1, None)], tender="CARD")
        assert pending["offline"] is True
        assert api(server, "GET", "/payments")[1] == {}
        clock.now += 3 * 3600
        uploaded = app.come_online(BERLIN)
        payment = uploaded[0]["payment"]
        assert (
            payment["is_offline_payment"] is True and payment["status"] == "COMPLETED"
        )
        client = payment["offline_payment_details"]["client_created_at"]
        assert client == pending["client_created_at"]
        assert payment["created_at"] > client
        assert payment["created_at"].startswith("2026-09-21T17:13:20")
        status, body = api(
            server,
            "GET",
            "/payments?is_offline_payment=true&offline_begin_time=2026-09-21T14:00:00Z"
            "&offline_end_time=2026-09-21T15:00:00Z",
        )
        assert status == 200 and [p["id"] for p in body["payments"]] == [payment["id"]]
        assert api(server, "GET", "/payments?is_offline_payment=false")[1] == {}
        since = "2026-09-21T17:00:00Z"
        status, body = api(server, "GET", f"/payments?updated_at_begin_time={since}")
        assert [p["id"] for p in body["payments"]] == [payment["id"]]
        # Not uploaded within 24 h: declined.
        app.go_offline(PARIS)
        app.pos_sale(PARIS, [("NB-PLN", 1, None)], tender="CARD")
        clock.now += 25 * 3600
        late = app.come_online(PARIS)[0]
        assert late["payment"]["status"] == "FAILED"
        assert late["order"]["state"] == "OPEN" and "closed_at" not in late["order"]
        assert late["order"]["net_amount_due_money"]["amount"] == 900
        assert app.wait_idle() and wait_until(lambda: len(receiver.requests) >= 4)
        assert all(
            e["data"]["object"]["payment"]["is_offline_payment"]
            for e in receiver.events()
        )
    finally:
        server.shutdown()


def test_orders_search_by_updated_at_with_cursor_and_limits():
    clock = Clock()
    server = start(clock=clock)
    try:
        app = server.app
        ids = []
        for index in range(7):
            clock.now = START + index * 60
            ids.append(app.pos_sale(PARIS, [("CUP-ESP", 1, None)])["order"]["id"])
        app.pos_sale(BERLIN, [("CUP-ESP", 1, None)])
        query = {
            "filter": {
                "date_time_filter": {
                    "updated_at": {
                        "start_at": "2026-09-21T14:14:20Z",
                        "end_at": "2026-09-21T14:19:20Z",
                    }
                },
                "state_filter": {"states": ["COMPLETED"]},
            },
            "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
        }
        seen, cursor = [], None
        for _ in range(5):
            payload = {"location_ids": [PARIS], "query": query, "limit": 2}
            if cursor:
                payload["cursor"] = cursor
            status, body = api(server, "POST", "/orders/search", payload)
            assert status == 200, body
            seen += [order["id"] for order in body["orders"]]
            cursor = body.get("cursor")
            if not cursor:
                break
        assert seen == ids[1:6]
        too_many = [PARIS] * 11
        status, body = api(server, "POST", "/orders/search", {"location_ids": too_many})
        assert status == 400
        assert body["errors"][0]["code"] == "ARRAY_LENGTH_TOO_LONG"
        assert body["errors"][0]["field"] == "location_ids"
        status, body = api(
            server, "POST", "/orders/search", {"location_ids": [PARIS], "limit": 1001}
        )
        assert status == 400 and body["errors"][0]["code"] == "VALUE_TOO_HIGH"
        mismatch = dict(query, sort={"sort_field": "CREATED_AT"})
        status, body = api(
            server,
            "POST",
            "/orders/search",
            {"location_ids": [PARIS], "query": mismatch},
        )
        assert status == 400 and body["errors"][0]["field"] == "query.sort.sort_field"
        status, body = api(
            server, "POST", "/orders/search", {"location_ids": [PARIS], "cursor": "zz"}
        )
        assert status == 400 and body["errors"][0]["code"] == "INVALID_CURSOR"
        both = [PARIS, BERLIN]
        status, body = api(server, "POST", "/orders/search", {"location_ids": both})
        assert len(body["orders"]) == 8
        # Newest first by default.
        assert body["orders"][0]["created_at"] >= body["orders"][-1]["created_at"]
    finally:
        server.shutdown()


def test_cash_drawer_shift_expected_against_counted(square):
    app = square.app
    shift = app.open_shift(NEW_YORK, opened_cash=20000)
    cash = app.pos_sale(NEW_YORK, [("TOTE-NAT", 1, None)], tender="CASH", tip=100)
    app.pos_sale(NEW_YORK, [("TOTE-NAT", 1, None)], tender="CARD")
    app.till_return(cash["order"]["id"], [(cash["order"]["line_items"][0]["uid"], 1)])
    app.paid_in_out(NEW_YORK, 500, paid_in=False, description="milk")
    closed = app.close_shift(NEW_YORK, counted_cash=19300)
    # 22.00 + 8.875 % = 23.95, plus the 1.00 tip, then refunded 23.95.
    assert closed["cash_payment_money"]["amount"] == 2495
    assert closed["cash_refunds_money"]["amount"] == 2395
    assert closed["cash_paid_out_money"]["amount"] == 500
    assert closed["expected_cash_money"]["amount"] == 20000 + 2495 - 2395 - 500
    assert closed["closed_cash_money"]["amount"] == 19300
    assert closed["state"] == "CLOSED"
    status, body = api(square, "GET", "/cash-drawers/shifts")
    assert status == 400 and body["errors"][0]["field"] == "location_id"
    status, body = api(square, "GET", f"/cash-drawers/shifts?location_id={NEW_YORK}")
    assert status == 200
    (summary,) = body["cash_drawer_shifts"]
    assert summary["id"] == shift["id"] and summary["state"] == "CLOSED"
    assert summary["expected_cash_money"]["amount"] == 19600
    path = f"/cash-drawers/shifts/{shift['id']}/events?location_id={NEW_YORK}&limit=2"
    status, body = api(square, "GET", path)
    events = body["cash_drawer_shift_events"]
    cursor = body["cursor"]
    status, body = api(square, "GET", f"{path}&cursor={cursor}")
    events += body["cash_drawer_shift_events"]
    assert [e["event_type"] for e in events] == [
        "CASH_TENDER_PAYMENT",
        "OTHER_TENDER_PAYMENT",
        "CASH_TENDER_REFUND",
        "PAID_OUT",
    ]
    empty = api(square, "GET", f"/cash-drawers/shifts?location_id={PARIS}")
    assert empty == (200, {})


def test_payouts_with_entries_and_fees(square, receiver):
    app = square.app
    subscribe(square, receiver.url, "payout.sent", "payout.paid")
    one = app.pos_sale(PARIS, [("BEAN-ETH", 1, None)], tender="CARD")
    app.pos_sale(PARIS, [("CUP-ESP", 2, None)], tender="CARD")
    app.pos_sale(PARIS, [("CUP-ESP", 1, None)], tender="CASH")
    refund = app.till_return(
        one["order"]["id"], [(one["order"]["line_items"][0]["uid"], 1)]
    )["refund"]
    payout = app.make_payout(PARIS)
    assert payout["status"] == "PAID" and payout["type"] == "BATCH"
    assert payout["end_to_end_id"]
    status, body = api(square, "GET", f"/payouts/{payout['id']}/payout-entries")
    entries = body["payout_entries"]
    assert [e["type"] for e in entries] == ["CHARGE", "CHARGE", "REFUND"]
    charge = entries[0]
    assert charge["type_charge_details"]["payment_id"] == one["payment"]["id"]
    assert charge["gross_amount_money"] == {"amount": 2400, "currency_code": "EUR"}
    # 2.6 % of 24.00 is 0.624 -> 0.62, plus 0.10.
    assert charge["fee_amount_money"]["amount"] == -72
    assert charge["net_amount_money"]["amount"] == 2328
    assert entries[1]["fee_amount_money"]["amount"] == -(62 + 10)
    assert entries[2]["type_refund_details"] == {
        "payment_id": one["payment"]["id"],
        "refund_id": refund["id"],
    }
    assert entries[2]["net_amount_money"]["amount"] == -2400
    total = sum(e["net_amount_money"]["amount"] for e in entries)
    assert payout["amount_money"] == {"amount": total, "currency_code": "EUR"}
    status, body = api(square, "GET", f"/payouts?location_id={PARIS}")
    assert [p["id"] for p in body["payouts"]] == [payout["id"]]
    with pytest.raises(ValueError):
        app.make_payout(PARIS)  # nothing new since
    assert app.wait_idle() and wait_until(lambda: len(receiver.requests) >= 2)
    assert [e["type"] for e in receiver.events()] == ["payout.sent", "payout.paid"]
    assert receiver.events()[0]["data"]["object"]["payout"]["status"] == "SENT"


def test_inventory_batch_reports_an_unknown_object_inside_a_200(square):
    app = square.app
    tote = app.variation("TOTE-NAT")["id"]
    changes = [
        {
            "type": "PHYSICAL_COUNT",
            "physical_count": {
                "catalog_object_id": tote,
                "location_id": PARIS,
                "state": "IN_STOCK",
                "quantity": "12",
                "occurred_at": "2026-09-21T10:00:00Z",
            },
        },
        {
            "type": "PHYSICAL_COUNT",
            "physical_count": {
                "catalog_object_id": "UNKNOWN",
                "location_id": PARIS,
                "state": "IN_STOCK",
                "quantity": "3",
                "occurred_at": "2026-09-21T10:00:00Z",
            },
        },
    ]
    payload = {"idempotency_key": "k1", "changes": changes}
    status, body = api(square, "POST", "/inventory/changes/batch-create", payload)
    assert status == 200
    (error,) = body["errors"]
    assert error["code"] == "NOT_FOUND"
    assert error["field"] == "changes[1].physical_count.catalog_object_id"
    assert [c["quantity"] for c in body["counts"]] == ["12"]
    # The same idempotency key answers the same.
    assert api(square, "POST", "/inventory/changes/batch-create", payload)[1] == body
    status, body = api(
        square, "POST", "/inventory/changes/batch-create", {"changes": changes}
    )
    assert status == 400 and body["errors"][0]["field"] == "idempotency_key"
    app.pos_sale(PARIS, [(tote, 2, None)])
    status, body = api(
        square,
        "POST",
        "/inventory/counts/batch-retrieve",
        {"catalog_object_ids": [tote], "location_ids": [PARIS]},
    )
    assert status == 200 and body["counts"][0]["quantity"] == "10"


def test_webhook_subscriptions_api(square):
    sub = subscribe(square, "https://example.com/hook", "payment.created")
    assert sub["signature_key"] and sub["enabled"] is True
    status, body = api(square, "GET", "/webhooks/subscriptions")
    assert status == 200 and "signature_key" not in body["subscriptions"][0]
    status, body = api(square, "GET", f"/webhooks/subscriptions/{sub['id']}")
    assert body["subscription"]["notification_url"] == "https://example.com/hook"
    bad = {"subscription": {"event_types": ["nope"], "notification_url": "https://x.y"}}
    status, body = api(square, "POST", "/webhooks/subscriptions", bad)
    assert status == 400 and body["errors"][0]["field"] == "subscription.event_types[0]"
    assert api(square, "DELETE", f"/webhooks/subscriptions/{sub['id']}") == (200, {})
    assert api(square, "GET", f"/webhooks/subscriptions/{sub['id']}")[0] == 404


def test_retries_follow_square_schedule_scaled():
    assert retry_waits()[:7] == [60, 120, 240, 480, 960, 1920, 3600]
    assert sum(retry_waits()) <= 72 * 3600 < sum(retry_waits()) + 3600
    receiver = Receiver(answers=(500, 503, 404, 200))
    server = start(retry_scale=0.001)
    try:
        app = server.app
        subscribe(server, receiver.url, "payment.created")
        app.pos_sale(PARIS, [("CUP-ESP", 1, None)])
        assert wait_until(lambda: len(receiver.requests) >= 4, timeout=10)
        assert app.wait_idle()
        time.sleep(0.1)
        assert len(receiver.requests) == 4
        headers = [r["headers"] for r in receiver.requests]
        assert [h["square-retry-number"] for h in headers] == ["0", "1", "2", "3"]
        assert len({h["square-initial-delivery-timestamp"] for h in headers}) == 1
        assert len({r["body"] for r in receiver.requests}) == 1
        assert app.deliverer.waits == pytest.approx([0.06, 0.12, 0.24])
        times = [r["at"] for r in receiver.requests]
        gaps = [
            later - earlier for earlier, later in zip(times, times[1:], strict=False)
        ]
        assert gaps[0] >= 0.05 and gaps[2] >= 0.2
        statuses = [d["status"] for d in app.deliveries]
        assert statuses == [500, 503, 404, 200]
    finally:
        server.shutdown()
        receiver.close()


def test_duplicated_shuffled_and_badly_signed_deliveries(receiver):
    faults = Faults(FaultConfig(duplicate_rate=1.0, seed=5))
    server = start(faults=faults)
    try:
        app = server.app
        key = subscribe(server, receiver.url, "payment.created")["signature_key"]
        app.pos_sale(PARIS, [("CUP-ESP", 1, None)])
        assert app.wait_idle() and wait_until(lambda: len(receiver.requests) >= 2)
        first, second = receiver.requests
        assert first["body"] == second["body"]
        assert (
            json.loads(first["body"])["event_id"]
            == json.loads(second["body"])["event_id"]
        )
        receiver.requests.clear()
        faults.configure(duplicate_rate=0.0, reorder=6)
        for index in range(6):
            app.pos_sale(PARIS, [("CUP-ESP", 1, index * 100 + 100)])
        assert app.wait_idle() and wait_until(lambda: len(receiver.requests) >= 6)
        amounts = [
            e["data"]["object"]["payment"]["amount_money"]["amount"]
            for e in receiver.events()
        ]
        assert sorted(amounts) == [100, 200, 300, 400, 500, 600]
        assert amounts != sorted(amounts)
        receiver.requests.clear()
        faults.configure(reorder=0, bad_signature_rate=1.0)
        app.pos_sale(PARIS, [("CUP-ESP", 1, None)])
        assert app.wait_idle() and wait_until(lambda: len(receiver.requests) >= 1)
        request = receiver.requests[0]
        good = expected_signature(key, receiver.url, request["body"])
        assert request["headers"]["x-square-hmacsha256-signature"] != good
    finally:
        server.shutdown()


def test_control_endpoints_drive_the_simulation(square):
    def control(method, path, payload=None):
        return request_json(method, f"{square.url}/_sandbox{path}", payload)

    status, sale = control(
        "POST",
        "/sales",
        {"location_id": PARIS, "lines": [["TEE-LIN-L", 1]], "tender": "CASH"},
    )
    assert status == 201 and sale["payment"]["source_type"] == "CASH"
    uid = sale["order"]["line_items"][0]["uid"]
    status, ret = control(
        "POST",
        "/returns",
        {
            "source_order_id": sale["order"]["id"],
            "lines": [[uid, 1]],
            "exchange": [["TEE-LIN-M", 1]],
        },
    )
    assert status == 201 and ret["refund"] is None and ret["payment"] is None
    assert ret["order"]["net_amounts"]["total_money"]["amount"] == 0
    assert control("POST", f"/locations/{BERLIN}/offline")[0] == 200
    control("POST", "/sales", {"location_id": BERLIN, "lines": [["CUP-ESP", 1]]})
    assert control("POST", "/clock", {"advance": 7200})[0] == 200
    status, body = control("POST", f"/locations/{BERLIN}/online")
    assert status == 200 and len(body["uploaded"]) == 1
    status, state = control("GET", "/state")
    assert state["channel"]["orders"] == 3
    assert control("POST", "/sales", {"location_id": "nope", "lines": []})[0] == 404
    assert control("POST", "/reset")[0] == 200
    assert square.app.orders == {}


def test_command_line_announces_ready_and_sells():
    command = [
        sys.executable,
        "-m",
        "sandbox",
        "square",
        "--port",
        "0",
        "--duration",
        "3",
        "--sales-per-minute",
        "600",
        "--history-sales",
        "3",
        "--seed",
        "1",
        "--offline-location",
        BERLIN,
        "--offline-minutes",
        "0.01",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(process.stdout.readline())
        assert ready["event"] == "ready" and ready["history"]["sales"] == 9
        assert ready["access_token"] == DEFAULT_ACCESS_TOKEN
        time.sleep(1.5)
        status, state = request_json("GET", ready["state_url"])
        assert state["channel"]["activity"]["pos_sales"] > 9
        assert state["channel"]["locations"][BERLIN]["offline"] is False
    finally:
        assert process.wait(timeout=10) == 0
