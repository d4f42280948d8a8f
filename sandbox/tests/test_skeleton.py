"""The skeleton a new sandbox is built on, exercised by a tiny sandbox."""

import hashlib
import json
import threading
import time
from decimal import Decimal

import pytest

from sandbox.common import (
    Deliverer,
    HttpError,
    JsonHandler,
    Outbox,
    RequestLogRoutes,
    SandboxApp,
    api_call,
    compact_json,
    constant_time_equal,
    decode_cursor,
    encode_cursor,
    hmac_base64,
    hmac_hex,
    http_request,
    link_header,
    offset_page,
    once,
    page_count,
    parse_decimal,
    request_json,
    round_half_up,
    route,
    serve,
    serve_app,
    stop_event,
    url_with,
)

SECRET = "notes-secret"


class NotesApp(SandboxApp):
    """A channel of notes: webhook ``note.created`` to every subscriber."""

    name = "notes"

    def __init__(self, subscribers=(), delay=0.0):
        super().__init__()
        self.notes = []
        self.subscribers = list(subscribers)
        self.deliverer = Deliverer(self.faults, workers=1, name="notes")
        self.outbox = Outbox(self.lock, self._fan_out, self._send, delay=delay)

    def _fan_out(self, event):
        return [(url, event) for url in self.subscribers]

    def _send(self, job):
        url, (topic, note_id) = job
        body = once(lambda: compact_json(self.notes[note_id], escape_slashes=True))
        self.deliverer.submit(
            url,
            body,
            lambda raw: {"X-Signature": hmac_base64(SECRET, raw), "X-Topic": topic},
        )

    def add(self, text):
        self.notes.append({"id": len(self.notes), "text": text})
        self.emit(("note.created", len(self.notes) - 1))
        return self.notes[-1]

    def state(self):
        return {"notes": len(self.notes)}


class NotesError(HttpError):
    def body(self):
        return {"errors": [{"code": self.code, "detail": self.message}]}


class NotesHandler(RequestLogRoutes, JsonHandler):
    def authenticate(self, scope):
        if self.headers.get("Authorization") != "key":
            raise NotesError(401, "no key", code="UNAUTHORIZED")
        return "key"

    @route("POST", r"/notes")
    @api_call("write")
    def create(self, match):
        data = self.json_body()
        with self.app.change() as app:
            note = app.add(data["text"])
            if data.get("twice"):
                app.add(data["text"] + " (again)")
            if data.get("fail"):
                raise NotesError(400, "refused", code="INVALID")
        return 201, note

    @route("GET", r"/notes")
    @api_call("read")
    def index(self, match):
        offset = int(self.query_value("offset", "0"))
        page = offset_page(self.app.notes, offset, 2)
        self.call_items = len(page.items)
        links = []
        if page.next_offset is not None:
            pairs = [(k, v) for k, values in self.query.items() for v in values]
            links.append(
                (url_with("/notes", pairs, "offset", page.next_offset), "next")
            )
        headers = {"Link": link_header(links)} if links else {}
        return 200, {"notes": page.items, "total": page.total}, headers


class Script:
    """A webhook endpoint: records every request, answers the scripted
    ``(status, headers)`` first, then 200."""

    def __init__(self, answers=()):
        self.lock = threading.Lock()
        self.answers = list(answers)
        self.received = []

    def receive(self, body, headers):
        with self.lock:
            self.received.append((body, headers))
            return self.answers.pop(0) if self.answers else (200, {})


class ScriptHandler(JsonHandler):
    @route("POST", r"/hook")
    def hook(self, match):
        status, headers = self.app.receive(self.body, dict(self.headers))
        return status, {}, headers


@pytest.fixture
def hooks():
    server = serve(ScriptHandler, app=Script())
    yield server
    server.shutdown()


def test_a_sandbox_in_a_few_lines(hooks):
    app = NotesApp([f"{hooks.url}/hook"])
    server = serve_app(NotesHandler, app)
    try:
        status, body = request_json("POST", f"{server.url}/notes", {"text": "a/b"})
        assert status == 401
        assert body == {"errors": [{"code": "UNAUTHORIZED", "detail": "no key"}]}
        auth = {"Authorization": "key"}
        for text in ("one/1", "two", "three"):
            status, _ = request_json(
                "POST", f"{server.url}/notes", {"text": text}, headers=auth
            )
            assert status == 201
        assert app.wait_idle(5)
        bodies = sorted(body for body, _ in hooks.app.received)
        assert bodies[0] == b'{"id":0,"text":"one\\/1"}'
        for raw, headers in hooks.app.received:
            assert constant_time_equal(hmac_base64(SECRET, raw), headers["X-Signature"])
            assert headers["X-Topic"] == "note.created"

        response = http_request("GET", f"{server.url}/notes?offset=0", headers=auth)
        assert response.json() == {"notes": app.notes[:2], "total": 3}
        assert response.headers["link"] == '</notes?offset=2>; rel="next"'
        status, log = request_json("GET", f"{server.url}/_sandbox/requests")
        assert [(r["method"], r["status"], r["auth"], r["items"]) for r in log] == [
            ("POST", 401, None, None),
            ("POST", 201, "key", None),
            ("POST", 201, "key", None),
            ("POST", 201, "key", None),
            ("GET", 200, "key", 2),
        ]
        state = request_json("GET", f"{server.url}/_sandbox/state")[1]
        assert state["name"] == "notes" and state["channel"] == {"notes": 3}
        assert state["deliveries"]["delivered"] == 3
        request_json("POST", f"{server.url}/_sandbox/reset", {})
        assert app.requests == []
    finally:
        server.shutdown()
    assert app.stopping.is_set()


def test_a_failed_change_sends_nothing_and_a_delay_holds_deliveries(hooks):
    app = NotesApp([f"{hooks.url}/hook"], delay=0.3)
    server = serve_app(NotesHandler, app)
    auth = {"Authorization": "key"}
    try:
        status, body = request_json(
            "POST", f"{server.url}/notes", {"text": "x", "fail": True}, headers=auth
        )
        assert status == 400 and body["errors"][0]["code"] == "INVALID"
        request_json(
            "POST", f"{server.url}/notes", {"text": "y", "twice": True}, headers=auth
        )
        assert app.outbox.scheduled == 2
        time.sleep(0.1)
        assert hooks.app.received == []
        assert app.wait_idle(5)
        texts = sorted(json.loads(body)["text"] for body, _ in hooks.app.received)
        assert texts == ["y", "y (again)"]
    finally:
        server.shutdown()


def test_outbox_notes_an_event_once_per_change():
    lock = threading.RLock()
    sent, done = [], threading.Event()

    def send(job):
        sent.append(job)
        if len(sent) == 4:
            done.set()

    outbox = Outbox(lock, lambda event: [event, event], send).start()
    with lock:
        outbox.emit("a")
        outbox.emit("a")
        outbox.emit("b")
    assert not outbox.idle()
    outbox.flush()
    assert done.wait(5)
    outbox.stop()
    outbox.join()
    assert sent == ["a", "a", "b", "b"] and outbox.idle()


def test_paging_helpers():
    page = offset_page(list(range(7)), 5, 3)
    assert (page.items, page.total, page.has_more, page.next_offset) == (
        [5, 6],
        7,
        False,
        None,
    )
    assert offset_page(list(range(7)), 0, 3).next_offset == 3
    assert offset_page([], 10, 3).items == []
    assert page_count(7, 3) == 3 and page_count(0, 3) == 0
    assert url_with("http://x/a", [("page", "1"), ("q", "é")], "page", 2) == (
        "http://x/a?q=%C3%A9&page=2"
    )
    assert link_header([("u1", "next"), ("u2", "last")]) == (
        '<u1>; rel="next", <u2>; rel="last"'
    )
    token = encode_cursor({"offset": 200, "sort": "updated_at"})
    assert "=" not in token and decode_cursor(token) == {
        "offset": 200,
        "sort": "updated_at",
    }
    for bad in ("!!", "bm90IGpzb24", encode_cursor({})[:-1] + "x", "WzFd"):
        with pytest.raises(ValueError):
            decode_cursor(bad)


def test_signatures_and_wire_values():
    # GitHub's documented test vector.
    assert hmac_hex("It's a Secret to Everybody", "Hello, World!") == (
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )
    assert hmac_hex(b"k", b"m", hashlib.md5) == hmac_hex("k", "m", hashlib.md5)
    assert constant_time_equal("abc", b"abc") and not constant_time_equal("a", "b")
    value = {"url": "https://x/y", "name": "Café €"}
    assert compact_json(value) == '{"url":"https://x/y","name":"Café €"}'.encode()
    assert compact_json(value, ascii_only=True, escape_slashes=True) == (
        b'{"url":"https:\\/\\/x\\/y","name":"Caf\\u00e9 \\u20ac"}'
    )
    assert parse_decimal(" 10.50 ") == Decimal("10.50")
    assert parse_decimal(3) == Decimal(3)
    for bad in (True, None, "ten", "NaN", "inf", [1]):
        with pytest.raises(ValueError):
            parse_decimal(bad)
    assert round_half_up(Decimal("2.345")) == Decimal("2.35")
    assert round_half_up(Decimal("2.0000005"), Decimal("0.000001")) == Decimal(
        "2.000001"
    )


def test_once_and_stop_event():
    calls = []
    render = once(lambda *args: calls.append(args) or len(calls))
    assert render(1) == 1 and render(2) == 1 and calls == [(1,)]
    started = time.monotonic()
    stop = stop_event(0.1)
    assert stop.wait(5) and time.monotonic() - started < 5


def test_retries_honour_retry_after_and_a_backoff_cap():
    server = serve(ScriptHandler, app=Script([(429, {"Retry-After": "0"}), (503, {})]))
    try:
        with Deliverer(
            workers=1,
            max_attempts=3,
            retry_delay=5,
            max_retry_delay=0.05,
            retry_after_limit=60,
        ) as deliverer:
            started = time.monotonic()
            deliverer.submit(f"{server.url}/hook", b"{}")
            assert deliverer.wait_idle(10)
            # Without Retry-After: 0 and the cap, the waits would be 5 s and 10 s.
            assert time.monotonic() - started < 1
        assert [a.status for a in deliverer.attempts()] == [429, 503, 200]
        assert deliverer._retry_wait(1, "7200") == 60
        assert deliverer._retry_wait(4, "Wed, 21 Oct 2015 07:28:00 GMT") == 0.05
    finally:
        server.shutdown()
