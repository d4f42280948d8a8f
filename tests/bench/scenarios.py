"""The measurements of ``make bench``, one function per figure of issue 4.

Each returns plain dicts (the rows of the report). Counts are arguments, so
that ``run.py`` keeps the whole bench bounded and prints what it used.
"""

import functools
import http.client
import json
import os
import random
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from sandbox.common import latency_summary, percentile
from sandbox.generic import sign
from tests.retail_channel import (
    bind_products,
    create_connection,
    create_products,
    job_states,
    set_stock,
)
from tests.server import _child_env, odoo_paths

HERE = Path(__file__).resolve().parent
# Odoo's own ceiling: a route of the test-only addon that does nothing.
NOOP_PATH = "/retail/test/noop"
NOOP_ADDON = "retail_test_channel"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def wait_for(predicate, *, timeout, interval=0.5, what="condition"):
    """Poll ``predicate`` until truthy; return its value. Bounded by timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


def inbound_queue_idle(server):
    """True when no inbound processing job is waiting or running."""
    states = job_states(
        server,
        [("channel", "=", "root.retail.inbound")],
    )
    return not any(states.get(s) for s in ("pending", "enqueued", "started"))


def all_queues_idle(server):
    """True when no job at all is waiting (due now) or running."""
    states = job_states(
        server,
        [
            ("state", "in", ("pending", "enqueued", "started")),
            ("eta", "=", False),
        ],
    )
    return not states


def run_shell_script(server, script, env, timeout):
    """Run ``script`` inside ``odoo shell`` on the server's database.

    The shell gets the server's environment (its encryption key, to read the
    connection's credentials) plus ``env``. Returns the JSON printed on its
    ``BENCH_RESULT`` line.
    """
    command = [
        *odoo_paths.odoo_command(),
        "shell",
        f"--config={server.config_path}",
        f"--database={server.db}",
        f"--addons-path={odoo_paths.addons_path(with_tests=True)}",
        "--no-http",
        "--log-level=warn",
    ]
    with open(HERE / script, encoding="utf-8") as source:
        completed = subprocess.run(
            command,
            stdin=source,
            capture_output=True,
            text=True,
            env=_child_env(env),
            timeout=timeout,
            check=False,
        )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.split(" ", 1)[1])
    raise RuntimeError(
        f"{script} failed (exit {completed.returncode}):\n"
        f"{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}"
    )


def post_all(connection, bodies, concurrency):
    """POST every body with ``concurrency`` senders; return timings."""
    results = []
    lock = threading.Lock()
    queue = iter(bodies)

    def sender():
        while True:
            with lock:
                body = next(queue, None)
            if body is None:
                return
            started = time.monotonic()
            try:
                status, answer, _latency = connection.post(body, timeout=120)
            except (OSError, http.client.HTTPException) as exc:
                # Keep the kind of failure: refused, reset, timed out...
                status, answer = None, type(exc).__name__
            elapsed = time.monotonic() - started
            with lock:
                results.append((status, answer, elapsed))

    threads = [threading.Thread(target=sender) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=900)
    return results, time.monotonic() - started


def ack_row(channel, concurrency, results, wall):
    """One row of the acknowledgement table."""
    latencies = [elapsed for _s, _a, elapsed in results]
    accepted = sum(
        1
        for status, answer, _e in results
        if status == 200 and isinstance(answer, dict) and answer.get("status")
    )
    errors = len(results) - accepted
    kinds = {}
    for status, answer, _e in results:
        if status == 200:
            continue
        kind = str(status) if status is not None else answer
        kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "channel": channel,
        "concurrency": concurrency,
        "requests": len(results),
        "accepted": accepted,
        "errors": errors,
        "error_kinds": kinds,
        "wall_s": round(wall, 2),
        "events_per_s": round(accepted / wall, 1) if wall else None,
        **{f"{k}_ms": v for k, v in latency_summary(latencies).items()},
    }


# ---------------------------------------------------------------------------
# 1. webhook acknowledgement
# ---------------------------------------------------------------------------


class NoopSender:
    """Posts what a channel's sender posts, signed alike, to the no-op route."""

    def __init__(self, post):
        self._post = post

    def post(self, body, timeout=60):
        return self._post(body, timeout=timeout)


def server_cpu_s(server):
    """CPU seconds used so far by the server's processes (workers, runner...)."""
    try:
        root = psutil.Process(server.process.pid)
        processes = [root, *root.children(recursive=True)]
    except (psutil.NoSuchProcess, AttributeError):
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def timed_post_all(server, connection, bodies, concurrency):
    """``post_all`` plus the server's CPU milliseconds per request meanwhile.

    The server's processes only: PostgreSQL and the load generator are
    apart, and during the intake the job runner's work is in the figure.
    """
    before = server_cpu_s(server)
    results, wall = post_all(connection, bodies, concurrency)
    spent = server_cpu_s(server) - before
    return results, wall, round(spent * 1000 / max(1, len(results)), 2)


def noop_row(server, channel, concurrency, sender, bodies, log):
    """The no-op route under the intake's load: same senders, bodies, count.

    Returns an acknowledgement row (``events_per_s``: requests answered 200
    a second), or ``{"not_measured": why}`` when the route is not there.
    """
    try:
        status, answer, _latency = sender.post(bodies[0])
    except (OSError, http.client.HTTPException) as exc:
        status, answer = None, type(exc).__name__
    if status != 200:
        return {
            "not_measured": f"the no-op route {NOOP_PATH} answered "
            f"{status or answer} ({NOOP_ADDON} not installed?)"
        }
    log(f"  {channel}, concurrency {concurrency}: {len(bodies)} no-op requests")
    results, wall, cpu_ms = timed_post_all(server, sender, bodies, concurrency)
    return {
        **ack_row(channel, concurrency, results, wall),
        "server_cpu_ms_per_request": cpu_ms,
    }


def noop_during_jobs(server, channel, concurrency, sender, bodies, log):
    """The no-op route again, right after the intake, while the job runner
    still processes the orders it accepted: Odoo's ceiling under the same
    background work as the intake had. ``{"not_measured": why}`` when the
    jobs were done before the no-op requests were.
    """
    log(f"  {channel}, concurrency {concurrency}: no-op while the jobs run")
    results, wall, cpu_ms = timed_post_all(server, sender, bodies, concurrency)
    if inbound_queue_idle(server):
        return {"not_measured": "the jobs ended before the no-op requests did"}
    return {
        **ack_row(channel, concurrency, results, wall),
        "server_cpu_ms_per_request": cpu_ms,
    }


def with_noop(row, noop, busy=None):
    """The intake row with its no-op baseline and the ratio of throughputs."""
    baseline = {
        key: value
        for key, value in noop.items()
        if key not in ("channel", "concurrency")
    }
    ratio = None
    if noop.get("events_per_s") and row.get("events_per_s") is not None:
        ratio = round(row["events_per_s"] / noop["events_per_s"], 2)
    row = {**row, "noop": baseline, "ratio_to_noop": ratio}
    if busy is not None:
        row["noop_during_jobs"] = {
            key: value
            for key, value in busy.items()
            if key not in ("channel", "concurrency")
        }
        if busy.get("events_per_s") and row.get("events_per_s") is not None:
            row["ratio_to_noop_during_jobs"] = round(
                row["events_per_s"] / busy["events_per_s"], 2
            )
    return row


def bench_ack_generic(server, levels, log):
    """Signed generic deliveries at each concurrency level.

    Each level has a connection of its own, active, so every accepted event
    also queues its processing job and the job runner processes them on the
    same workers while the senders go on, as in production. After the
    level the connection is paused: its remaining jobs become no-ops, so the
    next level starts without the previous one's backlog.

    Right before the intake, the same senders post the same bodies, as many
    and as concurrently, to the no-op route: Odoo's own ceiling at that
    moment on that server.
    """
    rows = []
    noop_url = server.url + NOOP_PATH
    for concurrency, count in levels:
        connection = create_connection(
            server, f"ack{concurrency}", sku_count=20, stock=1_000_000, seed=concurrency
        )
        bodies = [
            connection.body(connection.channel.make_order_event(status="confirmed"))
            for _ in range(count)
        ]
        noop = noop_row(
            server,
            "generic",
            concurrency,
            NoopSender(functools.partial(connection.post, url=noop_url)),
            bodies,
            log,
        )
        log(f"  generic, concurrency {concurrency}: {count} signed deliveries")
        results, wall, cpu_ms = timed_post_all(server, connection, bodies, concurrency)
        busy = None
        if "not_measured" not in noop:
            busy = noop_during_jobs(
                server,
                "generic",
                concurrency,
                NoopSender(functools.partial(connection.post, url=noop_url)),
                bodies,
                log,
            )
        row = with_noop(ack_row("generic", concurrency, results, wall), noop, busy)
        row["server_cpu_ms_per_request"] = cpu_ms
        processed = connection.exchange_states().get("done", 0)
        row["processed_meanwhile"] = processed
        rows.append(row)
        server.rpc("retail.backend", "action_pause", [connection.backend_id])
        wait_for(
            lambda: inbound_queue_idle(server),
            timeout=600,
            interval=1,
            what="inbound queue drained",
        )
        connection.channel.close()
    return rows


def profile_intake(server, count, log, warmup=30):
    """One request phase by phase: the no-op route against the intake.

    ``count`` deliveries of a fresh active connection, each sent to both
    (alternately, after ``warmup`` unmeasured ones) through Odoo's WSGI
    application inside an ``odoo shell`` process: see ``profile_intake.py``.
    The jobs they queue are processed by the server meanwhile; the
    connection is paused and its queue drained afterwards.
    """
    connection = create_connection(
        server, "profile", sku_count=20, stock=1_000_000, seed=99
    )
    deliveries = []
    for _ in range(warmup + count):
        body = connection.body(connection.channel.make_order_event(status="confirmed"))
        deliveries.append(
            {
                "body": body.decode("utf-8"),
                "headers": {
                    "Content-Type": "application/json",
                    "X-Retail-Signature": sign(connection.secret, body, time.time()),
                },
            }
        )
    spec = {
        "noop_path": NOOP_PATH,
        "webhook_path": urlsplit(connection.webhook_url).path,
        "warmup": warmup,
        "deliveries": deliveries,
    }
    log(f"  profile: {count} no-op requests and {count} deliveries in one process")
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", delete=False, encoding="utf-8"
    ) as handle:
        json.dump(spec, handle)
        spec_file = handle.name
    extra = {"BENCH_PROFILE": spec_file}
    if os.environ.get("BENCH_CPROFILE"):
        extra["BENCH_CPROFILE"] = os.environ["BENCH_CPROFILE"]
    try:
        result = run_shell_script(server, "profile_intake.py", extra, timeout=900)
    finally:
        os.unlink(spec_file)
        server.rpc("retail.backend", "action_pause", [connection.backend_id])
        wait_for(
            lambda: inbound_queue_idle(server),
            timeout=600,
            interval=1,
            what="inbound queue drained",
        )
        connection.channel.close()
    return result


# ---------------------------------------------------------------------------
# 2. order processing against the ORM floor
# ---------------------------------------------------------------------------


def _orders_done(server, connection, count):
    confirmed = server.rpc(
        "sale.order",
        "search_count",
        [("retail_backend_id", "=", connection.backend_id), ("state", "=", "sale")],
    )
    return confirmed >= count


def bench_orders(server, count, log):
    """Accepted event to confirmed, reserved sale order; then the ORM floor."""
    connection = create_connection(
        server, "orders", sku_count=20, stock=1_000_000, seed=42
    )
    events = [
        connection.channel.make_order_event(status="confirmed") for _ in range(count)
    ]
    bodies = [connection.body(event) for event in events]
    log(f"  pipeline: {count} orders delivered at concurrency 10")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(connection.deliver, bodies))
    intake = time.monotonic() - started
    refused = [a for a in answers if a[0] != 200]
    if refused:
        raise RuntimeError(f"deliveries refused: {refused[:3]}")
    wait_for(
        lambda: _orders_done(server, connection, count) or _failed(connection),
        timeout=900,
        interval=0.5,
        what=f"{count} sale orders confirmed",
    )
    pipeline = time.monotonic() - started
    failed = _failed(connection)
    if failed:
        raise RuntimeError(f"exchanges failed: {failed[:3]}")
    not_reserved = server.rpc(
        "stock.picking",
        "search_count",
        [
            ("sale_id.retail_backend_id", "=", connection.backend_id),
            ("state", "!=", "assigned"),
        ],
    )
    lines = sum(len(event["data"]["lines"]) for event in events)

    log(f"  ORM floor: the same {count} orders in one odoo shell process")
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", delete=False, encoding="utf-8"
    ) as handle:
        json.dump([event["data"] for event in events], handle)
        orders_file = handle.name
    try:
        (warehouse,) = server.rpc("stock.warehouse", "search", [], limit=1)
        floor = run_shell_script(
            server,
            "orm_floor.py",
            {
                "BENCH_ORDERS": orders_file,
                "BENCH_TAX": str(connection.tax_id),
                "BENCH_WAREHOUSE": str(warehouse),
            },
            timeout=900,
        )
    finally:
        os.unlink(orders_file)
    connection.channel.close()
    pipeline_rate = count / pipeline
    floor_rate = floor["orders"] / floor["seconds"]
    return {
        "orders": count,
        "order_lines": lines,
        "pipeline_s": round(pipeline, 2),
        "intake_s": round(intake, 2),
        "pipeline_orders_per_s": round(pipeline_rate, 2),
        "pipeline_pickings_not_reserved": not_reserved,
        "floor_s": round(floor["seconds"], 2),
        "floor_orders_per_s": round(floor_rate, 2),
        "floor_reserved": floor["reserved"],
        "ratio_to_floor": round(pipeline / floor["seconds"], 2),
    }


def _failed(connection):
    return connection.exchanges(domain=[("state", "=", "failed")], fields=("error",))


# ---------------------------------------------------------------------------
# 3. stock export of a large catalog
# ---------------------------------------------------------------------------


def connection_settings(server, backend_id):
    """The connection's rate limit and push delay, reported with the figures."""
    (settings,) = server.rpc(
        "retail.backend", "read", [backend_id], ["rate_limit", "stock_export_delay"]
    )
    return settings


def naive_export(server, backend_id, seconds):
    """Run the one-request-per-product baseline (``naive_export.py``)."""
    return run_shell_script(
        server,
        "naive_export.py",
        {"BENCH_BACKEND": str(backend_id), "BENCH_SECONDS": str(seconds)},
        timeout=seconds + 300,
    )


def push_all_stock(server, backend_id, finished_at, what):
    """Press Push All Stock; time it until the channel holds every quantity.

    ``finished_at(started)`` returns the Unix time at which the channel held
    every new quantity, or None while it does not. Returns (seconds from the
    call to that moment, seconds of the call itself).
    """
    started = time.time()
    server.rpc("retail.backend", "action_push_all_stock", [backend_id])
    scheduled = time.time() - started
    finished = wait_for(
        lambda: finished_at(started), timeout=900, interval=0.5, what=what
    )
    return finished - started, scheduled


def export_row(channel, skus, settings, batched, naive):
    """One channel's row of the export table.

    ``batched``: (wall seconds, requests, seconds of the Push All Stock call);
    ``naive``: the baseline's result plus ``channel_requests``, the requests
    the channel counted.
    """
    wall, requests, scheduled = batched
    rate = naive["requests"] / naive["seconds"]
    return {
        "channel": channel,
        "skus": skus,
        "rate_limit_per_s": settings["rate_limit"],
        "stock_export_delay_s": settings["stock_export_delay"],
        "batched_wall_s": round(wall, 1),
        "batched_requests": requests,
        "batched_enqueue_s": round(scheduled, 1),
        "naive_requests_measured": naive["channel_requests"],
        "naive_measured_s": round(naive["seconds"], 1),
        "naive_requests_per_s": round(rate, 1),
        "naive_wall_s_extrapolated": round(skus / rate, 0),
        "naive_requests": skus,
        "speedup": round(skus / rate / wall, 1),
    }


def _skus_pushed_since(receiver, seq):
    skus = set()
    for event in receiver.events("stock.updated", since=seq):
        data = event["data"]
        for item in data.get("items", []) if isinstance(data, dict) else []:
            skus.add(item["sku"])
    return skus


def bench_stock_export(server, sku_count, naive_seconds, log):
    """Batched push of the whole catalog, against one request per product."""
    log(f"  creating {sku_count} products and their bindings")
    connection = create_connection(server, "export", sku_count=0, push=True, seed=7)
    products = create_products(server, f"EXP{connection.backend_id}", sku_count)
    bind_products(server, connection.backend_id, products)
    receiver = connection.push_server.app
    settings = connection_settings(server, connection.backend_id)

    log(f"  naive baseline: one request per product, for {naive_seconds:.0f} s")
    seq = len(receiver.events())
    naive = naive_export(server, connection.backend_id, naive_seconds)
    naive["channel_requests"] = len(receiver.events("stock.updated", since=seq))

    log("  batched: Push All Stock, until the channel holds every SKU")
    seq = len(receiver.events())
    wanted = set(products)
    wall, scheduled = push_all_stock(
        server,
        connection.backend_id,
        lambda _started: (
            time.time() if wanted <= _skus_pushed_since(receiver, seq) else None
        ),
        f"{sku_count} SKUs on the channel",
    )
    requests = len(receiver.events("stock.updated", since=seq))
    connection.channel.close()
    return export_row(
        "generic", sku_count, settings, (wall, requests, scheduled), naive
    )


# ---------------------------------------------------------------------------
# 4. stock move done in Odoo -> quantity on the channel
# ---------------------------------------------------------------------------

# (label, pause between changes in seconds, wait for each before the next)
LATENCY_MODES = (
    ("one change at a time", (0.0, 1.0), True),
    ("a change every 0.2-1.5 s", (0.2, 1.5), False),
)


def _received_at(text):
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return moment.timestamp()


def _holds(channel_stock, expected):
    """True when the channel holds every ``{sku: quantity}`` of ``expected``."""
    levels = channel_stock()
    return all(levels.get(sku, (None,))[0] == qty for sku, qty in expected.items())


def initial_push(server, backend_id, pushed):
    """Push All Stock, wait until ``pushed()`` is true and every queue idle."""
    server.rpc("retail.backend", "action_push_all_stock", [backend_id])
    wait_for(pushed, timeout=300, what="initial stock pushed")
    wait_for(lambda: all_queues_idle(server), timeout=300, what="queues idle")


def _latency_samples(server, channel_stock, products, skus, pause, rng, isolated):
    """Change the stock of each SKU; return seconds until the channel had it.

    ``channel_stock()`` returns ``{sku: (quantity, Unix time the channel got
    it)}``. ``isolated``: wait for each quantity to reach the channel before
    the next change (nothing else pending: the full push delay shows).
    Otherwise the changes follow each other every ``pause`` seconds, as on a
    busy day, and one push carries every change pending at that moment.
    """
    done_at, expected = {}, {}
    for index, sku in enumerate(skus):
        expected[sku] = 200 + index
        set_stock(server, [products[sku]], expected[sku])
        # The RPC returns after the commit: the move is done from here on.
        done_at[sku] = time.time()
        if isolated:
            wait_for(
                lambda sku=sku: _holds(channel_stock, {sku: expected[sku]}),
                timeout=120,
                interval=0.1,
                what=f"{sku} on the channel",
            )
        time.sleep(rng.uniform(*pause))
    wait_for(
        lambda: _holds(channel_stock, expected),
        timeout=300,
        interval=0.2,
        what="every new quantity on the channel",
    )
    levels = channel_stock()
    return [levels[sku][1] - done_at[sku] for sku in expected]


def latency_rows(server, channel, channel_stock, products, delay, log, seed=3):
    """Both rows of section 4 for one channel, each changing half of ``products``.

    ``products`` maps the SKUs, bound and already pushed, to their
    product ids; ``delay`` is the connection's push delay.
    """
    skus = list(products)
    samples = len(skus) // 2
    rng = random.Random(seed)
    rows = []
    for index, (mode, pause, isolated) in enumerate(LATENCY_MODES):
        log(f"  {channel}: {samples} stock changes, {mode}, push delay {delay} s")
        latencies = _latency_samples(
            server,
            channel_stock,
            products,
            skus[index * samples : (index + 1) * samples],
            pause,
            rng,
            isolated,
        )
        rows.append(
            {
                "channel": channel,
                "mode": mode,
                "samples": len(latencies),
                "stock_export_delay_s": delay,
                "p50_s": round(percentile(latencies, 0.5), 2),
                "p95_s": round(percentile(latencies, 0.95), 2),
                "max_s": round(max(latencies), 2),
                "min_s": round(min(latencies), 2),
            }
        )
    return rows


def _pushed_stock(receiver):
    """``{sku: (quantity, Unix time received)}`` of a generic push receiver."""
    return {
        sku: (level["quantity"], _received_at(level["received_at"]))
        for sku, level in receiver.stock_details().items()
    }


def bench_stock_latency(server, samples, log, seed=3):
    """Inventory changes one product at a time; when does the channel know?

    Two rows: changes far apart (each waits for the push delay on its own),
    and a steady stream of changes (pushes coalesce).
    """
    connection = create_connection(
        server, "latency", sku_count=2 * samples, stock=100, push=True, bind=True
    )
    receiver = connection.push_server.app
    initial_push(
        server,
        connection.backend_id,
        lambda: len(receiver.stock()) >= 2 * samples,
    )
    delay = connection_settings(server, connection.backend_id)["stock_export_delay"]
    rows = latency_rows(
        server,
        "generic",
        lambda: _pushed_stock(receiver),
        connection.products,
        delay,
        log,
        seed,
    )
    connection.channel.close()
    return rows
