"""The request handler every sandbox builds on.

`JsonHandler` routes requests to methods declared with `route`, reads JSON,
answers JSON and errors, applies the inbound faults (latency, 429 with
Retry-After, 5xx) before a route runs, and serves the control endpoints every
sandbox shares under ``/_sandbox/``. `api_call` wraps the routes of a
channel's API: authentication, the channel's error answers and a log of every
call; `RequestLogRoutes` serves that log.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler

from .client import USER_AGENT
from .faults import Faults, InboundFault

_logger = logging.getLogger(__package__)

ADMIN_PREFIX = "/_sandbox/"
MAX_BODY = 16 * 1024 * 1024


class HttpError(Exception):
    """Raise from a route to answer an error; the handler formats the body.

    A channel whose errors carry more than a code and a message subclasses
    it and returns the whole answer from `body`.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> object | None:
        """The complete JSON answer, or ``None`` to let the handler format it."""
        return None


def route(method: str, pattern: str, *, faults: bool = True):
    """Declare a `JsonHandler` method as the handler of ``method`` + ``pattern``.

    ``pattern`` must match the whole path (query string excluded); its named
    groups reach the handler through the ``match`` argument. ``faults=False``
    exempts the route from inbound faults (inspection endpoints). A handler
    returns ``(status, body)`` or ``(status, body, headers)`` to answer JSON,
    or ``None`` when it answered itself.
    """

    def decorate(function):
        routes = function.__dict__.setdefault("_sandbox_routes", [])
        routes.append((method.upper(), pattern, faults))
        return function

    return decorate


def api_call(scope: str | None = None):
    """Wrap a route of a channel's API: authenticate, answer errors, log the call.

    Before the route runs, the handler's ``authenticate(scope)`` returns how
    the caller authenticated (a name such as ``"basic"``), or raises an
    `HttpError` to refuse. An `HttpError` from either becomes an answer in the
    channel's format (`JsonHandler.error_answer`). A route may set
    ``self.call_items`` (the size of a batch, say). Every call, refused or
    not, goes to ``app.log_request`` as ``{"method", "path", "auth", "status",
    "items", "at"}``. Put `route` above it::

        @route("GET", r"/api/orders")
        @api_call("read")
        def list_orders(self, match): ...
    """

    def decorate(function):
        def handler(self, match):
            record = {
                "method": self.command,
                "path": self.route_path,
                "auth": None,
                "status": None,
                "items": None,
                "at": time.time(),
            }
            self.call_items = None
            try:
                record["auth"] = self.authenticate(scope)
                result = function(self, match)
                status = result[0]
            except HttpError as exc:
                result = (exc.status, self.error_answer(exc), exc.headers)
                status = exc.status
            record["status"] = status
            record["items"] = self.call_items
            self.app.log_request(record)
            return result

        handler.__name__ = function.__name__
        handler.__doc__ = function.__doc__
        return handler

    return decorate


@dataclass(frozen=True)
class _Route:
    method: str
    regex: re.Pattern
    faults: bool
    attribute: str


class JsonHandler(BaseHTTPRequestHandler):
    """Base request handler of every sandbox.

    Subclasses declare routes with `route`; derived routes are tried before
    inherited ones. Per request the handler exposes ``route_path`` (decoded
    path), ``query`` (dict of lists), ``body`` (raw bytes), `json_body()`,
    and ``app`` / ``faults`` from its server. Override `error_body` to speak a
    channel's own error format.
    """

    protocol_version = "HTTP/1.1"
    server_version = USER_AGENT
    # Idle kept-alive connections must not pin a thread forever.
    timeout = 30
    max_body = MAX_BODY
    _routes: tuple[_Route, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._routes = cls._collect_routes()

    @classmethod
    def _collect_routes(cls) -> tuple[_Route, ...]:
        routes, seen = [], set()
        for klass in cls.__mro__:
            for attribute, value in vars(klass).items():
                if attribute in seen:
                    continue
                seen.add(attribute)
                for method, pattern, faults in getattr(value, "_sandbox_routes", ()):
                    regex = re.compile(pattern)
                    routes.append(_Route(method, regex, faults, attribute))
        return tuple(routes)

    # -- request plumbing -------------------------------------------------

    @property
    def app(self):
        """The channel state object the server was started with."""
        return self.server.app

    @property
    def faults(self) -> Faults:
        """The server's `Faults`."""
        return self.server.faults

    def do_GET(self):  # noqa: N802 - http.server naming
        self._dispatch("GET")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self):  # noqa: N802
        self._dispatch("PUT")

    def do_PATCH(self):  # noqa: N802
        self._dispatch("PATCH")

    def do_DELETE(self):  # noqa: N802
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        self.body = b""
        self.query: dict[str, list[str]] = {}
        self._responded = False
        try:
            parts = urllib.parse.urlsplit(self.path)
            self.route_path = urllib.parse.unquote(parts.path) or "/"
            self.query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
            self.body = self._read_body()
            target, match, with_faults = self._match(method)
            if with_faults and self._inject_fault():
                return
            result = getattr(self, target)(match)
            if result is not None and not self._responded:
                self.send_json(*result)
        except HttpError as exc:
            self._answer_error(exc)
        except Exception:
            _logger.exception("%s %s failed", method, self.path)
            self._answer_error(
                HttpError(500, "internal sandbox error", code="internal_error")
            )

    def _answer_error(self, exc: HttpError) -> None:
        if self._responded:
            # Half an answer is already on the wire: the only safe move is
            # to drop the connection.
            self.close_connection = True
            return
        self.send_json(exc.status, self.error_answer(exc), exc.headers)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw_length = self.headers.get("Content-Length")
        if not raw_length:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            self.close_connection = True
            raise HttpError(400, "invalid Content-Length") from None
        if length < 0:
            self.close_connection = True
            raise HttpError(400, "invalid Content-Length")
        if length > self.max_body:
            self.close_connection = True
            raise HttpError(413, f"request body over {self.max_body} bytes")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise HttpError(400, "malformed chunked body") from None
            if size == 0:
                # Trailers end with an empty line.
                for _ in range(100):
                    if self.rfile.readline(65537) in (b"\r\n", b"\n", b""):
                        break
                return b"".join(chunks)
            total += size
            if total > self.max_body:
                self.close_connection = True
                raise HttpError(413, f"request body over {self.max_body} bytes")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(65537)

    def _match(self, method: str) -> tuple[str, re.Match, bool]:
        allowed = []
        for candidate in self._routes:
            match = candidate.regex.fullmatch(self.route_path)
            if match is None:
                continue
            if candidate.method == method:
                return candidate.attribute, match, candidate.faults
            allowed.append(candidate.method)
        if allowed:
            raise HttpError(
                405,
                f"method {method} not allowed on {self.route_path}",
                headers={"Allow": ", ".join(sorted(set(allowed)))},
            )
        raise HttpError(404, f"no route for {method} {self.route_path}")

    def _inject_fault(self) -> bool:
        decision = self.faults.inbound()
        if decision.delay:
            time.sleep(decision.delay)
        if decision.status is None:
            return False
        self.fault_response(decision)
        return True

    def fault_response(self, decision: InboundFault) -> None:
        """Answer an injected 429 / 5xx; override for a channel's own body."""
        if decision.status == 429:
            self.send_error_json(
                429,
                "Too many requests, retry later.",
                code="rate_limited",
                headers={"Retry-After": decision.retry_after},
            )
        else:
            self.send_error_json(
                decision.status,
                "Service unavailable (fault injected by the sandbox).",
                code="sandbox_fault",
            )

    # -- request helpers --------------------------------------------------

    def json_body(self, *, required: bool = True):
        """The request body parsed as JSON; 400 when malformed or missing."""
        if not self.body.strip():
            if required:
                raise HttpError(400, "request body is empty", code="empty_body")
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(
                400, f"malformed JSON: {exc}", code="malformed_json"
            ) from None

    def query_value(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    # -- responses --------------------------------------------------------

    def error_answer(self, exc: HttpError) -> object:
        """The JSON body answering ``exc``: its own `HttpError.body`, if any."""
        body = exc.body()
        if body is None:
            body = self.error_body(exc.status, exc.message, exc.code)
        return body

    def error_body(self, status: int, message: str, code: str | None) -> object:
        """The JSON body of an error answer."""
        if code is None:
            try:
                code = HTTPStatus(status).phrase.lower().replace(" ", "_")
            except ValueError:
                code = "error"
        return {"error": code, "message": message}

    def send_error_json(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer an error in the channel's error format."""
        self.send_json(status, self.error_body(status, message, code), headers)

    def send_json(
        self, status: int, body: object, headers: Mapping[str, str] | None = None
    ) -> None:
        """Answer ``body`` as JSON."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_bytes(status, data, "application/json; charset=utf-8", headers)

    def send_bytes(
        self,
        status: int,
        data: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer raw bytes with an exact Content-Length (keep-alive safe)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self._responded = True
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - http.server signature
        _logger.debug("%s %s", self.address_string(), format % args)

    # -- admin endpoints shared by every sandbox -------------------------

    @route("GET", r"/_sandbox/state", faults=False)
    def _admin_state(self, match):
        return 200, self.server.state()

    @route("GET", r"/_sandbox/faults", faults=False)
    def _admin_get_faults(self, match):
        return 200, {"faults": self.faults.config.to_dict()}

    @route("POST", r"/_sandbox/faults", faults=False)
    def _admin_set_faults(self, match):
        changes = self.json_body()
        if not isinstance(changes, dict):
            raise HttpError(400, "expected a JSON object of fault settings")
        try:
            config = self.faults.configure(**changes)
        except (TypeError, ValueError) as exc:
            raise HttpError(400, str(exc), code="invalid_faults") from None
        _logger.info("faults changed: %s", changes)
        return 200, {"faults": config.to_dict()}

    @route("GET", r"/_sandbox/deliveries", faults=False)
    def _admin_deliveries(self, match):
        deliverer = self.server.deliverer
        attempts = deliverer.attempts() if deliverer is not None else []
        return 200, [attempt.to_dict() for attempt in attempts]

    @route("POST", r"/_sandbox/reset", faults=False)
    def _admin_reset(self, match):
        self.server.reset()
        return 200, {"status": "reset"}


JsonHandler._routes = JsonHandler._collect_routes()


class RequestLogRoutes:
    """Mix into a handler to serve ``GET /_sandbox/requests``: the app's call log."""

    @route("GET", r"/_sandbox/requests", faults=False)
    def _admin_requests(self, match):
        with self.app.lock:
            return 200, list(self.app.requests)


class AdminRoutes(RequestLogRoutes):
    """Mix into a handler for its ``/_sandbox/`` control endpoints.

    ``_admin_body()`` reads the JSON object sent (or ``{}``);
    ``_admin_call(function, ...)`` runs a change of the app and turns what it
    raises into answers: the sandbox's own refusals (``admin_refusals``, a
    tuple of exception classes) into 422, an unknown id (``KeyError``) into
    404, bad arguments into 400.
    """

    admin_refusals = ()

    def _admin_body(self) -> dict:
        data = self.json_body(required=False) or {}
        if not isinstance(data, dict):
            raise HttpError(400, "expected a JSON object")
        return data

    def _admin_call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            if isinstance(exc, self.admin_refusals):
                raise HttpError(422, str(exc)) from None
            if isinstance(exc, KeyError):
                reason = str(exc.args[0]) if exc.args else "not found"
                raise HttpError(404, reason) from None
            if isinstance(exc, TypeError | ValueError):
                raise HttpError(400, f"invalid request: {exc}") from None
            raise
