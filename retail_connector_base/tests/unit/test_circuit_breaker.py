import pytest

from odoo.addons.retail_connector_base.tools import circuit_breaker as cb
from odoo.addons.retail_connector_base.tools.circuit_breaker import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    BreakerState,
)

THRESHOLD = 3
COOLDOWN = 60


def fail(state, now, times=1):
    for _ in range(times):
        state = cb.record_failure(state, now=now, threshold=THRESHOLD)
    return state


def test_new_breaker_is_closed_and_allows_calls():
    allowed, state = cb.allow_request(BreakerState(), now=0, cooldown=COOLDOWN)

    assert allowed
    assert state == BreakerState(CLOSED, 0, None)


def test_failures_below_threshold_keep_it_closed():
    state = fail(BreakerState(), now=10, times=THRESHOLD - 1)

    assert state == BreakerState(CLOSED, THRESHOLD - 1, None)
    assert cb.allow_request(state, now=10, cooldown=COOLDOWN)[0]


def test_threshold_opens_and_refuses_calls():
    state = fail(BreakerState(), now=100, times=THRESHOLD)

    assert state == BreakerState(OPEN, THRESHOLD, 100)
    allowed, same = cb.allow_request(state, now=159, cooldown=COOLDOWN)
    assert not allowed
    assert same == state
    assert cb.seconds_until_retry(state, now=130, cooldown=COOLDOWN) == 30


def test_success_resets_the_count():
    state = fail(BreakerState(), now=10, times=THRESHOLD - 1)

    state = cb.record_success(state)

    assert state == BreakerState()
    assert fail(state, now=11, times=THRESHOLD - 1).state == CLOSED


def test_cooldown_lets_one_trial_through_half_open():
    state = fail(BreakerState(), now=100, times=THRESHOLD)

    allowed, state = cb.allow_request(state, now=160, cooldown=COOLDOWN)

    assert allowed
    assert state.state == HALF_OPEN
    assert cb.seconds_until_retry(state, now=160, cooldown=COOLDOWN) == 0


def test_successful_trial_closes():
    state = fail(BreakerState(), now=100, times=THRESHOLD)
    _allowed, state = cb.allow_request(state, now=160, cooldown=COOLDOWN)

    assert cb.record_success(state) == BreakerState()


def test_failed_trial_reopens_for_a_full_cooldown():
    state = fail(BreakerState(), now=100, times=THRESHOLD)
    _allowed, state = cb.allow_request(state, now=200, cooldown=COOLDOWN)

    state = fail(state, now=201)

    assert state.state == OPEN
    assert state.opened_at == 201
    assert not cb.allow_request(state, now=260, cooldown=COOLDOWN)[0]
    assert cb.allow_request(state, now=261, cooldown=COOLDOWN)[0]


def test_half_open_reopens_on_first_failure_even_with_a_high_threshold():
    state = BreakerState(HALF_OPEN, failures=0, opened_at=0)

    assert cb.record_failure(state, now=5, threshold=100).state == OPEN


def test_open_without_timestamp_is_allowed_to_probe():
    # A state restored from storage without opened_at must not block forever.
    allowed, state = cb.allow_request(
        BreakerState(OPEN, 5, None), now=0, cooldown=COOLDOWN
    )

    assert allowed
    assert state.state == HALF_OPEN


@pytest.mark.parametrize("state", [BreakerState(), BreakerState(HALF_OPEN, 3, 1)])
def test_seconds_until_retry_is_zero_unless_open(state):
    assert cb.seconds_until_retry(state, now=2, cooldown=COOLDOWN) == 0
