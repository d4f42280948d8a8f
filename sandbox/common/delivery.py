"""Webhook deliveries: a queue, worker threads, the delivery faults, a record.

`Deliverer` sends what it is given with the drop / duplicate / reorder
faults, retries failed attempts, and records every attempt (status, latency,
response body).
"""

from __future__ import annotations

import dataclasses
import http.client
import itertools
import json
import logging
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .client import http_request, latency_summary
from .faults import Faults

_logger = logging.getLogger(__package__)

BODY_EXCERPT = 2000

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
    ``retry_delay``, each wait at most ``max_retry_delay`` (if given); with
    ``retry_after_limit``, a ``Retry-After`` (seconds) in a failed answer
    sets the next wait instead, up to that limit. ``is_success`` decides
    which statuses count as delivered (2xx by default). `submit` blocks
    while ``max_pending`` deliveries are outstanding, so a fast producer
    cannot grow the queue without bound.
    """

    def __init__(
        self,
        faults: Faults | None = None,
        *,
        workers: int = 4,
        timeout: float = 10.0,
        max_attempts: int = 1,
        retry_delay: float = 1.0,
        max_retry_delay: float | None = None,
        retry_after_limit: float | None = None,
        is_success: Callable[[int], bool] = _success,
        on_attempt: Callable[[DeliveryAttempt], None] | None = None,
        reorder_hold: float = 0.5,
        max_pending: int | None = None,
        max_records: int = 100_000,
        name: str = "deliverer",
        still_wanted: Callable[[dict], bool] | None = None,
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
        self.max_retry_delay = max_retry_delay
        self.retry_after_limit = retry_after_limit
        self.is_success = is_success
        self.on_attempt = on_attempt
        # Asked before each retry with the delivery's meta: a subscription
        # the sender deactivated meanwhile gets no more attempts.
        self.still_wanted = still_wanted
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
            if attempt > 1 and self.still_wanted and not self.still_wanted(item.meta):
                break
            record, retry_after = self._attempt(item, attempt)
            if record.ok or attempt == self.max_attempts:
                break
            if self._stop.wait(self._retry_wait(attempt, retry_after)):
                break

    def _retry_wait(self, attempt: int, retry_after: str | None) -> float:
        if self.retry_after_limit is not None and retry_after:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = None  # an HTTP-date: fall back to the backoff
            if seconds is not None and seconds >= 0:
                return min(seconds, self.retry_after_limit)
        wait = self.retry_delay * 2 ** (attempt - 1)
        if self.max_retry_delay is not None:
            wait = min(wait, self.max_retry_delay)
        return wait

    def _attempt(
        self, item: _Delivery, attempt: int
    ) -> tuple[DeliveryAttempt, str | None]:
        record = DeliveryAttempt(
            item.delivery_id,
            item.copy,
            attempt,
            item.url,
            item.meta,
            sent_at=time.time(),
        )
        start = time.monotonic()
        retry_after = None
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
            retry_after = response.headers.get("retry-after")
        self._record(record)
        return record, retry_after

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
