"""The HTTP client side: one request on a fresh connection, latency figures."""

from __future__ import annotations

import http.client
import json
import math
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

USER_AGENT = "RetailSandbox/1.0"


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
