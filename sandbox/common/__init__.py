"""Shared machinery of the channel stand-ins.

Every sandbox is a small HTTP server on loopback built from the same parts:

- `faults`: `FaultConfig` / `Faults`, what can go wrong and the reproducible
  decisions about when it does (latency, 429 with Retry-After, 5xx; dropped,
  duplicated, reordered and badly signed webhook deliveries).
- `handler`: `JsonHandler`, regex routes declared by `@route`, JSON in and
  out, inbound faults applied before the route runs, and the control
  endpoints every sandbox shares:

  ``GET /_sandbox/state``        faults, counters, deliveries, channel state
  ``GET /_sandbox/faults``       the current `FaultConfig`
  ``POST /_sandbox/faults``      change some `FaultConfig` fields at runtime
  ``GET /_sandbox/deliveries``   every webhook delivery attempt
  ``POST /_sandbox/reset``       forget recorded state, restore the start faults

  `api_call` wraps a channel's API routes (authentication, the channel's
  error format, a log of every call that `RequestLogRoutes` serves).
- `server`: `serve()` / `serve_app()`, a `SandboxServer` in a background
  thread, with `.url` and an idempotent `.shutdown()` that also cuts
  kept-alive connections, so a stopped sandbox really looks down.
- `app`: `SandboxApp`, the state behind a server: lock, faults, clock, call
  log, deliveries, background threads, ``with app.change():``.
- `delivery`: `Deliverer`, webhook deliveries from a queue through worker
  threads, with the delivery faults, retries, and a record of every attempt.
- `outbox`: `Outbox`, the events of a change delivered some time after it,
  rendered when the delivery runs.
- `signing`, `values`, `pagination`, `cli`: HMAC signatures, compact JSON and
  decimals, paging helpers, and the command-line lifecycle.
- `client`: `http_request()`, one request on a fresh connection.

Standard library only: the sandboxes are independent of the code under test.
"""

from __future__ import annotations

from .app import Change, SandboxApp
from .cli import (
    add_duration_argument,
    add_host_argument,
    print_json_line,
    serve_until_stopped,
    stop_event,
    usage_error,
    wait_for,
)
from .client import (
    USER_AGENT,
    HttpResponse,
    http_request,
    latency_summary,
    percentile,
    request_json,
)
from .delivery import BODY_EXCERPT, Deliverer, DeliveryAttempt
from .faults import (
    DEFAULT_REORDER_WINDOW,
    DeliveryFault,
    FaultConfig,
    Faults,
    InboundFault,
    add_fault_arguments,
    fault_config_from_args,
    faults_from_args,
)
from .handler import (
    ADMIN_PREFIX,
    MAX_BODY,
    HttpError,
    JsonHandler,
    AdminRoutes,
    RequestLogRoutes,
    api_call,
    route,
)
from .outbox import Outbox, once
from .pagination import (
    Page,
    decode_cursor,
    encode_cursor,
    link_header,
    offset_page,
    page_count,
    url_with,
)
from .server import LOOPBACK, SandboxServer, serve, serve_app
from .signing import (
    as_bytes,
    constant_time_equal,
    hmac_base64,
    hmac_digest,
    hmac_hex,
)
from .values import CENT, compact_json, parse_decimal, round_half_up

__all__ = [
    "ADMIN_PREFIX",
    "BODY_EXCERPT",
    "CENT",
    "DEFAULT_REORDER_WINDOW",
    "LOOPBACK",
    "MAX_BODY",
    "USER_AGENT",
    "Change",
    "DeliveryAttempt",
    "DeliveryFault",
    "Deliverer",
    "FaultConfig",
    "Faults",
    "HttpError",
    "HttpResponse",
    "InboundFault",
    "JsonHandler",
    "Outbox",
    "Page",
    "AdminRoutes",
    "RequestLogRoutes",
    "SandboxApp",
    "SandboxServer",
    "add_duration_argument",
    "add_fault_arguments",
    "add_host_argument",
    "api_call",
    "as_bytes",
    "compact_json",
    "constant_time_equal",
    "decode_cursor",
    "encode_cursor",
    "fault_config_from_args",
    "faults_from_args",
    "hmac_base64",
    "hmac_digest",
    "hmac_hex",
    "http_request",
    "latency_summary",
    "link_header",
    "offset_page",
    "once",
    "page_count",
    "parse_decimal",
    "percentile",
    "print_json_line",
    "serve_until_stopped",
    "request_json",
    "round_half_up",
    "route",
    "serve",
    "serve_app",
    "stop_event",
    "url_with",
    "usage_error",
    "wait_for",
]
