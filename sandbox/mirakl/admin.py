"""The marketplace's control endpoints under ``/_sandbox/`` (no auth, no faults).

``POST /_sandbox/orders`` place an order (`MiraklMarketplace.place_order`
arguments as JSON; ``{"random": true}`` for a made-up one);
``GET /_sandbox/orders/<id>`` an order with its customer details;
``POST /_sandbox/orders/<id>/debit`` (``{"success": false}``: a failed
debit), ``.../receive``, ``.../close``, ``.../cancel`` (the operator
cancels), ``POST /_sandbox/order-lines/<id>/cancel`` (``{"quantity",
"reason_code"}``), ``POST /_sandbox/order-lines/<id>/refund`` (``{"amount",
"shipping_amount", "quantity", "reason_code"}``), ``POST
/_sandbox/refunds/complete`` (``{"refund_id"}`` or all), ``POST
/_sandbox/clock`` (``{"advance": seconds}``: run what became due), ``POST
/_sandbox/billing-cycles`` (``{"shop_id"}``: close a cycle, answers the
document), ``POST /_sandbox/transactions`` (``{"type", "amount",
"payment_state", "entities", "shop_id"}``), ``GET /_sandbox/shops``,
``POST /_sandbox/shops`` (add one: ``{"shop_id", "name", "api_key",
...options}``), ``POST /_sandbox/shops/<id>`` (options, see
`MiraklMarketplace.set_shop_options`), ``GET /_sandbox/stock?shop_id=``,
``GET /_sandbox/limits``, ``POST /_sandbox/limits`` (``{"enabled", "scale",
"retry_after"}``), ``GET /_sandbox/calls?operation=OR11`` (call times),
``GET /_sandbox/requests`` (every API call).
"""

from __future__ import annotations

from ..common import AdminRoutes, HttpError, route


def _shop(handler) -> int | None:
    raw = handler.query_value("shop_id")
    return int(raw) if raw else None


class MarketplaceAdminRoutes(AdminRoutes):
    """Handler mixin: the marketplace's ``/_sandbox/`` endpoints."""

    @route("POST", r"/_sandbox/orders", faults=False)
    def _admin_place_order(self, match):
        data = self._admin_body()
        app = self.app
        if data.pop("random", False):
            return 201, {"orders": app.place_random_order()}
        lines = data.pop("lines", None)
        return 201, {"orders": self._admin_call(app.place_order, lines or [], **data)}

    @route("GET", r"/_sandbox/orders/(?P<id>[^/]+)", faults=False)
    def _admin_get_order(self, match):
        app = self.app
        with app.lock:
            order = app.order(match["id"])
            body = app.render(order)
            body["customer"] = dict(order["customer"])
            body["due"] = dict(order["due"])
            return 200, body

    @route("POST", r"/_sandbox/orders/(?P<id>[^/]+)/(?P<step>[a-z]+)", faults=False)
    def _admin_order_step(self, match):
        app, data = self.app, self._admin_body()
        steps = {
            "debit": lambda oid: app.debit(oid, success=data.get("success", True)),
            "receive": app.receive,
            "close": app.close,
            "cancel": lambda oid: app.operator_cancel(
                oid, data.get("reason_code") or "OPERATOR"
            ),
        }
        step = steps.get(match["step"])
        if step is None:
            raise HttpError(404, f"no step {match['step']!r}")
        with app.lock:
            return 200, app.render(step(match["id"]))

    @route("POST", r"/_sandbox/order-lines/(?P<id>[^/]+)/cancel", faults=False)
    def _admin_cancel_line(self, match):
        app, data = self.app, self._admin_body()
        with app.lock:
            order = app.cancel_line(
                match["id"],
                data.get("quantity"),
                data.get("reason_code") or "OPERATOR",
            )
            return 200, app.render(order)

    @route("POST", r"/_sandbox/order-lines/(?P<id>[^/]+)/refund", faults=False)
    def _admin_refund_line(self, match):
        data = self._admin_body()
        refund = self.app.operator_refund(
            match["id"],
            data.get("amount"),
            shipping_amount=data.get("shipping_amount", 0),
            quantity=data.get("quantity", 0),
            reason_code=data.get("reason_code") or "OPERATOR",
        )
        return 201, refund

    @route("POST", r"/_sandbox/refunds/complete", faults=False)
    def _admin_complete_refunds(self, match):
        data = self._admin_body()
        return 200, {"refunds": self.app.complete_refunds(data.get("refund_id"))}

    @route("POST", r"/_sandbox/clock", faults=False)
    def _admin_clock(self, match):
        data = self._admin_body()
        now = self._admin_call(self.app.advance_clock, float(data.get("advance", 0)))
        return 200, {"now": now, "offset": self.app.clock_offset}

    @route("POST", r"/_sandbox/billing-cycles", faults=False)
    def _admin_close_cycle(self, match):
        data = self._admin_body()
        invoice = self._admin_call(self.app.close_billing_cycle, data.get("shop_id"))
        return 200, {"invoice": invoice}

    @route("POST", r"/_sandbox/transactions", faults=False)
    def _admin_add_transaction(self, match):
        data = self._admin_body()
        line = self._admin_call(
            self.app.add_transaction,
            str(data["type"]),
            data["amount"],
            payment_state=data.get("payment_state", "PAYABLE"),
            entities=data.get("entities"),
            shop_id=data.get("shop_id"),
        )
        return 201, line

    @route("GET", r"/_sandbox/shops", faults=False)
    def _admin_shops(self, match):
        with self.app.lock:
            return 200, {
                "shops": [
                    dict(shop.options(), api_key=shop.api_key)
                    for shop in self.app.shops.values()
                ]
            }

    @route("POST", r"/_sandbox/shops", faults=False)
    def _admin_add_shop(self, match):
        data = self._admin_body()
        shop = self._admin_call(self.app.add_shop, **data)
        return 201, dict(shop.options(), api_key=shop.api_key)

    @route("POST", r"/_sandbox/shops/(?P<id>\d+)", faults=False)
    def _admin_shop_options(self, match):
        data = self._admin_body()
        options = self._admin_call(self.app.set_shop_options, int(match["id"]), **data)
        return 200, options

    @route("GET", r"/_sandbox/stock", faults=False)
    def _admin_stock(self, match):
        return 200, self._admin_call(self.app.stock_levels, _shop(self))

    @route("GET", r"/_sandbox/limits", faults=False)
    def _admin_limits(self, match):
        with self.app.lock:
            return 200, self.app.limits.settings()

    @route("POST", r"/_sandbox/limits", faults=False)
    def _admin_set_limits(self, match):
        data = self._admin_body()
        with self.app.lock:
            return 200, self._admin_call(self.app.limits.configure, **data)

    @route("GET", r"/_sandbox/calls", faults=False)
    def _admin_calls(self, match):
        operation = self.query_value("operation")
        with self.app.lock:
            if operation:
                return 200, {operation: self.app.call_times(operation)}
            return 200, self.app.limits.summary()
