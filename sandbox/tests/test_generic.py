"""Generic channel stand-in: events, amounts, signatures, pushes, command line."""

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import sandbox
from sandbox import available_channels
from sandbox.common import JsonHandler, http_request, request_json, route, serve
from sandbox.generic import (
    DEFAULT_CATALOG,
    CatalogError,
    GenericChannel,
    SignatureError,
    compute_totals,
    load_catalog,
    sign,
    verify,
)

REPO = Path(__file__).resolve().parents[2]
SECRET = "whsec_test"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MONEY = re.compile(r"^-?\d+\.\d\d$")


def independent_signature_ok(secret, body, header, now, tolerance=300):
    """The receiving side's check, written without the sandbox's code."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(
        digest, fields["v1"]
    )


def cents(value):
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected_totals(data):
    """Totals as an Odoo order computes them, rounded per line, half up."""
    untaxed = tax = Decimal(0)
    items = [
        (
            Decimal(x["quantity"]) * Decimal(x["unit_price"]) - Decimal(x["discount"]),
            x["tax_rate"],
        )
        for x in data["lines"]
    ] + [(Decimal(x["amount"]), x["tax_rate"]) for x in data["shipping"] + data["fees"]]
    for amount, rate in items:
        amount = cents(amount)
        untaxed += amount
        tax += cents(amount * Decimal(rate) / 100) if rate is not None else 0
    return untaxed, tax, untaxed + tax


class OdooLike:
    """A webhook intake that checks signatures independently and dedups on id."""

    def __init__(self, secret):
        self.secret = secret
        self.lock = threading.Lock()
        self.accepted = {}
        self.deliveries = []
        self.rejected = 0

    def receive(self, body, header):
        with self.lock:
            self.deliveries.append(body)
            if not header or not independent_signature_ok(
                self.secret, body, header, time.time()
            ):
                self.rejected += 1
                return 401, {"error": "invalid_signature"}
            event = json.loads(body)
            if event["id"] in self.accepted:
                return 200, {"status": "duplicate"}
            self.accepted[event["id"]] = event
            return 200, {"status": "accepted"}


class OdooLikeHandler(JsonHandler):
    @route("POST", r"/retail/webhook/(?P<token>\w+)")
    def webhook(self, match):
        return self.app.receive(self.body, self.headers.get("X-Retail-Signature"))


@pytest.fixture
def odoo():
    server = serve(OdooLikeHandler, app=OdooLike(SECRET))
    server.webhook_url = f"{server.url}/retail/webhook/tok123"
    yield server
    server.shutdown()


@pytest.fixture
def channel():
    with GenericChannel(None, SECRET, seed=1) as shop:
        yield shop


# -- signatures ----------------------------------------------------------------


def test_signature_matches_a_vector_computed_with_openssl():
    # printf '%s' '1700000000.{"id":"evt-1","topic":"order.created"}' |
    #   openssl dgst -sha256 -hmac whsec_test
    body = b'{"id":"evt-1","topic":"order.created"}'
    assert sign(SECRET, body, 1700000000) == (
        "t=1700000000,"
        "v1=a16c2e813744b658d58a659788db4188fdd192eb16e153d3c8ad50b5b670e6f1"
    )


def test_generated_events_are_signed_over_the_raw_utf8_body(channel):
    now = int(time.time())
    for event in channel.events(30):
        body = channel.encode(event)
        assert independent_signature_ok(SECRET, body, sign(SECRET, body, now), now)
    names = "".join(channel.order(eid)["customer"]["name"] for eid in channel.orders)
    assert not names.isascii()  # accented names do occur: raw bytes matter


def test_verify_accepts_good_and_rotated_signatures():
    body, now = b'{"id":"x"}', 1_800_000_000
    good = sign(SECRET, body, now)
    assert verify(SECRET, body, good, now=now + 299) == now
    rotated = f"t={now},v1={'0' * 64},{good.split(',')[1]}"
    assert verify(SECRET, body, rotated, now=now) == now


@pytest.mark.parametrize(
    ("secret", "header_of", "now_offset", "reason"),
    [
        ("", lambda good: good, 0, "no secret configured"),
        (SECRET, lambda good: None, 0, "missing signature header"),
        (SECRET, lambda good: "v1=abc", 0, "malformed signature header"),
        (SECRET, lambda good: "t=abc,v1=abc", 0, "malformed signature header"),
        (SECRET, lambda good: "garbage", 0, "malformed signature header"),
        (SECRET, lambda good: good, 301, "timestamp outside the tolerance window"),
        (SECRET, lambda good: good, -301, "timestamp outside the tolerance window"),
        ("other", lambda good: good, 0, "signature mismatch"),
        (SECRET, lambda good: good[:-1] + "0", 0, "signature mismatch"),
    ],
)
def test_verify_rejects_with_a_reason(secret, header_of, now_offset, reason):
    body, now = b'{"id":"x"}', 1_800_000_000
    good = sign(SECRET, body, now)
    with pytest.raises(SignatureError) as caught:
        verify(secret, body, header_of(good), now=now + now_offset)
    assert str(caught.value) == reason
    assert good.split("v1=")[1] not in str(caught.value)


# -- amounts -----------------------------------------------------------------


def test_totals_round_half_up_per_line():
    data = {
        "lines": [
            {"quantity": "1", "unit_price": "2.50", "discount": "0", "tax_rate": "21"},
            {"quantity": "1", "unit_price": "2.50", "discount": "0", "tax_rate": "21"},
        ]
    }
    totals = compute_totals(data)
    # 2.50 * 21 % = 0.525 -> 0.53 per line (half up, not to even), and
    # rounding per line gives 1.06 where rounding the sum would give 1.05.
    assert (totals.untaxed, totals.tax, totals.total) == (
        Decimal("5.00"),
        Decimal("1.06"),
        Decimal("6.06"),
    )


def test_the_spec_example_order_totals_238_37(channel):
    event = channel.make_order_event(
        lines=[
            {
                "sku": "DESK-01",
                "quantity": 2,
                "unit_price": "100.00",
                "discount": "10.00",
            }
        ],
        shipping=[{"code": "flat_rate", "name": "Flat rate", "amount": "5.00"}],
        fees=[{"name": "Gift wrap", "amount": "2.00"}],
    )
    data = event["data"]
    assert data["total"] == "238.37"
    assert data["payment"]["amount"] == "238.37"
    assert data["lines"][0]["discount"] == "10.00"
    assert compute_totals(data).tax == Decimal("41.37")


def test_generated_totals_match_an_independent_computation():
    with GenericChannel(None, SECRET, seed=99, tax_rate="21.0") as shop:
        events = list(shop.events(400))
    discounted = 0
    for event in events:
        data = event["data"]
        untaxed, tax, total = expected_totals(data)
        assert data["total"] == str(total)
        assert data["payment"]["amount"] == data["total"]
        for line in data["lines"]:
            assert MONEY.match(line["unit_price"]) and MONEY.match(line["discount"])
            gross = Decimal(line["quantity"]) * Decimal(line["unit_price"])
            discount = Decimal(line["discount"])
            if discount:
                discounted += 1
                # An exact percentage: an Odoo line with discount=% agrees.
                percent = discount * 100 / gross
                assert percent in {5, 10, 15, 20, 25}
                assert cents(gross * percent / 100) == discount
    assert discounted > 10


def test_tax_rate_and_currency_knobs(odoo):
    with GenericChannel(None, SECRET, seed=2, tax_rate="6", currency="USD") as shop:
        data = shop.make_order_event(lines=[("CHAIR-02", 3)])["data"]
    assert data["currency"] == "USD"
    assert data["lines"][0]["tax_rate"] == "6"
    assert data["total"] == str(cents(Decimal("239.70") * Decimal("1.06")))
    with pytest.raises(ValueError, match="currency"):
        GenericChannel(None, SECRET, currency="eur")


# -- events ------------------------------------------------------------------


def test_events_have_the_canonical_shape(channel):
    statuses = Counter()
    for event in channel.events(200):
        assert set(event) == {"id", "topic", "occurred_at", "data"}
        assert event["topic"] in ("order.created", "order.updated", "order.cancelled")
        assert ISO_Z.match(event["occurred_at"])
        data = event["data"]
        statuses[data["status"]] += 1
        assert data["status"] in ("pending", "confirmed", "completed", "cancelled")
        assert re.fullmatch(r"[A-Z]{3}", data["currency"])
        assert data["prices_include_tax"] is False
        assert data["name"] == f"WEB-{data['external_id']}"
        assert ISO_Z.match(data["ordered_at"]) and ISO_Z.match(data["updated_at"])
        assert data["customer"]["external_id"].startswith("c-")
        assert "@" in data["customer"]["email"]
        for key in ("billing_address", "shipping_address"):
            assert set(data[key]) == {
                "name",
                "company",
                "street",
                "street2",
                "city",
                "zip",
                "state_code",
                "country_code",
                "email",
                "phone",
            }
        assert data["lines"]
        for line in data["lines"]:
            assert Decimal(line["quantity"]) > 0 and Decimal(line["unit_price"]) >= 0
            assert line["sku"] in {item.sku for item in DEFAULT_CATALOG}
        for item in data["shipping"] + data["fees"]:
            assert MONEY.match(item["amount"])
    assert statuses["confirmed"] > statuses["pending"] > 0
    assert statuses["cancelled"] > 0


def test_lifecycle_updates_and_cancels_move_forward_in_time(channel):
    events = list(channel.events(400))
    assert len({e["id"] for e in events}) == 400
    topics = Counter(e["topic"] for e in events)
    assert topics["order.updated"] > 20 and topics["order.cancelled"] > 10
    history = defaultdict(list)
    for event in events:
        history[event["data"]["external_id"]].append(event)
    for order_events in history.values():
        assert order_events[0]["topic"] == "order.created"
        stamps = [e["data"]["updated_at"] for e in order_events]
        assert stamps == sorted(set(stamps))  # strictly increasing
        assert all(e["occurred_at"] == e["data"]["updated_at"] for e in order_events)
        assert len({e["data"]["ordered_at"] for e in order_events}) == 1
        cancelled = [e["topic"] == "order.cancelled" for e in order_events]
        assert not any(cancelled[:-1])  # nothing after a cancellation
        if cancelled[-1]:
            assert order_events[-1]["data"]["status"] == "cancelled"


def test_updates_change_quantities_and_keep_totals_right(channel):
    changed = 0
    previous = {}
    for event in channel.events(300):
        data = event["data"]
        key = data["external_id"]
        if event["topic"] == "order.updated":
            before = previous[key]
            after = {(x["sku"], x["quantity"]) for x in data["lines"]}
            changed += after != before
            assert data["total"] == str(expected_totals(data)[2])
        previous[key] = {(x["sku"], x["quantity"]) for x in data["lines"]}
    assert changed > 5


def test_same_seed_and_clock_give_the_same_events():
    def run(seed):
        with GenericChannel(None, SECRET, seed=seed, clock=lambda: 1.8e9) as shop:
            return json.dumps(list(shop.events(60)))

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_explicit_orders_updates_and_cancellation(channel):
    created = channel.make_order_event(lines=[("DESK-01", 2)], external_id="X-1")
    data = created["data"]
    assert (data["status"], data["shipping"], data["fees"]) == ("confirmed", [], [])
    assert data["total"] == str(cents(Decimal("898.00") * Decimal("1.21")))
    updated = channel.update_event("X-1", lines=[("DESK-01", 3)])
    assert updated["topic"] == "order.updated"
    assert updated["data"]["lines"][0]["quantity"] == "3"
    assert updated["data"]["updated_at"] > data["updated_at"]
    cancelled = channel.cancel_event("X-1")
    assert cancelled["data"]["status"] == "cancelled"
    assert cancelled["data"]["updated_at"] > updated["data"]["updated_at"]
    with pytest.raises(ValueError, match="NOPE-1 is not in the catalog"):
        channel.make_order_event(lines=["NOPE-1"])
    unknown = channel.make_order_event(
        lines=[{"sku": "NOPE-1", "quantity": "1", "unit_price": "10.00"}],
        total="99.99",
    )
    assert unknown["data"]["lines"][0]["sku"] == "NOPE-1"
    assert unknown["data"]["total"] == "99.99"  # a deliberate mismatch


def test_catalog_file_overrides_the_default(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(
        json.dumps(
            {
                "products": [
                    {"sku": "LAMP-9", "name": "Lamp", "price": "19.99"},
                    {"sku": "TABLE-9", "price": 120},
                ]
            }
        )
    )
    catalog = load_catalog(path)
    assert [(i.sku, i.name, str(i.price)) for i in catalog] == [
        ("LAMP-9", "Lamp", "19.99"),
        ("TABLE-9", "TABLE-9", "120.00"),
    ]
    with GenericChannel(None, SECRET, catalog=catalog, seed=4) as shop:
        skus = {x["sku"] for e in shop.events(30) for x in e["data"]["lines"]}
    assert skus <= {"LAMP-9", "TABLE-9"}
    path.write_text('[{"sku": "A", "price": "1"}, {"sku": "A", "price": "2"}]')
    with pytest.raises(CatalogError, match="SKU A appears twice"):
        load_catalog(path)
    path.write_text('[{"sku": "A", "price": "-1"}]')
    with pytest.raises(CatalogError, match="must not be negative"):
        load_catalog(path)
    path.write_text("{oops")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(path)


# -- sending -------------------------------------------------------------------


def test_send_signs_correctly_and_can_send_bad_signatures(odoo):
    with GenericChannel(odoo.webhook_url, SECRET, seed=3) as shop:
        event = shop.make_order_event()
        assert shop.send(event) == (200, {"status": "accepted"})
        assert shop.send(event) == (200, {"status": "duplicate"})
        body = shop.encode(shop.make_order_event())
        forged = f"t={int(time.time())},v1={'ab' * 32}"
        assert shop.send(body, signature=forged)[0] == 401
        assert shop.send(body, signature=False)[0] == 401
        stale = sign(SECRET, body, int(time.time()) - 3600)
        assert shop.send(body, signature=stale)[0] == 401
    assert odoo.app.rejected == 3


def test_run_applies_duplicates_reordering_and_bad_signatures(odoo):
    with GenericChannel(
        odoo.webhook_url,
        SECRET,
        seed=8,
        duplicates=0.3,
        out_of_order=4,
        bad_signature=0.2,
        concurrency=3,
    ) as shop:
        summary = shop.run(40, rate=0)
        attempts = shop.deliverer.attempts()
    assert summary["events"] == 40 and summary["pending"] == 0
    forged = [a for a in attempts if a.meta["bad_signature"]]
    good_ids = {a.meta["event_id"] for a in attempts if not a.meta["bad_signature"]}
    assert 0 < summary["duplicated"] and 0 < summary["bad_signatures"] < 40
    assert len(odoo.app.deliveries) == 40 + summary["duplicated"]
    assert odoo.app.rejected == len(forged)
    assert {a.status for a in forged} == {401}
    assert set(odoo.app.accepted) == good_ids
    assert summary["by_result"]["duplicate"] == sum(
        1 for a in attempts if a.copy == 1 and not a.meta["bad_signature"]
    )


def test_run_paces_events_at_the_rate(odoo):
    with GenericChannel(odoo.webhook_url, SECRET, seed=5) as shop:
        start = time.monotonic()
        summary = shop.run(6, rate=20)
        elapsed = time.monotonic() - start
    assert summary["by_status"] == {"200": 6}
    assert elapsed >= 5 / 20  # the sixth event is due 0.25 s after the first


# -- receiving pushes ----------------------------------------------------------


def push(server, event, secret=SECRET, timestamp=None):
    body = json.dumps(event).encode()
    header = sign(secret, body, int(time.time()) if timestamp is None else timestamp)
    response = http_request(
        "POST",
        f"{server.url}/events",
        body=body,
        headers={"X-Retail-Signature": header},
    )
    return response.status, response.json()


def stock_event(event_id, items):
    return {
        "id": event_id,
        "topic": "stock.updated",
        "occurred_at": "2026-11-25T10:00:00Z",
        "data": {"items": items},
    }


def test_push_receiver_records_stock_and_shipments(channel):
    server = channel.serve_pushes(push_secret="push-secret")
    items = [{"sku": "DESK-01", "quantity": 5.0}, {"sku": "CHAIR-02", "quantity": 0}]
    assert push(server, stock_event("p1", items), "push-secret") == (
        200,
        {"status": "received", "id": "p1"},
    )
    update = stock_event("p2", [{"sku": "DESK-01", "quantity": 3}])
    assert push(server, update, "push-secret")[0] == 200
    shipped = {
        "id": "p3",
        "topic": "order.shipped",
        "occurred_at": "2026-11-25T10:01:00Z",
        "data": {"external_id": "1001", "carrier": "DHL", "tracking_number": "JD01"},
    }
    assert push(server, shipped, "push-secret")[0] == 200
    status, stock = request_json("GET", f"{server.url}/stock")
    assert status == 200 and stock["stock"] == {"DESK-01": 3, "CHAIR-02": 0}
    status, level = request_json("GET", f"{server.url}/stock/DESK-01")
    assert level["quantity"] == 3 and level["event_id"] == "p2"
    assert request_json("GET", f"{server.url}/stock/NONE")[0] == 404
    shipments = request_json("GET", f"{server.url}/shipments")[1]
    assert shipments["1001"]["tracking_number"] == "JD01"
    events = request_json("GET", f"{server.url}/events?topic=stock.updated")[1]
    assert [e["id"] for e in events] == ["p1", "p2"]
    assert [
        e["id"] for e in request_json("GET", f"{server.url}/events?since=2")[1]
    ] == ["p3"]


def test_push_receiver_rejects_bad_signatures_with_a_json_401(channel):
    server = channel.serve_pushes(push_secret="push-secret")
    event = stock_event("p1", [{"sku": "DESK-01", "quantity": 1}])
    status, body = push(server, event, "wrong-secret")
    assert status == 401
    assert body == {"error": "invalid_signature", "message": "signature mismatch"}
    status, body = push(server, event, "push-secret", int(time.time()) - 600)
    assert status == 401 and body["message"] == "timestamp outside the tolerance window"
    response = http_request(
        "POST", f"{server.url}/events", body=json.dumps(event).encode()
    )
    assert response.status == 401
    assert response.json()["message"] == "missing signature header"
    assert request_json("GET", f"{server.url}/events")[1] == []
    assert request_json("GET", f"{server.url}/stock")[1]["stock"] == {}
    assert server.app.state()["rejected"] == 3


def test_push_receiver_validates_and_dedups(channel):
    server = channel.serve_pushes()  # defaults to the channel's secret
    event = stock_event("p1", [{"sku": "DESK-01", "quantity": 7}])
    assert push(server, event)[1]["status"] == "received"
    again = stock_event("p1", [{"sku": "DESK-01", "quantity": 99}])
    assert push(server, again)[1]["status"] == "duplicate"
    assert server.app.stock() == {"DESK-01": 7}
    status, body = push(server, {"id": "p2", "topic": "stock.updated", "data": {}})
    assert status == 422 and "sku" in body["message"]
    assert push(server, {"topic": "stock.updated", "data": {}})[0] == 400
    body = b"{not json"
    response = http_request(
        "POST",
        f"{server.url}/events",
        body=body,
        headers={"X-Retail-Signature": sign(SECRET, body, int(time.time()))},
    )
    assert response.status == 400
    ping = {"id": "p3", "topic": "ping", "data": {"connection": "Shop"}}
    assert push(server, ping)[0] == 200  # Odoo's "Test connection"


def test_push_outage_and_rate_limit_through_the_admin_endpoint(channel):
    server = channel.serve_pushes()
    event = stock_event("p1", [{"sku": "DESK-01", "quantity": 1}])
    faults_url = f"{server.url}/_sandbox/faults"
    request_json("POST", faults_url, {"error_rate": 1, "error_status": 503})
    assert push(server, event)[0] == 503
    assert request_json("GET", f"{server.url}/events")[0] == 200  # still readable
    request_json(
        "POST", faults_url, {"error_rate": 0, "rate_limit_rate": 1, "retry_after": 5}
    )
    body = json.dumps(event).encode()
    response = http_request(
        "POST",
        f"{server.url}/events",
        body=body,
        headers={"X-Retail-Signature": sign(SECRET, body, int(time.time()))},
    )
    assert response.status == 429 and response.headers["retry-after"] == "5"
    state = request_json("GET", f"{server.url}/_sandbox/state")[1]
    assert state["faults"]["counters"]["rate_limited"] == 1
    assert state["channel"]["pushes"] == 0
    request_json("POST", f"{server.url}/_sandbox/reset", {})
    assert push(server, event)[0] == 200


# -- command line --------------------------------------------------------------


def run_cli(*args, env=None, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_cli_help():
    result = run_cli("--help")
    assert result.returncode == 0 and "generic" in result.stdout
    result = run_cli("generic", "--help")
    assert result.returncode == 0
    for option in (
        "--webhook-url",
        "--rate",
        "--count",
        "--duplicates",
        "--out-of-order",
        "--bad-signature",
        "--push-port",
    ):
        assert option in result.stdout


def test_cli_dry_run_prints_events_and_refuses_nonsense():
    result = run_cli("generic", "--dry-run", "--count", "5", "--seed", "3")
    assert result.returncode == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) == 5 and events[0]["topic"] == "order.created"
    result = run_cli("generic", "--print-catalog")
    assert result.returncode == 0
    catalog = json.loads(result.stdout)
    assert len(catalog) == len(DEFAULT_CATALOG) >= 30
    assert {"sku": "DESK-01", "name": "Standing desk, electric", "price": "449.00"} in (
        catalog
    )
    result = run_cli("generic")
    assert result.returncode == 2 and "nothing to do" in result.stderr
    result = run_cli(
        "generic",
        "--webhook-url",
        "http://127.0.0.1:9/x",
        env={"SANDBOX_WEBHOOK_SECRET": ""},
    )
    assert result.returncode == 2 and "--secret" in result.stderr


def test_cli_sends_signed_events(odoo):
    result = run_cli(
        "generic",
        "--webhook-url",
        odoo.webhook_url,
        "--count",
        "12",
        "--rate",
        "0",
        "--seed",
        "2",
        "--duplicates",
        "0.25",
        "--quiet",
        env={"SANDBOX_WEBHOOK_SECRET": SECRET},
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {"event": "ready"}
    summary = lines[-1]
    assert summary["event"] == "summary" and summary["events"] == 12
    assert len(odoo.app.accepted) == 12
    assert odoo.app.rejected == 0
    assert len(odoo.app.deliveries) == 12 + summary["duplicated"]


def test_cli_serves_pushes_until_stopped():
    command = [sys.executable, "-m", "sandbox", "generic", "--push-port", "0"]
    # --duration bounds the process should the test fail before stopping it.
    command += ["--duration", "30", "--quiet"]
    with subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "SANDBOX_PUSH_SECRET": "push-secret"},
    ) as process:
        try:
            ready = json.loads(process.stdout.readline())
            event = stock_event("c1", [{"sku": "DESK-01", "quantity": 4}])
            body = json.dumps(event).encode()
            response = http_request(
                "POST",
                ready["push_url"],
                body=body,
                headers={"X-Retail-Signature": sign("push-secret", body, time.time())},
            )
            assert response.status == 200
            status, stock = request_json("GET", ready["stock_url"])
            assert stock["stock"] == {"DESK-01": 4}
        finally:
            process.terminate()  # SIGTERM: a clean stop
            process.wait(timeout=30)
    assert process.returncode == 0


def test_channel_registry_tolerates_absent_modules(monkeypatch):
    monkeypatch.setitem(sandbox.CHANNELS, "nowhere", "sandbox.nowhere")
    channels = available_channels()
    assert "generic" in channels and "nowhere" not in channels
