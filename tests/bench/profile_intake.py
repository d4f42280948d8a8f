"""Where one request's time goes; runs inside ``odoo shell`` (``env`` given).

Sends the no-op route and the webhook intake the same signed deliveries,
alternately, through Odoo's own WSGI application (``odoo.http.root``) in this
process: the whole request cycle of a server worker (request object, session,
database selection, registry check, route matching, transaction, public user,
dispatch, commit, JSON answer) without the socket and the prefork loop.
Each phase is timed with its SQL queries (count and time spent waiting for
PostgreSQL); a phase's figures exclude the phases it calls, so that the
phases of one request add up to its total.

Input (environment): ``BENCH_PROFILE`` a JSON file ``{"noop_path",
"webhook_path", "warmup", "deliveries": [{"body", "headers"}]}``; optional
``BENCH_CPROFILE``, a file for the ``cProfile`` statistics of the measured
intake requests. Prints one line ``BENCH_RESULT {json}``.
"""

import cProfile
import functools
import inspect
import json
import os
import statistics
import threading
import time

import werkzeug.test

from odoo import http, sql_db

from odoo.addons.queue_job.job import Job

# Defined by `odoo shell`, which runs this file with its own globals.
env = globals()["env"]

with open(os.environ["BENCH_PROFILE"], encoding="utf-8") as spec_file:
    spec = json.load(spec_file)


class Phases:
    """Per phase of one request: time, CPU time, SQL queries and SQL time.

    Each figure of a phase excludes the phases it calls.
    """

    def __init__(self):
        self.stack = []
        self.totals = {}

    @staticmethod
    def _now():
        thread = threading.current_thread()
        return [
            time.perf_counter(),
            time.thread_time(),
            getattr(thread, "query_count", 0),
            getattr(thread, "query_time", 0.0),
        ]

    def enter(self, label):
        # [label, figures at the start, figures of the phases it called]
        self.stack.append([label, self._now(), [0, 0, 0, 0]])

    def leave(self):
        label, start, called = self.stack.pop()
        now = self._now()
        ran = [end - begin for end, begin in zip(now, start, strict=True)]
        if self.stack:
            parent_called = self.stack[-1][2]
            for index, value in enumerate(ran):
                parent_called[index] += value
        total = self.totals.setdefault(label, [0, 0, 0, 0])
        for index, value in enumerate(ran):
            total[index] += value - called[index]

    def take(self):
        totals, self.totals = self.totals, {}
        return totals


PHASES = Phases()


def timed(label, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        PHASES.enter(label)
        try:
            return function(*args, **kwargs)
        finally:
            PHASES.leave()

    return wrapper


def patch(owner, name, label):
    """Time ``owner.name``, a method or a classmethod, from now on."""
    attribute = getattr(owner, name)
    if inspect.ismethod(attribute) and attribute.__self__ is owner:
        setattr(owner, name, classmethod(timed(label, attribute.__func__)))
    else:
        setattr(owner, name, timed(label, attribute))


ODOO = "Odoo"
INTAKE = "intake"
# (owner, attribute, label); the outermost phase is the whole request.
registry = env.registry
for owner, name, label in (
    (http.Request, "_get_session_and_dbname", f"{ODOO}: session, database selection"),
    (http.Request, "_open_registry", f"{ODOO}: registry, signaling check"),
    (http.Request, "_serve_db", f"{ODOO}: route matching"),
    (http.Request, "_transactioning", f"{ODOO}: transaction cursor"),
    (registry["ir.http"], "_authenticate", f"{ODOO}: public user"),
    (registry["ir.http"], "_pre_dispatch", f"{ODOO}: pre/post dispatch"),
    (registry["ir.http"], "_post_dispatch", f"{ODOO}: pre/post dispatch"),
    (http.HttpDispatcher, "dispatch", f"{ODOO}: dispatch, controller, JSON answer"),
    (sql_db.Cursor, "commit", f"{ODOO}: commit"),
    (registry["retail.backend"], "_find_by_webhook_token", f"{INTAKE}: token lookup"),
    (registry["retail.backend"], "_webhook_receive", f"{INTAKE}: feature check"),
    (registry["retail.backend"], "_webhook_verify", f"{INTAKE}: signature"),
    (registry["retail.backend"], "_webhook_parse", f"{INTAKE}: parse"),
    (registry["retail.backend"], "_webhook_store", f"{INTAKE}: store"),
    (registry["retail.exchange"], "_insert_inbound", f"{INTAKE}: INSERT exchange, job"),
    (registry["retail.exchange"], "_intake_job", f"{INTAKE}: build job"),
    (registry["retail.exchange"], "_job_columns", f"{INTAKE}: job columns"),
    (registry["retail.exchange"], "_enqueue_job", f"{INTAKE}: job, UPDATE exchange"),
    (Job, "store", f"{INTAKE}: queue.job create"),
):
    patch(owner, name, label)

REQUEST = f"{ODOO}: request, response, the rest"
client = werkzeug.test.Client(http.root, use_cookies=False)


def send(path, delivery):
    """One request through Odoo's WSGI application; (status, phases)."""
    # Odoo zeroes the thread's SQL counters when a request starts: so do we,
    # before, so that the outermost phase counts from zero too.
    thread = threading.current_thread()
    thread.query_count, thread.query_time = 0, 0.0
    PHASES.enter(REQUEST)
    try:
        response = client.post(
            path,
            data=delivery["body"].encode("utf-8"),
            headers=delivery["headers"],
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        response.get_data()
    finally:
        PHASES.leave()
    return response.status_code, PHASES.take()


def summary(samples):
    """Mean per request of each phase, slowest first, and of the whole.

    A phase reads ``[label, ms, CPU ms, SQL queries, SQL ms]``.
    """
    count = len(samples)
    phases = {}
    for sample in samples:
        for label, figures in sample.items():
            phase = phases.setdefault(label, [0, 0, 0, 0])
            for index, value in enumerate(figures):
                phase[index] += value
    totals = [sum(figures[0] for figures in sample.values()) for sample in samples]
    whole = [sum(phase[index] for phase in phases.values()) for index in range(4)]
    return {
        "requests": count,
        "ms_p50": round(statistics.median(totals) * 1000, 2),
        "ms": round(whole[0] / count * 1000, 2),
        "cpu_ms": round(whole[1] / count * 1000, 2),
        "queries": round(whole[2] / count, 1),
        "sql_ms": round(whole[3] / count * 1000, 2),
        "phases": sorted(
            (
                [
                    label,
                    round(spent / count * 1000, 3),
                    round(cpu / count * 1000, 3),
                    round(queries / count, 2),
                    round(sql_time / count * 1000, 3),
                ]
                for label, (spent, cpu, queries, sql_time) in phases.items()
            ),
            key=lambda row: -row[1],
        ),
    }


deliveries = spec["deliveries"]
warmup = spec["warmup"]
profiler = cProfile.Profile() if os.environ.get("BENCH_CPROFILE") else None
samples = {"noop": [], "intake": []}
statuses = {"noop": {}, "intake": {}}
for index, delivery in enumerate(deliveries):
    for kind, path in (("noop", spec["noop_path"]), ("intake", spec["webhook_path"])):
        measured = index >= warmup
        if profiler and measured and kind == "intake":
            profiler.enable()
        status, phases = send(path, delivery)
        if profiler and measured and kind == "intake":
            profiler.disable()
        statuses[kind][status] = statuses[kind].get(status, 0) + 1
        if measured:
            samples[kind].append(phases)
if profiler:
    profiler.dump_stats(os.environ["BENCH_CPROFILE"])

result = {kind: summary(samples[kind]) for kind in samples}
for kind in result:
    result[kind]["statuses"] = {str(k): v for k, v in statuses[kind].items()}
print("BENCH_RESULT " + json.dumps(result))
