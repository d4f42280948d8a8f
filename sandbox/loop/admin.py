"""The platform's control endpoints under ``/_sandbox/`` (no auth, no faults).

``POST /_sandbox/returns`` create a return (``{"order", "units",
"state", "handling_fee", "label"}``, `LoopPlatform.create_return`; units as
``[line id, reason, outcome, exchange variant?]`` or objects), ``GET
/_sandbox/returns``, ``GET /_sandbox/returns/<id>``, and ``POST
/_sandbox/returns/<id>/<step>`` with step ``update`` (``{"state",
"handling_fee", "outcomes", "comments", "address"}``), ``close``
(``{"refunds"}``), ``cancel``, ``process`` (``{"restock",
"location_id"}``), ``label`` (``{"status"}``: absent for the next step),
``label-request`` (``{"cancelled"}``), ``restock`` (``{"location_id",
"items"}``), ``giftcard`` (``{"amount"}``); ``GET /_sandbox/subscriptions``
(with failure counts), ``POST /_sandbox/subscriptions/<id>`` (``{"status"}``:
re-activate), ``GET /_sandbox/events`` (every event's trigger and exact
body), ``GET /_sandbox/requests`` (every API call).
"""

from __future__ import annotations

from ..common import AdminRoutes, HttpError, route
from .returns import ReturnError


class LoopAdminRoutes(AdminRoutes):
    """Handler mixin: the platform's ``/_sandbox/`` endpoints."""

    admin_refusals = (ReturnError,)

    @route("POST", r"/_sandbox/returns", faults=False)
    def _admin_create_return(self, match):
        data = self._admin_body()
        order, units = data.pop("order", None), data.pop("units", None)
        if not isinstance(order, dict):
            raise HttpError(400, "order: expected an object")
        return 201, self._admin_call(self.app.create_return, order, units, **data)

    @route("GET", r"/_sandbox/returns", faults=False)
    def _admin_list_returns(self, match):
        app = self.app
        with app.lock:
            return 200, [app.render_return(r) for r in app.returns.values()]

    @route("GET", r"/_sandbox/returns/(?P<id>[^/]+)", faults=False)
    def _admin_get_return(self, match):
        return 200, self._admin_call(self.app.return_payload, match["id"])

    @route("POST", r"/_sandbox/returns/(?P<id>[^/]+)/(?P<step>[a-z-]+)", faults=False)
    def _admin_return_step(self, match):
        app, data, return_id = self.app, self._admin_body(), match["id"]
        steps = {
            "update": lambda: app.update_return(return_id, **data),
            "close": lambda: app.close_return(return_id, data.get("refunds")),
            "cancel": lambda: app.cancel_return(return_id),
            "process": lambda: app.process_return(
                return_id,
                restock=bool(data.get("restock", True)),
                location_id=data.get("location_id"),
            ),
            "label": lambda: app.label_progress(return_id, data.get("status")),
            "label-request": lambda: app.label_request(
                return_id, cancelled=bool(data.get("cancelled"))
            ),
            "restock": lambda: app.restock_requested(
                return_id, location_id=data.get("location_id"), items=data.get("items")
            ),
            "giftcard": lambda: app.giftcard_requested(return_id, data.get("amount")),
        }
        step = steps.get(match["step"])
        if step is None:
            raise HttpError(
                404, f"no step {match['step']!r}; one of {', '.join(steps)}"
            )
        return 200, self._admin_call(step)

    @route("GET", r"/_sandbox/subscriptions", faults=False)
    def _admin_subscriptions(self, match):
        with self.app.lock:
            return 200, [dict(s) for s in self.app.subscriptions.values()]

    @route("POST", r"/_sandbox/subscriptions/(?P<id>[^/]+)", faults=False)
    def _admin_subscription_status(self, match):
        status = self._admin_body().get("status", "active")
        return 200, self._admin_call(
            self.app.set_subscription_status, match["id"], status
        )

    @route("GET", r"/_sandbox/events", faults=False)
    def _admin_events(self, match):
        with self.app.lock:
            events = list(self.app.events.items())
        return 200, [
            {"id": event_id, "trigger": trigger, "body": raw.decode("utf-8")}
            for event_id, (trigger, raw) in events
        ]
