"""``make bench``: install, start, measure, report.

1. A fresh database with our addons (``retail_connector_woocommerce`` too
   when it installs; if it does not, its rows say so) and the test-only ones
   (``retail_test_channel`` holds the no-op route of section 1), or a copy
   of ``--template``.
2. A real server: 2 × CPUs + 1 prefork HTTP workers (Odoo's own sizing
   rule; 5 on 2 cores), the cron worker, the queue_job runner
   (``--load=web,queue_job``), job channels ``root:1`` (the other workers
   always free of jobs for webhooks, as README.md advises), sandboxes on
   loopback.
3. The four measurements of issue 4, the targets printed beside them (never
   asserted), and the conditions of the run (machine load, the processes
   that competed for the CPU). Section 1 also measures Odoo's own ceiling,
   a no-op route, at each concurrency right before the intake, and splits
   one request of each into the phases of its request cycle. Section 5:
   the marketplace rows (``marketplace.py``; ``--only marketplace``).
   Section 6: the store POS rows, a store-day of Square receipts
   (``pos.py``; ``--only pos``).
4. A table on stdout; JSON and Markdown under ``results/bench/``.

Counts are sized so that the whole run stays under 15 minutes on a 2-core
machine, plus about 13 for the store POS rows' store-day of 2,000 receipts
(``--only`` leaves sections out); ``--quick`` divides them for a smoke run.
"""

import argparse
import ast
import json
import os
import platform
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psutil

from tests.bench import marketplace, marketplace_setup, pos, scenarios, woocommerce
from tests.server import (
    REPO_ROOT,
    OdooServer,
    ServerError,
    build_template,
    copy_database,
    drop_database,
    installed_modules,
    odoo_paths,
)

WOO = "retail_connector_woocommerce"
BASE = "retail_connector_base"
# Odoo's rule of thumb for prefork workers: 2 × CPUs + 1.
WORKERS = 2 * (os.cpu_count() or 1) + 1
CHANNELS = "root:1"

# (concurrency, deliveries) of the acknowledgement levels.
ACK_LEVELS = [(1, 150), (10, 400), (50, 600)]
WOO_ACK_LEVELS = [(1, 100), (10, 200), (50, 300)]
ORDERS = 300
EXPORT_SKUS = 10_000
NAIVE_SECONDS = 60
LATENCY_SAMPLES = 20
# Requests of each kind in the phase-by-phase profile of section 1.
PROFILE_REQUESTS = 200

TARGETS = {
    "ack_p99_ms_at_10": 100,
    "events_per_s": 150,
    "ratio_to_noop_at_10": 0.6,
    "ratio_to_floor": 1.5,
    "export_requests": 100,
    "export_seconds": 60,
    "latency_p95_s": 15,
}


def log(message):
    """Progress on stderr, so that stdout holds the report only."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# database and server
# ---------------------------------------------------------------------------


def prepare_database(db, template):
    """Create ``db``; return (installed addons, note on WooCommerce or None)."""
    ours = odoo_paths.our_addons()
    # The test-only addons: the no-op route of section 1 is in one of them.
    tests = odoo_paths.test_addons()
    if template:
        log(f"copying template database {template}")
        copy_database(template, db)
        installed = installed_modules(db, [*ours, *tests])
        if BASE not in installed:
            raise ServerError(f"{template} does not have {BASE} installed")
        note = (
            None if WOO in installed else f"{woocommerce.NOT_INSTALLED} in {template}"
        )
        return sorted(installed), note
    if WOO in ours:
        log(f"installing {', '.join(ours + tests)} into a fresh database {db}")
        try:
            build_template(db, ours + tests)
            return ours + tests, None
        except ServerError as exc:
            reason = str(exc).splitlines()[0][:200]
            log(f"{WOO} does not install ({reason}); measuring the base alone")
            note = f"{woocommerce.NOT_INSTALLED} (it does not install: {reason})"
    else:
        note = f"{woocommerce.NOT_INSTALLED} (no {WOO} addon in this repository)"
    # Without the WooCommerce addon: what depends on it is left out too.
    modules = [BASE, *(name for name in tests if _depends_only_on_base(name))]
    log(f"installing {', '.join(modules)} into a fresh database {db}")
    build_template(db, modules)
    return modules, note


def _depends_only_on_base(addon):
    """True when a test-only addon needs no addon of ours but the base."""
    manifest = odoo_paths.TEST_ADDONS_DIR / addon / "__manifest__.py"
    depends = ast.literal_eval(manifest.read_text(encoding="utf-8")).get("depends", [])
    return not [name for name in depends if name.startswith("retail_") and name != BASE]


class CpuWatch:
    """CPU used by the server's process tree, by us, and by everything else."""

    def __init__(self, server):
        self.server = server
        self.started = time.monotonic()
        self.machine = psutil.cpu_times()
        self.server_before = self._server_cpu()
        self.self_before = self._self_cpu()
        self.load_before = os.getloadavg()

    def _tree(self):
        try:
            root = psutil.Process(self.server.process.pid)
            return [root, *root.children(recursive=True)]
        except (psutil.NoSuchProcess, AttributeError):
            return []

    def _server_cpu(self):
        total = 0.0
        for process in self._tree():
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    def _self_cpu(self):
        times = psutil.Process().cpu_times()
        return times.user + times.system

    def summary(self):
        """Shares of the CPU seconds the machine spent during the bench."""
        machine = psutil.cpu_times()
        busy = sum(
            getattr(machine, f) - getattr(self.machine, f)
            for f in ("user", "system", "nice", "irq", "softirq")
        )
        wall = time.monotonic() - self.started
        server = self._server_cpu() - self.server_before
        bench = self._self_cpu() - self.self_before
        # PostgreSQL serves the server and the others alike: counted apart.
        postgres = 0.0
        for process in psutil.process_iter(["name", "cpu_times"]):
            if (process.info["name"] or "").startswith("postgres"):
                times = process.info["cpu_times"]
                postgres += times.user + times.system if times else 0.0
        return {
            "wall_s": round(wall, 1),
            "cpus": psutil.cpu_count(),
            "machine_busy_cpu_s": round(busy, 1),
            "odoo_server_cpu_s": round(server, 1),
            "bench_client_cpu_s": round(bench, 1),
            "load_average_before": [round(v, 2) for v in self.load_before],
            "load_average_after": [round(v, 2) for v in os.getloadavg()],
            "postgres_cpu_s_total_since_boot": round(postgres, 1),
        }


def gevent_respawns(server):
    """How often Odoo's websocket (gevent) process failed to start."""
    return server.log_text().count("gevent.monkey.patch_all()")


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def _fmt(value, unit=""):
    if value is None:
        return "-"
    if isinstance(value, float):
        value = (
            f"{value:,.2f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"
        )
    return f"{value}{unit}"


def _errors(row):
    """Error count with its kinds: ``35 (ConnectionResetError 20, 503 15)``."""
    kinds = row.get("error_kinds") or {}
    if not row["errors"]:
        return "0"
    shown = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    return f"{row['errors']} ({shown})"


def report_lines(results):
    """The report as Markdown lines (also printed as the table)."""
    lines = []
    meta = results["meta"]
    lines += [
        f"# make bench — {meta['finished_at']}",
        "",
        f"Server: {meta['workers']} prefork HTTP workers, cron worker, queue_job "
        f"runner, job channels `{meta['channels']}`; addons: "
        f"{', '.join(meta['addons'])}; machine: {meta['cpus']} CPUs, "
        f"Python {meta['python']}. Whole run: {meta['total_s']:.0f} s.",
        "",
        "## 1. Webhook acknowledgement",
        "",
        "| channel | concurrency | deliveries | p50 ms | p95 ms | p99 ms | "
        "accepted/s | errors | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in results["ack"]:
        if "not_measured" in row:
            lines.append(
                f"| {row['channel']} | - | - | - | - | - | - | - | "
                f"{row['not_measured']} |"
            )
            continue
        target = (
            f"p99 ≤ {TARGETS['ack_p99_ms_at_10']} ms, ≥ {TARGETS['events_per_s']}/s"
            if row["concurrency"] == 10
            else f"≥ {TARGETS['events_per_s']}/s"
            if row["concurrency"] == 50
            else ""
        )
        lines.append(
            f"| {row['channel']} | {row['concurrency']} | {row['requests']} | "
            f"{_fmt(row['p50_ms'])} | {_fmt(row['p95_ms'])} | {_fmt(row['p99_ms'])} | "
            f"{_fmt(row['events_per_s'])} | {_errors(row)} | {target} |"
        )
    if any(
        "ConnectionResetError" in (row.get("error_kinds") or {})
        for row in results["ack"]
    ):
        lines += [
            "",
            "Connection resets: more senders than Odoo's listen backlog holds "
            f"(8 connections per HTTP worker, {8 * results['meta']['workers']} "
            "here) while every worker is busy; the sender sees a network error, "
            "never a false 200, and delivers again. In production the reverse "
            "proxy holds waiting connections instead.",
        ]
    lines += noop_lines(results["ack"])
    lines += profile_lines(results.get("ack_profile") or {})
    orders = results["orders"]
    lines += ["", "## 2. Order processing (accepted event → confirmed, reserved)", ""]
    if "error" in orders or "not_measured" in orders:
        lines.append(f"Not measured: {orders.get('error') or orders['not_measured']}")
    else:
        lines += [
            "| | orders | seconds | orders/s | target |",
            "|---|---:|---:|---:|---|",
            f"| pipeline (webhook → job → sale order) | {orders['orders']} | "
            f"{_fmt(orders['pipeline_s'])} | "
            f"{_fmt(orders['pipeline_orders_per_s'])} | |",
            f"| ORM floor (one process) | {orders['orders']} | "
            f"{_fmt(orders['floor_s'])} | {_fmt(orders['floor_orders_per_s'])} | |",
            f"| pipeline time / floor time | | {_fmt(orders['ratio_to_floor'])}× | | "
            f"≤ {TARGETS['ratio_to_floor']}× |",
            "",
            f"{orders['order_lines']} product lines; pickings not reserved after "
            f"processing: {orders['pipeline_pickings_not_reserved']}; floor orders "
            f"reserved: {orders['floor_reserved']}/{orders['orders']}.",
        ]
    lines += ["", "## 3. Stock export of the whole catalog", ""]
    for row in results["export"]:
        if "not_measured" in row or "error" in row:
            text = row.get("not_measured") or row.get("error")
            lines += [f"- {row['channel']}: {text}", ""]
            continue
        lines += [
            "| | SKUs | requests | seconds | target |",
            "|---|---:|---:|---:|---|",
            f"| {row['channel']}: batched (Push All Stock) | {row['skus']} | "
            f"{row['batched_requests']} | {_fmt(row['batched_wall_s'])} | "
            f"≤ {TARGETS['export_requests']} requests, "
            f"≤ {TARGETS['export_seconds']} s |",
            f"| {row['channel']}: naive, one request per product | {row['skus']} | "
            f"{row['naive_requests']} | {_fmt(row['naive_wall_s_extrapolated'])} "
            f"(extrapolated from {row['naive_requests_measured']} requests in "
            f"{_fmt(row['naive_measured_s'])} s) | |",
            "",
            f"Rate limit of the connection: {row['rate_limit_per_s']} requests/s "
            f"(default); batched is {row['speedup']}× faster; "
            f"{_fmt(row['batched_enqueue_s'])} s of the batched time is the "
            "Push All Stock call itself (it marks every binding pending and "
            "queues the connection's job).",
            "",
        ]
        if "catalog_link_s" in row:
            lines[-1:] = [
                f"Before it, _Link catalog_ matched the {row['skus']} store "
                f"products to Odoo's by SKU in {_fmt(row['catalog_link_s'])} s.",
                "",
            ]
    if lines[-1]:
        lines.append("")
    lines += ["## 4. Stock move done in Odoo → quantity on the channel", ""]
    measured = [r for r in results["latency"] if "p50_s" in r]
    if measured:
        lines += [
            "| channel | changes | samples | p50 s | p95 s | max s | push delay s "
            "| target |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
    for row in measured:
        lines.append(
            f"| {row['channel']} | {row['mode']} | {row['samples']} | "
            f"{_fmt(row['p50_s'])} | {_fmt(row['p95_s'])} | {_fmt(row['max_s'])} | "
            f"{row['stock_export_delay_s']} | p95 ≤ {TARGETS['latency_p95_s']} s |"
        )
    lines.append("")
    for row in results["latency"]:
        if row not in measured:
            text = row.get("not_measured") or row.get("error")
            lines.append(f"- {row['channel']}: {text}")
    lines += marketplace.report_lines(results.get("marketplace"))
    lines += pos.report_lines(results.get("pos"))
    cpu = results["conditions"]
    lines += [
        "",
        "## Conditions of this run",
        "",
        f"- CPU seconds spent by the machine: {cpu['machine_busy_cpu_s']} over "
        f"{cpu['wall_s']} s on {cpu['cpus']} CPUs; the Odoo server's processes "
        f"{cpu['odoo_server_cpu_s']} s, this load generator "
        f"{cpu['bench_client_cpu_s']} s (the rest: PostgreSQL and anything else "
        "running on the machine).",
        f"- Load average before / after: {cpu['load_average_before']} / "
        f"{cpu['load_average_after']}.",
        f"- Odoo's websocket (gevent) process failed to start "
        f"{cpu['gevent_respawns']} times during the run (each failure costs "
        "about 0.3 CPU-second; see README.md, make bench).",
        "- Every figure comes from this run; targets are printed, never asserted.",
    ]
    return lines


def _p50_p99(row):
    return f"{_fmt(row['p50_ms'])} / {_fmt(row['p99_ms'])}"


def noop_lines(ack):
    """Section 1's second table: the intake as a ratio of the no-op route."""
    rows = [row for row in ack if "noop" in row]
    if not rows:
        return []
    lines = [
        "",
        "### The intake against Odoo's own no-op request",
        "",
        f"Right before each level, the same senders post the same bodies, as "
        f"many and as concurrently, to `POST {scenarios.NOOP_PATH}`: a route "
        "that goes through the same request cycle as the webhook (a "
        "database-bound request of the public user, no session saved), "
        "receives the body, answers a small JSON and does nothing else. "
        "The no-op has every HTTP worker to itself; during the intake the job "
        "runner processes the accepted orders on them too (channels "
        f"`{CHANNELS}`: one job at a time), as in production. "
        "Ratio: intake accepted/s ÷ no-op requests answered/s. Server CPU: "
        "CPU milliseconds the Odoo server's processes spent per request "
        "meanwhile (PostgreSQL apart; during the intake it includes the jobs "
        "processed on the same workers). Right after the intake, while the "
        "runner still processes the accepted orders, the same no-op requests "
        "are posted again: Odoo's ceiling under the same background work as "
        "the intake had (one worker busy with a job), and the intake as a "
        "ratio of it.",
        "",
        "| channel | concurrency | no-op req/s | no-op p50 / p99 ms | "
        "intake accepted/s | intake p50 / p99 ms | ratio | "
        "server CPU ms no-op / intake | no-op req/s while the jobs run | "
        "ratio to it | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        noop = row["noop"]
        target = (
            f"≥ {TARGETS['ratio_to_noop_at_10']}×" if row["concurrency"] == 10 else ""
        )
        if "not_measured" in noop:
            lines.append(
                f"| {row['channel']} | {row['concurrency']} | - | - | "
                f"{_fmt(row['events_per_s'])} | {_p50_p99(row)} | - | - | - | - | "
                f"{noop['not_measured']} |"
            )
            continue
        errors = f" ({_errors(noop)} errors)" if noop["errors"] else ""
        busy = row.get("noop_during_jobs") or {"not_measured": "not measured"}
        if "not_measured" in busy:
            busy_cells = f"- ({busy['not_measured']}) | -"
        else:
            busy_errors = f" ({_errors(busy)} errors)" if busy["errors"] else ""
            busy_cells = (
                f"{_fmt(busy['events_per_s'])}{busy_errors} | "
                f"{_fmt(row.get('ratio_to_noop_during_jobs'))}×"
            )
        lines.append(
            f"| {row['channel']} | {row['concurrency']} | "
            f"{_fmt(noop['events_per_s'])}{errors} | {_p50_p99(noop)} | "
            f"{_fmt(row['events_per_s'])} | {_p50_p99(row)} | "
            f"{_fmt(row['ratio_to_noop'])}× | "
            f"{_fmt(noop.get('server_cpu_ms_per_request'))} / "
            f"{_fmt(row.get('server_cpu_ms_per_request'))} | {busy_cells} | {target} |"
        )
    if any(row["errors"] or row["noop"].get("errors") for row in rows):
        lines += [
            "",
            "Where a level had connection resets, the no-op route and the intake "
            "alike spent most of their time in the listen backlog (a refused "
            "connection is tried again by the kernel a second later): there the "
            "ratio says more about the backlog than about the work.",
        ]
    return lines


def profile_lines(profile):
    """Section 1's third table: one request of each, phase by phase."""
    if "noop" not in profile:
        text = profile.get("not_measured") or profile.get("error")
        return ["", f"Phase-by-phase profile not measured: {text}"] if text else []
    noop, intake = profile["noop"], profile["intake"]
    refused = {
        kind: statuses
        for kind, statuses in (
            ("no-op", noop["statuses"]),
            ("intake", intake["statuses"]),
        )
        if set(statuses) != {"200"}
    }
    if refused:
        return ["", f"Phase-by-phase profile not measured: answers {refused}"]
    noop_ms = {label: ms for label, ms, *_rest in noop["phases"]}
    lines = [
        "",
        "### One request, phase by phase",
        "",
        f"{intake['requests']} deliveries of a fresh connection, each sent to "
        "the no-op route and to the intake alternately, through Odoo's WSGI "
        "application in one `odoo shell` process (the whole request cycle of "
        "a worker, without the socket and the prefork loop), after "
        "warm-up; mean per request. A phase excludes the phases it calls; "
        "SQL ms is the time spent waiting for PostgreSQL's answers (a commit "
        "is no query: its time is the phase's). The server processed the "
        "jobs these deliveries queued meanwhile.",
        "",
        "| phase | no-op ms | intake ms | intake CPU ms | intake SQL queries | "
        "intake SQL ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, ms, cpu_ms, queries, sql_ms in intake["phases"]:
        lines.append(
            f"| {label} | {_fmt(noop_ms.get(label))} | {_fmt(ms)} | {_fmt(cpu_ms)} "
            f"| {_fmt(queries)} | {_fmt(sql_ms)} |"
        )
    lines.append(
        f"| **whole request**, mean (p50) | **{_fmt(noop['ms'])}** "
        f"({_fmt(noop['ms_p50'])})"
        f" | **{_fmt(intake['ms'])}** ({_fmt(intake['ms_p50'])}) | "
        f"**{_fmt(intake['cpu_ms'])}** (no-op {_fmt(noop['cpu_ms'])}) | "
        f"**{_fmt(intake['queries'])}** (no-op {_fmt(noop['queries'])}) | "
        f"**{_fmt(intake['sql_ms'])}** (no-op {_fmt(noop['sql_ms'])}) |"
    )
    return lines


def write_results(results, out_dir):
    """results/bench/bench-<stamp>.{json,md} and latest.{json,md}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = "\n".join(report_lines(results)) + "\n"
    data = json.dumps(results, indent=2, default=str) + "\n"
    for name in (f"bench-{stamp}", "latest"):
        (out_dir / f"{name}.json").write_text(data, encoding="utf-8")
        (out_dir / f"{name}.md").write_text(text, encoding="utf-8")
    return out_dir / f"bench-{stamp}.md"


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def _guard(label, function, *args):
    """Run one measurement; a failure becomes a row that says so."""
    try:
        return function(*args)
    except Exception as exc:  # the rest of the bench still runs
        log(f"{label} failed: {exc}")
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{label} failed: {str(exc).splitlines()[0][:300]}"}


# ---------------------------------------------------------------------------
# the four measurements
# ---------------------------------------------------------------------------

# In the order they run: the batched export leaves thousands of no-op jobs
# behind, so it comes last.
SECTIONS = ("ack", "orders", "latency", "marketplace", "pos", "export")


def _rows(channel, outcome):
    """A measurement's rows: its list, or one row saying why there is none."""
    return outcome if isinstance(outcome, list) else [{"channel": channel, **outcome}]


def _ack_rows(channel, outcome):
    """Acknowledgement rows; a failed level reads "not measured" in the table."""
    return [
        {"channel": channel, "not_measured": row["error"]} if "error" in row else row
        for row in _rows(channel, outcome)
    ]


def _per_channel(label, generic, woo, woo_note, args, woo_args=None, rows=_rows):
    """One measurement's rows: ``generic(*args)``'s, then ``woo(*woo_args)``'s
    (the same arguments unless given)."""
    measured = rows("generic", _guard(label, generic, *args))
    if woo_note:
        return [*measured, {"channel": "woocommerce", "not_measured": woo_note}]
    woo_rows = rows(
        "woocommerce", _guard(f"WooCommerce {label}", woo, *woo_args or args)
    )
    return measured + woo_rows


def measure_ack(server, woo_note, counts):
    """Section 1: generic, then WooCommerce deliveries at each concurrency."""
    log("1. webhook acknowledgement")
    return _per_channel(
        "acknowledgement",
        scenarios.bench_ack_generic,
        woocommerce.bench_ack_woocommerce,
        woo_note,
        (server, counts["ack"], log),
        (server, counts["woocommerce_ack"], log),
        rows=_ack_rows,
    )


def measure_ack_profile(server, counts):
    """Section 1, last: one request of each, no-op and intake, phase by phase."""
    log("1. one request phase by phase, no-op route and intake")
    return _guard(
        "profile", scenarios.profile_intake, server, counts["profile_requests"], log
    )


def measure_orders(server, woo_note, counts):
    """Section 2: the pipeline against the ORM floor (generic channel)."""
    log("2. order processing against the ORM floor")
    return _guard(
        "order processing", scenarios.bench_orders, server, counts["orders"], log
    )


def measure_latency(server, woo_note, counts):
    """Section 4: stock move to channel, generic then WooCommerce."""
    log("4. stock move to channel latency")
    return _per_channel(
        "stock latency",
        scenarios.bench_stock_latency,
        woocommerce.bench_stock_latency_woocommerce,
        woo_note,
        (server, counts["latency_samples"], log),
    )


def measure_export(server, woo_note, counts):
    """Section 3: the whole catalog pushed, generic then WooCommerce."""
    log("3. stock export")
    return _per_channel(
        "stock export",
        scenarios.bench_stock_export,
        woocommerce.bench_stock_export_woocommerce,
        woo_note,
        (server, counts["export_skus"], counts["naive_seconds"], log),
    )


MEASURE = {
    "ack": measure_ack,
    "orders": measure_orders,
    "latency": measure_latency,
    "marketplace": marketplace.measure,
    "pos": pos.measure,
    "export": measure_export,
}


def _skipped(section):
    """What the report shows for a section left out with ``--only``."""
    reason = {"not_measured": "not run this time (--only)"}
    if section in ("orders", "marketplace", "pos"):
        return reason
    return [{"channel": "all", **reason}]


def main(argv=None):
    """Run the bench; exit status 1 when a measurement could not be taken."""
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", default=str(REPO_ROOT / "results" / "bench"))
    parser.add_argument(
        "--template",
        help="copy this database (our addons installed) instead of installing",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the counts: a smoke run"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to measure, of {', '.join(SECTIONS)} "
        "(default: all)",
    )
    args = parser.parse_args(argv)
    sections = {name.strip() for name in args.only.split(",") if name.strip()}
    if not sections or sections - set(SECTIONS):
        parser.error(f"--only takes sections of {', '.join(SECTIONS)}")
    scale = 10 if args.quick else 1
    ack_levels = [(c, max(c, n // scale)) for c, n in ACK_LEVELS]
    woo_levels = [(c, max(c, n // scale)) for c, n in WOO_ACK_LEVELS]
    orders = ORDERS // scale
    export_skus = EXPORT_SKUS // scale
    naive_seconds = NAIVE_SECONDS / scale
    samples = max(5, LATENCY_SAMPLES // scale)
    profile_requests = PROFILE_REQUESTS // scale
    counts = {
        "ack": ack_levels,
        "woocommerce_ack": woo_levels,
        "orders": orders,
        "export_skus": export_skus,
        "naive_seconds": naive_seconds,
        "latency_samples": samples,
        "profile_requests": profile_requests,
        "marketplace": marketplace.counts(scale),
        "pos": pos.counts(scale),
    }
    log(
        f"counts: acknowledgement {ack_levels} (WooCommerce {woo_levels}), "
        f"{profile_requests} profiled requests of each kind, "
        f"{orders} orders, {export_skus} SKUs (naive baseline for "
        f"{naive_seconds:.0f} s), {samples} stock-latency samples"
    )

    began = time.monotonic()
    db = f"retail_connector_bench_{uuid.uuid4().hex[:8]}"
    addons, woo_note = prepare_database(db, args.template)
    server = OdooServer(
        db, workers=WORKERS, channels=CHANNELS, env=marketplace_setup.server_env()
    )
    results = {"targets": TARGETS}
    try:
        log(f"starting the server ({WORKERS} workers, channels {CHANNELS})")
        server.start()
        watch = CpuWatch(server)

        for section in SECTIONS:
            if section in sections:
                results[section] = MEASURE[section](server, woo_note, counts)
            else:
                results[section] = _skipped(section)
            if section == "ack":
                results["ack_profile"] = (
                    measure_ack_profile(server, counts)
                    if section in sections
                    else {"not_measured": "not run this time (--only)"}
                )
        conditions = watch.summary()
        conditions["gevent_respawns"] = gevent_respawns(server)
        results["conditions"] = conditions
    finally:
        server.stop()
        if not args.keep:
            drop_database(db)
    results["meta"] = {
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "database": db,
        "addons": addons,
        "workers": WORKERS,
        "channels": CHANNELS,
        "cpus": psutil.cpu_count(),
        "python": platform.python_version(),
        "counts": counts,
        "sections": [section for section in SECTIONS if section in sections],
        "server_log": str(server.log_path),
        "total_s": time.monotonic() - began,
    }
    path = write_results(results, Path(args.out))
    print("\n".join(report_lines(results)))
    print(f"\n(written to {path} and {path.parent / 'latest.md'}, with JSON beside)")
    failed = (
        [key for key in ("orders",) if "error" in results.get(key, {})]
        + [
            row["channel"]
            for key in ("export", "latency")
            for row in results.get(key, [])
            if "error" in row
        ]
        + marketplace.failures(results["marketplace"])
        + pos.failures(results["pos"])
    )
    return 1 if failed else 0
