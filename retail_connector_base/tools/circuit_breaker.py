"""Circuit breaker state transitions, free of storage.

After ``threshold`` consecutive failures the circuit opens and calls are
refused without touching the network. Once ``cooldown`` seconds have passed a
trial call is let through (half-open): success closes the circuit, failure
opens it again for another cooldown. The connection model persists the state;
these functions only compute the next one.
"""

from dataclasses import dataclass, replace

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass(frozen=True)
class BreakerState:
    """The breaker of one connection."""

    state: str = CLOSED
    failures: int = 0
    opened_at: float | None = None


def allow_request(s, *, now, cooldown) -> tuple[bool, BreakerState]:
    """Return whether a call may go out now, and the state to keep."""
    if s.state != OPEN:
        return True, s
    if s.opened_at is None or now - s.opened_at >= cooldown:
        return True, replace(s, state=HALF_OPEN)
    return False, s


def record_success(s) -> BreakerState:
    """A call succeeded: the circuit closes and the failure count resets."""
    return BreakerState()


def record_failure(s, *, now, threshold) -> BreakerState:
    """A call failed: count it, and open the circuit when warranted.

    A failed trial call (half-open) reopens the circuit at once.
    """
    failures = s.failures + 1
    if s.state == HALF_OPEN or failures >= threshold:
        return BreakerState(state=OPEN, failures=failures, opened_at=now)
    return replace(s, failures=failures)


def seconds_until_retry(s, *, now, cooldown) -> float:
    """Seconds before an open circuit lets a trial call through (0 if allowed)."""
    if s.state != OPEN or s.opened_at is None:
        return 0.0
    return max(s.opened_at + cooldown - now, 0.0)
