"""Events a change raises, handed to the sender some time after the change.

A channel does not send a webhook in the middle of the request that caused
it: it queues the event and delivers it later, rendering the body when the
delivery runs. `Outbox` is that queue. While a change is made (under the
app's lock) the change `emit`s events, each at most once per change; when
the change is done, `flush` fans every event out into jobs (one per
subscribed webhook, say) due ``delay`` seconds later; a background thread
hands each job to ``send`` when it is due, outside the lock, in due order.
``send`` usually submits a delivery to a `Deliverer`.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable

_logger = logging.getLogger(__package__)


class Outbox:
    """Deferred jobs from the events of each change; see the module.

    ``lock`` is the app's (re-entrant) lock, held while events are emitted;
    ``fan_out(event)`` returns the jobs of one event and runs under the lock;
    ``send(job)`` runs in the outbox thread.
    """

    def __init__(
        self,
        lock,
        fan_out: Callable[[Hashable], Iterable],
        send: Callable[[object], None],
        *,
        delay: float = 0.0,
        name: str = "sandbox",
    ):
        self.lock = lock
        self.fan_out = fan_out
        self.send = send
        self.delay = delay
        self.name = name
        self._events: list = []
        self._scheduled: list[tuple] = []
        self._in_flight = 0
        self._sequence = itertools.count()
        self._wakeup = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- producing --------------------------------------------------------

    def emit(self, event: Hashable) -> None:
        """Note an event of the change under way (call with the lock held).

        An event already noted in this change is not noted again, as a
        channel fires one webhook per resource and request.
        """
        if event not in self._events:
            self._events.append(event)

    def discard(self) -> None:
        """Forget the events of the change under way (it failed, or is not news)."""
        self._events.clear()

    def flush(self) -> None:
        """Schedule the jobs of the events noted so far, ``delay`` from now."""
        with self.lock:
            events, self._events = self._events, []
            due = time.monotonic() + self.delay
            for event in events:
                for job in self.fan_out(event):
                    heapq.heappush(self._scheduled, (due, next(self._sequence), job))
        with self._wakeup:
            self._wakeup.notify_all()

    # -- background work --------------------------------------------------

    def start(self) -> Outbox:
        """Start the thread that sends due jobs (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name=f"{self.name}-scheduler", daemon=True
            )
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            due = []
            with self.lock:
                now = time.monotonic()
                while self._scheduled and self._scheduled[0][0] <= now:
                    due.append(heapq.heappop(self._scheduled))
                wait = self._scheduled[0][0] - now if self._scheduled else 0.2
                self._in_flight += len(due)
            for _, _, job in due:
                try:
                    self.send(job)
                except Exception:
                    _logger.exception("could not queue a webhook delivery")
                finally:
                    with self.lock:
                        self._in_flight -= 1
            with self._wakeup:
                self._wakeup.wait(max(0.005, min(wait, 0.2)))

    def stop(self) -> None:
        """Ask the thread to stop; jobs not sent yet are dropped."""
        self._stop.set()
        with self._wakeup:
            self._wakeup.notify_all()

    def join(self, timeout: float = 2.0) -> None:
        """Wait for the thread to end (after `stop`)."""
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    # -- reporting --------------------------------------------------------

    def idle(self) -> bool:
        """Nothing noted, scheduled or being handed to ``send``."""
        with self.lock:
            return not (self._scheduled or self._events or self._in_flight)

    @property
    def scheduled(self) -> int:
        """Jobs waiting for their time."""
        return len(self._scheduled)


def once(function: Callable) -> Callable:
    """``function`` evaluated at the first call only; later calls get that result.

    For a delivery's body and headers rendered at send time: both copies of
    a duplicated delivery are then byte-exact, as a real redelivery is.
    """
    cache: list = []

    def wrapper(*args, **kwargs):
        if not cache:
            cache.append(function(*args, **kwargs))
        return cache[0]

    wrapper.__name__ = getattr(function, "__name__", "once")
    return wrapper
