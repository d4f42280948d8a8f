import math

import pytest

from odoo.addons.retail_connector_base.tools import silence


def test_poisson_cdf_matches_the_closed_form():
    assert silence.poisson_cdf(0, 20) == pytest.approx(math.exp(-20))
    assert silence.poisson_cdf(1, 3) == pytest.approx(math.exp(-3) * 4)
    assert silence.poisson_cdf(-1, 3) == 0.0
    assert silence.poisson_cdf(5, 0) == 1.0
    # Large rates and counts do not overflow.
    assert silence.poisson_cdf(2000, 1000) == pytest.approx(1.0)
    assert silence.poisson_cdf(900, 1000) < 0.01


def test_none_in_an_hour_that_usually_brings_twenty_is_silent():
    verdict = silence.detect_silence([19, 21, 20, 22, 18, 20], 0)
    assert verdict.silent
    assert verdict.reason == "silent"
    assert verdict.expected == pytest.approx(19.6)  # the busiest week left out
    assert verdict.probability < 1e-8
    assert verdict.weeks == 6


def test_fewer_events_than_usual_but_plausible_is_not_silent():
    verdict = silence.detect_silence([19, 21, 20, 22, 18, 20], 12)
    assert not verdict.silent
    assert verdict.reason == "normal"


def test_a_trickle_far_below_the_usual_is_silent():
    assert silence.detect_silence([40, 42, 38, 41], 5).silent


def test_quiet_night_never_alarms():
    verdict = silence.detect_silence([0, 1, 0, 1, 0, 0], 0)
    assert not verdict.silent
    assert verdict.reason == "quiet_hour"


def test_min_rate_guards_a_loose_alpha():
    # P(X = 0 | 2) ≈ 0.135 < 0.2, but two events an hour is a quiet hour.
    verdict = silence.detect_silence([2, 2, 2, 2], 0, alpha=0.2)
    assert not verdict.silent
    assert verdict.reason == "quiet_hour"
    assert silence.detect_silence([2, 2, 2, 2], 0, alpha=0.2, min_rate=1).silent


def test_short_history_is_never_silent():
    verdict = silence.detect_silence([20, 20, 20], 0)
    assert not verdict.silent
    assert verdict.reason == "short_history"
    assert silence.detect_silence([], 0).reason == "short_history"
    assert silence.detect_silence([20, 20], 0, min_weeks=2).silent


def test_one_exceptional_week_does_not_raise_the_expectation():
    # A Black Friday week of 200 is left out: λ = 4, and 2 is ordinary.
    verdict = silence.detect_silence([4, 4, 200, 4, 4], 2)
    assert verdict.expected == pytest.approx(4.0)
    assert not verdict.silent
