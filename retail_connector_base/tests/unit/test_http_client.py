"""The HTTP client against a real HTTP server on loopback.

The server answers from a per-path script of responses and records every
request it receives, so the tests see exactly what went over the wire. Waits
are recorded through the injected ``sleep`` instead of being slept.
"""

import base64
import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from requests.auth import HTTPBasicAuth

from odoo.addons.retail_connector_base.tools import http_client
from odoo.addons.retail_connector_base.tools.circuit_breaker import CLOSED, OPEN
from odoo.addons.retail_connector_base.tools.http_client import (
    ChannelHttpError,
    CircuitOpenError,
    HttpClient,
    InMemoryBreaker,
)
from odoo.addons.retail_connector_base.tools.rate_limit import TokenBucket

CK = "ck_0123456789abcdef0123"
CS = "cs_fedcba9876543210fedc"


@dataclass
class Reply:
    status: int = 200
    body: object = None
    headers: dict | None = None
    delay: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes


class ScriptedChannel(ThreadingHTTPServer):
    """Answers each path from its queue of Replies; 200 {} when empty."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies = defaultdict(deque)
        self.received = []
        self.lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def script(self, path, *replies):
        self.replies[path].extend(replies)

    def next_reply(self, path):
        with self.lock:
            queue = self.replies[path]
            return queue.popleft() if queue else Reply(200, {})

    def handle_error(self, request, client_address):
        # A client that timed out closes its socket before the slow answer.
        pass

    def paths(self):
        return [request.path for request in self.received]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        self.server.received.append(
            Received(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers=dict(self.headers.items()),
                body=self.rfile.read(length),
            )
        )
        reply = self.server.next_reply(parts.path)
        if reply.delay:
            time.sleep(reply.delay)
        if isinstance(reply.body, bytes):
            payload = reply.body
        elif isinstance(reply.body, str):
            payload = reply.body.encode()
        else:
            payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        headers.update(reply.headers or {})
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def log_message(self, *args):
        pass


@pytest.fixture
def channel():
    server = ScriptedChannel()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_client(channel, sleeps):
    def make(**kwargs):
        kwargs.setdefault("sleep", sleeps.append)
        kwargs.setdefault("backoff", 0.5)
        return HttpClient(
            kwargs.pop("base_url", channel.url + "/wp-json/wc/v3"), **kwargs
        )

    return make


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


WOO_REFUND_ERROR = {
    "code": "woocommerce_rest_invalid_order_refund",
    "message": "Refund amount must be greater than zero.",
    "data": {"status": 400},
}


# --- successful calls ---------------------------------------------------------


def test_200_json_answer(channel, make_client, sleeps):
    channel.script(
        "/wp-json/wc/v3/orders",
        Reply(200, [{"id": 1001, "total": "238.37"}], {"X-WP-Total": "1"}),
    )
    client = make_client(headers={"X-Custom": "yes"})

    result = client.get("orders", params={"modified_after": "2026-11-25T10:00:00"})

    assert result.status == 200
    assert result.json() == [{"id": 1001, "total": "238.37"}]
    assert result.headers["x-wp-total"] == "1"
    assert result.attempts == 1
    (request,) = channel.received
    assert request.method == "GET"
    assert request.query == {"modified_after": ["2026-11-25T10:00:00"]}
    assert request.headers["User-Agent"] == "RetailConnector/18.0"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["X-Custom"] == "yes"
    assert sleeps == []


def test_json_body_is_sent_and_absolute_urls_bypass_the_base(channel, make_client):
    client = make_client(base_url="http://127.0.0.1:1/unused")

    client.post(channel.url + "/api/offers", json={"offers": [{"sku": "A"}]})

    (request,) = channel.received
    assert request.path == "/api/offers"
    assert json.loads(request.body) == {"offers": [{"sku": "A"}]}
    assert request.headers["Content-Type"] == "application/json"


def test_no_content_answer_has_no_json(channel, make_client):
    channel.script("/wp-json/wc/v3/webhooks/7", Reply(204, b""))

    result = make_client().delete("webhooks/7")

    assert result.status == 204
    assert result.json() is None


def test_non_json_body_raises_a_readable_error(channel, make_client):
    channel.script("/wp-json/wc/v3/orders", Reply(200, "<html>maintenance</html>"))

    result = make_client().get("orders")

    with pytest.raises(ChannelHttpError) as info:
        result.json()
    assert info.value.code == "invalid_json"
    assert "not JSON" in str(info.value)


def test_caller_can_accept_other_statuses(channel, make_client):
    channel.script("/wp-json/wc/v3/products/9", Reply(404, {"code": "nope"}))

    result = make_client().get("products/9", expected=(200, 404))

    assert result.status == 404


# --- retries ------------------------------------------------------------------


def test_429_honours_retry_after_seconds(channel, make_client, sleeps):
    channel.script(
        "/wp-json/wc/v3/products/batch",
        Reply(429, {"message": "Too many requests"}, {"Retry-After": "7"}),
        Reply(200, {"update": []}),
    )

    result = make_client().post("products/batch", json={"update": []})

    assert result.status == 200
    assert result.attempts == 2
    assert sleeps == [7.0]
    assert channel.paths() == ["/wp-json/wc/v3/products/batch"] * 2


def test_retry_after_as_http_date(channel, make_client, sleeps):
    when = formatdate(time.time() + 30, usegmt=True)
    channel.script(
        "/wp-json/wc/v3/orders", Reply(503, "busy", {"Retry-After": when}), Reply()
    )

    make_client().get("orders")

    (wait,) = sleeps
    assert 25 <= wait <= 31


def test_503_then_success_backs_off(channel, make_client, sleeps):
    channel.script("/wp-json/wc/v3/orders", Reply(503, "Service Unavailable"), Reply())

    result = make_client(backoff=0.5).get("orders")

    assert result.status == 200
    assert result.attempts == 2
    (wait,) = sleeps
    assert 0.25 <= wait <= 0.5


def test_exhausted_retries_raise_a_retryable_error(channel, make_client, sleeps):
    channel.script("/wp-json/wc/v3/orders", *[Reply(503, "down")] * 10)

    with pytest.raises(ChannelHttpError) as info:
        make_client(max_retries=3, backoff=0.5).get("orders")

    error = info.value
    assert error.retryable
    assert error.status == 503
    assert len(channel.received) == 4
    # Exponential backoff with jitter: each wait within [base/2, base].
    assert len(sleeps) == 3
    for wait, base in zip(sleeps, (0.5, 1.0, 2.0), strict=True):
        assert base / 2 <= wait <= base


def test_retry_after_above_the_cap_raises_instead_of_sleeping(
    channel, make_client, sleeps
):
    channel.script(
        "/wp-json/wc/v3/orders",
        Reply(429, {"message": "Daily quota exceeded"}, {"Retry-After": "3600"}),
    )

    with pytest.raises(ChannelHttpError) as info:
        make_client(max_retry_after=120).get("orders")

    assert info.value.retryable
    assert info.value.retry_after == 3600
    assert info.value.message == "Daily quota exceeded"
    assert sleeps == []
    assert len(channel.received) == 1


def test_connection_refused_is_retryable(make_client, sleeps):
    client = make_client(base_url=f"http://127.0.0.1:{closed_port()}", max_retries=2)

    with pytest.raises(ChannelHttpError) as info:
        client.post("orders/1/notes", json={"note": "x"})

    error = info.value
    assert error.retryable
    assert error.status is None
    assert error.code == "connection_error"
    assert "127.0.0.1" in str(error)
    # Nothing reached the channel, so even a POST is safely resent.
    assert len(sleeps) == 2


def test_read_timeout_resends_idempotent_calls_only(channel, make_client, sleeps):
    slow = Reply(200, {}, delay=0.5)
    channel.script("/wp-json/wc/v3/orders/1", slow, slow)
    channel.script("/wp-json/wc/v3/orders/1/refunds", slow)
    client = make_client(timeout=(2, 0.1), max_retries=1)

    with pytest.raises(ChannelHttpError) as read:
        client.get("orders/1")
    with pytest.raises(ChannelHttpError) as write:
        client.post("orders/1/refunds", json={"amount": "5.00"})

    assert read.value.code == write.value.code == "timeout"
    assert read.value.retryable and write.value.retryable
    # The refund may have been created: it is not sent a second time.
    assert channel.paths().count("/wp-json/wc/v3/orders/1") == 2
    assert channel.paths().count("/wp-json/wc/v3/orders/1/refunds") == 1


def test_ambiguous_gateway_errors_do_not_resend_a_post(channel, make_client):
    channel.script("/wp-json/wc/v3/orders/1/refunds", Reply(502, "Bad Gateway"))
    channel.script("/wp-json/wc/v3/products/batch", Reply(504, "Timeout"), Reply())

    with pytest.raises(ChannelHttpError) as info:
        make_client().post("orders/1/refunds", json={"amount": "5.00"})
    result = make_client().post("products/batch", json={}, idempotent=True)

    assert info.value.retryable
    assert channel.paths().count("/wp-json/wc/v3/orders/1/refunds") == 1
    assert result.attempts == 2


# --- errors -------------------------------------------------------------------


def test_400_carries_the_channels_own_message(channel, make_client, sleeps):
    channel.script("/wp-json/wc/v3/orders/1/refunds", Reply(400, WOO_REFUND_ERROR))

    with pytest.raises(ChannelHttpError) as info:
        make_client().post("orders/1/refunds", json={"amount": "0"})

    error = info.value
    assert not error.retryable
    assert error.status == 400
    assert error.code == "woocommerce_rest_invalid_order_refund"
    assert error.message == "Refund amount must be greater than zero."
    assert str(error) == (
        "HTTP 400 (woocommerce_rest_invalid_order_refund): "
        "Refund amount must be greater than zero."
    )
    assert "woocommerce_rest_invalid_order_refund" in error.body
    assert sleeps == []
    assert len(channel.received) == 1


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {
                "errors": [
                    {
                        "category": "INVALID_REQUEST_ERROR",
                        "code": "NOT_FOUND",
                        "detail": "Location not found",
                        "field": "location_id",
                    }
                ]
            },
            "NOT_FOUND",
            "Location not found",
        ),
        (
            {"message": "Order 12 not found", "status": 404},
            "http_404",
            "Order 12 not found",
        ),
        (
            {"error": "invalid_client", "error_description": "Unknown API key"},
            "invalid_client",
            "Unknown API key",
        ),
        ("<html>Not Found</html>", "http_404", "Not Found"),
    ],
)
def test_error_shapes_of_other_channels(channel, make_client, body, code, message):
    channel.script("/wp-json/wc/v3/thing", Reply(404, body))

    with pytest.raises(ChannelHttpError) as info:
        make_client().get("thing")

    assert (info.value.code, info.value.message) == (code, message)
    assert not info.value.retryable


@pytest.mark.parametrize("declared", [{"status": 400}, 400])
def test_500_declaring_a_client_error_is_not_retryable(channel, make_client, declared):
    # WooCommerce answers a negative refund amount with HTTP 500 and declares
    # the real status in "data", as an object or as a bare number.
    body = {
        "code": "woocommerce_rest_cannot_create_order_refund",
        "message": "Invalid refund amount.",
        "data": declared,
    }
    channel.script("/wp-json/wc/v3/orders/1/refunds", Reply(500, body))

    with pytest.raises(ChannelHttpError) as info:
        make_client().post("orders/1/refunds", json={"amount": "-5"})

    assert not info.value.retryable
    assert info.value.message == "Invalid refund amount."


def test_plain_500_is_retryable_later_but_not_resent_now(channel, make_client):
    channel.script("/wp-json/wc/v3/orders", Reply(500, "Internal Server Error"))

    with pytest.raises(ChannelHttpError) as info:
        make_client().get("orders")

    assert info.value.retryable
    assert info.value.message == "Internal Server Error"
    assert len(channel.received) == 1


# --- rate limit and circuit breaker ------------------------------------------


def test_rate_limiter_is_consulted_before_every_attempt(channel, make_client):
    now = [0.0]
    waits = []

    def fake_sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(2, 1, clock=lambda: now[0], sleep=fake_sleep)
    channel.script("/wp-json/wc/v3/orders", Reply(503, "x", {"Retry-After": "0"}))
    client = make_client(rate_limiter=bucket)

    client.get("orders")  # two attempts
    client.get("orders")

    assert waits == [0.5, 0.5]
    assert len(channel.received) == 3


def test_before_attempt_runs_before_every_attempt(channel, make_client):
    channel.script("/wp-json/wc/v3/orders", Reply(503, "x", {"Retry-After": "0"}))
    turns = []

    make_client().get("orders", before_attempt=lambda: turns.append(len(turns)))

    assert turns == [0, 1]
    assert len(channel.received) == 2


def test_an_error_before_an_attempt_sends_nothing(channel, make_client):
    channel.script("/wp-json/wc/v3/orders", Reply(503, "x", {"Retry-After": "0"}))
    turns = []

    def second_turn_later():
        turns.append(1)
        if len(turns) == 2:
            raise ChannelHttpError("not yet", retryable=True, retry_after=60)

    with pytest.raises(ChannelHttpError, match="not yet"):
        make_client().get("orders", before_attempt=second_turn_later)

    assert len(channel.received) == 1


def test_breaker_opens_after_consecutive_failures(channel, make_client):
    now = [1000.0]
    breaker = InMemoryBreaker(threshold=2, cooldown=30, clock=lambda: now[0])
    records = []
    client = make_client(breaker=breaker, max_retries=1, on_call=records.append)
    channel.script("/wp-json/wc/v3/orders", *[Reply(503, "down")] * 4)

    for _ in range(2):
        with pytest.raises(ChannelHttpError):
            client.get("orders")
    requests_before = len(channel.received)
    now[0] += 10
    with pytest.raises(CircuitOpenError) as info:
        client.get("orders")

    assert breaker.state.state == OPEN
    assert len(channel.received) == requests_before == 4
    assert info.value.retryable
    assert info.value.retry_after == 20
    assert records[-1].attempts == 0
    assert "paused" in records[-1].error

    # After the cooldown a trial call goes out; its success closes the circuit.
    now[0] += 20
    assert client.get("orders").status == 200
    assert breaker.state.state == CLOSED


def test_client_errors_do_not_open_the_breaker(channel, make_client):
    breaker = InMemoryBreaker(threshold=1, cooldown=30)
    client = make_client(breaker=breaker)
    channel.script("/wp-json/wc/v3/orders/9", *[Reply(404, {"message": "no"})] * 3)

    for _ in range(3):
        with pytest.raises(ChannelHttpError) as info:
            client.get("orders/9")
        assert not isinstance(info.value, CircuitOpenError)

    assert breaker.state.state == CLOSED
    assert len(channel.received) == 3


# --- call records and secrets -------------------------------------------------


def test_call_records_never_contain_secrets(channel, make_client):
    echoed = (
        f"<{channel.url}/wp-json/wc/v3/orders?consumer_key={CK}"
        f"&consumer_secret={CS}&page=2>; rel=next"
    )
    channel.script(
        "/wp-json/wc/v3/orders",
        Reply(200, [{"id": 1}], {"Link": echoed}),
        Reply(
            401,
            {
                "code": "woocommerce_rest_authentication_error",
                "message": f"Consumer secret is invalid. (you sent {CS})",
                "data": {"status": 401},
            },
        ),
    )
    records = []
    client = make_client(auth=(CK, CS), on_call=records.append)
    params = {"consumer_key": CK, "consumer_secret": CS, "per_page": 100}

    client.get("orders", params=params)
    with pytest.raises(ChannelHttpError) as info:
        client.post("orders", params=params, json={"webhook": {"secret": "whsec_1a2b"}})

    # The channel did get the real credentials...
    expected_auth = "Basic " + base64.b64encode(f"{CK}:{CS}".encode()).decode()
    assert channel.received[0].headers["Authorization"] == expected_auth
    assert channel.received[0].query["consumer_secret"] == [CS]
    # ...but nothing recorded or raised shows them.
    ok, failed = records
    assert ok.status == 200 and ok.attempts == 1 and ok.error == ""
    assert "consumer_secret=***" in ok.url and "per_page=100" in ok.url
    assert failed.status == 401
    assert failed.error == str(info.value)
    assert "Consumer secret is invalid." in failed.error
    assert '"secret": "***"' in failed.request_body
    recorded = repr(records) + str(info.value) + info.value.body
    for secret in (CK, CS, "whsec_1a2b"):
        assert secret not in recorded
    assert failed.elapsed > 0


def test_basic_auth_object_credentials_are_redacted_too(channel, make_client):
    channel.script(
        "/wp-json/wc/v3/orders",
        Reply(401, {"message": f"Consumer key {CK} with secret {CS} is invalid."}),
    )
    records = []
    client = make_client(auth=HTTPBasicAuth(CK, CS), on_call=records.append)

    with pytest.raises(ChannelHttpError) as info:
        client.get("orders")

    assert info.value.message == "Consumer key *** with secret *** is invalid."
    assert CS not in records[0].response_body
    assert not info.value.retryable


def test_failing_on_call_hook_does_not_change_the_outcome(channel, make_client):
    def broken_hook(record):
        raise RuntimeError("log table is gone")

    result = make_client(on_call=broken_hook).get("orders")

    assert result.status == 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_parse_retry_after(value, expected):
    assert http_client.parse_retry_after(value) == expected


def test_parse_retry_after_http_date_in_the_past_is_zero():
    assert http_client.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
