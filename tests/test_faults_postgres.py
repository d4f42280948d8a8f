"""Fault suite: PostgreSQL restarted while events are being delivered.

While the database is down the webhook cannot store anything, so no sender
may get a 200 for an event that is not stored (a "false 200" is an event
lost for good: the channel will not send it again). Senders retry what got
an error, as channels do, and every event must end stored and processed.

Full suite only (``make test-faults``): it restarts the PostgreSQL cluster
the tests use with ``pg_ctlcluster``, which needs root and interrupts every
other user of that cluster. Run it against a cluster of its own when others
share the machine (point ``ODOO_RC`` at a config with that cluster's port).
"""

import os
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.retail_channel import create_connection, order_event
from tests.server import database_exists, odoo_config

pytestmark = pytest.mark.faults

ORDERS = 150


def _cluster():
    """``(version, name)`` of the local cluster the tests' database is on."""
    config = odoo_config()
    host = config["db_host"] or ""
    if host not in ("", "localhost", "127.0.0.1", "/var/run/postgresql"):
        pytest.skip(f"PostgreSQL on {host} is not a local cluster to restart")
    port = str(config["db_port"] or 5432)
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port, status, *_rest = line.split()
        if cluster_port == port and status == "online":
            return version, name
    pytest.fail(f"no online local PostgreSQL cluster on port {port}:\n{listing}")


def _database_answers(name):
    try:
        return database_exists(name)
    except Exception:  # any connection error while it restarts
        return False


def test_postgres_restart_during_intake(odoo_server_factory, fault_scale):
    if fault_scale != "full":
        pytest.skip("full fault suite only (make test-faults): restarts PostgreSQL")
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster"):
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster")
    version, name = _cluster()
    server = odoo_server_factory("pgrestart")
    connection = create_connection(
        server, "pgrestart", sku_count=6, stock=100_000, seed=3
    )
    bodies = [
        connection.body(
            order_event(
                connection,
                f"{connection.channel.prefix}{index}",
                quantity=1 + index % 3,
                status="confirmed",
            )
        )
        for index in range(ORDERS)
    ]
    first_answers = [None] * len(bodies)
    restarted = threading.Event()

    def send(index):
        # Spread the deliveries over the restart.
        time.sleep(index * 0.1)
        try:
            status, answer, _latency = connection.post(bodies[index], timeout=60)
        except OSError as exc:
            status, answer = None, str(exc)
        first_answers[index] = (status, answer, restarted.is_set())

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(send, index) for index in range(len(bodies))]
        time.sleep(4)
        subprocess.run(
            ["pg_ctlcluster", version, name, "restart", "-m", "fast"],
            timeout=120,
            check=True,
        )
        restarted.set()
        for future in futures:
            future.result(timeout=300)
    server.wait_until(
        lambda: _database_answers(server.db), timeout=60, message="PostgreSQL is back"
    )

    # Never a false 200: everything answered 200 is stored.
    ok = {i for i, (status, _a, _r) in enumerate(first_answers) if status == 200}
    errors = [first_answers[i] for i in range(len(bodies)) if i not in ok]
    assert errors, "the restart should have refused some deliveries"
    stored = {
        exchange["external_id"]
        for exchange in connection.exchanges(fields=("external_id",))
    }
    expected_ids = [
        f"{connection.channel.prefix}{index}" for index in range(len(bodies))
    ]
    false_ok = [expected_ids[i] for i in sorted(ok) if expected_ids[i] not in stored]
    assert not false_ok, f"answered 200 but not stored: {false_ok}"
    assert all(status is None or status >= 400 for status, _a, _r in errors)

    # Redelivery recovers every event (senders retry on errors).
    redelivered = [
        connection.deliver(bodies[i], attempts=30, pause=1.0)
        for i in range(len(bodies))
        if i not in ok
    ]
    assert all(status == 200 for status, _answer in redelivered), redelivered[:5]
    connection.wait_settled(timeout=600, interval=2)
    states = connection.exchange_states()
    assert states.get("done") == len(bodies), states
    orders = connection.orders(fields=("retail_external_id", "state"))
    assert sorted(o["retail_external_id"] for o in orders) == sorted(expected_ids)
    assert {o["state"] for o in orders} == {"sale"}
    statuses = sorted({str(status) for status, _a, _r in errors})
    print(
        f"{len(ok)} deliveries stored at once, {len(errors)} refused during the "
        f"restart (answers: {', '.join(statuses)}), all recovered by redelivery"
    )
