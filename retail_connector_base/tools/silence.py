"""Silence detection: did a connection stop receiving what it usually does?

Pure functions, no Odoo. A connection's inbound order events are counted
per hour of the week (168 buckets: nights and Sundays are quiet by design).
For the hour that just ended, the same hour of each past week gives the
history; the count observed in it is compared with what that history leads
to expect, under a Poisson model:

- expected rate ``λ`` = the mean of the past weeks' counts; with at least
  ``TRIM_FROM_WEEKS`` weeks, the busiest one is left out first, so that one
  exceptional week (a promotion, Black Friday) does not make an ordinary
  hour look silent;
- silent when ``P(X ≤ observed | λ) < alpha`` (default 0.001: about one
  false alarm per thousand busy hours if the events were truly Poisson;
  real traffic is more irregular than Poisson, so the threshold is strict)
  **and** ``λ ≥ min_rate`` (default 3 events per hour): a quiet hour never
  alarms, whatever the probability says;
- with fewer than ``min_weeks`` past weeks (default 4) nothing is known yet:
  never silent.

Note that ``P(X ≤ k | λ) ≥ P(X = 0 | λ) = e^-λ``: with the default alpha no
hour expecting fewer than ln(1000) ≈ 6.9 events can ever be silent. The
minimum rate keeps that guarantee when alpha is raised.
"""

import math
from dataclasses import dataclass

DEFAULT_ALPHA = 0.001
DEFAULT_MIN_RATE = 3.0
DEFAULT_MIN_WEEKS = 4
TRIM_FROM_WEEKS = 5


@dataclass(frozen=True)
class SilenceVerdict:
    """The decision and what it rests on (for the message shown)."""

    silent: bool
    expected: float  # λ, events per hour expected (0.0 without history)
    observed: int
    probability: float  # P(X <= observed | λ); 1.0 when not computed
    weeks: int  # past weeks the expectation rests on
    reason: str  # "silent", "short_history", "quiet_hour", "normal"


def poisson_cdf(k, lam):
    """``P(X ≤ k)`` for X ~ Poisson(lam), computed in log space."""
    if k < 0:
        return 0.0
    if lam <= 0:
        return 1.0
    # Sum of exp(i·ln λ − λ − ln i!) for i = 0..k, without overflow.
    log_terms = [i * math.log(lam) - lam - math.lgamma(i + 1) for i in range(k + 1)]
    top = max(log_terms)
    total = math.exp(top) * sum(math.exp(term - top) for term in log_terms)
    return min(1.0, total)


def expected_rate(history):
    """λ from the past weeks' counts: the mean, the busiest week left out
    when there are at least ``TRIM_FROM_WEEKS`` of them."""
    counts = sorted(max(0, int(count)) for count in history)
    if not counts:
        return 0.0
    if len(counts) >= TRIM_FROM_WEEKS:
        counts = counts[:-1]
    return sum(counts) / len(counts)


def detect_silence(
    history,
    observed,
    *,
    alpha=DEFAULT_ALPHA,
    min_rate=DEFAULT_MIN_RATE,
    min_weeks=DEFAULT_MIN_WEEKS,
):
    """Decide whether `observed` events in the last hour mean silence.

    `history`: the counts of the same hour of the week in each past week
    (most recent first or not: the order does not matter). `observed`: the
    count of the hour that just ended. Returns a ``SilenceVerdict``.
    """
    history = list(history)
    observed = max(0, int(observed))
    if len(history) < min_weeks:
        return SilenceVerdict(False, 0.0, observed, 1.0, len(history), "short_history")
    lam = expected_rate(history)
    probability = poisson_cdf(observed, lam)
    if lam < min_rate:
        return SilenceVerdict(
            False, lam, observed, probability, len(history), "quiet_hour"
        )
    silent = probability < alpha
    return SilenceVerdict(
        silent,
        lam,
        observed,
        probability,
        len(history),
        "silent" if silent else "normal",
    )
