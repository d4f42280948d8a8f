"""``python -m sandbox square``: the command line."""

from __future__ import annotations

import argparse

from ..common import (
    add_duration_argument,
    add_fault_arguments,
    add_host_argument,
    faults_from_args,
    serve_until_stopped,
    usage_error,
)
from .activity import simulate_day, start_activity
from .const import API, DEFAULT_ACCESS_TOKEN, DEFAULT_MERCHANT_ID
from .merchant import SquareMerchant
from .server import serve_square

EPILOG = """\
examples:
  # yesterday's trading day in three stores, then 6 sales a minute;
  # the Berlin store is offline for the first 10 minutes
  python -m sandbox square --port 8084 --sales-per-minute 6 \\
      --offline-location LBERLN4K8W1ZC --offline-minutes 10

  # retries 1000 times faster (1 min -> 60 ms), a delivery in ten duplicated
  python -m sandbox square --retry-scale 0.001 --duplicates 0.1 --no-history

Output on stdout is one JSON line {"event": "ready", ...} with the URLs, the
access token and the locations; progress goes to stderr. Subscriptions'
signature keys are answered at creation and listed at /_sandbox/subscriptions.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m sandbox square``."""
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    server = parser.add_argument_group("merchant")
    add_host_argument(server)
    server.add_argument("--port", type=int, default=0, help="0: any free port")
    server.add_argument("--access-token", default=DEFAULT_ACCESS_TOKEN)
    server.add_argument("--merchant-id", default=DEFAULT_MERCHANT_ID)
    hooks = parser.add_argument_group("webhooks")
    hooks.add_argument(
        "--retry-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply the waits between attempts (0.001: 1 min -> 60 ms)",
    )
    hooks.add_argument(
        "--delivery-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds between a change and its webhook delivery",
    )
    hooks.add_argument("--delivery-workers", type=int, default=8)
    activity = parser.add_argument_group("activity")
    activity.add_argument(
        "--sales-per-minute",
        type=float,
        default=0.0,
        metavar="N",
        help="live simulated sales per minute, all stores together",
    )
    activity.add_argument(
        "--sale-count", type=int, default=None, help="stop selling after N events"
    )
    activity.add_argument(
        "--offline-location",
        default=None,
        metavar="ID",
        help="this store's device is offline from the start",
    )
    activity.add_argument(
        "--offline-minutes",
        type=float,
        default=30.0,
        metavar="M",
        help="minutes before the offline store uploads its sales (default 30)",
    )
    activity.add_argument(
        "--history-sales",
        type=int,
        default=25,
        metavar="N",
        help="sales per store in yesterday's simulated day (default 25)",
    )
    activity.add_argument(
        "--no-history", action="store_true", help="start without yesterday's day"
    )
    add_duration_argument(parser)
    add_fault_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m sandbox square``."""
    try:
        if args.sales_per_minute < 0:
            raise ValueError("--sales-per-minute must not be negative")
        if args.offline_minutes < 0:
            raise ValueError("--offline-minutes must not be negative")
        app = SquareMerchant(
            access_token=args.access_token,
            merchant_id=args.merchant_id,
            retry_scale=args.retry_scale,
            faults=faults_from_args(args),
            seed=args.seed,
            delivery_delay=args.delivery_delay,
            delivery_workers=args.delivery_workers,
        )
        if args.offline_location and args.offline_location not in app.locations:
            raise ValueError(f"--offline-location: one of {', '.join(app.locations)}")
    except ValueError as exc:
        return usage_error(exc)
    history = {} if args.no_history else simulate_day(app, args.history_sales)
    server = serve_square(app, host=args.host, port=args.port)
    ready = {
        "event": "ready",
        "url": server.url,
        "api_url": f"{server.url}{API}",
        "access_token": args.access_token,
        "merchant_id": args.merchant_id,
        "locations": {lid: loc["name"] for lid, loc in app.locations.items()},
        "history": history,
        "offline_location": args.offline_location,
        "state_url": f"{server.url}/_sandbox/state",
    }
    return serve_until_stopped(
        server,
        args.duration,
        ready,
        start=lambda: start_activity(
            app,
            args.sales_per_minute,
            offline_location=args.offline_location,
            offline_minutes=args.offline_minutes,
            count=args.sale_count,
        ),
    )
