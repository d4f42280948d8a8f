"""Business KPIs of a connection: percentiles, rates and its health state.

Pure functions, no Odoo. The daily KPI rows (``retail.kpi.daily``) and the
connection's health are computed from what these return, so that the
figures shown are the ones tested here.

Percentiles use the nearest-rank method: the p-th percentile of n values is
the value of rank ``ceil(p / 100 × n)`` in ascending order. It is always one
of the measured values (a lag that happened, never an interpolation between
two), and the p95 of twenty lags is the nineteenth.
"""

import math
from dataclasses import dataclass

GREEN, DEGRADED, SILENT, DOWN = "green", "degraded", "silent", "down"

# A connection is degraded when, over the health window, at least
# `DEGRADED_MIN_FAILURES` exchanges failed and they are at least
# `DEGRADED_FAILURE_RATE` percent of those received; or when at least
# `DEGRADED_BACKLOG` exchanges wait to be processed. A single failure among
# three exchanges on a quiet night is no degradation: hence the minimum.
DEGRADED_FAILURE_RATE = 10.0
DEGRADED_MIN_FAILURES = 3
DEGRADED_BACKLOG = 100
HEALTH_WINDOW_HOURS = 24

# Answers by which a channel refuses a call it may take later: throttling and
# server errors (the HTTP client's retryable statuses and any other 5xx).
REFUSED_STATUSES = frozenset({429})


def percentile(values, p):
    """The `p`-th percentile (0 < p ≤ 100) of `values`, nearest rank.

    None when there is no value.
    """
    if not 0 < p <= 100:
        raise ValueError(f"percentile out of range: {p}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True)
class Spread:
    """The median and the 95th percentile of a set of durations."""

    count: int
    p50: float | None
    p95: float | None


def spread(values):
    """Count, p50 and p95 of `values` (seconds); negatives count as zero.

    A negative lag means two clocks disagree (the channel's and Odoo's):
    the event was as good as immediate.
    """
    values = [max(0.0, float(value)) for value in values]
    return Spread(len(values), percentile(values, 50), percentile(values, 95))


def rate(part, total):
    """`part` as a percentage of `total`, rounded to 0.01; None when total is 0."""
    if not total:
        return None
    return round(100.0 * part / total, 2)


def is_refused_status(status):
    """Whether an HTTP answer means the channel refused the call for now."""
    return status is not None and (status in REFUSED_STATUSES or status >= 500)


def failure_causes(rows):
    """Failed exchanges per cause, most frequent first.

    `rows`: ``(failure_kind, error_category, count)`` of the failed
    exchanges. The cause is the failure kind when known (an unknown SKU),
    else the error category (technical, business); ``"other"`` without
    either. Returns ``[(cause, count)]``, ties by cause name.
    """
    counts = {}
    for kind, category, count in rows:
        cause = kind or category or "other"
        counts[cause] = counts.get(cause, 0) + count
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True)
class Health:
    """A connection's health and what it rests on (for the sentence shown).

    ``reason`` is one of ``circuit_open``, ``silent``, ``failures``,
    ``backlog``, ``ok``.
    """

    state: str
    reason: str
    failed: int = 0
    total: int = 0
    failure_rate: float | None = None
    backlog: int = 0


def health(
    *,
    circuit_open,
    silent,
    failed,
    total,
    backlog,
    failure_rate_threshold=DEGRADED_FAILURE_RATE,
    min_failures=DEGRADED_MIN_FAILURES,
    backlog_threshold=DEGRADED_BACKLOG,
):
    """The health of a connection, the worst that applies first.

    down: the circuit breaker refuses calls (open or probing); silent: the
    usual orders stopped arriving (silence detection); degraded: too many
    failures among the exchanges of the window, or too many waiting;
    green otherwise.
    """
    failure_rate = rate(failed, total)
    facts = {
        "failed": failed,
        "total": total,
        "failure_rate": failure_rate,
        "backlog": backlog,
    }
    if circuit_open:
        return Health(DOWN, "circuit_open", **facts)
    if silent:
        return Health(SILENT, "silent", **facts)
    if failed >= min_failures and (failure_rate or 0.0) >= failure_rate_threshold:
        return Health(DEGRADED, "failures", **facts)
    if backlog >= backlog_threshold:
        return Health(DEGRADED, "backlog", **facts)
    return Health(GREEN, "ok", **facts)
