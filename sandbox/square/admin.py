"""The merchant's control endpoints under ``/_sandbox/`` (no auth, no faults).

- ``POST /_sandbox/sales`` a POS sale ``{location_id, lines: [[ref, quantity,
  unit_amount?]...], tender, tip, customer_id, at, discount_percent}``
- ``POST /_sandbox/online-orders`` ``{location_id, lines, customer_id, at,
  draft_first, pay, tender, fulfillment}``; ``POST /_sandbox/orders/<id>/
  <step>`` with step ``pay`` (``{tender}``), ``complete``, ``cancel``
- ``POST /_sandbox/returns`` ``{source_order_id, lines: [[uid, quantity]...],
  exchange, at, reason}``
- ``POST /_sandbox/locations/<id>/<step>`` with step ``offline``,
  ``online`` (``{at}``), ``status`` (``{status}``), ``open-shift``
  (``{opened_cash, at}``), ``end-shift``, ``close-shift`` (``{counted_cash,
  at}``), ``paid-in`` / ``paid-out`` (``{amount, description}``),
  ``payout`` (``{paid, fail, at}``), ``stock`` (``{catalog_object_id or
  sku, quantity}``)
- ``POST /_sandbox/payouts/<id>/paid`` and ``.../failed``
- ``POST /_sandbox/clock`` ``{advance: seconds}`` moves the merchant's time
- ``GET /_sandbox/catalog`` (variations with ids, SKUs, prices),
  ``GET /_sandbox/subscriptions`` (with signature keys), ``GET
  /_sandbox/events`` (every event's exact body), ``GET /_sandbox/requests``
"""

from __future__ import annotations

from ..common import AdminRoutes, HttpError, route
from .orders import OrderError
from .values import rfc3339


class SquareAdminRoutes(AdminRoutes):
    """Handler mixin: the merchant's ``/_sandbox/`` endpoints."""

    admin_refusals = (OrderError,)

    @route("POST", r"/_sandbox/sales", faults=False)
    def _admin_sale(self, match):
        data = self._admin_body()
        return 201, self._admin_call(self.app.pos_sale, **data)

    @route("POST", r"/_sandbox/online-orders", faults=False)
    def _admin_online_order(self, match):
        data = self._admin_body()
        return 201, self._admin_call(self.app.online_order, **data)

    @route("POST", r"/_sandbox/orders/(?P<id>[^/]+)/(?P<step>[a-z]+)", faults=False)
    def _admin_order_step(self, match):
        app, data, order_id = self.app, self._admin_body(), match["id"]
        steps = {
            "pay": lambda: app.pay_order(
                order_id, data.get("tender", "CARD"), data.get("at")
            ),
            "complete": lambda: app.complete_order(order_id, data.get("at")),
            "cancel": lambda: app.cancel_order(order_id, data.get("at")),
        }
        return self._step(steps, match["step"])

    @route("POST", r"/_sandbox/returns", faults=False)
    def _admin_return(self, match):
        data = self._admin_body()
        return 201, self._admin_call(self.app.till_return, **data)

    @route("POST", r"/_sandbox/locations/(?P<id>[^/]+)/(?P<step>[a-z-]+)", faults=False)
    def _admin_location_step(self, match):
        app, data, lid = self.app, self._admin_body(), match["id"]
        steps = {
            "offline": lambda: app.go_offline(lid) or {"offline": True},
            "online": lambda: {"uploaded": app.come_online(lid, data.get("at"))},
            "status": lambda: app.set_location_status(
                lid, data.get("status", "ACTIVE")
            ),
            "open-shift": lambda: app.open_shift(
                lid, int(data.get("opened_cash", 10000)), data.get("at")
            ),
            "end-shift": lambda: app.end_shift(lid, data.get("at")),
            "close-shift": lambda: app.close_shift(
                lid, int(data["counted_cash"]), data.get("at")
            ),
            "paid-in": lambda: app.paid_in_out(
                lid,
                int(data["amount"]),
                paid_in=True,
                description=data.get("description", ""),
            ),
            "paid-out": lambda: app.paid_in_out(
                lid,
                int(data["amount"]),
                paid_in=False,
                description=data.get("description", ""),
            ),
            "payout": lambda: app.make_payout(
                lid,
                data.get("at"),
                paid=bool(data.get("paid", True)),
                fail=bool(data.get("fail", False)),
            ),
            "stock": lambda: app.set_stock(
                lid, data.get("catalog_object_id") or data.get("sku"), data["quantity"]
            ),
        }
        return self._step(steps, match["step"])

    @route("POST", r"/_sandbox/payouts/(?P<id>[^/]+)/(?P<step>[a-z]+)", faults=False)
    def _admin_payout_step(self, match):
        app, data, payout_id = self.app, self._admin_body(), match["id"]
        steps = {
            "paid": lambda: app.settle_payout(payout_id, at=data.get("at")),
            "failed": lambda: app.settle_payout(
                payout_id, failed=True, at=data.get("at")
            ),
        }
        return self._step(steps, match["step"])

    def _step(self, steps: dict, name: str):
        step = steps.get(name)
        if step is None:
            raise HttpError(404, f"no step {name!r}; one of {', '.join(steps)}")
        try:
            return 200, self._admin_call(step)
        except HttpError:
            raise
        except KeyError as exc:  # a missing field of the body
            raise HttpError(400, f"missing {exc}") from None

    @route("POST", r"/_sandbox/clock", faults=False)
    def _admin_clock(self, match):
        data = self._admin_body()
        now = self._admin_call(self.app.advance_clock, float(data.get("advance", 0)))
        return 200, {"now": rfc3339(now), "offset": self.app.clock_offset}

    @route("GET", r"/_sandbox/catalog", faults=False)
    def _admin_catalog(self, match):
        with self.app.lock:
            return 200, [dict(v) for v in self.app.variations.values()]

    @route("GET", r"/_sandbox/subscriptions", faults=False)
    def _admin_subscriptions(self, match):
        with self.app.lock:
            return 200, [dict(s) for s in self.app.subscriptions.values()]

    @route("GET", r"/_sandbox/events", faults=False)
    def _admin_events(self, match):
        with self.app.lock:
            events = list(self.app.events.items())
        return 200, [
            {
                "event_id": event_id,
                "type": event["type"],
                "body": event["body"].decode("utf-8"),
            }
            for event_id, event in events
        ]
