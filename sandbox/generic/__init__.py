"""Generic channel: signed canonical order events to Odoo, signed pushes back.

The generic channel is any system that speaks Retail Connector's canonical
format. This stand-in plays both sides of it:

- As a shop, it generates realistic order events from a catalog of SKUs and
  POSTs them to Odoo's webhook URL, signed with
  ``X-Retail-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
  Some orders later get an ``order.updated`` (a quantity change, an added
  line, a pending order getting paid) and some an ``order.cancelled``, each
  with a strictly later ``updated_at`` (whole seconds apart, the precision of
  an Odoo datetime). Knobs: rate, count, concurrency, duplicates,
  out-of-order window, bad signatures, drops, seed.
- As a channel receiving Odoo's outbound pushes, it serves ``POST /events``,
  verifying the same signature scheme with the push secret (401 with a JSON
  reason otherwise), records every push (``GET /events?topic=``) and keeps the
  latest stock per SKU (``GET /stock``) and shipment per order
  (``GET /shipments``). Inbound faults (latency, 429, 5xx) apply to
  ``POST /events`` only, so an outage test can still read what arrived.

Event body (amounts are decimal strings)::

    {"id": "evt-…", "topic": "order.created", "occurred_at": "2026-11-25T10:00:00Z",
     "data": {"external_id": "a3f9-1001", "name": "WEB-a3f9-1001",
              "status": "confirmed", "currency": "EUR",
              "ordered_at": "…", "updated_at": "…", "prices_include_tax": false,
              "customer": {…}, "billing_address": {…}, "shipping_address": {…},
              "lines": [{"external_id", "sku", "name", "quantity",
                         "unit_price", "discount", "tax_rate"}],
              "shipping": [{"code", "name", "amount", "tax_rate"}],
              "fees": [{"name", "amount", "tax_rate"}],
              "payment": {"method", "reference", "status", "amount"},
              "note": "…", "total": "…"}}

One module per concern: ``orders`` builds orders and their events,
``amounts`` computes and rounds their totals, ``catalog`` holds what the
shop sells and who buys it, ``channel`` sends the events (`GenericChannel`),
``receiver`` takes Odoo's pushes (`PushReceiver`, `PushHandler`),
``signing`` signs and verifies, ``cli`` is the command line.
"""

from __future__ import annotations

from .amounts import ZERO, Totals, compute_totals, round_money
from .catalog import DEFAULT_CATALOG, CatalogError, CatalogItem, load_catalog
from .channel import GenericChannel
from .cli import PUSH_SECRET_ENV, SECRET_ENV, add_arguments, run
from .orders import ORDER_TOPICS
from .receiver import PUSH_TOPICS, PushHandler, PushReceiver
from .signing import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    SignatureError,
    sign,
    verify,
)

__all__ = [
    "DEFAULT_CATALOG",
    "DEFAULT_TOLERANCE",
    "ORDER_TOPICS",
    "PUSH_SECRET_ENV",
    "PUSH_TOPICS",
    "SECRET_ENV",
    "SIGNATURE_HEADER",
    "ZERO",
    "CatalogError",
    "CatalogItem",
    "GenericChannel",
    "PushHandler",
    "PushReceiver",
    "SignatureError",
    "Totals",
    "add_arguments",
    "compute_totals",
    "load_catalog",
    "round_money",
    "run",
    "sign",
    "verify",
]
