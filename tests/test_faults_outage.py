"""Fault suite: the channel is down (503, then 429) while stock keeps moving.

Outbound stock pushes must back off, the connection's circuit breaker must
open (visible on the connection), no job may use up its retries during the
outage, and once the channel is back it must hold every latest quantity.

Full version (``make test-faults``): a 10-minute outage with the default
settings. Short version (``make test``): a 60-second outage with the
breaker's cool-down and the stock job's retry pattern scaled down through
their settings (the connection form and the job function), so that the
outage spans as many cool-downs and retries as the full one.
"""

import random
import time

import pytest

from tests.retail_channel import create_connection, queue_jobs, set_stock

pytestmark = pytest.mark.faults

STOCK_JOB = "<retail.backend>._export_stock_job"

SCALES = {
    # outage (s), connection settings, retry pattern of the stock job or None
    # for the shipped one, time allowed for delivery after recovery (s)
    "short": (
        60,
        {"breaker_threshold": 3, "breaker_cooldown": 6, "stock_export_delay": 1},
        "{1: 2, 3: 4, 5: 8}",
        90,
    ),
    "full": (600, {"stock_export_delay": 1}, None, 400),
}


def _expected_reached(connection, expected):
    held = connection.push_stock()
    return all(held.get(sku) == qty for sku, qty in expected.items())


def _failed_stock_jobs(server):
    return queue_jobs(
        server,
        [
            ("model_name", "=", "retail.backend"),
            ("method_name", "=", "_export_stock_job"),
            ("state", "=", "failed"),
        ],
        fields=("uuid", "exc_info", "retry"),
    )


def _circuit(server, connection):
    (record,) = server.rpc(
        "retail.backend",
        "read",
        [connection.backend_id],
        ["circuit_state", "circuit_failures"],
    )
    return record["circuit_state"]


def _longest_quiet_spell(samples):
    """Longest time between samples during which no call reached the channel."""
    longest, since, last_count = 0.0, None, None
    for moment, count in samples:
        if count != last_count:
            since, last_count = moment, count
        longest = max(longest, moment - since)
    return longest


def test_outage_backs_off_opens_circuit_and_loses_nothing(
    odoo_server_factory, fault_scale
):
    outage, settings, pattern, recovery = SCALES[fault_scale]
    server = odoo_server_factory("outage")
    connection = create_connection(
        server,
        "outage",
        sku_count=12,
        stock=50,
        push=True,
        bind=True,
        settings=settings,
    )
    if pattern:
        functions = server.rpc(
            "queue.job.function", "search", [("name", "=", STOCK_JOB)]
        )
        assert functions, f"job function {STOCK_JOB} not found"
        server.rpc(
            "queue.job.function", "write", functions, {"edit_retry_pattern": pattern}
        )
    expected = dict.fromkeys(connection.skus, 50)
    server.rpc("retail.backend", "action_push_all_stock", [connection.backend_id])
    server.wait_until(
        lambda: _expected_reached(connection, expected),
        timeout=120,
        message="initial stock pushed",
    )

    faults = connection.channel.faults
    rng = random.Random(8)
    faults.configure(error_rate=1.0, error_status=503)
    requests_before = faults.counters().get("requests", 0)
    started = time.monotonic()
    samples, circuit_states, failed_jobs = [], set(), []
    next_change = started
    switched = False
    while (now := time.monotonic()) < started + outage:
        if not switched and now >= started + outage * 0.6:
            # The channel comes back throttling: 429 with Retry-After.
            faults.configure(
                error_rate=0.0, rate_limit_rate=1.0, retry_after=min(5, outage / 20)
            )
            switched = True
        if now >= next_change:
            sku = rng.choice(connection.skus)
            expected[sku] = rng.randint(0, 500)
            set_stock(server, [connection.products[sku]], expected[sku])
            next_change = now + max(2.0, outage / 25)
        circuit_states.add(_circuit(server, connection))
        failed_jobs += [
            job for job in _failed_stock_jobs(server) if job not in failed_jobs
        ]
        samples.append((now, faults.counters().get("requests", 0)))
        time.sleep(1.0)
    faults.configure(error_rate=0.0, rate_limit_rate=0.0)
    recovered_at = time.monotonic()

    server.wait_until(
        lambda: _expected_reached(connection, expected),
        timeout=recovery,
        interval=1,
        message=f"every latest quantity delivered after recovery ({expected})",
    )
    delivered_after = time.monotonic() - recovered_at
    failed_jobs += [job for job in _failed_stock_jobs(server) if job not in failed_jobs]
    retries = max(
        (
            job["retry"]
            for job in queue_jobs(
                server,
                [
                    ("model_name", "=", "retail.backend"),
                    ("method_name", "=", "_export_stock_job"),
                ],
                fields=("retry",),
            )
        ),
        default=0,
    )

    assert "open" in circuit_states, f"circuit never opened: {circuit_states}"
    assert not failed_jobs, f"jobs exhausted their retries: {failed_jobs[:3]}"
    attempts = samples[-1][1] - requests_before
    # Backing off: far fewer calls than an unthrottled retry loop (several a
    # second per pending product), and long quiet spells while the circuit
    # holds calls back.
    assert attempts <= outage * 2, f"{attempts} calls in a {outage}s outage"
    quiet = _longest_quiet_spell(samples)
    cooldown = settings.get("breaker_cooldown", 60)
    assert quiet >= cooldown / 2, (
        f"no pause in calls while the circuit was open (longest quiet {quiet:.1f}s)"
    )
    print(
        f"outage {outage}s: {attempts} calls refused, circuit states "
        f"{sorted(circuit_states)}, longest quiet spell {quiet:.1f}s, "
        f"most retries used by a stock job {retries}, everything delivered "
        f"{delivered_after:.1f}s after recovery"
    )
    server.wait_until(
        lambda: _circuit(server, connection) == "closed",
        timeout=60,
        message="circuit closed again",
    )
