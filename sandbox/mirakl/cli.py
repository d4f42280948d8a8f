"""``python -m sandbox mirakl``: the command line."""

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
from .const import API, DEFAULT_API_KEY, DEFAULT_SHOP_ID, DEFAULT_SHOP_NAME
from .marketplace import MiraklMarketplace
from .server import serve_marketplace

EPILOG = """\
examples:
  # one shop, 4 new orders a minute, customers debited 10 s after acceptance,
  # shipped orders received after a minute, paid out every 5 minutes
  python -m sandbox mirakl --port 8082 --orders-per-minute 4 --debit-delay 10 \\
      --receive-delay 60 --billing-cycle 300

  # limits 100 times faster (OR11: once every 0.6 s), with Retry-After
  python -m sandbox mirakl --limit-scale 0.01 --limit-retry-after

  # two shops on one key, no limits, the offers the seller sells
  python -m sandbox mirakl --no-limits --shops 2 --skus SKU-1,SKU-2,SKU-3

Output on stdout is one JSON line {"event": "ready", ...} with the URLs and
the API key; progress goes to stderr.
"""


def _optional_delay(text: str) -> float | None:
    return None if text.lower() in ("", "none", "never", "manual") else float(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m sandbox mirakl``."""
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    server = parser.add_argument_group("marketplace")
    add_host_argument(server)
    server.add_argument("--port", type=int, default=0, help="0: any free port")
    server.add_argument("--api-key", default=DEFAULT_API_KEY)
    server.add_argument("--shop-id", type=int, default=DEFAULT_SHOP_ID)
    server.add_argument("--shop-name", default=DEFAULT_SHOP_NAME)
    server.add_argument(
        "--shops", type=int, default=1, help="shops served by the key (split orders)"
    )
    server.add_argument("--currency", default="EUR")
    server.add_argument("--skus", default="", help="comma-separated offer SKUs")
    server.add_argument(
        "--warehouses", default="", help="comma-separated warehouse codes"
    )
    server.add_argument(
        "--partial-acceptance", action="store_true", help="allow partial acceptance"
    )
    server.add_argument(
        "--tax-excluded", action="store_true", help="order_tax_mode TAX_EXCLUDED"
    )
    timing = parser.add_argument_group(
        "timing", "Delays in seconds; 'manual' waits for a /_sandbox/ call."
    )
    timing.add_argument("--debit-delay", type=_optional_delay, default=1.0)
    timing.add_argument("--receive-delay", type=_optional_delay, default=None)
    timing.add_argument("--close-delay", type=_optional_delay, default=None)
    timing.add_argument("--refund-delay", type=_optional_delay, default=0.5)
    timing.add_argument("--import-delay", type=float, default=0.1)
    timing.add_argument(
        "--billing-cycle",
        type=_optional_delay,
        default=None,
        help="close every shop's billing cycle this often",
    )
    limits = parser.add_argument_group("limits")
    limits.add_argument(
        "--limit-scale",
        type=float,
        default=1.0,
        help="multiply the limit windows (0.01: a minute lasts 0.6 s)",
    )
    limits.add_argument("--no-limits", action="store_true", help="no 429 for limits")
    limits.add_argument(
        "--limit-retry-after",
        action="store_true",
        help="send Retry-After with a limit 429 (Mirakl documents none)",
    )
    activity = parser.add_argument_group("activity")
    activity.add_argument(
        "--orders-per-minute",
        type=float,
        default=0.0,
        metavar="N",
        help="simulated customer orders per minute (0: none)",
    )
    activity.add_argument(
        "--order-count", type=int, default=None, help="stop after N orders"
    )
    activity.add_argument(
        "--null-country-rate",
        type=float,
        default=0.0,
        help="share of addresses without country_iso_code",
    )
    add_duration_argument(parser)
    add_fault_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m sandbox mirakl``."""
    try:
        if args.limit_scale <= 0:
            raise ValueError("--limit-scale must be positive")
        app = MiraklMarketplace(
            api_key=args.api_key,
            shop_id=args.shop_id,
            shop_name=args.shop_name,
            currency=args.currency,
            debit_delay=args.debit_delay,
            receive_delay=args.receive_delay,
            close_delay=args.close_delay,
            refund_delay=args.refund_delay,
            import_delay=args.import_delay,
            billing_cycle=args.billing_cycle,
            limits=not args.no_limits,
            limit_scale=args.limit_scale,
            limit_retry_after=args.limit_retry_after,
            null_country_rate=args.null_country_rate,
            faults=faults_from_args(args),
            seed=args.seed,
        )
        for n in range(1, args.shops):
            app.add_shop(
                args.shop_id + n, f"{args.shop_name} {n + 1}", api_key=args.api_key
            )
        options = {
            "offers": [s.strip() for s in args.skus.split(",") if s.strip()],
            "warehouse_codes": [
                w.strip() for w in args.warehouses.split(",") if w.strip()
            ],
            "partial_acceptance": args.partial_acceptance,
            "order_tax_mode": "TAX_EXCLUDED" if args.tax_excluded else "TAX_INCLUDED",
        }
        for shop_id in list(app.shops):
            app.set_shop_options(shop_id, **options)
    except ValueError as exc:
        return usage_error(exc)
    server = serve_marketplace(app, host=args.host, port=args.port)
    ready = {
        "event": "ready",
        "url": server.url,
        "api_url": f"{server.url}{API}",
        "api_key": args.api_key,
        "shop_ids": list(app.shops),
        "offers": len(app.shop().offers),
        "state_url": f"{server.url}/_sandbox/state",
    }
    return serve_until_stopped(
        server,
        args.duration,
        ready,
        start=lambda: app.start_order_flow(args.orders_per_minute, args.order_count),
    )
