"""API routes of the back office: cash drawers, payouts, inventory, webhooks.

``GET /v2/cash-drawers/shifts?location_id=`` (required), ``GET
/v2/cash-drawers/shifts/{id}``, ``GET .../shifts/{id}/events``; ``GET
/v2/payouts``, ``GET /v2/payouts/{id}``, ``GET /v2/payouts/{id}/payout-
entries``; ``POST /v2/inventory/changes/batch-create``, ``POST
/v2/inventory/counts/batch-retrieve``; ``POST``/``GET
/v2/webhooks/subscriptions``, ``GET``/``PUT``/``DELETE
/v2/webhooks/subscriptions/{id}``.
"""

from __future__ import annotations

from ..common import api_call, route
from .api import SquareError, invalid
from .const import API
from .routes_sales import not_found
from .webhooks import SubscriptionError

SHIFTS = rf"{API}/cash-drawers/shifts"
SUBSCRIPTIONS = rf"{API}/webhooks/subscriptions"


class StoreRoutes:
    """Handler mixin: the back-office side of the API."""

    # -- cash drawers -----------------------------------------------------

    def _shift_location(self) -> str:
        location_id = self.query_value("location_id")
        if not location_id:
            raise invalid(
                "location_id is required.", "location_id", "MISSING_REQUIRED_PARAMETER"
            )
        if location_id not in self.app.locations:
            raise SquareError(404, "NOT_FOUND", f"Location `{location_id}` not found.")
        return location_id

    @route("GET", SHIFTS)
    @api_call("read")
    def list_shifts(self, match):
        location_id = self._shift_location()
        begin = self.time_param(self.query_value("begin_time"), "begin_time")
        end = self.time_param(self.query_value("end_time"), "end_time")
        order = self.choice_param(
            self.query_value("sort_order"), ("ASC", "DESC"), "ASC", "sort_order"
        )
        limit = self.limit_param(self.query_value("limit"), 200, 1000)
        shifts = self.app.list_shifts(
            location_id, begin, end, descending=order == "DESC"
        )
        return 200, self.page(
            shifts, limit, self.query_value("cursor"), "shifts", "cash_drawer_shifts"
        )

    @route("GET", rf"{SHIFTS}/(?P<id>[^/]+)")
    @api_call("read")
    def get_shift(self, match):
        location_id = self._shift_location()
        try:
            return 200, {
                "cash_drawer_shift": self.app.get_shift(match["id"], location_id)
            }
        except KeyError as exc:
            raise not_found(exc) from None

    @route("GET", rf"{SHIFTS}/(?P<id>[^/]+)/events")
    @api_call("read")
    def shift_events(self, match):
        location_id = self._shift_location()
        try:
            events = self.app.get_shift_events(match["id"], location_id)
        except KeyError as exc:
            raise not_found(exc) from None
        limit = self.limit_param(self.query_value("limit"), 200, 1000)
        return 200, self.page(
            events,
            limit,
            self.query_value("cursor"),
            "shift-events",
            "cash_drawer_shift_events",
        )

    # -- payouts ----------------------------------------------------------

    @route("GET", rf"{API}/payouts")
    @api_call("read")
    def list_payouts(self, match):
        q = self.query_value
        status = self.choice_param(
            q("status"), ("SENT", "FAILED", "PAID"), None, "status"
        )
        order = self.choice_param(
            q("sort_order"), ("ASC", "DESC"), "DESC", "sort_order"
        )
        payouts = self.app.list_payouts(
            q("location_id") or None,
            status,
            self.time_param(q("begin_time"), "begin_time"),
            self.time_param(q("end_time"), "end_time"),
            descending=order == "DESC",
        )
        limit = self.limit_param(q("limit"), 100, 100)
        return 200, self.page(payouts, limit, q("cursor"), "payouts", "payouts")

    @route("GET", rf"{API}/payouts/(?P<id>[^/]+)")
    @api_call("read")
    def get_payout(self, match):
        try:
            return 200, {"payout": self.app.get_payout(match["id"])}
        except KeyError as exc:
            raise not_found(exc) from None

    @route("GET", rf"{API}/payouts/(?P<id>[^/]+)/payout-entries")
    @api_call("read")
    def payout_entries(self, match):
        try:
            entries = self.app.get_payout_entries(match["id"])
        except KeyError as exc:
            raise not_found(exc) from None
        if self.query_value("sort_order", "ASC") == "DESC":
            entries.reverse()
        limit = self.limit_param(self.query_value("limit"), 100, 100)
        return 200, self.page(
            entries, limit, self.query_value("cursor"), "entries", "payout_entries"
        )

    # -- inventory --------------------------------------------------------

    @route("POST", rf"{API}/inventory/changes/batch-create")
    @api_call("write")
    def batch_change_inventory(self, match):
        data = self.json_object()
        if not data.get("idempotency_key"):
            raise invalid(
                "idempotency_key is required.",
                "idempotency_key",
                "MISSING_REQUIRED_PARAMETER",
            )
        changes = data.get("changes")
        if not isinstance(changes, list) or not changes:
            raise invalid(
                "changes is required.", "changes", "MISSING_REQUIRED_PARAMETER"
            )
        if len(changes) > 100:
            raise invalid("At most 100 changes.", "changes", "ARRAY_LENGTH_TOO_LONG")
        self.call_items = len(changes)
        return 200, self.app.batch_change_inventory(changes, data["idempotency_key"])

    @route("POST", rf"{API}/inventory/counts/batch-retrieve")
    @api_call("read")
    def batch_retrieve_counts(self, match):
        data = self.json_object()
        object_ids, location_ids = (
            data.get("catalog_object_ids"),
            data.get("location_ids"),
        )
        for name, value in (
            ("catalog_object_ids", object_ids),
            ("location_ids", location_ids),
        ):
            if value is not None and not isinstance(value, list):
                raise invalid(f"{name}: a list", name)
        updated_after = data.get("updated_after")
        self.time_param(updated_after, "updated_after")
        counts = self.app.retrieve_counts(object_ids, location_ids, updated_after)
        limit = self.limit_param(data.get("limit"), 100, 1000)
        return 200, self.page(counts, limit, data.get("cursor"), "counts", "counts")

    # -- webhook subscriptions --------------------------------------------

    def _subscription_call(self, function, *args):
        try:
            return function(*args)
        except KeyError as exc:
            raise not_found(exc) from None
        except SubscriptionError as exc:
            raise invalid(str(exc), exc.field, exc.code) from None

    @route("POST", SUBSCRIPTIONS)
    @api_call("write")
    def create_subscription(self, match):
        data = self.json_object()
        subscription = self._subscription_call(
            self.app.subscribe, data.get("subscription"), data.get("idempotency_key")
        )
        return 200, {"subscription": subscription}

    @route("GET", SUBSCRIPTIONS)
    @api_call("read")
    def list_subscriptions(self, match):
        app = self.app
        with app.lock:
            subscriptions = [
                app.public_subscription(s) for s in app.subscriptions.values()
            ]
        if self.query_value("include_disabled", "false").lower() != "true":
            subscriptions = [s for s in subscriptions if s["enabled"]]
        limit = self.limit_param(self.query_value("limit"), 100, 100)
        return 200, self.page(
            subscriptions,
            limit,
            self.query_value("cursor"),
            "subscriptions",
            "subscriptions",
        )

    @route("GET", rf"{SUBSCRIPTIONS}/(?P<id>[^/]+)")
    @api_call("read")
    def get_subscription(self, match):
        return 200, {
            "subscription": self._subscription_call(
                self.app.get_subscription, match["id"]
            )
        }

    @route("PUT", rf"{SUBSCRIPTIONS}/(?P<id>[^/]+)")
    @api_call("write")
    def update_subscription(self, match):
        data = self.json_object().get("subscription") or {}
        return 200, {
            "subscription": self._subscription_call(
                self.app.update_subscription, match["id"], data
            )
        }

    @route("DELETE", rf"{SUBSCRIPTIONS}/(?P<id>[^/]+)")
    @api_call("write")
    def delete_subscription(self, match):
        self._subscription_call(self.app.unsubscribe, match["id"])
        return 200, {}
