"""Shared sandbox machinery over real loopback HTTP: faults, routes, deliveries."""

import email.utils
import http.client
import json
import socket
import threading
import time

import pytest

from sandbox.common import (
    Deliverer,
    FaultConfig,
    Faults,
    JsonHandler,
    http_request,
    latency_summary,
    percentile,
    request_json,
    route,
    serve,
)


def wait_until(predicate, timeout=5.0):
    """Poll ``predicate`` until true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


class EchoHandler(JsonHandler):
    @route("GET", r"/ping")
    def ping(self, match):
        return 200, {"pong": True}

    @route("POST", r"/echo")
    def echo(self, match):
        return 200, {"got": self.json_body()}

    @route("GET", r"/items/(?P<item_id>\d+)")
    def item(self, match):
        return 200, {"id": int(match["item_id"]), "q": self.query_value("q")}

    @route("GET", r"/inspect", faults=False)
    def inspect(self, match):
        return 200, {"ok": True}


class Inbox:
    """A webhook receiver's memory; answers scripted statuses, then 200."""

    def __init__(self, statuses=()):
        self.lock = threading.Lock()
        self.bodies = []
        self.headers = []
        self.statuses = list(statuses)

    def receive(self, body, headers):
        with self.lock:
            self.bodies.append(body)
            self.headers.append(headers)
            status = self.statuses.pop(0) if self.statuses else 200
        return status, {"status": "accepted" if status == 200 else "nope"}

    def payloads(self):
        with self.lock:
            return [json.loads(body) for body in self.bodies]


class InboxHandler(JsonHandler):
    @route("POST", r"/hook")
    def hook(self, match):
        return self.app.receive(self.body, dict(self.headers))


@pytest.fixture
def echo_server():
    server = serve(EchoHandler)
    yield server
    server.shutdown()


@pytest.fixture
def inbox():
    server = serve(InboxHandler, app=Inbox())
    yield server
    server.shutdown()


def deliver_numbers(deliverer, url, count):
    for number in range(count):
        deliverer.submit(url, json.dumps({"n": number}).encode(), meta={"n": number})
    assert deliverer.wait_idle(10)


# -- FaultConfig and Faults --------------------------------------------------


def test_fault_config_rejects_nonsense_with_readable_reasons():
    with pytest.raises(ValueError, match="error_rate: must be between 0 and 1"):
        FaultConfig(error_rate=1.5)
    with pytest.raises(ValueError, match="drop_rate: expected a number"):
        FaultConfig(drop_rate=True)
    with pytest.raises(ValueError, match="error_status: expected a 5xx"):
        FaultConfig(error_status=404)
    with pytest.raises(ValueError, match="latency_ms: must not be negative"):
        FaultConfig(latency_ms=-1)
    with pytest.raises(ValueError, match="unknown fault setting"):
        FaultConfig.from_dict({"eror_rate": 0.5})
    assert FaultConfig(reorder=True).reorder == 5
    assert FaultConfig(reorder=False).reorder == 0
    config = FaultConfig.from_dict({"error_rate": "0.25", "error_status": "502"})
    assert (config.error_rate, config.error_status) == (0.25, 502)
    assert FaultConfig.from_dict(config.to_dict()) == config


def decisions(faults, count):
    return [faults.inbound() for _ in range(count)]


def test_same_seed_gives_the_same_fault_decisions():
    config = FaultConfig(rate_limit_rate=0.2, error_rate=0.3, seed=42)
    first, second = decisions(Faults(config), 300), decisions(Faults(config), 300)
    assert first == second
    other = decisions(Faults(config.replace(seed=43)), 300)
    assert other != first
    statuses = [d.status for d in first]
    # 20 % answered 429, then 30 % of the rest answered 503.
    assert 40 <= statuses.count(429) <= 80
    assert 55 <= statuses.count(503) <= 110


def test_decision_streams_do_not_shift_each_other():
    config = FaultConfig(error_rate=0.5, drop_rate=0.5, duplicate_rate=0.5, seed=9)
    alone = Faults(config)
    mixed = Faults(config)
    expected = decisions(alone, 100)
    observed = []
    for _ in range(100):
        mixed.delivery()
        mixed.bad_signature()
        observed.append(mixed.inbound())
    assert observed == expected


def test_rate_change_at_runtime_continues_the_same_sequence():
    faults = Faults(FaultConfig(error_rate=0.0, seed=5))
    assert {d.status for d in decisions(faults, 10)} == {None}
    faults.configure(error_rate=1.0)
    assert {d.status for d in decisions(faults, 10)} == {503}
    faults.reset()
    assert faults.config.error_rate == 0.0
    assert faults.counters() == {}


def test_faults_are_thread_safe_and_keep_the_seeded_outcomes():
    config = FaultConfig(error_rate=0.4, rate_limit_rate=0.1, seed=77)
    sequential = [d.status for d in decisions(Faults(config), 2000)]
    shared = Faults(config)
    results, lock = [], threading.Lock()

    def worker():
        local = [shared.inbound().status for _ in range(250)]
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert shared.counters()["requests"] == 2000
    # Interleaving changes who gets which decision, never the decisions.
    assert sorted(results, key=str) == sorted(sequential, key=str)


def test_percentiles_are_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]
    assert percentile(values, 0.5) == 0.05
    assert percentile(values, 0.99) == 0.099
    assert percentile([], 0.5) is None
    assert latency_summary(values) == {
        "p50": 50.0,
        "p95": 95.0,
        "p99": 99.0,
        "max": 100.0,
    }


# -- JsonHandler and serve -----------------------------------------------------


def test_routes_answer_json_and_errors(echo_server):
    url = echo_server.url
    assert request_json("GET", f"{url}/ping") == (200, {"pong": True})
    assert request_json("GET", f"{url}/items/7?q=x") == (200, {"id": 7, "q": "x"})
    assert request_json("POST", f"{url}/echo", {"é": [1, 2]}) == (
        200,
        {"got": {"é": [1, 2]}},
    )
    status, body = request_json("GET", f"{url}/nowhere")
    assert status == 404 and "no route" in body["message"]
    response = http_request("DELETE", f"{url}/ping")
    assert response.status == 405 and response.headers["allow"] == "GET"
    response = http_request("POST", f"{url}/echo", body=b"{not json")
    assert response.status == 400
    assert response.json()["error"] == "malformed_json"


def test_rate_limit_fault_answers_429_with_retry_after(echo_server):
    echo_server.faults.configure(rate_limit_rate=1.0, retry_after=7)
    response = http_request("GET", f"{echo_server.url}/ping")
    assert response.status == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"] == "rate_limited"
    echo_server.faults.configure(retry_after=2.5)
    response = http_request("GET", f"{echo_server.url}/ping")
    # delta-seconds is an integer: round up, never invite an early retry.
    assert response.headers["retry-after"] == "3"
    echo_server.faults.configure(retry_after=120, retry_after_date=True)
    response = http_request("GET", f"{echo_server.url}/ping")
    when = email.utils.parsedate_to_datetime(response.headers["retry-after"])
    assert 100 < when.timestamp() - time.time() <= 121


def test_error_fault_answers_the_configured_status(echo_server):
    echo_server.faults.configure(error_rate=1.0, error_status=502)
    assert http_request("GET", f"{echo_server.url}/ping").status == 502
    # Inspection routes stay readable during an outage.
    assert http_request("GET", f"{echo_server.url}/inspect").status == 200


def test_latency_fault_delays_answers(echo_server):
    echo_server.faults.configure(latency_ms=150)
    response = http_request("GET", f"{echo_server.url}/ping")
    assert response.status == 200
    assert response.latency >= 0.15


def test_admin_endpoints_change_faults_at_runtime(echo_server):
    url = echo_server.url
    status, body = request_json(
        "POST", f"{url}/_sandbox/faults", {"error_rate": 1, "error_status": 503}
    )
    assert status == 200 and body["faults"]["error_rate"] == 1.0
    assert http_request("GET", f"{url}/ping").status == 503
    status, state = request_json("GET", f"{url}/_sandbox/state")
    assert status == 200
    assert state["faults"]["config"]["error_status"] == 503
    assert state["faults"]["counters"]["errors"] == 1
    status, body = request_json("POST", f"{url}/_sandbox/faults", {"error_rate": 2})
    assert status == 400 and "between 0 and 1" in body["message"]
    status, body = request_json("POST", f"{url}/_sandbox/faults", {"bogus": 1})
    assert status == 400 and "unknown fault setting" in body["message"]
    assert request_json("POST", f"{url}/_sandbox/reset", {}) == (
        200,
        {"status": "reset"},
    )
    assert http_request("GET", f"{url}/ping").status == 200


def test_shutdown_really_takes_the_server_down():
    server = serve(EchoHandler)
    kept_alive = http.client.HTTPConnection(server.host, server.port, timeout=5)
    kept_alive.request("GET", "/ping")
    assert kept_alive.getresponse().read() == b'{"pong": true}'
    server.shutdown()
    server.shutdown()  # idempotent
    with pytest.raises((OSError, http.client.HTTPException)):
        kept_alive.request("GET", "/ping")
        kept_alive.getresponse().read()
    kept_alive.close()
    with pytest.raises(ConnectionRefusedError):
        http_request("GET", f"{server.url}/ping", timeout=2)


# -- Deliverer -----------------------------------------------------------------


def test_deliverer_records_every_attempt(inbox):
    url = f"{inbox.url}/hook"
    with Deliverer(workers=2) as deliverer:
        deliver_numbers(deliverer, url, 5)
        attempts = deliverer.attempts()
        summary = deliverer.summary()
    assert sorted(p["n"] for p in inbox.app.payloads()) == [0, 1, 2, 3, 4]
    assert len(attempts) == 5
    assert sorted(a.meta["n"] for a in attempts) == [0, 1, 2, 3, 4]
    for attempt in attempts:
        assert attempt.status == 200 and attempt.ok
        assert attempt.latency > 0
        assert attempt.response_json() == {"status": "accepted"}
    assert summary["delivered"] == 5
    assert summary["by_status"] == {"200": 5}
    assert summary["by_result"] == {"accepted": 5}
    assert summary["latency_ms"]["p50"] > 0


def test_dropped_deliveries_are_never_sent_but_recorded(inbox):
    with Deliverer(Faults(FaultConfig(drop_rate=1.0))) as deliverer:
        deliver_numbers(deliverer, f"{inbox.url}/hook", 5)
        attempts = deliverer.attempts()
        assert deliverer.summary()["dropped"] == 5
    assert inbox.app.bodies == []
    assert [(a.dropped, a.status, a.attempt) for a in attempts] == [(True, None, 0)] * 5


def test_duplicated_deliveries_arrive_twice(inbox):
    with Deliverer(Faults(FaultConfig(duplicate_rate=1.0))) as deliverer:
        deliver_numbers(deliverer, f"{inbox.url}/hook", 4)
        copies = sorted((a.delivery_id, a.copy) for a in deliverer.attempts())
    received = sorted(p["n"] for p in inbox.app.payloads())
    assert received == [0, 0, 1, 1, 2, 2, 3, 3]
    assert copies == [(i, c) for i in range(1, 5) for c in (0, 1)]


def test_drop_and_duplicate_decisions_are_reproducible(inbox):
    config = FaultConfig(drop_rate=0.3, duplicate_rate=0.3, seed=21)
    outcomes = []
    for _ in range(2):
        inbox.app.bodies.clear()
        with Deliverer(Faults(config), workers=3) as deliverer:
            deliver_numbers(deliverer, f"{inbox.url}/hook", 40)
            dropped = {a.meta["n"] for a in deliverer.attempts() if a.dropped}
        received = sorted(p["n"] for p in inbox.app.payloads())
        outcomes.append((dropped, received))
    assert outcomes[0] == outcomes[1]
    dropped, received = outcomes[0]
    assert dropped and len(received) > 40 - len(dropped)  # some duplicates too
    assert not dropped & set(received)


def test_reorder_shuffles_within_each_window(inbox):
    faults = Faults(FaultConfig(reorder=5, seed=3))
    with Deliverer(faults, workers=1) as deliverer:
        deliver_numbers(deliverer, f"{inbox.url}/hook", 20)
    received = [p["n"] for p in inbox.app.payloads()]
    assert received != list(range(20))
    assert sorted(received) == list(range(20))
    for start in range(0, 20, 5):
        assert set(received[start : start + 5]) == set(range(start, start + 5))


def test_reorder_releases_a_partial_window_after_the_hold(inbox):
    faults = Faults(FaultConfig(reorder=10, seed=3))
    with Deliverer(faults, workers=1, reorder_hold=0.1) as deliverer:
        for number in range(3):
            deliverer.submit(f"{inbox.url}/hook", json.dumps({"n": number}).encode())
        assert wait_until(lambda: len(inbox.app.bodies) == 3)


def test_failed_attempts_are_retried_and_each_one_recorded():
    server = serve(InboxHandler, app=Inbox(statuses=[503, 500]))
    try:
        with Deliverer(max_attempts=3, retry_delay=0.01) as deliverer:
            deliverer.submit(f"{server.url}/hook", b'{"n": 1}')
            assert deliverer.wait_idle(10)
            attempts = deliverer.attempts()
    finally:
        server.shutdown()
    assert [(a.attempt, a.status, a.ok) for a in attempts] == [
        (1, 503, False),
        (2, 500, False),
        (3, 200, True),
    ]


def test_network_errors_are_recorded_without_status():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with Deliverer(timeout=2) as deliverer:
        deliverer.submit(f"http://127.0.0.1:{closed_port}/hook", b"{}")
        assert deliverer.wait_idle(10)
        (attempt,) = deliverer.attempts()
        assert deliverer.summary()["network_errors"] == 1
    assert attempt.status is None and not attempt.ok
    assert "ConnectionRefused" in attempt.error


def test_body_and_headers_can_be_rendered_at_send_time(inbox):
    state = {"version": 1}
    # A reorder window that never fills holds the delivery for reorder_hold.
    faults = Faults(FaultConfig(reorder=2))
    with Deliverer(faults, workers=1, reorder_hold=0.2) as deliverer:
        deliverer.submit(
            f"{inbox.url}/hook",
            lambda: json.dumps(state).encode(),
            lambda body: {"X-Length": str(len(body) * 10)},
        )
        state["version"] = 22  # changed after submit, before the send
        assert wait_until(lambda: len(inbox.app.bodies) == 1)
    assert inbox.app.payloads() == [{"version": 22}]
    assert inbox.app.headers[0]["X-Length"] == str(len(inbox.app.bodies[0]) * 10)


def test_state_endpoint_shows_deliveries():
    receiver = serve(InboxHandler, app=Inbox())
    deliverer = Deliverer(workers=1)
    server = serve(EchoHandler, deliverer=deliverer)
    try:
        deliver_numbers(deliverer, f"{receiver.url}/hook", 3)
        status, state = request_json("GET", f"{server.url}/_sandbox/state")
        assert status == 200 and state["deliveries"]["delivered"] == 3
        status, attempts = request_json("GET", f"{server.url}/_sandbox/deliveries")
        assert [a["status"] for a in attempts] == [200, 200, 200]
        request_json("POST", f"{server.url}/_sandbox/reset", {})
        assert request_json("GET", f"{server.url}/_sandbox/deliveries")[1] == []
    finally:
        deliverer.stop()
        server.shutdown()
        receiver.shutdown()
