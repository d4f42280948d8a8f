"""``python -m sandbox woocommerce``: the command line."""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

from ..common import (
    add_duration_argument,
    add_fault_arguments,
    add_host_argument,
    faults_from_args,
    serve_until_stopped,
    usage_error,
)
from .const import API, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET
from .server import serve_store
from .store import WooStore

EPILOG = """\
examples:
  # a plain-HTTP store (OAuth 1.0a only) with a catalog and 6 orders a minute
  python -m sandbox woocommerce --port 8081 --seed-catalog --checkout-rate 6

  # an HTTPS store behind a TLS proxy: Basic and query-string auth accepted
  python -m sandbox woocommerce --assume-https --seed-catalog --seed 7

  # webhooks arriving late, duplicated and shuffled, 10 % of API calls 429
  python -m sandbox woocommerce --seed-catalog --delivery-delay 3 \\
      --duplicates 0.1 --out-of-order 4 --rate-limit 0.1 --retry-after 2

Output on stdout is one JSON line {"event": "ready", ...} with the URLs and
the API key; progress goes to stderr.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m sandbox woocommerce``."""
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    server = parser.add_argument_group("store")
    add_host_argument(server)
    server.add_argument("--port", type=int, default=0, help="0: any free port")
    server.add_argument(
        "--site-url", default="", help="home URL the store believes it has"
    )
    server.add_argument(
        "--assume-https",
        action="store_true",
        help="behave as an HTTPS store (behind a TLS proxy): Basic and "
        "query-string auth accepted",
    )
    server.add_argument("--consumer-key", default=DEFAULT_CONSUMER_KEY)
    server.add_argument("--consumer-secret", default=DEFAULT_CONSUMER_SECRET)
    server.add_argument(
        "--permissions", choices=("read", "write", "read_write"), default="read_write"
    )
    server.add_argument("--currency", default="EUR")
    server.add_argument("--tax-rate", default="21", help="VAT %% (0: no tax)")
    server.add_argument(
        "--prices-include-tax",
        action="store_true",
        help="catalog prices include tax",
    )
    server.add_argument(
        "--utc-offset", type=float, default=0.0, help="store timezone, hours"
    )
    server.add_argument(
        "--seed-catalog", action="store_true", help="about 50 products with SKUs"
    )
    activity = parser.add_argument_group("activity")
    activity.add_argument(
        "--checkout-rate",
        type=float,
        default=0.0,
        metavar="N",
        help="simulated checkouts per minute (0: none)",
    )
    activity.add_argument(
        "--checkout-count", type=int, default=None, help="stop after N checkouts"
    )
    activity.add_argument(
        "--delivery-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds between a change and its webhook delivery",
    )
    activity.add_argument("--delivery-workers", type=int, default=4)
    activity.add_argument(
        "--strict-delivery-ports",
        action="store_true",
        help="refuse delivery URLs not on port 80, 443 or 8080, as WordPress does",
    )
    add_duration_argument(parser)
    add_fault_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m sandbox woocommerce``."""
    try:
        tax_rate = Decimal(args.tax_rate)
        store = WooStore(
            consumer_key=args.consumer_key,
            consumer_secret=args.consumer_secret,
            permissions=args.permissions,
            assume_https=args.assume_https,
            currency=args.currency,
            tax_rate=tax_rate,
            prices_include_tax=args.prices_include_tax,
            utc_offset=args.utc_offset,
            delivery_delay=args.delivery_delay,
            strict_delivery_ports=args.strict_delivery_ports,
            faults=faults_from_args(args),
            seed=args.seed,
            site_url=args.site_url,
            delivery_workers=args.delivery_workers,
        )
    except (InvalidOperation, ValueError) as exc:
        return usage_error(exc)
    if args.seed_catalog:
        store.seed_catalog()
    server = serve_store(store, host=args.host, port=args.port)
    ready = {
        "event": "ready",
        "url": server.url,
        "site_url": store.site_url,
        "api_url": f"{store.site_url}{API}",
        "https": store.assume_https,
        "consumer_key": args.consumer_key,
        "consumer_secret": args.consumer_secret,
        "products": len(store.products),
        "state_url": f"{server.url}/_sandbox/state",
    }
    return serve_until_stopped(
        server,
        args.duration,
        ready,
        start=lambda: store.start_checkouts(args.checkout_rate, args.checkout_count),
    )
