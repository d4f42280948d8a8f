"""Loop returns platform: returns, labels and signed webhooks with Loop's retries.

A stand-in for Loop Returns serving one shop whose storefront is a
WooCommerce store (``provider_order_id`` is the store's order id,
``provider_line_item_id`` its line item id), on loopback.

- API under ``/api/v1`` with ``X-Authorization: <api key>`` (else 401
  ``{"message": "Unauthenticated."}``): ``POST webhooks`` ``{topic,
  trigger, url, status: active|inactive}``, one subscription per (topic,
  trigger) among topics ``return`` (``return.created``, ``.updated``,
  ``.closed``), ``label`` (``label.created``, ``.updated``), ``restock``
  (``restock.requested``), ``giftcard`` (``giftcard.requested``),
  ``label.request`` (``label.request.issued``, ``.cancelled``), another
  pair a 422; ``GET webhooks``; ``DELETE webhooks/<id>``; the warehouse
  calls ``GET warehouse/return/list``, ``GET warehouse/return/<id>/
  details``, ``POST warehouse/return/<id>/close`` (``{"refunds": [...]}``),
  ``.../process``, ``.../cancel``.
- Returns (`returns`, `render`): one ``line_items[]`` entry per returned
  unit, amounts as strings ("120.00"), totals recomputed on every change,
  states open / needs review / closed / cancelled / expired; labels that go
  pre_transit, in_transit, out_for_delivery, delivered (`labels`);
  restock and gift card requests.
- Webhooks (`webhooks`): the body fixed when the change happened, compact
  JSON as PHP writes it (``\\/`` and ``\\uXXXX``), ``X-Loop-Signature:
  base64(HMAC-SHA256(webhook secret, raw body))``, no event id header;
  six attempts with exponential backoff and jitter, ``Retry-After``
  honoured up to 30 minutes, every wait times ``retry_scale``; a
  subscription set inactive after more than 10 failed attempts in a row.
  The skeleton's faults apply (dropped, duplicated, reordered, badly signed
  deliveries; latency, 429 and 5xx on the API).

Not settled by Loop's public documents, chosen here (unverified): the
error bodies (Laravel's ``{"message", "errors"}``); a second ``POST
webhooks`` for a pair replaces the first (``duplicate_subscription=
"refuse"`` answers 422 instead); 201 for a new subscription, 200 with the
deleted one for ``DELETE``; ``process`` (restock requested, the ``refund``
total refunded through ``refund_gateway``, closed) and ``cancel`` (state
cancelled, ``return.updated``: there is no cancel trigger); timestamps
``YYYY-MM-DD HH:MM:SS`` in UTC; Loop's own ids as integers and the
storefront's (``provider_order_id``, ``provider_line_item_id``) as strings;
the totals' formulas (see `returns`); the payloads of restock, gift card
and label request events beyond the documented fields; backoff from 30 s
with +/-20 % jitter; failures counted per attempt; body encoded ASCII-only.

Control endpoints (no auth, no faults) besides the shared ``/_sandbox/*``:
see `sandbox.loop.admin`. In-process use::

    app = LoopPlatform(retry_scale=0.001, seed=1)
    server = serve_loop(app)
    app.subscribe({"topic": "return", "trigger": "return.created",
                   "url": receiver_url, "status": "active"})
    ret = app.create_return(order, [(line_id, "Too small", "refund")])
    app.label_progress(ret["id"], "in_transit")
    app.close_return(ret["id"], refunds=[{"gateway": "stripe", "amount": "60.00",
                                          "provider_refund_id": "re_1"}])
    app.wait_idle(); app.deliveries
    server.shutdown()

One module per concern: ``platform`` (the state), ``returns``, ``render``,
``labels``, ``webhooks``, ``flow`` (returns of a WooCommerce sandbox
store's orders), ``api`` (auth, errors), ``routes``, ``admin``, ``server``,
``cli``; ``const`` and ``values`` hold what they share.
"""

from __future__ import annotations

from .api import LoopError
from .cli import add_arguments, run
from .const import (
    API,
    DEFAULT_API_KEY,
    DEFAULT_SHOP_ID,
    DEFAULT_WEBHOOK_SECRET,
    LABEL_STATUSES,
    MAX_ATTEMPTS,
    MAX_CONSECUTIVE_FAILURES,
    RETRY_AFTER_LIMIT,
    RETRY_BASE,
    TRIGGERS,
)
from .flow import order_from_woocommerce
from .platform import LoopPlatform, topic_of
from .returns import ReturnError, totals
from .server import LoopHandler, serve_loop
from .values import payload_bytes
from .webhooks import LoopDeliverer, SubscriptionError

__all__ = [
    "API",
    "DEFAULT_API_KEY",
    "DEFAULT_SHOP_ID",
    "DEFAULT_WEBHOOK_SECRET",
    "LABEL_STATUSES",
    "MAX_ATTEMPTS",
    "MAX_CONSECUTIVE_FAILURES",
    "RETRY_AFTER_LIMIT",
    "RETRY_BASE",
    "TRIGGERS",
    "LoopDeliverer",
    "LoopError",
    "LoopHandler",
    "LoopPlatform",
    "ReturnError",
    "SubscriptionError",
    "add_arguments",
    "order_from_woocommerce",
    "payload_bytes",
    "run",
    "serve_loop",
    "topic_of",
    "totals",
]
