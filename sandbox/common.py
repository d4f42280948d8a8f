"""Shared machinery of the channel stand-ins.

Every sandbox is a small HTTP server on loopback built from the same parts:

- `FaultConfig` / `Faults`: what can go wrong and the decisions about when it
  does. Decisions come from independent random streams (one per kind of
  decision) seeded from `FaultConfig.seed`, so the n-th inbound request or the
  n-th webhook delivery always gets the same fate for a given seed, whatever
  else runs concurrently.
- `JsonHandler`: a request handler with regex routes declared by `@route`,
  JSON in and out, inbound faults (latency, 429 with Retry-After, 5xx) applied
  before the route runs, and the admin endpoints every sandbox shares:

  ``GET /_sandbox/state``        faults, counters, deliveries, channel state
  ``GET /_sandbox/faults``       the current `FaultConfig`
  ``POST /_sandbox/faults``      change some `FaultConfig` fields at runtime
  ``GET /_sandbox/deliveries``   every webhook delivery attempt
  ``POST /_sandbox/reset``       forget recorded state, restore the start faults

- `serve()`: a `SandboxServer` running in a background thread, with `.url`
  and an idempotent `.shutdown()` that also cuts kept-alive connections, so a
  stopped sandbox really looks down to its clients.
- `Deliverer`: webhook deliveries from a queue through worker threads, with
  the drop / duplicate / reorder faults, recording every attempt (status,
  latency, response body).

Standard library only: the sandboxes are independent of the code under test.
"""

from __future__ import annotations

import argparse
import dataclasses
import email.utils
import http.client
import itertools
import json
import logging
import math
import queue
import random
import re
import socket
import threading
import time
import urllib.parse
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
ADMIN_PREFIX = "/_sandbox/"
DEFAULT_REORDER_WINDOW = 5
MAX_BODY = 16 * 1024 * 1024
BODY_EXCERPT = 2000
USER_AGENT = "RetailSandbox/1.0"


# ---------------------------------------------------------------------------
# Fault configuration and decisions
# ---------------------------------------------------------------------------

_RATE_FIELDS = (
    "error_rate",
    "rate_limit_rate",
    "drop_rate",
    "duplicate_rate",
    "bad_signature_rate",
)
_DURATION_FIELDS = ("latency_ms", "latency_jitter_ms", "retry_after")


def _number(name: str, value) -> float:
    # bool is an int subclass: `"error_rate": true` is a mistake, not 1.0.
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name}: expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return number


@dataclass(frozen=True)
class FaultConfig:
    """What a sandbox does wrong, and how often.

    Inbound faults (applied to requests the sandbox receives):
    ``latency_ms`` plus or minus ``latency_jitter_ms`` of delay before
    answering; ``rate_limit_rate`` fraction answered 429 with a
    ``Retry-After`` of ``retry_after`` seconds (an HTTP-date instead when
    ``retry_after_date``); ``error_rate`` fraction answered ``error_status``.

    Delivery faults (applied to webhooks the sandbox sends): ``drop_rate``
    fraction never sent, ``duplicate_rate`` fraction sent twice, ``reorder``
    shuffle window (0 keeps the order; ``True`` means a window of
    `DEFAULT_REORDER_WINDOW`), ``bad_signature_rate`` fraction sent with a
    wrong signature.

    ``seed`` makes every decision reproducible; ``None`` draws fresh
    randomness. Rates are fractions between 0 and 1.
    """

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_rate: float = 0.0
    retry_after: float = 1.0
    retry_after_date: bool = False
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    reorder: int = 0
    bad_signature_rate: float = 0.0
    seed: int | None = None

    def __post_init__(self):
        for name in _RATE_FIELDS:
            value = _number(name, getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: must be between 0 and 1, got {value}")
            object.__setattr__(self, name, value)
        for name in _DURATION_FIELDS:
            value = _number(name, getattr(self, name))
            if value < 0:
                raise ValueError(f"{name}: must not be negative, got {value}")
            object.__setattr__(self, name, value)
        status = self.error_status
        if isinstance(status, bool) or not isinstance(status, int | str):
            raise ValueError(f"error_status: expected a 5xx status, got {status!r}")
        try:
            status = int(status)
        except ValueError:
            raise ValueError(
                f"error_status: expected a 5xx status, got {status!r}"
            ) from None
        if not 500 <= status <= 599:
            raise ValueError(f"error_status: expected a 5xx status, got {status}")
        object.__setattr__(self, "error_status", status)
        reorder = self.reorder
        if isinstance(reorder, bool):
            reorder = DEFAULT_REORDER_WINDOW if reorder else 0
        reorder_number = _number("reorder", reorder)
        if reorder_number < 0 or reorder_number != int(reorder_number):
            raise ValueError(f"reorder: expected a window size >= 0, got {reorder!r}")
        object.__setattr__(self, "reorder", int(reorder_number))
        if not isinstance(self.retry_after_date, bool):
            value = self.retry_after_date
            raise ValueError(f"retry_after_date: expected true or false, got {value!r}")
        if self.seed is not None:
            if isinstance(self.seed, bool) or not isinstance(self.seed, int):
                raise ValueError(f"seed: expected an integer, got {self.seed!r}")

    @classmethod
    def from_dict(cls, data: Mapping) -> FaultConfig:
        """Build a config from a mapping; unknown keys are an error."""
        return cls().replace(**dict(data))

    def replace(self, **changes) -> FaultConfig:
        """A copy with ``changes`` applied and validated."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(
                f"unknown fault setting(s): {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain JSON-serializable form."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class InboundFault:
    """The fate of one inbound request."""

    delay: float = 0.0
    status: int | None = None
    retry_after: str | None = None


@dataclass(frozen=True)
class DeliveryFault:
    """The fate of one outbound webhook delivery."""

    drop: bool = False
    copies: int = 1


class Faults:
    """Thread-safe fault decisions, reproducible when the config has a seed.

    Each kind of decision draws from its own random stream and always
    consumes the same number of draws, so changing one rate at runtime does
    not shift the sequence of the other decisions.
    """

    def __init__(self, config: FaultConfig | None = None):
        self._initial = config or FaultConfig()
        self._lock = threading.Lock()
        self._config = self._initial
        self._streams: dict[str, random.Random] = {}
        self._counters: Counter = Counter()

    @property
    def config(self) -> FaultConfig:
        """The current configuration."""
        return self._config

    def configure(self, config: FaultConfig | None = None, **changes) -> FaultConfig:
        """Replace the config, or change some of its fields.

        The random streams restart only when the seed changes, so raising a
        rate mid-test continues the same reproducible sequence.
        """
        with self._lock:
            new = config if config is not None else self._config.replace(**changes)
            if new.seed != self._config.seed:
                self._streams.clear()
            self._config = new
            return new

    def reset(self) -> None:
        """Back to the config given at creation, streams and counters restarted."""
        with self._lock:
            self._config = self._initial
            self._streams.clear()
            self._counters.clear()

    def _stream(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            seed = self._config.seed
            stream = random.Random(f"{seed}:{name}" if seed is not None else None)
            self._streams[name] = stream
        return stream

    def inbound(self) -> InboundFault:
        """Decide latency and an injected 429 / 5xx for one inbound request."""
        with self._lock:
            config = self._config
            stream = self._stream("inbound")
            jitter_draw, limit_draw, error_draw = (stream.random() for _ in range(3))
            self._counters["requests"] += 1
            delay_ms = config.latency_ms + config.latency_jitter_ms * (
                2 * jitter_draw - 1
            )
            delay = max(0.0, delay_ms) / 1000.0
            if delay:
                self._counters["delayed"] += 1
            if limit_draw < config.rate_limit_rate:
                self._counters["rate_limited"] += 1
                return InboundFault(delay, 429, self._retry_after_value(config))
            if error_draw < config.error_rate:
                self._counters["errors"] += 1
                return InboundFault(delay, config.error_status)
            return InboundFault(delay)

    @staticmethod
    def _retry_after_value(config: FaultConfig) -> str:
        if config.retry_after_date:
            return email.utils.formatdate(time.time() + config.retry_after, usegmt=True)
        # delta-seconds is an integer in RFC 9110; round up so a client
        # honouring it never comes back too early.
        return str(math.ceil(config.retry_after))

    def delivery(self) -> DeliveryFault:
        """Decide whether one outbound delivery is dropped or duplicated."""
        with self._lock:
            config = self._config
            stream = self._stream("delivery")
            drop_draw, duplicate_draw = stream.random(), stream.random()
            self._counters["deliveries"] += 1
            if drop_draw < config.drop_rate:
                self._counters["dropped"] += 1
                return DeliveryFault(drop=True, copies=0)
            if duplicate_draw < config.duplicate_rate:
                self._counters["duplicated"] += 1
                return DeliveryFault(copies=2)
            return DeliveryFault()

    def bad_signature(self) -> bool:
        """Whether the next outbound delivery should carry a wrong signature."""
        with self._lock:
            bad = self._stream("signature").random() < self._config.bad_signature_rate
            if bad:
                self._counters["bad_signatures"] += 1
            return bad

    def chance(self, stream: str, rate: float) -> bool:
        """A reproducible yes/no with probability ``rate`` from a named stream.

        For channel-specific faults that `FaultConfig` does not model.
        """
        with self._lock:
            return self._stream(f"custom:{stream}").random() < rate

    def shuffle(self, items: list) -> list:
        """A shuffled copy of ``items`` (the reorder fault)."""
        with self._lock:
            shuffled = list(items)
            self._stream("reorder").shuffle(shuffled)
            if len(shuffled) > 1:
                self._counters["reordered_batches"] += 1
            return shuffled

    @property
    def reorder_window(self) -> int:
        """Current shuffle window for deliveries (0 or 1: keep the order)."""
        return self._config.reorder

    def counters(self) -> dict:
        """How many decisions of each kind were taken."""
        with self._lock:
            return dict(self._counters)

    def snapshot(self) -> dict:
        """Config and counters, for the state endpoint."""
        with self._lock:
            return {"config": self._config.to_dict(), "counters": dict(self._counters)}


def add_fault_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the command-line knobs that build a `FaultConfig`."""
    inbound = parser.add_argument_group(
        "faults on requests this sandbox receives",
        "Change them at runtime with POST /_sandbox/faults.",
    )
    inbound.add_argument("--latency-ms", type=float, default=0.0, metavar="MS")
    inbound.add_argument("--latency-jitter-ms", type=float, default=0.0, metavar="MS")
    inbound.add_argument(
        "--error-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of requests answered with --error-status",
    )
    inbound.add_argument("--error-status", type=int, default=503, metavar="5XX")
    inbound.add_argument(
        "--rate-limit",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of requests answered 429 with Retry-After",
    )
    inbound.add_argument(
        "--retry-after",
        type=float,
        default=1.0,
        metavar="S",
        help="Retry-After seconds on a 429 (default 1)",
    )
    outbound = parser.add_argument_group("faults on webhooks this sandbox sends")
    outbound.add_argument(
        "--drop", type=float, default=0.0, metavar="F", help="fraction never sent"
    )
    outbound.add_argument(
        "--duplicates",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction sent twice",
    )
    outbound.add_argument(
        "--out-of-order",
        type=int,
        default=0,
        metavar="N",
        help="shuffle deliveries within windows of N (0: keep the order)",
    )
    outbound.add_argument(
        "--bad-signature",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction sent with a wrong signature",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="make every random choice reproducible"
    )


def fault_config_from_args(args: argparse.Namespace) -> FaultConfig:
    """The `FaultConfig` described by `add_fault_arguments` options."""
    return FaultConfig(
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.latency_jitter_ms,
        error_rate=args.error_rate,
        error_status=args.error_status,
        rate_limit_rate=args.rate_limit,
        retry_after=args.retry_after,
        drop_rate=args.drop,
        duplicate_rate=args.duplicates,
        reorder=args.out_of_order,
        bad_signature_rate=args.bad_signature,
        seed=args.seed,
    )


# ---------------------------------------------------------------------------
# HTTP server side
# ---------------------------------------------------------------------------


class HttpError(Exception):
    """Raise from a route to answer an error; the handler formats the body."""

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
            self._answer_error(exc.status, exc.message, exc.code, exc.headers)
        except Exception:
            _logger.exception("%s %s failed", method, self.path)
            self._answer_error(500, "internal sandbox error", "internal_error", {})

    def _answer_error(self, status, message, code, headers) -> None:
        if self._responded:
            # Half an answer is already on the wire: the only safe move is
            # to drop the connection.
            self.close_connection = True
            return
        self.send_error_json(status, message, code=code, headers=headers)

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


class SandboxServer(ThreadingHTTPServer):
    """A threaded HTTP server carrying a sandbox's state.

    ``app`` is the channel state object (its optional ``state()`` and
    ``reset()`` feed the admin endpoints), ``faults`` the shared `Faults`,
    ``deliverer`` an optional `Deliverer` whose attempts the admin endpoints
    show.
    """

    daemon_threads = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        handler_cls: type[JsonHandler],
        *,
        app=None,
        faults: Faults | None = None,
        deliverer: Deliverer | None = None,
        name: str | None = None,
    ):
        super().__init__(address, handler_cls)
        self.app = app
        self.faults = faults if faults is not None else Faults()
        self.deliverer = deliverer
        self.name = name or handler_cls.__name__
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._cleanups: list[Callable[[], None]] = []

    @property
    def host(self) -> str:
        """The bound address."""
        return self.server_address[0]

    @property
    def port(self) -> int:
        """The bound port (the real one when started on port 0)."""
        return self.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"sandbox-{self.name}-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def add_cleanup(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the server shuts down."""
        self._cleanups.append(callback)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # A client hanging up mid-answer is routine in fault tests.
        _logger.debug(
            "connection from %s ended abruptly", client_address, exc_info=True
        )

    def shutdown(self) -> None:
        """Stop serving, close the socket and every open connection. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread is not None:
            super().shutdown()
            self._thread.join(timeout=5)
        self.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # Kept-alive connections would otherwise keep answering after
            # the server is "down".
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for callback in self._cleanups:
            try:
                callback()
            except Exception:
                _logger.exception("sandbox cleanup failed")

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()

    def state(self) -> dict:
        """Everything the admin state endpoint shows."""
        data = {"name": self.name, "url": self.url, "faults": self.faults.snapshot()}
        if self.deliverer is not None:
            data["deliveries"] = self.deliverer.summary()
        state = getattr(self.app, "state", None)
        if callable(state):
            data["channel"] = state()
        return data

    def reset(self) -> None:
        """Forget recorded state and restore the faults given at start."""
        self.faults.reset()
        if self.deliverer is not None:
            self.deliverer.reset()
        reset = getattr(self.app, "reset", None)
        if callable(reset):
            reset()


def serve(
    handler_cls: type[JsonHandler],
    host: str = LOOPBACK,
    port: int = 0,
    *,
    app=None,
    faults: Faults | None = None,
    deliverer: Deliverer | None = None,
    name: str | None = None,
    server_cls: type[SandboxServer] = SandboxServer,
) -> SandboxServer:
    """Start ``handler_cls`` on ``host:port`` (0: any free port) in a thread.

    Returns the running server: use ``.url``, ``.app`` and ``.shutdown()``
    (or ``with serve(...) as server:``).
    """
    server = server_cls(
        (host, port),
        handler_cls,
        app=app,
        faults=faults,
        deliverer=deliverer,
        name=name,
    )
    return server.start()


# ---------------------------------------------------------------------------
# HTTP client side
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResponse:
    """A response read in full: status, lower-cased headers, body, latency (s)."""

    status: int
    headers: dict[str, str]
    body: bytes
    latency: float

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (lenient)."""
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON; ``None`` when empty, the text when not JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return self.text


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> HttpResponse:
    """One HTTP request on a fresh connection; network errors raise `OSError`.

    http.client rather than urllib: no proxy settings from the environment
    can reroute a sandbox's traffic away from loopback.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    connection_cls = (
        http.client.HTTPSConnection
        if parts.scheme == "https"
        else http.client.HTTPConnection
    )
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    all_headers = {"User-Agent": USER_AGENT, "Connection": "close"}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    connection = connection_cls(parts.hostname, parts.port, timeout=timeout)
    start = time.monotonic()
    try:
        connection.request(method, target, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    latency = time.monotonic() - start
    response_headers = {name.lower(): value for name, value in response.getheaders()}
    return HttpResponse(response.status, response_headers, data, latency)


def request_json(
    method: str,
    url: str,
    payload: object = None,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, object]:
    """Send ``payload`` as JSON (if given) and return ``(status, parsed body)``."""
    body = None if payload is None else json.dumps(payload).encode("utf-8")
    response = http_request(method, url, body=body, headers=headers, timeout=timeout)
    return response.status, response.json()


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """Nearest-rank percentile (``fraction`` in 0..1) or ``None`` when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    # The epsilon keeps 0.95 * 20 from ranking 20th through float noise.
    rank = math.ceil(fraction * len(ordered) - 1e-9)
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def latency_summary(latencies: Iterable[float]) -> dict:
    """p50 / p95 / p99 / max in milliseconds, rounded to 0.1 ms."""
    values = list(latencies)
    summary = {}
    for label, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)):
        value = percentile(values, fraction)
        summary[label] = None if value is None else round(value * 1000, 1)
    return summary


# ---------------------------------------------------------------------------
# Webhook deliveries
# ---------------------------------------------------------------------------

Body = bytes | Callable[[], bytes]
Headers = Mapping[str, str] | Callable[[bytes], Mapping[str, str]] | None


@dataclass
class DeliveryAttempt:
    """One try at delivering one copy of a webhook, or the record of a drop.

    ``delivery_id`` numbers submissions from 1; ``copy`` is 0 for the
    original and 1 for an injected duplicate; ``attempt`` counts tries of
    that copy from 1 (0 for a dropped delivery, which is never sent).
    ``status`` is ``None`` when no HTTP answer came back.
    """

    delivery_id: int
    copy: int
    attempt: int
    url: str
    meta: dict
    status: int | None = None
    ok: bool = False
    latency: float = 0.0
    response_body: str = ""
    error: str = ""
    dropped: bool = False
    sent_at: float = 0.0

    def to_dict(self) -> dict:
        """Plain JSON-serializable form."""
        return dataclasses.asdict(self)

    def response_json(self):
        """The response body parsed as JSON, or ``None``."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None


@dataclass
class _Delivery:
    delivery_id: int
    copy: int
    url: str
    method: str
    body: Body
    headers: Headers
    meta: dict


def _success(status: int) -> bool:
    return 200 <= status < 300


class Deliverer:
    """Sends webhooks from a queue through ``workers`` threads, with faults.

    `submit` decides drop / duplicate through `Faults`; the reorder fault
    holds deliveries until ``reorder`` of them are waiting (or
    ``reorder_hold`` seconds passed) and releases them shuffled. The body
    and headers may be callables evaluated at send time, so a channel can
    render the body late or sign with the timestamp of the actual send.

    Every attempt is recorded (`attempts`, `summary`); ``on_attempt`` is
    called with each `DeliveryAttempt` from the worker thread. Failed
    attempts are retried up to ``max_attempts`` with exponential backoff from
    ``retry_delay``. ``is_success`` decides which statuses count as delivered
    (2xx by default). `submit` blocks while ``max_pending`` deliveries are
    outstanding, so a fast producer cannot grow the queue without bound.
    """

    def __init__(
        self,
        faults: Faults | None = None,
        *,
        workers: int = 4,
        timeout: float = 10.0,
        max_attempts: int = 1,
        retry_delay: float = 1.0,
        is_success: Callable[[int], bool] = _success,
        on_attempt: Callable[[DeliveryAttempt], None] | None = None,
        reorder_hold: float = 0.5,
        max_pending: int | None = None,
        max_records: int = 100_000,
        name: str = "deliverer",
    ):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.faults = faults if faults is not None else Faults()
        self.workers = workers
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.is_success = is_success
        self.on_attempt = on_attempt
        self.reorder_hold = reorder_hold
        self.max_pending = max_pending or max(100, workers * 10)
        self.name = name
        self._queue: queue.Queue[_Delivery] = queue.Queue()
        self._held: list[_Delivery] = []
        self._held_since: float | None = None
        self._lock = threading.Condition()
        self._outstanding = 0
        self._ids = itertools.count(1)
        self._records: deque[DeliveryAttempt] = deque(maxlen=max_records)
        self._counts: Counter = Counter()
        self._by_status: Counter = Counter()
        self._by_result: Counter = Counter()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle --------------------------------------------------------

    def start(self) -> Deliverer:
        """Start the worker threads (done by the first `submit` anyway)."""
        with self._lock:
            if self._threads or self._stop.is_set():
                return self
            for index in range(self.workers):
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{index}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the workers; deliveries not yet sent are abandoned."""
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Deliverer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- producing --------------------------------------------------------

    def submit(
        self,
        url: str,
        body: Body,
        headers: Headers = None,
        *,
        meta: Mapping | None = None,
        method: str = "POST",
    ) -> int:
        """Queue one webhook; returns its delivery id (from 1).

        ``headers`` may be a callable taking the body bytes (for signatures
        computed at send time). ``meta`` is copied onto every attempt record.
        """
        if self._stop.is_set():
            raise RuntimeError("deliverer is stopped")
        self.start()
        fault = self.faults.delivery()
        meta = dict(meta or {})
        with self._lock:
            delivery_id = next(self._ids)
            self._counts["submitted"] += 1
            if not fault.drop:
                self._wait_for_room()
                if fault.copies > 1:
                    self._counts["duplicated"] += 1
                for copy in range(fault.copies):
                    item = _Delivery(
                        delivery_id, copy, url, method, body, headers, meta
                    )
                    self._hold(item)
                    self._outstanding += 1
                return delivery_id
            self._counts["dropped"] += 1
            dropped = DeliveryAttempt(
                delivery_id, 0, 0, url, meta, dropped=True, sent_at=time.time()
            )
            self._records.append(dropped)
        if self.on_attempt is not None:
            self.on_attempt(dropped)
        return delivery_id

    def _wait_for_room(self) -> None:
        limit = max(self.max_pending, 2 * self.faults.reorder_window)
        while self._outstanding >= limit and not self._stop.is_set():
            self._lock.wait(0.05)

    def _hold(self, item: _Delivery) -> None:
        window = self.faults.reorder_window
        if window <= 1 and not self._held:
            self._queue.put(item)
            return
        if not self._held:
            self._held_since = time.monotonic()
        self._held.append(item)
        if len(self._held) >= max(window, 1):
            self._release_held()

    def _release_held(self) -> None:
        held, self._held, self._held_since = self._held, [], None
        for item in self.faults.shuffle(held):
            self._queue.put(item)

    def flush(self) -> None:
        """Release deliveries held back by the reorder fault now."""
        with self._lock:
            if self._held:
                self._release_held()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Flush and wait until every submitted delivery is done; False on timeout."""
        self.flush()
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._outstanding:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return False
                self._lock.wait(min(remaining, 0.1))
            return True

    @property
    def pending(self) -> int:
        """Deliveries submitted and not finished yet."""
        with self._lock:
            return self._outstanding

    # -- consuming --------------------------------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                self._release_if_stale()
                continue
            try:
                self._deliver(item)
            except Exception:
                _logger.exception("delivery %s failed unexpectedly", item.delivery_id)
            finally:
                with self._lock:
                    self._outstanding -= 1
                    self._lock.notify_all()

    def _release_if_stale(self) -> None:
        with self._lock:
            if (
                self._held
                and self._held_since is not None
                and time.monotonic() - self._held_since >= self.reorder_hold
            ):
                self._release_held()

    def _deliver(self, item: _Delivery) -> None:
        for attempt in range(1, self.max_attempts + 1):
            record = self._attempt(item, attempt)
            if record.ok or attempt == self.max_attempts:
                break
            if self._stop.wait(self.retry_delay * 2 ** (attempt - 1)):
                break

    def _attempt(self, item: _Delivery, attempt: int) -> DeliveryAttempt:
        record = DeliveryAttempt(
            item.delivery_id,
            item.copy,
            attempt,
            item.url,
            item.meta,
            sent_at=time.time(),
        )
        start = time.monotonic()
        try:
            body = item.body() if callable(item.body) else item.body
            headers = item.headers(body) if callable(item.headers) else item.headers
            response = http_request(
                item.method, item.url, body=body, headers=headers, timeout=self.timeout
            )
        except (OSError, http.client.HTTPException) as exc:
            record.latency = time.monotonic() - start
            record.error = f"{type(exc).__name__}: {exc}"
        else:
            record.latency = response.latency
            record.status = response.status
            record.ok = self.is_success(response.status)
            record.response_body = response.text[:BODY_EXCERPT]
        self._record(record)
        return record

    def _record(self, record: DeliveryAttempt) -> None:
        with self._lock:
            self._records.append(record)
            self._counts["attempts"] += 1
            if record.status is None:
                self._counts["network_errors"] += 1
            else:
                self._by_status[str(record.status)] += 1
            if record.ok:
                self._counts["delivered"] += 1
                result = record.response_json()
                if isinstance(result, dict) and isinstance(result.get("status"), str):
                    self._by_result[result["status"]] += 1
        if self.on_attempt is not None:
            self.on_attempt(record)

    # -- reporting --------------------------------------------------------

    def attempts(self) -> list[DeliveryAttempt]:
        """Every recorded attempt (and drop), oldest first."""
        with self._lock:
            return list(self._records)

    def summary(self) -> dict:
        """Counts by outcome, by HTTP status, by answered ``status`` field, latency."""
        with self._lock:
            latencies = [r.latency for r in self._records if r.status is not None]
            return {
                "submitted": self._counts["submitted"],
                "dropped": self._counts["dropped"],
                "duplicated": self._counts["duplicated"],
                "attempts": self._counts["attempts"],
                "delivered": self._counts["delivered"],
                "network_errors": self._counts["network_errors"],
                "pending": self._outstanding,
                "by_status": dict(self._by_status),
                "by_result": dict(self._by_result),
                "latency_ms": latency_summary(latencies),
            }

    def reset(self) -> None:
        """Forget the records and counters (queued deliveries still go out)."""
        with self._lock:
            self._records.clear()
            self._counts.clear()
            self._by_status.clear()
            self._by_result.clear()


__all__ = [
    "ADMIN_PREFIX",
    "LOOPBACK",
    "DeliveryAttempt",
    "DeliveryFault",
    "Deliverer",
    "FaultConfig",
    "Faults",
    "HttpError",
    "HttpResponse",
    "InboundFault",
    "JsonHandler",
    "SandboxServer",
    "add_fault_arguments",
    "fault_config_from_args",
    "http_request",
    "latency_summary",
    "percentile",
    "request_json",
    "route",
    "serve",
]
