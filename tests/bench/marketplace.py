"""The marketplace (Mirakl) rows of ``make bench``: section 5.

A sandbox marketplace (``sandbox/mirakl``) runs in this process on loopback;
each row has a Mirakl connection of its own (``retail.backend`` with
``channel="mirakl"``, a EUR pricelist, a 20 % tax included in prices mapped
by rate, ``auto_confirm``) on the bench's real server, whose queue_job
runner does the work:

1. Polled orders: ``ORDERS`` orders placed on the marketplace, accepted and
   debited there (state SHIPPING, customer shown: the connection's
   acceptance is not part of this row), then read by the connection's orders
   stream (an "Import since" of the stream, as a person starts it) until
   every one is a confirmed sale order. Against the ORM floor of
   ``orm_floor.py``: the same orders created and confirmed in one process.
2. One stock import: ``STOCK_SKUS`` bound products, all pending (Push All
   Stock), one push job, one STO01 CSV import followed (STO02) until
   COMPLETE. Against reading the same quantities alone in one process
   (``_get_available_quantities``, what the push job reads before it builds
   the file).
3. A billing cycle: the orders of row 1 invoiced in Odoo, shipped and
   received on the marketplace, the cycle closed; then the connection's
   transaction-logs stream (TL02) is imported, until every line is posted
   and every invoice paid (reconciled with its settled lines).

Mirakl allows OR11 and STO01 once a minute. Both sides run on a shortened
minute (``PACE_SCALE``): the sandbox with ``limit_scale`` and the server
with ``RETAIL_CONNECTOR_CALL_LIMIT_SCALE``, which the base's call schedule
applies to every window (see ``marketplace_setup.server_env``); the
connection keeps its own schedule (``retail.call.slot``, pauses and resumed
poll jobs) on the shorter minute.
The report also gives the pages' floor at Mirakl's real pace.
"""

import json
import os
import random
import sys
import tempfile
import time
import traceback
import uuid
from datetime import UTC, datetime, timedelta

from tests.bench.marketplace_setup import (
    MINUTE,
    PACE_SCALE,
    PAGE_SIZE,
    READ_QUANTITIES,
    Setup,
    confirmed,
    failed_exchanges,
    floor_order,
    import_stream,
    intervals,
    invoice_orders,
    job_done_at,
    job_seconds,
    limit_time_real,
    place_orders,
    receive_all,
    requests_by_operation,
    sandbox_marketplace,
    settled,
    utc,
)
from tests.bench.scenarios import run_shell_script, wait_for
from tests.retail_channel import bind_products, create_products

MARKETPLACE = "retail_connector_marketplace"
ORDERS = 1_000
STOCK_SKUS = 10_000
# The products the polled orders buy, each with plenty of stock.
ORDER_SKUS = 20


def counts(scale=1):
    """The row sizes (``--quick`` divides them)."""
    return {"orders": ORDERS // scale, "stock_skus": STOCK_SKUS // scale}


# ---------------------------------------------------------------------------
# 1. polled orders
# ---------------------------------------------------------------------------


def bench_polled_orders(server, setup, count, log):
    """Row 1; returns (row, context for row 3)."""
    rng = random.Random(5)
    products = setup.products(f"MKO{uuid.uuid4().hex[:4]}", ORDER_SKUS, 1_000_000)
    app, sandbox = sandbox_marketplace(import_delay=0.0)
    app.set_shop_options(offers=list(products), partial_acceptance=True)
    log(f"  placing {count} orders on the marketplace (accepted and debited)")
    began = datetime.now(UTC) - timedelta(minutes=5)
    orders = place_orders(app, list(products), count, rng)
    # The orders stream alone: stock pushes of the reserved products are
    # another row's subject.
    backend = setup.connection("Bench Mirakl orders", sandbox.url, export_stock=False)
    app.limits.reset()
    log(f"  polling: an import of the orders stream, {PAGE_SIZE} orders a page")
    started = time.monotonic()
    import_stream(server, backend, "orders", began)
    wait_for(
        lambda: (
            confirmed(server, backend) >= count or failed_exchanges(server, backend)
        ),
        timeout=1800,
        interval=0.5,
        what=f"{count} polled orders confirmed",
    )
    wall = time.monotonic() - started
    failed = failed_exchanges(server, backend)
    if failed:
        raise RuntimeError(f"exchanges failed: {failed}")
    requests = requests_by_operation(app)
    or11 = app.call_times("OR11", accepted_only=True)
    gaps = intervals(or11)
    not_reserved = server.rpc(
        "stock.picking",
        "search_count",
        [("sale_id.retail_backend_id", "=", backend), ("state", "!=", "assigned")],
    )

    log(f"  ORM floor: the same {count} orders in one odoo shell process")
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", delete=False, encoding="utf-8"
    ) as handle:
        json.dump([floor_order(order) for order in orders], handle)
        orders_file = handle.name
    try:
        floor = run_shell_script(
            server,
            "orm_floor.py",
            {
                "BENCH_ORDERS": orders_file,
                "BENCH_TAX": str(setup.tax),
                "BENCH_WAREHOUSE": str(setup.warehouse),
            },
            timeout=1800,
        )
    finally:
        os.unlink(orders_file)
    pages = len(or11)
    row = {
        "orders": count,
        "page_size": PAGE_SIZE,
        "requests": requests,
        "or11_pages": pages,
        "or11_gap_min_s": round(min(gaps), 2) if gaps else None,
        "or11_gap_max_s": round(max(gaps), 2) if gaps else None,
        "minute_s": MINUTE * PACE_SCALE,
        "wall_s": round(wall, 2),
        "orders_per_s": round(count / wall, 2),
        "pickings_not_reserved": not_reserved,
        "floor_s": round(floor["seconds"], 2),
        "floor_orders_per_s": round(floor["orders"] / floor["seconds"], 2),
        "ratio_to_floor": round(wall / floor["seconds"], 2),
        # At Mirakl's own pace the pages alone need this long.
        "real_pace_pages_s": round(max(0, pages - 1) * MINUTE, 0),
    }
    return row, {"app": app, "sandbox": sandbox, "backend": backend, "orders": orders}


# ---------------------------------------------------------------------------
# 2. one stock import
# ---------------------------------------------------------------------------


def bench_stock_import(server, setup, sku_count, log):
    """Row 2: every bound product pending, one push job, one STO01 import."""
    app, sandbox = sandbox_marketplace()
    try:
        log(f"  creating {sku_count} products bound to a Mirakl connection")
        products = create_products(server, f"MKS{uuid.uuid4().hex[:4]}", sku_count)
        app.set_shop_options(offers=list(products))
        backend = setup.connection("Bench Mirakl stock", sandbox.url)
        bind_products(server, backend, products)

        log("  baseline: the same quantities read alone in one odoo shell process")
        with tempfile.NamedTemporaryFile(
            "w", suffix=".py", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(READ_QUANTITIES)
            script = handle.name
        try:
            baseline = run_shell_script(
                server, script, {"BENCH_BACKEND": str(backend)}, timeout=900
            )
        finally:
            os.unlink(script)

        log("  Push All Stock: one STO01 import, followed until COMPLETE")
        app.limits.reset()
        since = utc(datetime.now(UTC) - timedelta(seconds=2))
        started = time.time()
        server.rpc("retail.backend", "action_push_all_stock", [backend])
        pushed = time.time() - started
        shop = app.shop()
        record = wait_for(
            lambda: next(iter(shop.imports.values()), None),
            timeout=900,
            interval=0.2,
            what="the STO01 import received",
        )
        wait_for(
            lambda: record["status"] in ("COMPLETE", "FAILED"),
            timeout=300,
            interval=0.1,
            what="the import run by the marketplace",
        )
        done_at = wait_for(
            lambda: job_done_at(server, "_mirakl_follow_stock_import_job", since),
            timeout=300,
            interval=0.5,
            what="the import followed to its end",
        )
        followed = time.time() - started
        levels = app.stock_levels()
    finally:
        sandbox.shutdown()
    return {
        "skus": sku_count,
        "requests": requests_by_operation(app),
        "imports": len(shop.imports),
        "status": record["status"],
        "lines_in_success": record["lines_in_success"],
        "lines_in_error": record["lines_in_error"],
        "skus_on_marketplace": len(levels),
        "csv_bytes": len(record["data"]),
        "push_call_s": round(pushed, 2),
        "build_and_send_s": round(record["created"] - started, 2),
        "sandbox_import_s": round(record["updated"] - record["created"], 2),
        "followed_s": round(followed, 1),
        "follow_job_done_at": done_at,
        "baseline_s": round(baseline["seconds"], 2),
        "ratio_to_baseline": round(
            (record["created"] - started) / baseline["seconds"], 2
        ),
    }


# ---------------------------------------------------------------------------
# 3. a billing cycle
# ---------------------------------------------------------------------------


def bench_billing_cycle(server, context, log):
    """Row 3, on row 1's connection and orders."""
    app, backend = context["app"], context["backend"]
    log("  invoicing the polled orders in Odoo")
    sales, invoices = invoice_orders(server, backend)
    log("  shipped and received on the marketplace; the billing cycle closed")
    receive_all(app, context["orders"])
    document = app.close_billing_cycle()
    lines = app.transactions()
    expected = len(lines)
    app.limits.reset()
    log(f"  TL02 import: {expected} transaction lines, until posted and reconciled")
    since = utc(datetime.now(UTC) - timedelta(seconds=2))
    started = time.monotonic()
    import_stream(
        server, backend, "transaction_logs", datetime.now(UTC) - timedelta(days=1)
    )
    wait_for(
        lambda: (
            settled(server, backend, expected, invoices)
            or failed_exchanges(server, backend)
        ),
        timeout=1800,
        interval=1,
        what=f"{expected} transaction lines posted and reconciled",
    )
    wall = time.monotonic() - started
    failed = failed_exchanges(server, backend)
    if failed:
        raise RuntimeError(f"exchanges failed: {failed}")
    rpc = server.rpc
    paid = rpc(
        "retail.mirakl.transaction",
        "search_read",
        [("backend_id", "=", backend), ("payment_state", "=", "PAID")],
        fields=["clearing_line_id"],
    )
    clearing = [t["clearing_line_id"][0] for t in paid if t["clearing_line_id"]]
    reconciled = rpc(
        "account.move.line",
        "search_count",
        [("id", "in", clearing), ("reconciled", "=", True)],
    )
    moves = rpc(
        "account.move",
        "search_count",
        [("retail_backend_id", "=", backend), ("move_type", "=", "entry")],
    )
    return {
        "lines": expected,
        "orders": len(sales),
        "invoices": len(invoices),
        "payout": document["summary"]["amount_transferred"] if document else None,
        "requests": requests_by_operation(app),
        "wall_s": round(wall, 1),
        "lines_per_s": round(expected / wall, 1),
        "entries": moves,
        "paid_clearing_reconciled": reconciled,
        "paid_lines": len(paid),
        # One job per TL02 page stored (Odoo's limit_time_real bounds each).
        "page_jobs_s": sorted(job_seconds(server, "_process_job", since)),
        "limit_time_real": limit_time_real(server),
    }


# ---------------------------------------------------------------------------
# the section
# ---------------------------------------------------------------------------


def log(message):
    """Progress on stderr, as ``run.log``."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _guarded(label, function, *args):
    try:
        return function(*args)
    except Exception as exc:  # the other rows still run
        log(f"marketplace {label} failed: {exc}")
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{label} failed: {str(exc).splitlines()[0][:300]}"}


def measure(server, _woo_note, counts):
    """Section 5 (``run.MEASURE``): the rows, or why they were not measured."""
    return _guarded("marketplace", bench_marketplace, server, counts["marketplace"])


def failures(section):
    """The rows that failed (``run.main``'s exit status)."""
    rows = [("marketplace", section)] + [
        (f"marketplace {name}", section.get(name) or {})
        for name in ("orders", "stock", "settlement")
    ]
    return [label for label, row in rows if "error" in row]


def bench_marketplace(server, sizes):
    """The three rows on one server, or why they were not measured."""
    installed = server.rpc(
        "ir.module.module",
        "search_count",
        [("name", "=", MARKETPLACE), ("state", "=", "installed")],
    )
    if not installed:
        return {"not_measured": f"{MARKETPLACE} not installed"}
    setup = Setup(server)
    result = {"pace_scale": PACE_SCALE}
    count, skus = sizes["orders"], sizes["stock_skus"]
    log(f"5. marketplace: {count} polled orders")
    outcome = _guarded("polled orders", bench_polled_orders, server, setup, count, log)
    context = None
    if isinstance(outcome, tuple):
        outcome, context = outcome
    result["orders"] = outcome
    if context:
        log(f"5. marketplace: a billing cycle of the {count} orders")
        result["settlement"] = _guarded(
            "billing cycle", bench_billing_cycle, server, context, log
        )
        context["sandbox"].shutdown()
    else:
        result["settlement"] = {"not_measured": "no polled orders to settle (row 1)"}
    log(f"5. marketplace: one stock import of {skus} SKUs")
    result["stock"] = _guarded(
        "stock import", bench_stock_import, server, setup, skus, log
    )
    return result


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def _num(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return (
            f"{value:,.2f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"
        )
    return f"{value:,}" if isinstance(value, int) else str(value)


def _requests(calls):
    parts = []
    for operation, data in calls.items():
        limited = f" ({data['limited']} refused 429)" if data["limited"] else ""
        parts.append(f"{operation} {data['calls']}{limited}")
    return ", ".join(parts) or "none"


def _apart(orders):
    if orders["or11_gap_min_s"] is None:
        return ""
    return (
        f", {_num(orders['or11_gap_min_s'])}–{_num(orders['or11_gap_max_s'])} s "
        f"apart (the minute: {_num(orders['minute_s'])} s)"
    )


def _refused(requests):
    refused = (requests.get("OR11") or {}).get("limited")
    if not refused:
        return ""
    return (
        f" {refused} OR11 call(s) answered 429: the connection plans a call "
        "exactly one window after the previous one was sent, the marketplace "
        "counts from when it received it, so a previous request that arrived "
        "later than the next one falls inside the window (the poll job is "
        "retried later)."
    )


def _pages(seconds):
    return " s, ".join(_num(round(value, 1)) for value in seconds) + " s"


def _unmeasured(row):
    if "not_measured" in row or "error" in row:
        return f"not measured: {row.get('not_measured') or row.get('error')}"
    return None


def report_lines(section):
    """Section 5 of the report, as Markdown lines."""
    lines = ["", "## 5. Marketplace (Mirakl)", ""]
    if not section or _unmeasured(section):
        return [*lines, _unmeasured(section or {"not_measured": "not run"})]
    scale = section["pace_scale"]
    minute = MINUTE * scale
    lines += [
        f"Pace: Mirakl allows OR11 and STO01 once a minute. Here a minute lasts "
        f"{_num(minute)} s on both sides: the sandbox with `limit_scale={scale}`, the "
        f"server with every window × {scale} (`RETAIL_CONNECTOR_CALL_LIMIT_SCALE`, "
        "read by the base's call schedule; never set in production), so the "
        "connection still waits for its turns "
        "(`retail.call.slot`) and resumes its paused poll jobs.",
        "",
        "| row | count | requests to the marketplace | seconds | per second | "
        "baseline (same run) | ratio |",
        "|---|---:|---|---:|---:|---|---:|",
    ]
    orders, stock, cycle = section["orders"], section["stock"], section["settlement"]
    text = _unmeasured(orders)
    if text:
        lines.append(f"| 1. polled orders → confirmed sale orders | | {text} | | | | |")
    else:
        lines.append(
            f"| 1. polled orders → confirmed sale orders | {orders['orders']:,} | "
            f"{_requests(orders['requests'])} | {_num(orders['wall_s'])} | "
            f"{_num(orders['orders_per_s'])} orders | ORM floor "
            f"{_num(orders['floor_s'])} s ({_num(orders['floor_orders_per_s'])}/s) | "
            f"{_num(orders['ratio_to_floor'])}× |"
        )
    text = _unmeasured(stock)
    if text:
        lines.append(f"| 2. stock of every SKU in one import | | {text} | | | | |")
    else:
        lines.append(
            f"| 2. stock of every SKU in one import | {stock['skus']:,} SKUs | "
            f"{_requests(stock['requests'])} | {_num(stock['build_and_send_s'])} "
            f"(build and send) | {_num(stock['skus'] / stock['build_and_send_s'])} "
            f"SKUs | quantities read alone {_num(stock['baseline_s'])} s | "
            f"{_num(stock['ratio_to_baseline'])}× |"
        )
    text = _unmeasured(cycle)
    if text:
        lines.append(f"| 3. billing cycle posted and reconciled | | {text} | | | | |")
    else:
        lines.append(
            f"| 3. billing cycle posted and reconciled | {cycle['lines']:,} lines | "
            f"{_requests(cycle['requests'])} | {_num(cycle['wall_s'])} | "
            f"{_num(cycle['lines_per_s'])} lines | - | - |"
        )
    lines.append("")
    if not _unmeasured(orders):
        lines.append(
            f"- Row 1: orders placed, accepted and debited on the marketplace "
            f"beforehand (SHIPPING, customer shown), one line each, every other one "
            f"with shipping; read by an import of the orders stream, "
            f"{orders['page_size']} a page (pages overlap by 5): "
            f"{orders['or11_pages']} OR11 page(s){_apart(orders)}. At Mirakl's "
            "real pace the waits between pages alone take (pages − 1) × 60 s = "
            f"{_num(orders['real_pace_pages_s'])} s, the orders of each page being "
            "processed meanwhile. Wall time: import queued → last sale order "
            f"confirmed; pickings not reserved: {orders['pickings_not_reserved']}. "
            "ORM floor: the same orders created and confirmed in one `odoo shell` "
            "(`orm_floor.py`). Stock pushes off on this connection."
            + _refused(orders["requests"])
        )
    if not _unmeasured(stock):
        lines.append(
            f"- Row 2: Push All Stock of {stock['skus']:,} bound products → one "
            f"push job → {stock['imports']} STO01 import of a "
            f"{stock['csv_bytes'] / 1024:,.0f} KiB CSV; build and send = the call "
            f"to the import received ({_num(stock['push_call_s'])} s of it the "
            "Push All Stock call itself, marking every binding pending). The "
            f"sandbox ran it in {_num(stock['sandbox_import_s'])} s: "
            f"{stock['status']}, {stock['lines_in_success']:,} lines taken, "
            f"{stock['lines_in_error']} refused; the connection knew it "
            f"{_num(stock['followed_s'])} s after the call (its follow-up job "
            "reads STO02 10 s after the import). Baseline: the same quantities "
            "read alone in one `odoo shell` (bindings, free quantity less "
            "channel quotations)."
        )
    if not _unmeasured(cycle):
        lines.append(
            f"- Row 3: row 1's {cycle['orders']:,} orders invoiced "
            f"({cycle['invoices']:,} posted invoices), shipped and received, the "
            f"cycle closed (payout {cycle['payout']}); then an import of the "
            "transaction-logs stream (TL02) until every line is posted and every "
            f"invoice paid: {cycle['entries']:,} journal entries; clearing lines "
            f"of paid lines reconciled: {cycle['paid_clearing_reconciled']:,} of "
            f"{cycle['paid_lines']:,} (the payout matched with the bank is no part "
            "of this row). One processing job per TL02 page stored, each "
            f"{_pages(cycle['page_jobs_s'])} (the server's `limit_time_real`: "
            f"{cycle['limit_time_real']} s)."
        )
    return lines
