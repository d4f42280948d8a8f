"""Published call frequencies: when the next call of an operation may go.

Some channels publish a maximum frequency per operation (a marketplace's
order list once a minute, its transaction logs 20 a minute and 60 an hour).
A connection keeps the times of its recent calls per operation (the model
``retail.call.slot``, shared by every worker) and asks these pure functions
whether one more call fits. A call that does not fit yet is postponed, never
sent: :class:`CallScheduled` is a retryable ``ChannelHttpError`` carrying the
wait, which a job turns into a postponement.
"""

from .http_client import ChannelHttpError


class CallScheduled(ChannelHttpError):
    """The operation's published frequency allows the next call only later."""

    def __init__(self, operation, wait):
        super().__init__(
            f"{operation}: the channel allows the next call in {wait:.0f} s",
            code="call_scheduled",
            retryable=True,
            retry_after=wait,
        )
        self.operation = operation
        self.wait = wait


def normalize_limits(limits):
    """``limits`` as a tuple of ``(calls, seconds)``, validated."""
    normalized = []
    for calls, seconds in limits:
        calls, seconds = int(calls), float(seconds)
        if calls < 1 or seconds <= 0:
            raise ValueError(f"a limit allows at least one call per period: {limits}")
        normalized.append((calls, seconds))
    return tuple(normalized)


def wait_before_call(times, limits, now) -> float:
    """Seconds from ``now`` until one more call respects every limit.

    ``times`` are the earlier calls (Unix times, any order, possibly reserved
    in the future); ``limits`` pairs ``(calls, seconds)``: at most ``calls``
    in any window of ``seconds``.
    """
    times = sorted(times)
    limits = normalize_limits(limits)
    candidate = now
    moved = True
    while moved:
        # Waiting for one limit can bring another's window back into play:
        # move the candidate until every limit is met at once.
        moved = False
        for calls, seconds in limits:
            in_window = [t for t in times if candidate - seconds < t <= candidate]
            later = [t for t in times if t > candidate]
            # A call reserved after the candidate counts against it as well.
            counted = in_window + [t for t in later if t < candidate + seconds]
            if len(counted) >= calls:
                # The oldest call that must leave the window before this one.
                leaving = counted[len(counted) - calls]
                if leaving + seconds > candidate:
                    candidate = leaving + seconds
                    moved = True
    return candidate - now


def prune(times, limits, now):
    """The call times still needed to decide, sorted: within the longest window."""
    longest = max((seconds for _calls, seconds in normalize_limits(limits)), default=0)
    return sorted(t for t in times if t > now - longest)
