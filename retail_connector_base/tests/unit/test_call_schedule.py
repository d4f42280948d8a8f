import random

import pytest

from odoo.addons.retail_connector_base.tools import call_schedule
from odoo.addons.retail_connector_base.tools.call_schedule import (
    CallScheduled,
    prune,
    wait_before_call,
)
from odoo.addons.retail_connector_base.tools.http_client import ChannelHttpError

ONCE_A_MINUTE = ((1, 60),)
TRANSACTION_LOGS = ((20, 60), (60, 3600))


def test_first_call_goes_at_once():
    assert wait_before_call([], ONCE_A_MINUTE, now=1000) == 0


def test_once_a_minute_waits_for_the_window_to_pass():
    assert wait_before_call([990], ONCE_A_MINUTE, now=1000) == 50
    assert wait_before_call([940], ONCE_A_MINUTE, now=1000) == 0


def test_a_reserved_future_call_counts():
    # Someone reserved 1030 and sleeps until then: the next one goes at 1090.
    assert wait_before_call([1030], ONCE_A_MINUTE, now=1000) == 90


def test_the_hourly_limit_binds_after_three_full_minutes():
    # 60 calls spread over the last 3 minutes: 20 a minute is respected, but
    # the 61st call of the hour waits for the first to be an hour old.
    times = [1000 + minute * 60 + i for minute in range(3) for i in range(20)]
    now = times[-1] + 60
    assert wait_before_call(times, TRANSACTION_LOGS, now=now) == pytest.approx(
        times[0] + 3600 - now
    )


def test_the_minute_limit_binds_within_a_minute():
    times = [1000 + i for i in range(20)]
    assert wait_before_call(times, TRANSACTION_LOGS, now=1020) == 40


def test_greedy_schedule_never_exceeds_any_window():
    rng = random.Random(4)
    for limits in (ONCE_A_MINUTE, TRANSACTION_LOGS, ((3, 10), (5, 30))):
        times, now = [], 0.0
        for _ in range(300):
            now += rng.choice((0, 0.5, 1, 7, 30))
            wait = wait_before_call(times, limits, now)
            times.append(now + wait)
            now += wait
        for calls, seconds in limits:
            for start in times:
                inside = [t for t in times if start <= t < start + seconds]
                assert len(inside) <= calls, (limits, start)


def test_prune_keeps_the_longest_window():
    assert prune([1, 500, 3000, 3700], TRANSACTION_LOGS, now=3800) == [500, 3000, 3700]


def test_limits_must_allow_a_call():
    with pytest.raises(ValueError):
        wait_before_call([], ((0, 60),), now=0)


def test_a_postponed_call_is_a_retryable_channel_error():
    error = CallScheduled("OR11", 42.0)
    assert isinstance(error, ChannelHttpError)
    assert error.retryable and error.retry_after == 42.0
    assert error.code == "call_scheduled"
    assert "OR11" in str(error)
    assert call_schedule.normalize_limits([(1, 60)]) == ((1, 60.0),)


def test_windows_get_a_margin_and_follow_the_sandbox_scale(monkeypatch):
    from odoo.addons.retail_connector_base.models.retail_call_slot import (
        SCALE_ENV,
        scaled_limits,
    )

    monkeypatch.delenv(SCALE_ENV, raising=False)
    ((calls, seconds),) = scaled_limits(ONCE_A_MINUTE)
    assert calls == 1 and 60 < seconds < 62
    monkeypatch.setenv(SCALE_ENV, "0.1")
    ((calls, seconds),) = scaled_limits(ONCE_A_MINUTE)
    assert calls == 1 and 6 < seconds < 7
