"""The store's own control endpoints under ``/_sandbox/`` (no auth, no faults).

``POST /_sandbox/checkout`` (place orders now), ``GET /_sandbox/requests``
(every API call received), ``GET /_sandbox/webhooks`` (with secrets and
failure counts), ``GET /_sandbox/delivery-log``, ``POST /_sandbox/keys``,
``POST /_sandbox/orders/<id>/restore`` (untrash: fires ``order.restored``),
``GET /_sandbox/stock`` (each SKU's quantity and when a call last set it).
"""

from __future__ import annotations

from ..common import HttpError, RequestLogRoutes, route


class StoreAdminRoutes(RequestLogRoutes):
    """Handler mixin: the store's ``/_sandbox/`` endpoints."""

    @route("POST", r"/_sandbox/checkout", faults=False)
    def _admin_checkout(self, match):
        """Place orders now: ``{"count": 1, "items": [{"sku", "quantity"}],
        "payment_method", "coupon", "fee", "note"}``."""
        data = self.json_body(required=False) or {}
        store = self.app
        orders = []
        with store.change():
            items = None
            if data.get("items"):
                items = []
                for entry in data["items"]:
                    owner = store._sku_owner(str(entry.get("sku") or ""))
                    record = store.products.get(owner) or store.variations.get(owner)
                    if record is None:
                        raise HttpError(400, f"unknown SKU {entry.get('sku')!r}")
                    items.append((record, int(entry.get("quantity", 1))))
            for _ in range(max(1, min(int(data.get("count", 1)), 1000))):
                order = store.checkout(
                    items,
                    payment_method=data.get("payment_method"),
                    coupon=data.get("coupon", ""),
                    fee=data.get("fee", False),
                    note=data.get("note"),
                )
                if order is not None:
                    orders.append(store.render_order(order))
        return 200, {"orders": orders}

    @route("GET", r"/_sandbox/webhooks", faults=False)
    def _admin_webhooks(self, match):
        with self.app.lock:
            return 200, [self.app.admin_webhook(w) for w in self.app.webhooks.values()]

    @route("GET", r"/_sandbox/delivery-log", faults=False)
    def _admin_delivery_log(self, match):
        with self.app.lock:
            return 200, list(self.app.delivery_log)

    @route("POST", r"/_sandbox/keys", faults=False)
    def _admin_keys(self, match):
        data = self.json_body()
        try:
            self.app.add_key(
                str(data["consumer_key"]),
                str(data["consumer_secret"]),
                str(data.get("permissions", "read_write")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HttpError(400, f"invalid key: {exc}") from None
        return 201, {"consumer_key": data["consumer_key"]}

    @route("GET", r"/_sandbox/stock", faults=False)
    def _admin_stock(self, match):
        return 200, self.app.stock_levels()

    @route("POST", r"/_sandbox/orders/(?P<id>\d+)/restore", faults=False)
    def _admin_restore(self, match):
        with self.app.change() as store:
            return 200, store.render_order(store.restore_order(int(match["id"])))
