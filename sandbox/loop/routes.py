"""Loop's API routes: webhook subscriptions and the warehouse's return calls.

``POST /api/v1/webhooks`` (201 new, 200 when it replaced the pair's
subscription), ``GET /api/v1/webhooks``, ``DELETE /api/v1/webhooks/<id>``;
``GET /api/v1/warehouse/return/list?state=``, ``GET .../return/<id>/
details``, ``POST .../return/<id>/close`` (``{"refunds": [...]}``),
``.../process`` (``{"restock", "location_id"}``), ``.../cancel``.
"""

from __future__ import annotations

from ..common import api_call, route
from .api import LoopError
from .const import API
from .returns import ReturnError
from .webhooks import SubscriptionError

RETURN = rf"{API}/warehouse/return/(?P<id>[^/]+)"


class LoopRoutes:
    """Handler mixin: the API."""

    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except KeyError as exc:
            raise LoopError(
                404, str(exc.args[0]) if exc.args else "Not found"
            ) from None
        except SubscriptionError as exc:
            raise LoopError(422, str(exc), errors=exc.errors) from None
        except ReturnError as exc:
            raise LoopError(422, str(exc)) from None
        except (TypeError, ValueError) as exc:
            raise LoopError(422, str(exc)) from None

    @route("POST", rf"{API}/webhooks")
    @api_call("write")
    def create_webhook(self, match):
        subscription, new = self._call(self.app.subscribe, self.json_object())
        return (201 if new else 200), subscription

    @route("GET", rf"{API}/webhooks")
    @api_call("read")
    def list_webhooks(self, match):
        app = self.app
        with app.lock:
            subscriptions = [
                app.public_subscription(s) for s in app.subscriptions.values()
            ]
        self.call_items = len(subscriptions)
        return 200, subscriptions

    @route("DELETE", rf"{API}/webhooks/(?P<id>[^/]+)")
    @api_call("write")
    def delete_webhook(self, match):
        return 200, self._call(self.app.unsubscribe, match["id"])

    @route("GET", rf"{API}/warehouse/return/list")
    @api_call("read")
    def list_returns(self, match):
        app, state = self.app, self.query_value("state")
        with app.lock:
            payloads = [
                app.render_return(record)
                for record in app.returns.values()
                if state is None or record["state"] == state
            ]
        self.call_items = len(payloads)
        return 200, payloads

    @route("GET", rf"{RETURN}/details")
    @api_call("read")
    def return_details(self, match):
        return 200, self._call(self.app.return_payload, match["id"])

    @route("POST", rf"{RETURN}/close")
    @api_call("write")
    def close_return(self, match):
        data = self.json_object(required=False)
        refunds = data.get("refunds") or []
        if not isinstance(refunds, list) or not all(
            isinstance(r, dict) for r in refunds
        ):
            raise LoopError(422, "refunds: a list of objects", errors={"refunds": []})
        return 200, self._call(self.app.close_return, match["id"], refunds=refunds)

    @route("POST", rf"{RETURN}/process")
    @api_call("write")
    def process_return(self, match):
        data = self.json_object(required=False)
        return 200, self._call(
            self.app.process_return,
            match["id"],
            restock=bool(data.get("restock", True)),
            location_id=data.get("location_id"),
        )

    @route("POST", rf"{RETURN}/cancel")
    @api_call("write")
    def cancel_return(self, match):
        return 200, self._call(self.app.cancel_return, match["id"])
