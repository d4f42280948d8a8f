"""Fault suite: the database unavailable while events are being delivered.

While the database is down the webhook cannot store anything, so no sender
may get a 200 for an event that is not stored (a "false 200" is an event
lost for good: the channel will not send it again). Nor may it get a 404,
which a channel may take as "this address is gone": a refused delivery is
answered 503 with ``Retry-After``. Senders retry what got an error, as
channels do, and every event must end stored and processed.

- Short (``make test``): the server's own database refuses connections for a
  few seconds (``ALLOW_CONNECTIONS false`` and its connections terminated),
  and one delivery loses its connection while the controller waits on a lock.
  Only that database is touched, and it is restored in any case.
- Full (``make test-faults``): the PostgreSQL cluster the tests use is
  restarted with ``pg_ctlcluster``, which needs root and interrupts every
  other user of that cluster. Run it against a cluster of its own when others
  share the machine (point ``ODOO_RC`` at a config with that cluster's port).
"""

import contextlib
import functools
import os
import shutil
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from psycopg2 import sql

from sandbox.common import http_request
from sandbox.generic import sign
from tests.retail_channel import create_connection, order_event
from tests.server import _pg_connect, database_exists, odoo_config

pytestmark = pytest.mark.faults

ORDERS = 150
UNAVAILABLE = {"status": "error", "reason": "database unavailable, retry later"}


def _post(connection, body, *, url=None, timeout=60):
    """POST ``body`` signed now; the full reply (status, headers, JSON)."""
    return http_request(
        "POST",
        url or connection.webhook_url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "X-Retail-Signature": sign(connection.secret, body, time.time()),
        },
        timeout=timeout,
    )


def _is_unavailable(reply):
    """A 503 asking to retry within a minute, with the documented body."""
    retry_after = reply.headers.get("retry-after", "")
    return (
        reply.status == 503
        and retry_after.isdigit()
        and 0 < int(retry_after) <= 60
        and reply.json() == UNAVAILABLE
    )


def _token(connection):
    return urlsplit(connection.webhook_url).path.rsplit("/", 1)[-1]


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
            reply = _post(connection, bodies[index], timeout=60)
        except OSError as exc:
            first_answers[index] = (None, str(exc), restarted.is_set())
        else:
            answer = "503 retry" if _is_unavailable(reply) else reply.json()
            first_answers[index] = (reply.status, answer, restarted.is_set())

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
    # Never a 404 (nor a 500): every refusal is a 503 asking to retry.
    wrong = [answer for answer in errors if answer[1] != "503 retry"]
    assert not wrong, f"{len(wrong)} refusals other than 503: {wrong[:5]}"

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
        f"restart (answers: {', '.join(statuses)}, each with Retry-After), all "
        "recovered by redelivery"
    )
    assert _token(connection) not in server.log_text()


# ---------------------------------------------------------------------------
# Short: one database unavailable for a few seconds (part of make test)
# ---------------------------------------------------------------------------


def _alter_connections(name, allowed):
    admin = _pg_connect()
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
                    sql.Identifier(name), sql.SQL("true" if allowed else "false")
                )
            )
            if not allowed:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
    finally:
        admin.close()


@contextlib.contextmanager
def _database_refusing_connections(name):
    """Database ``name`` refuses new connections and loses its open ones.

    What the server sees of a PostgreSQL outage, for its database only; the
    cluster and every other database keep running. Restored on the way out,
    whatever happened inside.
    """
    try:
        _alter_connections(name, allowed=False)
        yield
    finally:
        _alter_connections(name, allowed=True)


def _waiting_inserts(server):
    """Pids of backends of the server waiting on a lock to store an event."""
    admin = _pg_connect()
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s"
                " AND wait_event_type = 'Lock'"
                " AND query ILIKE '%%insert into%%retail_exchange%%'",
                [server.db],
            )
            return [row[0] for row in cursor.fetchall()]
    finally:
        admin.close()


def _terminate_backend(pid):
    admin = _pg_connect()
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        admin.close()


def _answered_or_waiting(server, pending):
    return pending.done() or _waiting_inserts(server)


def _post_dropped_mid_request(server, connection, body, attempts=5):
    """POST ``body`` and cut the worker's database connection mid-request.

    ``retail_exchange`` is locked here against writes (reads go on), so the
    controller waits on the lock when it stores the event; its backend is
    then terminated. A worker may first refuse the delivery on a connection
    the outage left dead in its pool, without waiting: that attempt is made
    again.
    """
    # The lock is released before the pool waits for the request to end.
    with ThreadPoolExecutor(max_workers=1) as pool:
        for _attempt in range(attempts):
            locker = _pg_connect(server.db)
            locker.autocommit = False
            try:
                with locker.cursor() as cursor:
                    cursor.execute("LOCK TABLE retail_exchange IN SHARE MODE")
                pending = pool.submit(_post, connection, body, timeout=60)
                waiting = server.wait_until(
                    functools.partial(_answered_or_waiting, server, pending),
                    timeout=30,
                    message="a delivery waiting on the lock",
                )
                if waiting is True:
                    reply = pending.result()
                    if _is_unavailable(reply):
                        continue  # refused before it reached the lock
                    return reply
                _terminate_backend(waiting[0])
                return pending.result(timeout=60)
            finally:
                locker.rollback()
                locker.close()
    pytest.fail(f"no delivery waited on the lock in {attempts} attempts")


def test_unavailable_database_is_answered_503(odoo_server_factory):
    server = odoo_server_factory("dbdown")
    connection = create_connection(server, "dbdown", sku_count=2, stock=1000)
    bodies = [
        connection.body(
            order_event(
                connection,
                f"{connection.channel.prefix}{index}",
                quantity=1,
                status="confirmed",
            )
        )
        for index in range(8)
    ]
    # Both HTTP workers serve the database before it goes away.
    for body in bodies[:2]:
        reply = _post(connection, body)
        assert (reply.status, reply.json()) == (200, {"status": "accepted"})

    unknown = f"{server.url}/retail/webhook/{uuid.uuid4().hex}"
    started = time.monotonic()
    with _database_refusing_connections(server.db):
        refused = [_post(connection, body, timeout=30) for body in bodies[2:6]]
        # Without its database the server cannot tell a token it does not
        # know either: that is a 503 too, not a 404.
        refused.append(_post(connection, bodies[6], url=unknown, timeout=30))
        # Everything else is served as Odoo always does.
        other = http_request("POST", f"{server.url}/retail/elsewhere", body=b"{}")
    outage = time.monotonic() - started
    answers = [(reply.status, reply.headers, reply.json()) for reply in refused]
    assert all(_is_unavailable(reply) for reply in refused), answers
    assert other.status == 404, (other.status, other.text[:200])

    # A connection lost while the controller handles a delivery.
    dropped = _post_dropped_mid_request(server, connection, bodies[6])
    assert _is_unavailable(dropped), (dropped.status, dropped.headers, dropped.text)

    # Senders retry what was refused: every event ends stored once, and done.
    redelivered = [connection.deliver(body, attempts=40, pause=0.5) for body in bodies]
    assert [status for status, _answer in redelivered[:2]] == [200, 200]
    assert [answer for _status, answer in redelivered[2:]] == [
        {"status": "accepted"}
    ] * 6, redelivered
    states = connection.wait_settled(timeout=180, interval=1)
    assert states == {"done": len(bodies)}, states

    # Neither the refusals nor the accepted deliveries wrote the token.
    log = server.log_text()
    assert _token(connection) not in log
    assert '/retail/webhook/*** HTTP/1.1" 503' in log
    print(
        f"database refused connections for {outage:.1f}s: {len(refused)} "
        f"deliveries answered 503 with Retry-After, one dropped mid-request "
        f"answered 503; all {len(bodies)} stored once by redelivery"
    )
