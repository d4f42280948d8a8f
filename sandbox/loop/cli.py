"""``python -m sandbox loop``: the command line."""

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
from .const import API, DEFAULT_API_KEY, DEFAULT_SHOP_ID, DEFAULT_WEBHOOK_SECRET
from .platform import LoopPlatform
from .server import serve_loop

EPILOG = """\
examples:
  # returns of a WooCommerce sandbox store's completed orders, 2 a minute;
  # parcels move every 20 s and delivered returns are processed
  python -m sandbox woocommerce --port 8081 --assume-https --seed-catalog
  python -m sandbox loop --port 8083 --store-url http://127.0.0.1:8081 \\
      --returns-per-minute 2 --label-step 20 --auto-process

  # retries 1000 times faster (30 s -> 30 ms), a delivery in ten duplicated
  python -m sandbox loop --retry-scale 0.001 --duplicates 0.1

Output on stdout is one JSON line {"event": "ready", ...} with the URLs, the
API key and the webhook secret; progress goes to stderr.
"""


def _optional_delay(text: str) -> float | None:
    return None if text.lower() in ("", "none", "never", "manual") else float(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m sandbox loop``."""
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    server = parser.add_argument_group("platform")
    add_host_argument(server)
    server.add_argument("--port", type=int, default=0, help="0: any free port")
    server.add_argument("--api-key", default=DEFAULT_API_KEY)
    server.add_argument("--webhook-secret", default=DEFAULT_WEBHOOK_SECRET)
    server.add_argument("--shop-id", type=int, default=DEFAULT_SHOP_ID)
    server.add_argument(
        "--refund-gateway", default="stripe", help="gateway of the refunds Loop issues"
    )
    server.add_argument(
        "--refuse-duplicate-subscriptions",
        action="store_true",
        help="answer 422 to a second subscription of a (topic, trigger) pair "
        "(default: replace it)",
    )
    hooks = parser.add_argument_group("webhooks")
    hooks.add_argument(
        "--retry-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply the waits between attempts (0.001: 30 s -> 30 ms)",
    )
    hooks.add_argument(
        "--delivery-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="seconds between a change and its webhook delivery",
    )
    hooks.add_argument("--delivery-workers", type=int, default=4)
    activity = parser.add_argument_group("activity")
    activity.add_argument(
        "--store-url",
        default="",
        help="WooCommerce sandbox store (run with --assume-https) to return orders of",
    )
    activity.add_argument("--store-key", default=None, help="its consumer key")
    activity.add_argument("--store-secret", default=None, help="its consumer secret")
    activity.add_argument(
        "--returns-per-minute",
        type=float,
        default=0.0,
        metavar="N",
        help="simulated returns per minute (needs --store-url)",
    )
    activity.add_argument(
        "--return-count", type=int, default=None, help="stop after N returns"
    )
    activity.add_argument(
        "--label-step",
        type=_optional_delay,
        default=None,
        metavar="S",
        help="move every label one step along its way every S seconds",
    )
    activity.add_argument(
        "--auto-process",
        action="store_true",
        help="process a return once its parcel is delivered",
    )
    add_duration_argument(parser)
    add_fault_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``python -m sandbox loop``."""
    from ..woocommerce import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET

    try:
        if args.returns_per_minute > 0 and not args.store_url:
            raise ValueError("--returns-per-minute needs --store-url")
        app = LoopPlatform(
            api_key=args.api_key,
            webhook_secret=args.webhook_secret,
            shop_id=args.shop_id,
            retry_scale=args.retry_scale,
            faults=faults_from_args(args),
            seed=args.seed,
            delivery_delay=args.delivery_delay,
            delivery_workers=args.delivery_workers,
            label_step_delay=args.label_step,
            auto_process=args.auto_process,
            refund_gateway=args.refund_gateway,
            duplicate_subscription=(
                "refuse" if args.refuse_duplicate_subscriptions else "replace"
            ),
        )
    except ValueError as exc:
        return usage_error(exc)
    server = serve_loop(app, host=args.host, port=args.port)
    ready = {
        "event": "ready",
        "url": server.url,
        "api_url": f"{server.url}{API}",
        "api_key": args.api_key,
        "webhook_secret": args.webhook_secret,
        "shop_id": args.shop_id,
        "store_url": args.store_url or None,
        "state_url": f"{server.url}/_sandbox/state",
    }
    return serve_until_stopped(
        server,
        args.duration,
        ready,
        start=lambda: app.start_return_flow(
            args.store_url,
            args.returns_per_minute,
            consumer_key=args.store_key or DEFAULT_CONSUMER_KEY,
            consumer_secret=args.store_secret or DEFAULT_CONSUMER_SECRET,
            count=args.return_count,
        ),
    )
