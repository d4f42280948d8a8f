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

Not settled by the verified facts, chosen here (unverified): ids and their
shapes; lists leave out empty arrays (``{}``), ``limit`` out of range is a
400 (``VALUE_TOO_HIGH``); time windows include their start and exclude their
end; orders search sorts ``DESC`` by ``CREATED_AT`` unless told, and its
``sort_field`` must match the ``date_time_filter`` field; cursors are offsets;
a POS sale's payment is ``APPROVED`` in ``payment.created`` and
``COMPLETED`` a millisecond later; order ``total_money`` includes tips, a
return order's ``net_amounts`` are negative and the source order is left
unchanged; a refund also fires ``payment.updated`` (its ``refunded_money``);
sold, returned and counted stock fires ``inventory.count.updated`` to the
subscriptions that ask for it; an offline order's ``created_at`` is the
upload too, a declined late card payment leaves it ``OPEN``; VAT included in
Europe, sales tax added in New York; payout fees are negative, refunds return
no fee, entries name what they settle in ``type_charge_details`` /
``type_refund_details``; subscriptions' times read ``2022-01-10 23:29:48
+0000 UTC`` and ``http`` notification URLs are accepted (loopback); no
``Retry-After`` is honoured on deliveries; three weeks without a 2xx (times
``retry_scale``) disables a subscription.

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
