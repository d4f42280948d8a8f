"""The HTTP client every channel module calls its channel with.

One place for timeouts, retries honouring Retry-After, the per-connection rate
limit, the circuit breaker and the redaction of credentials, so that channel
clients only describe their endpoints.

Retry policy within one call: connection failures, timeouts, 429, 502, 503
and 504 are retried with exponential backoff (or the channel's Retry-After).
Where the request may have reached the channel (read timeouts, 502, 504) a
non-idempotent method is not retried here, so a refund is never created
twice; the error is still marked retryable for the job, which checks first
whether its work is done.
"""

import json as jsonlib
import logging
import random
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import requests
from requests.exceptions import ChunkedEncodingError
from urllib3.exceptions import NewConnectionError

from . import circuit_breaker, redact

_logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# The channel refused these before doing anything, so any method may resend.
SAFE_RETRY_STATUSES = frozenset({429, 503})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
BODY_LIMIT = 2000
MAX_BACKOFF = 60.0


class ChannelHttpError(Exception):
    """A channel call that did not give the expected answer.

    ``retryable`` tells the job whether trying again later may help;
    ``retry_after`` is the delay the channel asked for, if any. The message is
    the channel's own when it sent one, with credentials removed.
    """

    def __init__(
        self,
        message,
        *,
        status=None,
        code="",
        retryable=False,
        retry_after=None,
        body="",
    ):
        self.message = message
        self.status = status
        self.code = code or (f"http_{status}" if status else "")
        self.retryable = retryable
        self.retry_after = retry_after
        self.body = body[:BODY_LIMIT]
        super().__init__(message)

    def __str__(self):
        if self.status is None:
            return self.message
        return f"HTTP {self.status} ({self.code}): {self.message}"


class CircuitOpenError(ChannelHttpError):
    """Calls to the channel are paused after consecutive failures."""

    def __init__(self, retry_after):
        super().__init__(
            "calls to this channel are paused after repeated failures; "
            f"next attempt in {retry_after:.0f} s",
            code="circuit_open",
            retryable=True,
            retry_after=retry_after,
        )


@dataclass
class CallRecord:
    """What happened during one call, safe to store and display."""

    method: str
    url: str
    status: int | None = None
    elapsed: float = 0.0
    attempts: int = 0
    request_body: str = ""
    response_body: str = ""
    error: str = ""


@dataclass
class HttpResult:
    """A successful answer; ``headers`` is case-insensitive."""

    status: int
    headers: dict
    content: bytes
    elapsed: float
    attempts: int

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", "replace")

    def json(self):
        """The body parsed as JSON; None for an empty body."""
        if not self.content.strip():
            return None
        try:
            return jsonlib.loads(self.content)
        except ValueError:
            raise ChannelHttpError(
                "the channel answered with a body that is not JSON",
                status=self.status,
                code="invalid_json",
                body=self.text,
            ) from None


class Breaker(Protocol):
    """What the client needs from a circuit breaker."""

    def before_request(self) -> None:
        """Raise CircuitOpenError when calls are paused."""

    def record_success(self) -> None:
        """The channel answered normally."""

    def record_failure(self) -> None:
        """A call failed after its retries."""


class InMemoryBreaker:
    """A breaker kept in process memory (scripts, tests, one-off clients).

    Odoo connections use a breaker persisted on the connection instead, so
    that every worker sees the same state.
    """

    def __init__(self, threshold=5, cooldown=60.0, clock=time.monotonic):
        self.threshold = threshold
        self.cooldown = cooldown
        self.state = circuit_breaker.BreakerState()
        self._clock = clock
        self._lock = threading.Lock()

    def before_request(self):
        """Raise CircuitOpenError while the circuit is open."""
        with self._lock:
            now = self._clock()
            allowed, self.state = circuit_breaker.allow_request(
                self.state, now=now, cooldown=self.cooldown
            )
            if not allowed:
                raise CircuitOpenError(
                    circuit_breaker.seconds_until_retry(
                        self.state, now=now, cooldown=self.cooldown
                    )
                )

    def record_success(self):
        """Close the circuit."""
        with self._lock:
            self.state = circuit_breaker.record_success(self.state)

    def record_failure(self):
        """Count a failure, opening the circuit at the threshold."""
        with self._lock:
            self.state = circuit_breaker.record_failure(
                self.state, now=self._clock(), threshold=self.threshold
            )


def parse_retry_after(value, now=None) -> float | None:
    """Seconds to wait from a Retry-After header (delta or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        now = time.time() if now is None else now
        seconds = moment.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    return max(seconds, 0.0)


def _error_from_json(data):
    """Return (code, message) from the usual channel error shapes."""
    if not isinstance(data, dict):
        return "", ""
    code = data.get("code") if isinstance(data.get("code"), str) else ""
    errors = data.get("errors")
    if isinstance(data.get("message"), str) and data["message"]:
        return code, data["message"]
    if isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, dict):
            detail = first.get("detail") or first.get("message") or ""
            first_code = first.get("code") if isinstance(first.get("code"), str) else ""
            return code or first_code, str(detail)
        return code, str(first)
    error = data.get("error")
    if isinstance(error, dict):
        return _error_from_json(error)
    if isinstance(error, str) and error:
        description = data.get("error_description")
        if isinstance(description, str) and description:
            return code or error, description
        return code, error
    return code, ""


def _declared_client_error(data):
    """WooCommerce answers some client errors with HTTP 500, declaring the real
    status in ``data``: ``{"data": {"status": 400}}`` or just ``{"data": 400}``.
    """
    if not isinstance(data, dict):
        return False
    declared = data.get("data")
    status = declared.get("status") if isinstance(declared, dict) else declared
    return (
        isinstance(status, int)
        and not isinstance(status, bool)
        and (400 <= status < 500)
    )


def _auth_secrets(auth):
    """Credential values held by a requests ``auth`` argument."""
    if isinstance(auth, tuple):
        parts = auth
    else:
        parts = (getattr(auth, "username", None), getattr(auth, "password", None))
    return [str(part) for part in parts if part]


def _root_cause(exc):
    """The useful part of a requests connection error."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    text = str(reason if reason is not None else exc)
    # urllib3 prefixes the connection object's repr, which tells a user nothing.
    return text.split(">: ", 1)[-1]


class HttpClient:
    """Call one channel's HTTP API with retries, rate limit and breaker.

    ``secrets`` lists credential values to strip from records and errors; the
    user and password of a ``(user, password)`` tuple or ``HTTPBasicAuth`` are
    added automatically.
    ``sleep`` is injectable so that tests observe waits instead of sleeping.
    ``on_call`` receives a CallRecord after every call, successful or not.
    """

    def __init__(
        self,
        base_url,
        *,
        auth=None,
        headers=None,
        timeout=(5, 30),
        max_retries=3,
        backoff=0.5,
        max_retry_after=120.0,
        rate_limiter=None,
        breaker=None,
        session=None,
        secrets=(),
        sleep=time.sleep,
        on_call=None,
        user_agent="RetailConnector/18.0",
    ):
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.headers = {"User-Agent": user_agent, "Accept": "application/json"}
        self.headers.update(headers or {})
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.rate_limiter = rate_limiter
        self.breaker = breaker
        self.session = session or requests.Session()
        self.secrets = [s for s in secrets if s] + _auth_secrets(auth)
        self.sleep = sleep
        self.on_call = on_call

    # --- helpers ------------------------------------------------------------

    def _url(self, path_or_url):
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def _clean(self, text):
        """Remove every credential from a text meant for logs or users."""
        return redact.redact_text(redact.redact_query_pairs(text), self.secrets)

    def _display_url(self, url, params):
        if params:
            query = urlencode(params, doseq=True)
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        return self._clean(url)

    def _describe_body(self, json, data, files):
        if json is not None:
            text = jsonlib.dumps(redact.redact_mapping(json), default=str)
        elif isinstance(data, dict | list | tuple):
            text = urlencode(redact.redact_mapping(data), doseq=True)
        elif isinstance(data, bytes):
            text = data.decode("utf-8", "replace")
        elif data is not None:
            text = str(data)
        else:
            text = ""
        if files:
            text += f" [{len(files)} file(s)]"
        return self._clean(text)[:BODY_LIMIT]

    def _backoff_delay(self, attempt):
        base = min(self.backoff * 2 ** (attempt - 1), MAX_BACKOFF)
        # Equal jitter: at least half the delay, so retries stay spaced out,
        # randomised so that many workers do not retry in lockstep.
        return base / 2 + random.uniform(0, base / 2)

    def _error_for_response(self, response):
        """The error for an unexpected answer, with the channel's message.

        Throttling and server errors are retryable, client errors are not.
        """
        status = response.status_code
        body = self._clean(response.content.decode("utf-8", "replace"))
        try:
            data = jsonlib.loads(response.content) if response.content else None
        except ValueError:
            data = None
        code, message = _error_from_json(data)
        retryable = status in RETRY_STATUSES or (
            status >= 500 and not _declared_client_error(data)
        )
        if not message:
            message = response.reason or "unexpected answer"
        return ChannelHttpError(
            self._clean(message)[:BODY_LIMIT],
            status=response.status_code,
            code=code,
            retryable=retryable,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            body=body,
        )

    def _notify(self, record):
        _logger.debug(
            "%s %s -> %s in %.3fs (%d attempt(s)) %s",
            record.method,
            record.url,
            record.status,
            record.elapsed,
            record.attempts,
            record.error,
        )
        if self.on_call is None:
            return
        try:
            self.on_call(record)
        except Exception:
            # Recording a call must never turn its outcome into a failure.
            _logger.exception(
                "on_call hook failed for %s %s", record.method, record.url
            )

    # --- the call -----------------------------------------------------------

    def request(
        self,
        method,
        path_or_url,
        *,
        params=None,
        json=None,
        data=None,
        files=None,
        headers=None,
        expected=(200, 201, 202, 204),
        idempotent=None,
        before_attempt=None,
    ) -> HttpResult:
        """Send one call, retrying transient failures; return the answer.

        ``idempotent`` overrides the method's default when the caller knows
        that resending is harmless (a stock batch POST, say).
        ``before_attempt()`` runs before each attempt, resends included (a
        channel's published call frequency, see tools/call_schedule.py); an
        error it raises ends the call. Raises ChannelHttpError
        (CircuitOpenError when the breaker is open).
        """
        method = method.upper()
        url = self._url(path_or_url)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        record = CallRecord(
            method=method,
            url=self._display_url(url, params),
            request_body=self._describe_body(json, data, files),
        )
        started = time.monotonic()
        try:
            if self.breaker is not None:
                self.breaker.before_request()
            result = self._send(
                record,
                method,
                url,
                idempotent,
                expected,
                before_attempt,
                params=params,
                json=json,
                data=data,
                files=files,
                headers={**self.headers, **(headers or {})},
            )
        except ChannelHttpError as exc:
            record.error = str(exc)
            raise
        finally:
            record.elapsed = time.monotonic() - started
            self._notify(record)
        return result

    def _send(self, record, method, url, idempotent, expected, before, **kwargs):
        """The retry loop; fills ``record`` as it goes."""
        while True:
            if before is not None:
                before()
            record.attempts += 1
            if self.rate_limiter is not None:
                self.rate_limiter.acquire()
            try:
                response = self.session.request(
                    method, url, auth=self.auth, timeout=self.timeout, **kwargs
                )
            except requests.RequestException as exc:
                error = self._error_for_exception(exc, url)
                resend = error.retryable and self._resendable(exc, idempotent)
            else:
                record.status = response.status_code
                record.response_body = self._clean(
                    response.content[:BODY_LIMIT].decode("utf-8", "replace")
                )
                if response.status_code in expected:
                    return self._success(response, record.attempts)
                error = self._error_for_response(response)
                resend = error.retryable and (
                    response.status_code in SAFE_RETRY_STATUSES
                    or (response.status_code in RETRY_STATUSES and idempotent)
                )
            delay = self._retry_delay(error, record.attempts)
            if not resend or record.attempts > self.max_retries or delay is None:
                self._record_outcome(error)
                raise error
            self.sleep(delay)

    def _success(self, response, attempts):
        if self.breaker is not None:
            self.breaker.record_success()
        return HttpResult(
            status=response.status_code,
            headers=response.headers,
            content=response.content,
            elapsed=response.elapsed.total_seconds(),
            attempts=attempts,
        )

    def _retry_delay(self, error, attempt):
        """Seconds to wait before resending, or None if it would take too long."""
        if error.retry_after is None:
            return self._backoff_delay(attempt)
        if error.retry_after > self.max_retry_after:
            # Waiting that long would tie up a worker: the job retries later.
            return None
        return error.retry_after

    def _error_for_exception(self, exc, url):
        """A readable, credential-free error for a request that got no answer."""
        host = urlsplit(url).netloc.rpartition("@")[2]
        if isinstance(exc, requests.ConnectTimeout):
            code, text = "timeout", f"timed out connecting to {host}"
        elif isinstance(exc, requests.Timeout):
            code, text = "timeout", f"no answer from {host} within the timeout"
        elif isinstance(exc, requests.exceptions.SSLError):
            # A certificate problem does not heal by itself.
            code, text = "ssl_error", f"TLS error with {host}: {exc}"
        elif isinstance(exc, requests.ConnectionError | ChunkedEncodingError):
            code = "connection_error"
            text = f"connection to {host} failed: {_root_cause(exc)}"
        else:
            code, text = "request_error", f"request to {host} failed: {exc}"
        return ChannelHttpError(
            self._clean(text),
            code=code,
            retryable=code in ("timeout", "connection_error"),
        )

    @staticmethod
    def _resendable(exc, idempotent):
        """Whether resending cannot duplicate what the first attempt did."""
        if idempotent or isinstance(exc, requests.ConnectTimeout):
            return True
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return isinstance(reason, NewConnectionError)

    def _record_outcome(self, error):
        """Tell the breaker: client errors mean the channel is up."""
        if self.breaker is None:
            return
        if error.retryable:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()

    def get(self, path, **kwargs) -> HttpResult:
        """GET ``path``; see :meth:`request`."""
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs) -> HttpResult:
        """POST ``path``; see :meth:`request`."""
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs) -> HttpResult:
        """PUT ``path``; see :meth:`request`."""
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs) -> HttpResult:
        """DELETE ``path``; see :meth:`request`."""
        return self.request("DELETE", path, **kwargs)
