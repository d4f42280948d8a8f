"""Fault suite: SIGKILL of an HTTP worker or of the job runner mid-processing.

A crash may hit a webhook request before or after its commit, a job half-way
through an order, or the runner between dispatching jobs. After each kill
the prefork master respawns the process; queue_job requeues the jobs whose
worker died (a started job's lock row is released with the dead worker's
database connection, and the runner sets such jobs back to pending, see
``requeue_dead_jobs`` in queue_job's runner: no setting to change, its
10-second grace period and the runner's 60-second idle wake-up only bound
how long recovery takes). Senders retry what got no 2xx, as channels do.

Then every accepted event must end done or visibly failed, no channel order
may have two sale orders, and no job may stay started. Short version: 3
trials (part of ``make test``); full: 24 (``make test-faults``).
"""

import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.retail_channel import create_connection, job_states, order_event

pytestmark = pytest.mark.faults

TRIALS = {"short": 3, "full": 24}
ORDERS_PER_TRIAL = 12
WORKERS = 2


def _respawned(server, kind, before):
    """The killed process has been replaced (same count, new pids)."""
    pids = set(server.worker_pids(kind))
    wanted = WORKERS if kind == "http" else 1
    return len(pids) == wanted and pids != before


def _jobs_at_rest(server):
    """``(states,)`` once no processing job is started or enqueued, else None."""
    states = job_states(server, [("model_name", "=", "retail.exchange")])
    if states.get("started") or states.get("enqueued"):
        return None
    return (states,)


def _trial_bodies(connection, trial, rng):
    """Orders of one trial: some created as quotations and paid later."""
    bodies, expected = [], {}
    for index in range(ORDERS_PER_TRIAL):
        external_id = f"{connection.channel.prefix}t{trial}-{index}"
        if rng.random() < 0.5:
            events = [
                order_event(connection, external_id, quantity=1, status="pending"),
                order_event(connection, external_id, quantity=3, status="confirmed"),
            ]
            expected[external_id] = ("sale", 3)
        else:
            events = [
                order_event(connection, external_id, quantity=2, status="confirmed")
            ]
            expected[external_id] = ("sale", 2)
        bodies += [connection.body(event) for event in events]
    return bodies, expected


def test_kill_workers_and_runner_during_processing(odoo_server_factory, fault_scale):
    server = odoo_server_factory("crash", workers=WORKERS)
    connection = create_connection(server, "crash", sku_count=8, stock=100_000, seed=5)
    rng = random.Random(2026)
    trials = TRIALS[fault_scale]
    # Both kinds of victim, in a random order.
    kinds = (["http", "jobrunner"] * trials)[:trials]
    rng.shuffle(kinds)
    expected, answers, kills = {}, [], []
    for trial, kind in enumerate(kinds):
        bodies, wanted = _trial_bodies(connection, trial, rng)
        expected.update(wanted)
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(connection.deliver, body) for body in bodies]
            # A random moment: during intake, or while the jobs of this trial
            # (and the last ones of the previous trial) are running.
            time.sleep(rng.uniform(0.1, 3.0))
            before = set(server.worker_pids(kind))
            kills.append((kind, server.kill_worker(kind)))
            answers += [future.result(timeout=300) for future in futures]
        server.wait_until(
            lambda kind=kind, before=before: _respawned(server, kind, before),
            timeout=60,
            interval=0.5,
            message=f"{kind} respawned",
        )

    # Each delivery was eventually answered 2xx: stored exactly once.
    refused = [answer for answer in answers if answer[0] != 200]
    assert not refused, refused[:5]
    assert len(kills) == trials

    # Recovery: dead jobs are requeued by the runner (within its idle
    # wake-up), then run; bounded by a few retry delays.
    connection.wait_settled(timeout=420, interval=2)
    exchanges = connection.exchanges(fields=("state", "error", "external_id"))
    not_final = [e for e in exchanges if e["state"] not in ("done", "failed")]
    assert not not_final, not_final[:5]
    silent = [e for e in exchanges if e["state"] == "failed" and not e["error"]]
    assert not silent, "a failed exchange must say why"
    failed = [e for e in exchanges if e["state"] == "failed"]
    assert not failed, f"crashes are technical and retried: {failed[:5]}"

    # No job of ours is left started or enqueued by a dead process.
    (states,) = server.wait_until(
        lambda: _jobs_at_rest(server), timeout=120, interval=2, message="jobs at rest"
    )
    assert not states.get("failed"), states

    orders = connection.orders(
        fields=("retail_external_id", "state", "order_line", "picking_ids")
    )
    external_ids = [order["retail_external_id"] for order in orders]
    assert len(external_ids) == len(set(external_ids)), "no duplicate sale order"
    assert set(external_ids) == set(expected)
    wrong = [
        order
        for order in orders
        if order["state"] != expected[order["retail_external_id"]][0]
        or not order["order_line"]
    ]
    assert not wrong, wrong[:5]
