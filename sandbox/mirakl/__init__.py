"""Mirakl marketplace: the seller API (MMP) of an operator with one or more shops.

A stand-in for one Mirakl operator instance on loopback, as a seller's
connector sees it: sellers poll (no webhooks), with ``Authorization: <api
key>`` (no scheme) and an optional ``shop_id``; a key serves one or more
shops, one customer order is split per shop into ``<commercial_id>-A``,
``-B``...

- Endpoints under ``/api``: A01 ``account``; OR11 ``GET orders`` (filters
  ``order_state_codes``, ``start_update_date``/``end_update_date``,
  ``start_date``/``end_date``, ``order_ids``, ``channel_codes``; ``max``
  default 10, above 100 a 400; ``offset``; ``paginate=false``; oldest
  first; ``{"orders", "total_count"}``); OR21 ``PUT orders/<id>/accept``
  (every line, only WAITING_ACCEPTANCE, partial acceptance per shop; 204);
  OR23 ``PUT orders/<id>/tracking`` (a shop carrier by ``carrier_code``,
  else ``carrier_name`` and optional ``carrier_url``; 204); OR24 ``PUT
  orders/<id>/ship`` (SHIPPING, after OR23; 204); OR28 ``PUT
  orders/refund`` (200 ``{"refunds": [{"refund_id", ...}]}``); OR29 ``PUT
  orders/<id>/cancel`` (when ``can_cancel``: SHIPPING, no refund, the shop
  lets sellers cancel; 204); SH21 ``GET shipping/carriers``; STO01 ``POST
  offers/stock/imports`` (multipart ``file``; 201 ``{"import_id"}``), STO02
  and STO03 ``.../imports/<id>[/error_report]``; TL02 ``GET
  sellerpayment/transactions_logs``; IV01 ``GET invoices``.
- Errors: ``{"status": N, "message": "..."}``; order errors add ``"code"``
  and start their message with it: ORDER_INVALID_STATE,
  ORDER_LINE_ACCEPTANCE_DECISION_MISSING, ORDER_PARTIAL_ACCEPTANCE_DISABLED,
  ORDER_NOT_FOUND / ORDER_LINE_NOT_FOUND (404), ORDER_TRACKING_MISSING,
  ORDER_CANNOT_BE_CANCELED, CARRIER_UNKNOWN, REFUND_AMOUNT_TOO_HIGH,
  REFUND_TAXES_MISSING. No key or a wrong one: 401; a ``shop_id`` the key
  does not serve: 403.
- Limits per shop and operation, as published: OR11 and STO01 once a
  minute, TL02 20 a minute and 60 an hour, IV01 once a day; above them a
  429 ``{"status": 429, "message"}``, without ``Retry-After`` unless
  ``limit_retry_after``. ``limit_scale`` shrinks the windows; ``limits=
  False`` turns them off. Every call's time is recorded per operation
  (`MiraklMarketplace.call_times`, ``GET /_sandbox/calls``).
- The order state machine (`orders`), refunds (`refunds`), transaction
  logs, billing cycles and accounting documents (`ledger`), stock imports
  (`stock`), made-up customers (`customers`) and orders (`flow`) run on
  the marketplace's clock, which ``advance_clock`` moves forward.

Control endpoints (no auth, no faults) besides the shared ``/_sandbox/*``:
see `sandbox.mirakl.admin`. In-process use::

    app = MiraklMarketplace(limit_scale=0.01, debit_delay=None)
    server = serve_marketplace(app)
    order = app.place_order([{"sku": "SKU-1", "quantity": 2}], tax_rate=20)[0]
    ...
    server.shutdown()

One module per concern: ``marketplace`` (the state and shops), ``orders``,
``render``, ``refunds``, ``ledger``, ``stock``, ``limits``, ``customers``,
``flow``, ``api`` (auth, errors, parameters), ``routes``, ``payments``,
``admin``, ``server``, ``cli``; ``const``, ``values`` and ``errors`` hold
what they share.
"""

from __future__ import annotations

from .cli import add_arguments, run
from .const import (
    API,
    DEFAULT_API_KEY,
    DEFAULT_SHOP_ID,
    LIMITS,
    LINE_STATES,
    ORDER_STATES,
)
from .errors import MiraklError
from .ledger import render_transaction
from .limits import Limits
from .marketplace import MiraklMarketplace, Shop
from .server import MiraklHandler, serve_marketplace

__all__ = [
    "API",
    "DEFAULT_API_KEY",
    "DEFAULT_SHOP_ID",
    "LIMITS",
    "LINE_STATES",
    "ORDER_STATES",
    "Limits",
    "MiraklError",
    "MiraklHandler",
    "MiraklMarketplace",
    "Shop",
    "add_arguments",
    "render_transaction",
    "run",
    "serve_marketplace",
]
