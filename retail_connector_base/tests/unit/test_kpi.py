import pytest

from odoo.addons.retail_connector_base.tools import kpi


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 21))  # 1..20
    assert kpi.percentile(values, 50) == 10
    assert kpi.percentile(values, 95) == 19
    assert kpi.percentile(values, 100) == 20
    # Order does not matter; the value is always a measured one.
    assert kpi.percentile([30, 10, 20], 50) == 20
    assert kpi.percentile([30, 10, 20], 95) == 30
    assert kpi.percentile([7.5], 95) == 7.5


def test_percentile_of_nothing_is_none_and_out_of_range_refused():
    assert kpi.percentile([], 50) is None
    with pytest.raises(ValueError):
        kpi.percentile([1, 2], 0)
    with pytest.raises(ValueError):
        kpi.percentile([1, 2], 101)


def test_spread_counts_negative_lags_as_immediate():
    result = kpi.spread([60, -5, 120, 30])
    assert result.count == 4
    assert result.p50 == 30.0
    assert result.p95 == 120.0
    assert kpi.spread([]) == kpi.Spread(0, None, None)


def test_rate():
    assert kpi.rate(1, 3) == 33.33
    assert kpi.rate(0, 5) == 0.0
    assert kpi.rate(3, 0) is None


@pytest.mark.parametrize(
    ("status", "refused"),
    [(429, True), (500, True), (503, True), (504, True), (400, False), (404, False)],
)
def test_refused_statuses(status, refused):
    assert kpi.is_refused_status(status) is refused


def test_no_status_is_not_a_refusal():
    # The circuit breaker refused the call: the channel never saw it.
    assert not kpi.is_refused_status(None)


def test_failure_causes_prefer_the_kind_then_the_category():
    rows = [
        ("unknown_sku", "business", 4),
        (None, "technical", 2),
        (None, "business", 1),
        ("unknown_tax_rate", "business", 2),
        (None, None, 1),
    ]
    assert kpi.failure_causes(rows) == [
        ("unknown_sku", 4),
        ("technical", 2),
        ("unknown_tax_rate", 2),
        ("business", 1),
        ("other", 1),
    ]
    # Rows of one cause from several categories add up.
    assert kpi.failure_causes([("unknown_sku", "business", 1)] * 3) == [
        ("unknown_sku", 3)
    ]


def _health(**overrides):
    facts = {
        "circuit_open": False,
        "silent": False,
        "failed": 0,
        "total": 50,
        "backlog": 0,
    }
    facts.update(overrides)
    return kpi.health(**facts)


def test_green_when_nothing_is_wrong():
    result = _health(failed=2)
    assert (result.state, result.reason) == (kpi.GREEN, "ok")
    assert result.failure_rate == 4.0


def test_degraded_on_failures_only_beyond_rate_and_minimum():
    assert _health(failed=5).state == kpi.DEGRADED  # 10 %
    assert _health(failed=5).reason == "failures"
    assert _health(failed=4).state == kpi.GREEN  # 8 %
    # Two failures of three exchanges: a high rate, too few to mean much.
    assert _health(failed=2, total=3).state == kpi.GREEN
    assert _health(failed=3, total=3).state == kpi.DEGRADED


def test_degraded_on_backlog():
    result = _health(backlog=kpi.DEGRADED_BACKLOG)
    assert (result.state, result.reason) == (kpi.DEGRADED, "backlog")
    assert _health(backlog=kpi.DEGRADED_BACKLOG - 1).state == kpi.GREEN


def test_the_worst_state_wins():
    assert _health(silent=True, failed=50).state == kpi.SILENT
    assert _health(circuit_open=True, silent=True, failed=50).state == kpi.DOWN
    assert _health(circuit_open=True).reason == "circuit_open"
