"""WooCommerce store: the wc/v3 REST API, signed webhooks and simulated checkouts.

A stand-in for a WooCommerce 8.9.1 / WordPress 6.5.3 store on loopback that
behaves like the real plugin wherever the connector can tell the difference:

- Endpoints under ``/wp-json/wc/v3/``: ``system_status``; ``products`` (list,
  get, create, update; ``sku`` also finds variations), ``products/<id>/
  variations``, ``products/batch`` and ``products/<id>/variations/batch``
  (more than 100 items: 413 ``woocommerce_rest_request_entity_too_large``;
  a bad item fails inside a 200 answer); ``orders`` (list with
  ``modified_after``, ``after``, ``status``, ``orderby``/``order``, ``page``/
  ``per_page``/``offset``, ``X-WP-Total``/``X-WP-TotalPages``/``Link``; get,
  create, update, delete to the trash then 410), ``orders/<id>/notes``,
  ``orders/<id>/refunds``; ``webhooks`` (the secret is write-only; creating
  one pings its URL with the form body ``webhook_id=N``).
- Authentication as ``WC_REST_Authentication``: on an HTTPS store (here
  ``--assume-https``, as behind a TLS proxy) HTTP Basic or ``consumer_key``/
  ``consumer_secret`` in the query string, secrets compared in constant time;
  on a plain-HTTP store those are ignored (401 ``woocommerce_rest_cannot_view``)
  and one-legged OAuth 1.0a (HMAC-SHA1/SHA256, timestamp within 15 minutes,
  nonce never reused) is required. Keys are read, write or read_write.
- Webhook deliveries from a queue, some time after the change (``--delivery-
  delay``), the body rendered when the delivery runs, encoded like PHP
  (``\\/`` and ``\\u20ac``), signed ``X-WC-Webhook-Signature: base64(HMAC-
  SHA256(secret, raw body))``, with WooCommerce's headers; a webhook is set
  ``disabled`` after more than 5 consecutive failures; never retried.
- Checkouts from the catalog at ``--checkout-rate`` per minute, and a seeded
  catalog of about 50 products, some variable (``--seed-catalog``).

Standard library only, independent of the addons. Money is computed with
Decimal, half up: line amounts untaxed to 6 decimals as WooCommerce stores
them, shown with 2; in a tax-inclusive store (``--prices-include-tax``) the
catalog prices include the tax and the untaxed line amounts are derived.

Admin endpoints (no auth, no faults) besides the shared ``/_sandbox/*``:
``POST /_sandbox/checkout`` (place orders now), ``GET /_sandbox/requests``
(every API call received), ``GET /_sandbox/webhooks`` (with secrets and
failure counts), ``GET /_sandbox/delivery-log``, ``POST /_sandbox/keys``,
``POST /_sandbox/orders/<id>/restore`` (untrash: fires ``order.restored``),
``GET /_sandbox/stock`` (each SKU's quantity and when a call last set it).

One module per concern: ``store`` (the state), ``products``, ``orders``,
``refunds``, ``customers`` (simulated checkouts), ``webhooks`` (management
and delivery), ``resources`` (every resource as JSON), ``auth``, ``api``
(WordPress's answers and paging), ``routes``, ``admin``, ``server``, ``cli``;
``const``, ``values``, ``errors`` and ``seed`` hold what they share.
"""

from __future__ import annotations

from .cli import add_arguments, run
from .const import (
    ALLOWED_DELIVERY_PORTS,
    API,
    BATCH_LIMIT,
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    HOOKSHOT_USER_AGENT,
    MAX_DELIVERY_FAILURES,
    MAX_PER_PAGE,
    OAUTH_WINDOW,
    ORDER_STATUSES,
    PING_TIMEOUT,
    REFUNDING_GATEWAYS,
    STOCK_HOLDING,
    WC_VERSION,
    WEBHOOK_EVENTS,
    WEBHOOK_RESOURCES,
    WP_VERSION,
)
from .auth import oauth_expected_signature, oauth_string_to_sign
from .errors import WooError
from .server import WooHandler, serve_store
from .store import WooStore
from .values import php_json

__all__ = [
    "ALLOWED_DELIVERY_PORTS",
    "API",
    "BATCH_LIMIT",
    "DEFAULT_CONSUMER_KEY",
    "DEFAULT_CONSUMER_SECRET",
    "HOOKSHOT_USER_AGENT",
    "MAX_DELIVERY_FAILURES",
    "MAX_PER_PAGE",
    "OAUTH_WINDOW",
    "ORDER_STATUSES",
    "PING_TIMEOUT",
    "REFUNDING_GATEWAYS",
    "STOCK_HOLDING",
    "WC_VERSION",
    "WEBHOOK_EVENTS",
    "WEBHOOK_RESOURCES",
    "WP_VERSION",
    "WooError",
    "WooHandler",
    "WooStore",
    "add_arguments",
    "oauth_expected_signature",
    "oauth_string_to_sign",
    "php_json",
    "run",
    "serve_store",
]
