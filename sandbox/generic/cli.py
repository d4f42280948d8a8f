"""``python -m sandbox generic``: the command line."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys

from ..common import (
    add_duration_argument,
    add_fault_arguments,
    add_host_argument,
    faults_from_args,
    print_json_line,
    stop_event,
    usage_error,
    wait_for,
)
from .catalog import DEFAULT_CATALOG, load_catalog
from .channel import GenericChannel

SECRET_ENV = "SANDBOX_WEBHOOK_SECRET"
PUSH_SECRET_ENV = "SANDBOX_PUSH_SECRET"

EPILOG = """\
examples:
  # 200 orders at 20/s to Odoo, 10 % resent, shuffled by 5, 5 % forged
  SANDBOX_WEBHOOK_SECRET=s3cret python -m sandbox generic \\
      --webhook-url http://127.0.0.1:8069/retail/webhook/<token> \\
      --count 200 --rate 20 --duplicates 0.1 --out-of-order 5 --bad-signature 0.05

  # receive Odoo's stock and shipment pushes on port 8765
  python -m sandbox generic --push-port 8765 --push-secret s3cret

Output on stdout is JSON lines: {"event": "ready", ...} once servers listen,
{"event": "summary", ...} at the end; progress goes to stderr.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m sandbox generic``."""
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    send = parser.add_argument_group("order events sent to Odoo")
    send.add_argument("--webhook-url", help="Odoo's webhook URL for the connection")
    send.add_argument(
        "--secret",
        default=os.environ.get(SECRET_ENV, ""),
        help=f"webhook secret (default: ${SECRET_ENV})",
    )
    send.add_argument(
        "--count", type=int, default=None, help="events to send (default: endless)"
    )
    send.add_argument(
        "--rate", type=float, default=5.0, help="events per second, 0 = flat out"
    )
    send.add_argument("--concurrency", type=int, default=4, help="parallel senders")
    send.add_argument("--update-rate", type=float, default=0.2, metavar="F")
    send.add_argument("--cancel-rate", type=float, default=0.1, metavar="F")
    send.add_argument("--tax-rate", default="21.0", help="tax rate in %% on every line")
    send.add_argument("--currency", default="EUR")
    send.add_argument("--catalog", help="JSON file of {sku, name, price} products")
    send.add_argument(
        "--prefix", help="order number prefix (default: 4 random hex digits and '-')"
    )
    send.add_argument("--timeout", type=float, default=10.0, help="per request, s")
    send.add_argument(
        "--dry-run",
        action="store_true",
        help="print the events as JSON lines instead of sending (count default 10)",
    )
    send.add_argument(
        "--print-catalog", action="store_true", help="print the catalog as JSON"
    )
    push = parser.add_argument_group("pushes received from Odoo")
    add_host_argument(push)
    push.add_argument(
        "--push-port", type=int, default=None, help="serve POST /events (0: any port)"
    )
    push.add_argument(
        "--push-secret",
        default=os.environ.get(PUSH_SECRET_ENV, ""),
        help=f"secret Odoo signs pushes with (default: ${PUSH_SECRET_ENV})",
    )
    add_duration_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_fault_arguments(parser)


def _progress(summary: dict) -> None:
    statuses = " ".join(f"{k}:{v}" for k, v in sorted(summary["by_status"].items()))
    results = " ".join(f"{k}:{v}" for k, v in sorted(summary["by_result"].items()))
    print(
        f"sent {summary.get('events', 0)} events | http {statuses or '-'} | "
        f"{results or '-'} | errors {summary['network_errors']} | "
        f"p95 {summary['latency_ms']['p95']} ms",
        file=sys.stderr,
        flush=True,
    )


def _channel_from_args(args: argparse.Namespace) -> GenericChannel:
    """The channel the options describe; `ValueError` with a readable reason."""
    if args.webhook_url and not args.secret and not args.dry_run:
        raise ValueError(f"--secret (or ${SECRET_ENV}) is required")
    if not (args.webhook_url or args.dry_run or args.push_port is not None):
        raise ValueError("nothing to do: give --webhook-url, --push-port or --dry-run")
    if args.push_port is not None and not (args.push_secret or args.secret):
        raise ValueError(f"--push-secret (or ${PUSH_SECRET_ENV}) is required")
    catalog = load_catalog(args.catalog) if args.catalog else DEFAULT_CATALOG
    return GenericChannel(
        args.webhook_url,
        args.secret,
        catalog=catalog,
        currency=args.currency,
        tax_rate=args.tax_rate,
        seed=args.seed,
        prefix=args.prefix,
        faults=faults_from_args(args),
        concurrency=args.concurrency,
        timeout=args.timeout,
        update_rate=args.update_rate,
        cancel_rate=args.cancel_rate,
    )


def _serve_and_send(channel: GenericChannel, args: argparse.Namespace) -> None:
    # The first Ctrl-C / SIGTERM lets the run drain and report; a second one
    # interrupts at once.
    stop = stop_event(
        args.duration,
        signals=(signal.SIGTERM, signal.SIGINT),
        interrupt_on_repeat=True,
    )
    ready = {"event": "ready"}
    if args.push_port is not None:
        server = channel.serve_pushes(
            args.push_port, args.push_secret or args.secret, host=args.host
        )
        ready.update(
            push_url=f"{server.url}/events",
            stock_url=f"{server.url}/stock",
            state_url=f"{server.url}/_sandbox/state",
        )
    print_json_line(ready)
    try:
        if args.webhook_url:
            summary = channel.run(
                args.count,
                rate=args.rate,
                stop=stop,
                progress=None if args.quiet else _progress,
            )
            print_json_line({"event": "summary", **summary})
        if args.push_port is not None:
            if not args.quiet:
                print("serving pushes; Ctrl-C to stop", file=sys.stderr, flush=True)
            wait_for(stop)
    except KeyboardInterrupt:
        if args.webhook_url:
            print_json_line({"event": "summary", **channel.summary()})


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m sandbox generic``."""
    try:
        if args.print_catalog:
            catalog = load_catalog(args.catalog) if args.catalog else DEFAULT_CATALOG
            print(json.dumps([item.to_dict() for item in catalog], indent=2))
            return 0
        channel = _channel_from_args(args)
    except ValueError as exc:
        return usage_error(exc)
    with channel:
        if args.dry_run:
            for event in channel.events(10 if args.count is None else args.count):
                print_json_line(event)
        else:
            _serve_and_send(channel, args)
    return 0
