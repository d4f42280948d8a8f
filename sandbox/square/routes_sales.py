"""API routes of what was sold: locations, catalog, orders, payments, refunds.

``GET /v2/locations``, ``GET /v2/catalog/list``, ``GET /v2/orders/{id}``,
``POST /v2/orders/batch-retrieve``, ``POST /v2/orders/search``, ``GET
/v2/payments``, ``GET /v2/payments/{id}``, ``GET /v2/refunds/{id}``.
"""

from __future__ import annotations

from ..common import api_call, route
from .api import SquareError, invalid
from .const import API, SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SEARCH_LOCATIONS_MAX

TIME_FIELDS = {
    "created_at": "CREATED_AT",
    "updated_at": "UPDATED_AT",
    "closed_at": "CLOSED_AT",
}


def not_found(exc: KeyError) -> SquareError:
    """A 404 ``NOT_FOUND`` from a lookup's `KeyError`."""
    return SquareError(404, "NOT_FOUND", str(exc.args[0]) if exc.args else "Not found.")


class SalesRoutes:
    """Handler mixin: the sales side of the API."""

    @route("GET", rf"{API}/locations")
    @api_call("read")
    def list_locations(self, match):
        with self.app.lock:
            locations = [dict(loc) for loc in self.app.locations.values()]
        self.call_items = len(locations)
        return 200, {"locations": locations}

    @route("GET", rf"{API}/locations/(?P<id>[^/]+)")
    @api_call("read")
    def get_location(self, match):
        try:
            with self.app.lock:
                return 200, {"location": dict(self.app.location(match["id"]))}
        except KeyError as exc:
            raise not_found(exc) from None

    @route("GET", rf"{API}/catalog/list")
    @api_call("read")
    def list_catalog(self, match):
        with self.app.lock:
            objects = self.app.catalog_objects()
        types = self.query_value("types")
        if types:
            wanted = {t.strip().upper() for t in types.split(",")}
            objects = [o for o in objects if o["type"] in wanted]
        return 200, self.page(
            objects, 100, self.query_value("cursor"), "catalog", "objects"
        )

    # -- orders -----------------------------------------------------------

    @route("GET", rf"{API}/orders/(?P<id>[^/]+)")
    @api_call("read")
    def get_order(self, match):
        try:
            return 200, {"order": self.app.get_order(match["id"])}
        except KeyError as exc:
            raise not_found(exc) from None

    @route("POST", rf"{API}/orders/batch-retrieve")
    @api_call("read")
    def batch_retrieve_orders(self, match):
        data = self.json_object()
        ids = data.get("order_ids")
        if not isinstance(ids, list) or not ids:
            raise invalid(
                "order_ids is required.", "order_ids", "MISSING_REQUIRED_PARAMETER"
            )
        if len(ids) > 100:
            raise invalid(
                "At most 100 order_ids.", "order_ids", "ARRAY_LENGTH_TOO_LONG"
            )
        location_id = data.get("location_id")
        orders = []
        for order_id in dict.fromkeys(ids):
            try:
                order = self.app.get_order(str(order_id))
            except KeyError:
                continue
            if location_id in (None, order["location_id"]):
                orders.append(order)
        self.call_items = len(orders)
        return 200, ({"orders": orders} if orders else {})

    @route("POST", rf"{API}/orders/search")
    @api_call("read")
    def search_orders(self, match):
        data = self.json_object()
        location_ids = self._search_locations(data.get("location_ids"))
        query = data.get("query") or {}
        filters = query.get("filter") or {} if isinstance(query, dict) else {}
        sort = (query.get("sort") or {}) if isinstance(query, dict) else {}
        states = (filters.get("state_filter") or {}).get("states")
        if states is not None and (
            not isinstance(states, list)
            or not set(states) <= {"OPEN", "COMPLETED", "CANCELED", "DRAFT"}
        ):
            raise invalid(
                "states: OPEN, COMPLETED, CANCELED or DRAFT",
                "query.filter.state_filter.states",
            )
        time_field, start, end = self._date_filter(
            filters.get("date_time_filter") or {}
        )
        sort_field = self.choice_param(
            sort.get("sort_field"),
            tuple(TIME_FIELDS.values()),
            TIME_FIELDS[time_field or "created_at"],
            "query.sort.sort_field",
        )
        if time_field and TIME_FIELDS[time_field] != sort_field:
            raise invalid(
                "The sort_field must match the timestamp field of the "
                "date_time_filter.",
                "query.sort.sort_field",
            )
        order = self.choice_param(
            sort.get("sort_order"), ("ASC", "DESC"), "DESC", "query.sort.sort_order"
        )
        customers = (filters.get("customer_filter") or {}).get("customer_ids")
        limit = self.limit_param(
            data.get("limit"), SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX
        )
        field = {v: k for k, v in TIME_FIELDS.items()}[sort_field]
        found = self.app.search_orders(
            location_ids,
            states,
            field,
            start,
            end,
            descending=order == "DESC",
            customer_ids=customers,
        )
        if data.get("return_entries"):
            entries = [
                {
                    "order_id": o["id"],
                    "location_id": o["location_id"],
                    **({"version": o["version"]} if "version" in o else {}),
                }
                for o in found
            ]
            return 200, self.page(
                entries, limit, data.get("cursor"), "orders", "order_entries"
            )
        return 200, self.page(found, limit, data.get("cursor"), "orders", "orders")

    def _search_locations(self, location_ids) -> list:
        if not isinstance(location_ids, list) or not location_ids:
            raise invalid(
                "location_ids is required.",
                "location_ids",
                "MISSING_REQUIRED_PARAMETER",
            )
        if len(location_ids) > SEARCH_LOCATIONS_MAX:
            raise invalid(
                f"At most {SEARCH_LOCATIONS_MAX} location_ids, got "
                f"{len(location_ids)}.",
                "location_ids",
                "ARRAY_LENGTH_TOO_LONG",
            )
        for index, location_id in enumerate(location_ids):
            if location_id not in self.app.locations:
                raise invalid(
                    f"Location `{location_id}` not found.", f"location_ids[{index}]"
                )
        return location_ids

    def _date_filter(self, date_filter: dict):
        if not isinstance(date_filter, dict):
            raise invalid(
                "date_time_filter: an object", "query.filter.date_time_filter"
            )
        used = [name for name in TIME_FIELDS if date_filter.get(name)]
        if len(used) > 1:
            raise invalid(
                "Only one timestamp field in a date_time_filter.",
                "query.filter.date_time_filter",
            )
        if not used:
            return None, None, None
        name = used[0]
        where = f"query.filter.date_time_filter.{name}"
        window = date_filter[name]
        if not isinstance(window, dict):
            raise invalid("a time range {start_at, end_at}", where)
        start = self.time_param(window.get("start_at"), f"{where}.start_at")
        end = self.time_param(window.get("end_at"), f"{where}.end_at")
        return name, start, end

    # -- payments and refunds ---------------------------------------------

    @route("GET", rf"{API}/payments")
    @api_call("read")
    def list_payments(self, match):
        q = self.query_value
        filters = {
            "location_id": q("location_id") or None,
            "last_4": q("last_4") or None,
            "card_brand": q("card_brand") or None,
        }
        for name in (
            "begin_time",
            "end_time",
            "updated_at_begin_time",
            "updated_at_end_time",
            "offline_begin_time",
            "offline_end_time",
        ):
            filters[name] = self.time_param(q(name), name)
        offline = q("is_offline_payment")
        if offline not in (None, ""):
            if offline.lower() not in ("true", "false"):
                raise invalid(
                    "is_offline_payment: true or false",
                    "is_offline_payment",
                    "EXPECTED_BOOLEAN",
                )
            filters["is_offline_payment"] = offline.lower() == "true"
        if q("total"):
            try:
                filters["total"] = int(q("total"))
            except ValueError:
                raise invalid(
                    "total: an integer", "total", "EXPECTED_INTEGER"
                ) from None
        filters["sort_order"] = self.choice_param(
            q("sort_order"), ("ASC", "DESC"), "DESC", "sort_order"
        )
        filters["sort_field"] = self.choice_param(
            q("sort_field"),
            ("CREATED_AT", "OFFLINE_CREATED_AT", "UPDATED_AT"),
            "CREATED_AT",
            "sort_field",
        )
        limit = self.limit_param(q("limit"), 100, 100)
        payments = self.app.list_payments(filters)
        return 200, self.page(payments, limit, q("cursor"), "payments", "payments")

    @route("GET", rf"{API}/payments/(?P<id>[^/]+)")
    @api_call("read")
    def get_payment(self, match):
        try:
            return 200, {"payment": self.app.get_payment(match["id"])}
        except KeyError as exc:
            raise not_found(exc) from None

    @route("GET", rf"{API}/refunds/(?P<id>[^/]+)")
    @api_call("read")
    def get_refund(self, match):
        try:
            return 200, {"refund": self.app.get_refund(match["id"])}
        except KeyError as exc:
            raise not_found(exc) from None
