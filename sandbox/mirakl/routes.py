"""The seller API routes: A01, OR11, OR21, OR23, OR24, OR28, OR29, SH21, STO01-03.

Every route records its call under its operation name (see `Limits`); OR11
and STO01 answer 429 above their published frequency.
"""

from __future__ import annotations

from ..common import api_call, offset_page, route
from .const import API, ORDERS_DEFAULT_PAGE, ORDERS_MAX_PAGE
from .errors import bad_request


class OrderRoutes:
    """Handler mixin: account, orders and carriers."""

    @route("GET", rf"{API}/account")
    @api_call("read")
    def get_account(self, match):
        self.operation("A01")
        app = self.app
        with app.lock:
            shop = app.shop(self.shop_id)
            return 200, {
                "shop_id": shop.id,
                "shop_name": shop.name,
                "shop_state": "OPEN",
                "currency_iso_code": shop.currency,
                "is_professional": True,
                "premium": False,
                "channels": [dict(c) for c in app.channels],
                "domains": ["PRODUCT"],
                "offers_count": len(shop.offers),
                "order_messages_response_delay": None,
                "contact_informations": {"email": f"shop{shop.id}@example.com"},
            }

    @route("GET", rf"{API}/shipping/carriers")
    @api_call("read")
    def list_carriers(self, match):
        self.operation("SH21")
        with self.app.lock:
            carriers = self.app.shop(self.shop_id).carriers
            return 200, {"carriers": [dict(c) for c in carriers]}

    @route("GET", rf"{API}/orders")
    @api_call("read")
    def list_orders(self, match):
        self.operation("OR11")
        app = self.app
        states = set(self.list_param("order_state_codes"))
        ids = set(self.list_param("order_ids"))
        channels = set(self.list_param("channel_codes"))
        bounds = [
            ("updated", self.date_param("start_update_date"), ">="),
            ("updated", self.date_param("end_update_date"), "<="),
            ("created", self.date_param("start_date"), ">="),
            ("created", self.date_param("end_date"), "<="),
        ]
        paginate = (self.query_value("paginate") or "true").lower() != "false"
        limit = self.int_param("max", ORDERS_DEFAULT_PAGE, ORDERS_MAX_PAGE)
        offset = self.int_param("offset", 0)
        with app.lock:
            orders = [o for o in app.orders.values() if o["shop_id"] == self.shop_id]
            if states:
                orders = [o for o in orders if o["state"] in states]
            if ids:
                orders = [o for o in orders if o["order_id"] in ids]
            if channels:
                orders = [
                    o
                    for o in orders
                    if o["channel"] and o["channel"]["code"] in channels
                ]
            for field, bound, sense in bounds:
                if bound is None:
                    continue
                if sense == ">=":
                    orders = [o for o in orders if o[field] >= bound]
                else:
                    orders = [o for o in orders if o[field] <= bound]
            orders.sort(key=lambda o: (o["created"], o["order_id"]))
            if paginate:
                page = offset_page(orders, offset, limit)
                items, total = page.items, page.total
            else:
                items, total = orders, len(orders)
            self.call_items = len(items)
            return 200, {
                "orders": [app.render(o) for o in items],
                "total_count": total,
            }

    @route("PUT", rf"{API}/orders/refund")
    @api_call("write")
    def refund_orders(self, match):
        self.operation("OR28")
        data = self.json_object()
        with self.app.lock:
            refunds = self.app.refund(data.get("refunds"), self.shop_id)
        self.call_items = len(refunds)
        return 200, {"refunds": refunds}

    @route("PUT", rf"{API}/orders/(?P<id>[^/]+)/accept")
    @api_call("write")
    def accept_order(self, match):
        self.operation("OR21")
        data = self.json_object()
        lines = data.get("order_lines")
        if not isinstance(lines, list):
            raise bad_request("order_lines: a list of {id, accepted} is required")
        decisions = {}
        for entry in lines:
            if not isinstance(entry, dict) or "id" not in entry:
                raise bad_request("every order line needs an id and accepted")
            if not isinstance(entry.get("accepted"), bool):
                raise bad_request(
                    f"order line {entry['id']}: accepted must be a boolean"
                )
            decisions[str(entry["id"])] = entry["accepted"]
        self.app.accept(match["id"], decisions, self.shop_id)
        return 204, None

    @route("PUT", rf"{API}/orders/(?P<id>[^/]+)/tracking")
    @api_call("write")
    def set_tracking(self, match):
        self.operation("OR23")
        self.app.set_tracking(match["id"], self.json_object(), self.shop_id)
        return 204, None

    @route("PUT", rf"{API}/orders/(?P<id>[^/]+)/ship")
    @api_call("write")
    def ship_order(self, match):
        self.operation("OR24")
        self.app.ship(match["id"], self.shop_id)
        return 204, None

    @route("PUT", rf"{API}/orders/(?P<id>[^/]+)/cancel")
    @api_call("write")
    def cancel_order(self, match):
        self.operation("OR29")
        self.app.seller_cancel(match["id"], self.shop_id)
        return 204, None


class StockRoutes:
    """Handler mixin: stock imports."""

    @route("POST", rf"{API}/offers/stock/imports")
    @api_call("write")
    def import_stock(self, match):
        self.operation("STO01")
        data = self.multipart_file("file")
        record = self.app.import_stock(data, self.shop_id)
        return 201, {"import_id": record["import_id"]}

    @route("GET", rf"{API}/offers/stock/imports/(?P<id>\d+)")
    @api_call("read")
    def get_stock_import(self, match):
        self.operation("STO02")
        return 200, self.app.stock_import(int(match["id"]), self.shop_id)

    @route("GET", rf"{API}/offers/stock/imports/(?P<id>\d+)/error_report")
    @api_call("read")
    def get_error_report(self, match):
        self.operation("STO03")
        report = self.app.error_report(int(match["id"]), self.shop_id)
        self.send_bytes(200, report, "text/csv; charset=utf-8")
        return (200,)
