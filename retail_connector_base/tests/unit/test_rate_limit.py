import threading

import pytest

from odoo.addons.retail_connector_base.tools import rate_limit
from odoo.addons.retail_connector_base.tools.rate_limit import (
    RateLimitTimeout,
    TokenBucket,
)


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def make_bucket(rate, burst):
    time = FakeTime()
    return TokenBucket(rate, burst, clock=time.clock, sleep=time.sleep), time


def test_burst_is_available_at_once_then_refused():
    bucket, _time = make_bucket(rate=2, burst=3)

    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_tokens_refill_at_the_rate():
    bucket, time = make_bucket(rate=2, burst=3)
    for _ in range(3):
        bucket.try_acquire()

    time.now += 0.4
    assert not bucket.try_acquire()
    assert bucket.wait_time() == pytest.approx(0.1)
    time.now += 0.1
    assert bucket.try_acquire()


def test_refill_never_exceeds_the_burst():
    bucket, time = make_bucket(rate=10, burst=2)

    time.now += 3600

    assert [bucket.try_acquire() for _ in range(3)] == [True, True, False]


def test_acquire_sleeps_exactly_until_a_token_is_due():
    bucket, time = make_bucket(rate=4, burst=1)

    waits = [bucket.acquire() for _ in range(4)]

    assert waits == pytest.approx([0.0, 0.25, 0.25, 0.25])
    assert time.sleeps == pytest.approx([0.25, 0.25, 0.25])
    assert time.now == pytest.approx(1000.75)


def test_sustained_throughput_matches_the_rate():
    bucket, time = make_bucket(rate=5, burst=5)

    for _ in range(55):
        bucket.acquire()

    # 5 from the burst, then 50 at 5 per second.
    assert time.now - 1000.0 == pytest.approx(10.0)


def test_acquire_several_tokens():
    bucket, time = make_bucket(rate=10, burst=10)

    assert bucket.acquire(tokens=10) == 0.0
    assert bucket.acquire(tokens=5) == pytest.approx(0.5)
    assert time.now == pytest.approx(1000.5)


def test_timeout_raises_without_consuming_tokens():
    bucket, time = make_bucket(rate=1, burst=1)
    bucket.acquire()

    with pytest.raises(RateLimitTimeout) as info:
        bucket.acquire(timeout=0.5)

    assert info.value.wait == pytest.approx(1.0)
    assert time.sleeps == []
    # The refused caller took nothing: the next token is still 1 s away.
    assert bucket.wait_time() == pytest.approx(1.0)
    assert bucket.acquire(timeout=1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("rate", [0, -1])
def test_zero_or_negative_rate_is_unlimited(rate):
    bucket, time = make_bucket(rate=rate, burst=1)

    assert all(bucket.try_acquire() for _ in range(1000))
    assert bucket.acquire() == 0.0
    assert bucket.wait_time() == 0.0
    assert time.sleeps == []


def test_concurrent_callers_share_the_rate():
    lock = threading.Lock()
    time = FakeTime()

    def sleep(seconds):
        with lock:
            time.sleeps.append(seconds)

    bucket = TokenBucket(rate=10, burst=1, clock=time.clock, sleep=sleep)
    threads = [threading.Thread(target=bucket.acquire) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The clock never moved: each caller reserved the next free slot, so the
    # waits are 0.1, 0.2, ... 1.9 s, never two callers on the same slot.
    assert sorted(time.sleeps) == pytest.approx([n / 10 for n in range(1, 20)])


def test_bucket_for_reuses_and_replaces_on_change():
    first = rate_limit.bucket_for(("test", 1), 5, 10)

    assert rate_limit.bucket_for(("test", 1), 5, 10) is first
    assert rate_limit.bucket_for(("test", 2), 5, 10) is not first
    changed = rate_limit.bucket_for(("test", 1), 2, 10)
    assert changed is not first
    assert changed.rate == 2
    assert rate_limit.bucket_for(("test", 1), 2, 10) is changed
