"""Square POS merchant: stores, sales, cash drawers, payouts and signed webhooks.

A stand-in for one Square merchant with several stores (Paris, Berlin, New
York by default), selling in the POS app and online, on loopback.

- API under ``/v2`` with ``Authorization: Bearer <access token>`` (else 401
  ``UNAUTHORIZED``); errors ``{"errors": [{category, code, detail,
  field}]}``; lists paged with ``cursor``, empty lists left out (``{}``).
  ``GET locations``, ``GET catalog/list``, ``GET orders/{id}``, ``POST
  orders/batch-retrieve``, ``POST orders/search`` (``location_ids`` <= 10,
  one ``date_time_filter`` field and the matching ``sort_field``, ``limit``
  <= 1000), ``GET payments`` (created, updated and offline time windows,
  ``is_offline_payment``, ``location_id``), ``GET payments/{id}``, ``GET
  refunds/{id}``, ``GET cash-drawers/shifts?location_id=`` (+ ``/{id}``,
  ``/{id}/events``), ``GET payouts`` (+ ``/{id}``, ``/{id}/payout-
  entries``), ``POST inventory/changes/batch-create`` (physical counts,
  per-change errors inside a 200), ``POST inventory/counts/batch-retrieve``,
  ``POST``/``GET webhooks/subscriptions`` (+ ``GET``/``PUT``/``DELETE
  /{id}``; the ``signature_key`` only in the creation's answer).
- Sales (`sales`, `orders`, `payments`): money ``{amount, currency}`` in
  minor units, quantities as strings ("2", "1.70000"); a POS sale fires only
  ``payment.created`` and ``payment.updated``; online orders fire summary
  ``order.created`` (``DRAFT`` first) / ``order.updated``; returns are new
  orders with ``returns[]``; offline sales are uploaded later with the device
  time in ``offline_payment_details.client_created_at``.
- Back office: cash drawer shifts (`cash`), payouts with CHARGE / REFUND
  entries and 2.6 % + 0.10 fees (`payouts`, money ``{amount,
  currency_code}``), stock per store (`catalog`).
- Webhooks (`webhooks`): ``{merchant_id, location_id, type, event_id,
  created_at, data: {type, id, object}}``, ``x-square-hmacsha256-signature
  = base64(HMAC-SHA256(key, notification URL + body))``,
  ``square-environment``, ``square-initial-delivery-timestamp``,
  ``square-retry-number``; retries after 1, 2, 4, 8, 16, 32 min then hourly
  up to 72 h (times ``retry_scale``). The skeleton's faults apply (dropped,
  duplicated, reordered, badly signed deliveries; latency, 429 and 5xx).

Control endpoints (no auth, no faults) besides the shared ``/_sandbox/*``:
see `sandbox.square.admin`. In-process use::

    app = SquareMerchant(retry_scale=0.001, seed=1)
    server = serve_square(app)
    sub = app.subscribe({"event_types": ["payment.created", "payment.updated"],
                         "notification_url": receiver_url})
    sale = app.pos_sale("LPARIS7Q2M3XA", [("TEE-LIN-M", 2, None)], tender="CASH")
    app.till_return(sale["order"]["id"], [(sale["order"]["line_items"][0]["uid"], 1)])
    app.wait_idle(); app.deliveries
    server.shutdown()

One module per concern: ``merchant`` (the state), ``catalog``, ``orders``,
``payments``, ``sales``, ``cash``, ``payouts``, ``webhooks``, ``api``,
``routes_sales``, ``routes_store``, ``admin``, ``server``, ``activity``,
``cli``; ``const`` and ``values`` hold what they share.
"""

from __future__ import annotations

from .api import SquareError
from .cli import add_arguments, run
from .const import (
    API,
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_MERCHANT_ID,
    EVENT_TYPES,
    LOCATIONS,
    SIGNATURE_HEADER,
    TEST_BODY,
    TEST_NOTIFICATION_URL,
    TEST_SIGNATURE,
    TEST_SIGNATURE_KEY,
)
from .activity import simulate_day, start_activity
from .merchant import SquareMerchant
from .orders import OrderError
from .payments import card_fee
from .server import SquareHandler, serve_square
from .webhooks import SquareDeliverer, SubscriptionError, retry_waits, signature

__all__ = [
    "API",
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_MERCHANT_ID",
    "EVENT_TYPES",
    "LOCATIONS",
    "SIGNATURE_HEADER",
    "TEST_BODY",
    "TEST_NOTIFICATION_URL",
    "TEST_SIGNATURE",
    "TEST_SIGNATURE_KEY",
    "OrderError",
    "SquareDeliverer",
    "SquareError",
    "SquareHandler",
    "SquareMerchant",
    "SubscriptionError",
    "add_arguments",
    "card_fee",
    "retry_waits",
    "run",
    "serve_square",
    "signature",
    "simulate_day",
    "start_activity",
]
