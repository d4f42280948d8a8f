"""Thread-safe token bucket limiting outbound calls per connection.

``acquire`` reserves its tokens at once, letting the balance go negative, and
then sleeps for the time the debt takes to refill. Each caller therefore
sleeps exactly once, callers are served in arrival order, and several threads
sharing a bucket never exceed its rate together.
"""

import threading
import time


class RateLimitTimeout(Exception):
    """Acquiring would take longer than the caller allowed."""

    def __init__(self, wait):
        self.wait = wait
        super().__init__(f"rate limit: the next call is only allowed in {wait:.2f} s")


class TokenBucket:
    """Allow ``rate`` calls per second on average, ``burst`` at once.

    A ``rate`` of zero or less means unlimited. ``clock`` and ``sleep`` are
    injectable so that tests control time.
    """

    def __init__(self, rate: float, burst: int, clock=time.monotonic, sleep=time.sleep):
        self.rate = float(rate)
        self.burst = max(int(burst), 1)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._updated = clock()

    @property
    def unlimited(self) -> bool:
        """True when the bucket never makes anyone wait."""
        return self.rate <= 0

    def _refill(self):
        now = self._clock()
        elapsed = max(now - self._updated, 0.0)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._updated = now

    def try_acquire(self, tokens=1) -> bool:
        """Take ``tokens`` if they are available now; never waits."""
        if self.unlimited:
            return True
        with self._lock:
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return True
            return False

    def wait_time(self, tokens=1) -> float:
        """Seconds until ``tokens`` would be available, without taking them."""
        if self.unlimited:
            return 0.0
        with self._lock:
            self._refill()
            return max(tokens - self._tokens, 0.0) / self.rate

    def acquire(self, tokens=1, timeout: float | None = None) -> float:
        """Take ``tokens``, sleeping as long as needed; return seconds waited.

        Raises RateLimitTimeout, without taking anything, when the wait would
        exceed ``timeout``.
        """
        if self.unlimited:
            return 0.0
        with self._lock:
            self._refill()
            wait = max(tokens - self._tokens, 0.0) / self.rate
            if timeout is not None and wait > timeout:
                raise RateLimitTimeout(wait)
            self._tokens -= tokens
        if wait > 0:
            self._sleep(wait)
        return wait


_registry: dict = {}
_registry_lock = threading.Lock()


def bucket_for(key, rate, burst) -> TokenBucket:
    """Return the process-wide bucket for ``key``.

    The bucket is replaced when its rate or burst changed, so that editing a
    connection's rate limit takes effect without restarting Odoo.
    """
    with _registry_lock:
        bucket = _registry.get(key)
        if (
            bucket is None
            or bucket.rate != float(rate)
            or bucket.burst != max(int(burst), 1)
        ):
            bucket = TokenBucket(rate, burst)
            _registry[key] = bucket
        return bucket
