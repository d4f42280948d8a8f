"""The wc/v3 routes: system status, products, orders, webhooks."""

from __future__ import annotations

import hashlib

from ..common import api_call, route
from .const import API, BATCH_LIMIT, ORDER_STATUSES, WC_VERSION, WP_VERSION, ZERO
from .errors import WooError, invalid_param
from .values import int_input


class StoreRoutes:
    """Handler mixin: ``system_status``."""

    @route("GET", rf"{API}/system_status")
    @api_call("list")
    def get_system_status(self, match):
        store = self.app
        with store.lock:
            counts = {"product": len(store.products), "shop_order": len(store.orders)}
        return 200, {
            "environment": {
                "home_url": store.site_url,
                "site_url": store.site_url,
                "store_id": hashlib.md5(
                    store.site_url.encode(), usedforsecurity=False
                ).hexdigest(),
                "version": WC_VERSION,
                "log_directory": "/var/www/html/wp-content/uploads/wc-logs/",
                "log_directory_writable": True,
                "wp_version": WP_VERSION,
                "wp_multisite": False,
                "wp_memory_limit": 268435456,
                "wp_debug_mode": False,
                "wp_cron": True,
                "language": "en_US",
                "external_object_cache": None,
                "server_info": "Apache/2.4.59 (Debian)",
                "php_version": "8.2.20",
                "mysql_version": "10.11.6",
                "default_timezone": "UTC",
                "remote_post_successful": True,
                "remote_get_successful": True,
            },
            "database": {"wc_database_version": WC_VERSION, "database_prefix": "wp_"},
            "active_plugins": [
                {
                    "plugin": "woocommerce/woocommerce.php",
                    "name": "WooCommerce",
                    "version": WC_VERSION,
                    "author_name": "Automattic",
                }
            ],
            "inactive_plugins": [],
            "dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
            "theme": {
                "name": "Storefront",
                "version": "4.6.0",
                "is_child_theme": False,
            },
            "settings": {
                "api_enabled": True,
                "force_ssl": False,
                "currency": store.currency,
                "currency_symbol": {"EUR": "&euro;", "GBP": "&pound;"}.get(
                    store.currency, "&#36;"
                ),
                "currency_position": "left",
                "thousand_separator": ",",
                "decimal_separator": ".",
                "number_of_decimals": 2,
                "geolocation_enabled": False,
                "taxonomies": {"simple": "simple", "variable": "variable"},
                "product_visibility_terms": {},
                "woocommerce_com_connected": "no",
                "enforce_approved_download_dirs": True,
                "order_datastore": "Automattic\\WooCommerce\\Internal\\DataStores\\"
                "Orders\\OrdersTableDataStore",
                "HPOS_enabled": True,
                "HPOS_sync_enabled": False,
                "prices_include_tax": store.prices_include_tax,
            },
            "security": {"secure_connection": store.assume_https, "hide_errors": True},
            "pages": [],
            "post_type_counts": [
                {"type": key, "count": str(value)} for key, value in counts.items()
            ],
        }


class ProductRoutes:
    """Handler mixin: ``products``, ``products/<id>/variations`` and batches."""

    @route("GET", rf"{API}/products")
    @api_call("list")
    def list_products(self, match):
        store = self.app
        with store.lock:
            skus = set(self.list_param("sku"))
            records = list(store.products.values())
            if skus:
                # With a SKU filter WooCommerce searches variations too.
                records += list(store.variations.values())
                records = [r for r in records if r["sku"] in skus]
            status = self.param("status", "any")
            if status != "any":
                records = [r for r in records if r.get("status") == status]
            product_type = self.param("type")
            if product_type:
                records = [r for r in records if r.get("type") == product_type]
            search = self.param("search")
            if search:
                needle = str(search).lower()
                records = [r for r in records if needle in r.get("name", "").lower()]
            include = self.list_param("include")
            if include:
                ids = {int(i) for i in include if i.isdigit()}
                records = [r for r in records if r["id"] in ids]
            records = self._date_filter(records, "modified_after", "date_modified")
            records = self._date_filter(records, "after", "date_created")
            records = self._sort(
                records,
                (
                    "date",
                    "id",
                    "include",
                    "title",
                    "slug",
                    "price",
                    "popularity",
                    "rating",
                    "menu_order",
                    "modified",
                ),
                {
                    "date": lambda r: r["date_created"],
                    "modified": lambda r: r["date_modified"],
                    "title": lambda r: r.get("name", ""),
                    "slug": lambda r: r.get("slug", ""),
                    "price": lambda r: store._price(r) or ZERO,
                },
            )
            status_code, chunk, headers = self.paginate(records)
            body = [store.render_any_product(r["id"]) for r in chunk]
        return status_code, body, headers

    @route("POST", rf"{API}/products")
    @api_call("create")
    def create_product(self, match):
        data = self.body_json()
        with self.app.change() as store:
            product = store.create_product(data)
            return 201, store.render_product(product)

    @route("GET", rf"{API}/products/(?P<id>\d+)")
    @api_call("view")
    def get_product(self, match):
        with self.app.lock:
            data = self.app.render_any_product(int(match["id"]))
        if data is None:
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return 200, data

    @route("PUT", rf"{API}/products/(?P<id>\d+)")
    @route("PATCH", rf"{API}/products/(?P<id>\d+)")
    @api_call("edit")
    def update_product(self, match):
        data = self.body_json()
        with self.app.change() as store:
            store.update_product(int(match["id"]), data)
            return 200, store.render_any_product(int(match["id"]))

    @route("POST", rf"{API}/products/batch")
    @api_call("batch")
    def batch_products(self, match):
        return self._batch(None)

    @route("GET", rf"{API}/products/(?P<id>\d+)/variations")
    @api_call("list")
    def list_variations(self, match):
        store = self.app
        with store.lock:
            product = store.products.get(int(match["id"]))
            if product is None:
                raise WooError(
                    404, "woocommerce_rest_product_invalid_id", "Invalid ID."
                )
            records = [
                store.variations[v]
                for v in product["variations"]
                if v in store.variations
            ]
            skus = set(self.list_param("sku"))
            if skus:
                records = [r for r in records if r["sku"] in skus]
            records = self._sort(
                records,
                ("date", "id", "include", "title", "slug", "modified", "menu_order"),
                {
                    "date": lambda r: r["date_created"],
                    "modified": lambda r: r["date_modified"],
                },
            )
            status_code, chunk, headers = self.paginate(records)
            body = [store.render_variation(r) for r in chunk]
        return status_code, body, headers

    @route("POST", rf"{API}/products/(?P<id>\d+)/variations")
    @api_call("create")
    def create_variation(self, match):
        data = self.body_json()
        with self.app.change() as store:
            variation = store.create_variation(int(match["id"]), data)
            return 201, store.render_variation(variation)

    @route("GET", rf"{API}/products/(?P<id>\d+)/variations/(?P<vid>\d+)")
    @api_call("view")
    def get_variation(self, match):
        with self.app.lock:
            variation = self.app.variations.get(int(match["vid"]))
            if variation is None or variation["parent_id"] != int(match["id"]):
                raise WooError(
                    404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID."
                )
            return 200, self.app.render_variation(variation)

    @route("PUT", rf"{API}/products/(?P<id>\d+)/variations/(?P<vid>\d+)")
    @route("PATCH", rf"{API}/products/(?P<id>\d+)/variations/(?P<vid>\d+)")
    @api_call("edit")
    def update_variation(self, match):
        data = self.body_json()
        with self.app.change() as store:
            variation = store.update_variation(
                int(match["id"]), int(match["vid"]), data
            )
            return 200, store.render_variation(variation)

    @route("POST", rf"{API}/products/(?P<id>\d+)/variations/batch")
    @api_call("batch")
    def batch_variations(self, match):
        return self._batch(int(match["id"]))

    def _batch(self, parent_id: int | None):
        data = self.body_json()
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        actions = {k: data.get(k) or [] for k in ("create", "update", "delete")}
        for key, value in actions.items():
            if not isinstance(value, list):
                raise invalid_param(key, f"{key} is not of type array.")
        self.call_items = sum(len(v) for v in actions.values())
        if self.call_items > BATCH_LIMIT:
            raise WooError(
                413,
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {BATCH_LIMIT} items for this request.",
            )
        with self.app.change() as store:
            return 200, store.apply_batch(parent_id, actions)


class OrderRoutes:
    """Handler mixin: ``orders``, ``orders/<id>/notes``, ``orders/<id>/refunds``."""

    @route("GET", rf"{API}/orders")
    @api_call("list")
    def list_orders(self, match):
        store = self.app
        with store.lock:
            statuses = self.list_param("status") or ["any"]
            records = list(store.orders.values())
            if "any" in statuses:
                records = [
                    r for r in records if r["status"] not in ("trash", "checkout-draft")
                ]
            else:
                unknown = [s for s in statuses if s not in (*ORDER_STATUSES, "trash")]
                if unknown:
                    raise invalid_param(
                        "status",
                        "status[0] is not one of any, trash, "
                        + ", ".join(ORDER_STATUSES)
                        + ".",
                    )
                records = [r for r in records if r["status"] in statuses]
            customer = self.param("customer")
            if customer is not None:
                records = [
                    r
                    for r in records
                    if r["customer_id"] == int_input(customer, "customer")
                ]
            include = self.list_param("include")
            if include:
                ids = {int(i) for i in include if i.isdigit()}
                records = [r for r in records if r["id"] in ids]
            records = self._date_filter(records, "modified_after", "date_modified")
            records = self._date_filter(records, "modified_before", "date_modified")
            records = self._date_filter(records, "after", "date_created")
            records = self._date_filter(records, "before", "date_created")
            records = self._sort(
                records,
                ("date", "id", "include", "title", "slug", "modified"),
                {
                    "date": lambda r: r["date_created"],
                    "modified": lambda r: r["date_modified"],
                    "title": lambda r: r["id"],
                    "slug": lambda r: r["id"],
                },
            )
            status_code, chunk, headers = self.paginate(
                records, default_status_any=True
            )
            body = [store.render_order(r) for r in chunk]
        return status_code, body, headers

    @route("POST", rf"{API}/orders")
    @api_call("create")
    def create_order(self, match):
        data = self.body_json()
        with self.app.change() as store:
            order = store.create_order_from_request(data)
            return 201, store.render_order(order)

    @route("GET", rf"{API}/orders/(?P<id>\d+)")
    @api_call("view")
    def get_order(self, match):
        with self.app.lock:
            return 200, self.app.render_order(self.app._order(int(match["id"])))

    @route("PUT", rf"{API}/orders/(?P<id>\d+)")
    @route("PATCH", rf"{API}/orders/(?P<id>\d+)")
    @api_call("edit")
    def update_order(self, match):
        data = self.body_json()
        with self.app.change() as store:
            order = store.update_order(int(match["id"]), data)
            return 200, store.render_order(order)

    @route("DELETE", rf"{API}/orders/(?P<id>\d+)")
    @api_call("delete")
    def delete_order(self, match):
        force = str(self.param("force", "false")).lower() in ("1", "true")
        with self.app.change() as store:
            return 200, store.delete_order(int(match["id"]), force)

    @route("GET", rf"{API}/orders/(?P<id>\d+)/notes")
    @api_call("list")
    def list_notes(self, match):
        with self.app.lock:
            self.app._order(int(match["id"]))
            return 200, list(reversed(self.app.notes.get(int(match["id"]), [])))

    @route("POST", rf"{API}/orders/(?P<id>\d+)/notes")
    @api_call("create")
    def create_note(self, match):
        data = self.body_json()
        with self.app.change() as store:
            return 201, store.add_note(int(match["id"]), data)

    @route("GET", rf"{API}/orders/(?P<id>\d+)/refunds")
    @api_call("list")
    def list_refunds(self, match):
        store = self.app
        with store.lock:
            order = store._order(int(match["id"]))
            records = [store.refunds[r] for r in reversed(order["refunds"])]
            status_code, chunk, headers = self.paginate(records)
            return status_code, [store.render_refund(r) for r in chunk], headers

    @route("GET", rf"{API}/orders/(?P<id>\d+)/refunds/(?P<rid>\d+)")
    @api_call("view")
    def get_refund(self, match):
        with self.app.lock:
            refund = self.app.refunds.get(int(match["rid"]))
            if refund is None or refund["order_id"] != int(match["id"]):
                raise WooError(
                    404, "woocommerce_rest_shop_order_refund_invalid_id", "Invalid ID."
                )
            return 200, self.app.render_refund(refund)

    @route("POST", rf"{API}/orders/(?P<id>\d+)/refunds")
    @api_call("create")
    def create_refund(self, match):
        data = self.body_json()
        with self.app.change() as store:
            refund = store.create_refund(int(match["id"]), data)
            return 201, store.render_refund(refund)


class WebhookRoutes:
    """Handler mixin: ``webhooks``."""

    @route("GET", rf"{API}/webhooks")
    @api_call("list")
    def list_webhooks(self, match):
        store = self.app
        with store.lock:
            status = self.param("status", "all")
            records = [
                w
                for w in store.webhooks.values()
                if status == "all" or w["status"] == status
            ]
            records = self._sort(
                records,
                ("date", "id", "include", "title"),
                {"date": lambda r: r["date_created"], "title": lambda r: r["name"]},
            )
            status_code, chunk, headers = self.paginate(records)
            return status_code, [store.render_webhook(w) for w in chunk], headers

    @route("POST", rf"{API}/webhooks")
    @api_call("create")
    def create_webhook(self, match):
        data = self.body_json()
        with self.app.change() as store:
            webhook = store.create_webhook(data)
        if webhook["status"] == "active":
            # The REST call answers 201 whatever the ping's fate.
            self.app.ping(webhook["id"])
        with self.app.lock:
            return 201, self.app.render_webhook(webhook)

    @route("GET", rf"{API}/webhooks/(?P<id>\d+)")
    @api_call("view")
    def get_webhook(self, match):
        with self.app.lock:
            return 200, self.app.render_webhook(self.app._webhook(int(match["id"])))

    @route("PUT", rf"{API}/webhooks/(?P<id>\d+)")
    @route("PATCH", rf"{API}/webhooks/(?P<id>\d+)")
    @api_call("edit")
    def update_webhook(self, match):
        data = self.body_json()
        with self.app.change() as store:
            return 200, store.render_webhook(
                store.update_webhook(int(match["id"]), data)
            )

    @route("DELETE", rf"{API}/webhooks/(?P<id>\d+)")
    @api_call("delete")
    def delete_webhook(self, match):
        if str(self.param("force", "false")).lower() not in ("1", "true"):
            raise WooError(
                501,
                "woocommerce_rest_trash_not_supported",
                "Webhooks do not support trashing.",
            )
        with self.app.change() as store:
            webhook = store._webhook(int(match["id"]))
            rendered = store.render_webhook(webhook)
            del store.webhooks[webhook["id"]]
            return 200, rendered
