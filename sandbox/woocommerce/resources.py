"""Each resource as ``GET`` answers it: products, orders, refunds, webhooks.

Webhook bodies are the same renderings, made when the delivery runs.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from .const import WC_VERSION
from .values import iso, money, slugify, unpadded


class Rendering:
    """Store mixin: the JSON of each resource."""

    def _price(self, record: dict) -> Decimal | None:
        if record.get("type") == "variable":
            prices = [
                self._price(self.variations[v])
                for v in record["variations"]
                if v in self.variations
            ]
            prices = [p for p in prices if p is not None]
            return min(prices) if prices else None
        return record["sale_price"] or record["regular_price"]

    def _dates(self, record: dict, *names: str) -> dict:
        data = {}
        for name in names:
            data[name] = iso(self.local(record.get(name)))
            data[f"{name}_gmt"] = iso(record.get(name))
        return data

    def render_product(self, product: dict) -> dict:
        """GET products/<id>."""
        price = self._price(product)
        stock_status = product["stock_status"]
        if product["type"] == "variable":
            statuses = {
                self.variations[v]["stock_status"]
                for v in product["variations"]
                if v in self.variations
            }
            stock_status = (
                "instock"
                if "instock" in statuses
                else ("onbackorder" if "onbackorder" in statuses else "outofstock")
            )
        permalink = f"{self.site_url}/product/{product['slug']}/"
        return {
            "id": product["id"],
            "name": product["name"],
            "slug": product["slug"],
            "permalink": permalink,
            **self._dates(product, "date_created", "date_modified"),
            "type": product["type"],
            "status": product["status"],
            "featured": False,
            "catalog_visibility": "visible",
            "description": product["description"],
            "short_description": product["short_description"],
            "sku": product["sku"],
            "price": money(price),
            "regular_price": money(product["regular_price"]),
            "sale_price": money(product["sale_price"]),
            "date_on_sale_from": None,
            "date_on_sale_from_gmt": None,
            "date_on_sale_to": None,
            "date_on_sale_to_gmt": None,
            "on_sale": product["sale_price"] is not None,
            "purchasable": price is not None,
            "total_sales": product["total_sales"],
            "virtual": False,
            "downloadable": False,
            "downloads": [],
            "download_limit": -1,
            "download_expiry": -1,
            "external_url": "",
            "button_text": "",
            "tax_status": "taxable",
            "tax_class": "",
            "manage_stock": product["manage_stock"],
            "stock_quantity": product["stock_quantity"],
            "backorders": product["backorders"],
            "backorders_allowed": product["backorders"] != "no",
            "backordered": False,
            "low_stock_amount": None,
            "sold_individually": False,
            "weight": product["weight"],
            "dimensions": {"length": "", "width": "", "height": ""},
            "shipping_required": True,
            "shipping_taxable": True,
            "shipping_class": "",
            "shipping_class_id": 0,
            "reviews_allowed": True,
            "average_rating": "0",
            "rating_count": 0,
            "upsell_ids": [],
            "cross_sell_ids": [],
            "parent_id": 0,
            "purchase_note": "",
            "categories": [
                {"id": c, "name": f"Category {c}", "slug": f"category-{c}"}
                for c in product["categories"]
            ],
            "tags": [],
            "images": [],
            "attributes": product["attributes"],
            "default_attributes": product["default_attributes"],
            "variations": list(product["variations"]),
            "grouped_products": [],
            "menu_order": 0,
            "price_html": "",
            "related_ids": [],
            "meta_data": [],
            "stock_status": stock_status,
            "has_options": product["type"] == "variable",
            "post_password": "",
            "global_unique_id": "",
            "_links": {
                "self": [{"href": self._link(f"products/{product['id']}")}],
                "collection": [{"href": self._link("products")}],
            },
        }

    def render_variation(self, variation: dict) -> dict:
        """GET products/<id>/variations/<id>."""
        parent_id = variation["parent_id"]
        price = self._price(variation)
        return {
            "id": variation["id"],
            **self._dates(variation, "date_created", "date_modified"),
            "description": variation["description"],
            "permalink": f"{self.site_url}/?p={variation['id']}",
            "sku": variation["sku"],
            "global_unique_id": "",
            "price": money(price),
            "regular_price": money(variation["regular_price"]),
            "sale_price": money(variation["sale_price"]),
            "on_sale": variation["sale_price"] is not None,
            "status": variation["status"],
            "purchasable": price is not None,
            "virtual": False,
            "downloadable": False,
            "tax_status": "taxable",
            "tax_class": "",
            "manage_stock": variation["manage_stock"],
            "stock_quantity": variation["stock_quantity"],
            "stock_status": variation["stock_status"],
            "backorders": variation["backorders"],
            "backorders_allowed": variation["backorders"] != "no",
            "backordered": False,
            "low_stock_amount": None,
            "weight": variation["weight"],
            "dimensions": {"length": "", "width": "", "height": ""},
            "shipping_class": "",
            "shipping_class_id": 0,
            "image": None,
            "attributes": [dict(a) for a in variation["attributes"]],
            "menu_order": 0,
            "meta_data": [],
            "name": self._variation_name(variation),
            "parent_id": parent_id,
            "_links": {
                "self": [
                    {
                        "href": self._link(
                            f"products/{parent_id}/variations/{variation['id']}"
                        )
                    }
                ],
                "collection": [
                    {"href": self._link(f"products/{parent_id}/variations")}
                ],
                "up": [{"href": self._link(f"products/{parent_id}")}],
            },
        }

    def render_variation_as_product(self, variation: dict) -> dict:
        """A variation through the products endpoint (``type`` "variation")."""
        parent = self.products.get(variation["parent_id"]) or {}
        data = self.render_product(
            {
                **self._new_product_shape(parent),
                "id": variation["id"],
                "name": self._variation_name(variation),
                "slug": slugify(self._variation_name(variation)),
                "type": "variation",
                "sku": variation["sku"],
                "regular_price": variation["regular_price"],
                "sale_price": variation["sale_price"],
                "manage_stock": variation["manage_stock"],
                "stock_quantity": variation["stock_quantity"],
                "backorders": variation["backorders"],
                "stock_status": variation["stock_status"],
                "weight": variation["weight"],
                "attributes": [dict(a) for a in variation["attributes"]],
                "date_created": variation["date_created"],
                "date_modified": variation["date_modified"],
                "variations": [],
            }
        )
        data["parent_id"] = variation["parent_id"]
        return data

    def _new_product_shape(self, parent: dict) -> dict:
        shape = {
            "status": "publish",
            "description": "",
            "short_description": "",
            "categories": parent.get("categories", []),
            "default_attributes": [],
            "total_sales": 0,
        }
        return shape

    def _variation_name(self, variation: dict) -> str:
        parent = self.products.get(variation["parent_id"]) or {}
        options = ", ".join(a["option"] for a in variation["attributes"] if a["option"])
        name = parent.get("name", "")
        return f"{name} - {options}" if options else name

    def render_any_product(self, record_id: int) -> dict | None:
        """GET products/<id> for a product or a variation id."""
        if record_id in self.products:
            return self.render_product(self.products[record_id])
        if record_id in self.variations:
            return self.render_variation_as_product(self.variations[record_id])
        return None

    def _tax_label(self) -> dict:
        return {
            "rate_id": 1,
            "rate_code": f"{self.currency[:2]}-VAT-1",
            "label": "VAT",
        }

    def _taxes(self, amount: Decimal, subtotal: Decimal | None) -> list:
        if not self.tax_rate:
            return []
        return [
            {
                "id": 1,
                "total": unpadded(amount),
                "subtotal": "" if subtotal is None else unpadded(subtotal),
            }
        ]

    def render_order(self, order: dict) -> dict:
        """GET orders/<id>."""
        totals = self.order_totals(order)
        links = {
            "self": [{"href": self._link(f"orders/{order['id']}")}],
            "collection": [{"href": self._link("orders")}],
        }
        if order["customer_id"]:
            links["customer"] = [
                {"href": self._link(f"customers/{order['customer_id']}")}
            ]
        line_items = []
        for line in order["line_items"]:
            line_items.append(
                {
                    "id": line["id"],
                    "name": line["name"],
                    "product_id": line["product_id"],
                    "variation_id": line["variation_id"],
                    "quantity": line["quantity"],
                    "tax_class": "",
                    "subtotal": money(line["subtotal"]),
                    "subtotal_tax": money(line["subtotal_tax"]),
                    "total": money(line["total"]),
                    "total_tax": money(line["total_tax"]),
                    "taxes": self._taxes(line["total_tax"], line["subtotal_tax"]),
                    "meta_data": line["meta_data"],
                    "sku": line["sku"],
                    "price": float(line["total"] / line["quantity"]),
                    "image": {"id": "", "src": ""},
                    "parent_name": line["parent_name"],
                }
            )
        tax_lines = []
        if self.tax_rate:
            tax_lines.append(
                {
                    "id": order["tax_line_id"],
                    **self._tax_label(),
                    "compound": False,
                    "tax_total": money(totals["cart_tax"]),
                    "shipping_tax_total": money(totals["shipping_tax"]),
                    "rate_percent": float(self.tax_rate),
                    "meta_data": [],
                }
            )
        coupon_lines = []
        if order["coupon"]:
            code, percent = order["coupon"]
            coupon_lines.append(
                {
                    "id": order["coupon_line_id"],
                    "code": code,
                    "discount": money(totals["discount_total"]),
                    "discount_tax": unpadded(totals["discount_tax"]),
                    "meta_data": [],
                    "discount_type": "percent",
                    "nominal_amount": float(percent),
                    "free_shipping": False,
                }
            )
        billing = dict(order["billing"])
        return {
            "id": order["id"],
            "parent_id": 0,
            "status": order["status"],
            "currency": order["currency"],
            "version": WC_VERSION,
            "prices_include_tax": order["prices_include_tax"],
            "date_created": iso(self.local(order["date_created"])),
            "date_modified": iso(self.local(order["date_modified"])),
            "discount_total": money(totals["discount_total"]),
            "discount_tax": money(totals["discount_tax"]),
            "shipping_total": money(totals["shipping_total"]),
            "shipping_tax": money(totals["shipping_tax"]),
            "cart_tax": money(totals["cart_tax"]),
            "total": money(totals["total"]),
            "total_tax": money(totals["total_tax"]),
            "customer_id": order["customer_id"],
            "order_key": order["order_key"],
            "billing": billing,
            "shipping": dict(order["shipping"]),
            "payment_method": order["payment_method"],
            "payment_method_title": order["payment_method_title"],
            "transaction_id": order["transaction_id"],
            "customer_ip_address": order["customer_ip_address"],
            "customer_user_agent": order["customer_user_agent"],
            "created_via": order["created_via"],
            "customer_note": order["customer_note"],
            "date_completed": iso(self.local(order["date_completed"])),
            "date_paid": iso(self.local(order["date_paid"])),
            "cart_hash": hashlib.md5(
                str(order["id"]).encode(), usedforsecurity=False
            ).hexdigest(),
            "number": str(order["id"]),
            "meta_data": [],
            "line_items": line_items,
            "tax_lines": tax_lines,
            "shipping_lines": [
                {
                    "id": s["id"],
                    "method_title": s["method_title"],
                    "method_id": s["method_id"],
                    "instance_id": s["instance_id"],
                    "total": money(s["total"]),
                    "total_tax": money(s["total_tax"]),
                    "taxes": self._taxes(s["total_tax"], None),
                    "meta_data": [],
                }
                for s in order["shipping_lines"]
            ],
            "fee_lines": [
                {
                    "id": fee["id"],
                    "name": fee["name"],
                    "tax_class": "",
                    "tax_status": "taxable",
                    "amount": unpadded(fee["total"]),
                    "total": money(fee["total"]),
                    "total_tax": money(fee["total_tax"]),
                    "taxes": self._taxes(fee["total_tax"], None),
                    "meta_data": [],
                }
                for fee in order["fee_lines"]
            ],
            "coupon_lines": coupon_lines,
            "refunds": [
                {
                    "id": refund_id,
                    "reason": self.refunds[refund_id]["reason"],
                    "total": "-" + money(self.refunds[refund_id]["amount"]),
                }
                for refund_id in reversed(order["refunds"])
            ],
            "payment_url": f"{self.site_url}/checkout/order-pay/{order['id']}/"
            f"?pay_for_order=true&key={order['order_key']}",
            "is_editable": order["status"] in ("pending", "on-hold", "checkout-draft"),
            "needs_payment": order["status"] in ("pending", "failed"),
            "needs_processing": True,
            "date_created_gmt": iso(order["date_created"]),
            "date_modified_gmt": iso(order["date_modified"]),
            "date_completed_gmt": iso(order["date_completed"]),
            "date_paid_gmt": iso(order["date_paid"]),
            "currency_symbol": {"EUR": "\u20ac", "GBP": "\u00a3", "USD": "$"}.get(
                order["currency"], order["currency"]
            ),
            "_links": links,
        }

    def render_refund(self, refund: dict) -> dict:
        """GET orders/<id>/refunds/<id>."""
        order_id = refund["order_id"]
        return {
            "id": refund["id"],
            "date_created": iso(self.local(refund["date_created"])),
            "date_created_gmt": iso(refund["date_created"]),
            "amount": money(refund["amount"]),
            "reason": refund["reason"],
            "refunded_by": 1,
            "refunded_payment": refund["refunded_payment"],
            "meta_data": [],
            "line_items": [
                {
                    "id": item["id"],
                    "name": item["name"],
                    "product_id": item["product_id"],
                    "variation_id": item["variation_id"],
                    "quantity": -item["quantity"],
                    "tax_class": "",
                    "subtotal": "-" + money(item["total"]),
                    "subtotal_tax": "-" + money(item["total_tax"]),
                    "total": "-" + money(item["total"]),
                    "total_tax": "-" + money(item["total_tax"]),
                    "taxes": [
                        {
                            "id": 1,
                            "total": "-" + unpadded(item["total_tax"]),
                            "subtotal": "-" + unpadded(item["total_tax"]),
                        }
                    ]
                    if self.tax_rate
                    else [],
                    "meta_data": [
                        {
                            "id": item["meta_id"],
                            "key": "_refunded_item_id",
                            "value": str(item["refunded_item_id"]),
                            "display_key": "_refunded_item_id",
                            "display_value": str(item["refunded_item_id"]),
                        }
                    ],
                    "sku": item["sku"],
                    "price": -float(item["total"] / item["quantity"])
                    if item["quantity"]
                    else 0.0,
                    "refund_total": -float(item["total"]),
                }
                for item in refund["line_items"]
            ],
            "shipping_lines": [],
            "tax_lines": [],
            "fee_lines": [],
            "_links": {
                "self": [
                    {"href": self._link(f"orders/{order_id}/refunds/{refund['id']}")}
                ],
                "collection": [{"href": self._link(f"orders/{order_id}/refunds")}],
                "up": [{"href": self._link(f"orders/{order_id}")}],
            },
        }

    def render_webhook(self, webhook: dict) -> dict:
        """GET webhooks/<id> (no secret: it is write-only)."""
        hooks = {
            "order": ["woocommerce_new_order", "woocommerce_update_order"],
            "product": ["woocommerce_new_product", "woocommerce_update_product"],
        }.get(webhook["resource"], [])
        return {
            "id": webhook["id"],
            "name": webhook["name"],
            "status": webhook["status"],
            "topic": webhook["topic"],
            "resource": webhook["resource"],
            "event": webhook["event"],
            "hooks": hooks,
            "delivery_url": webhook["delivery_url"],
            "date_created": iso(self.local(webhook["date_created"])),
            "date_created_gmt": iso(webhook["date_created"]),
            "date_modified": iso(self.local(webhook["date_modified"])),
            "date_modified_gmt": iso(webhook["date_modified"]),
            "_links": {
                "self": [{"href": self._link(f"webhooks/{webhook['id']}")}],
                "collection": [{"href": self._link("webhooks")}],
            },
        }

    def admin_webhook(self, webhook: dict) -> dict:
        """A webhook with what REST hides: secret, failure count, last ping."""
        return {
            **self.render_webhook(webhook),
            "secret": webhook["secret"],
            "failure_count": webhook["failure_count"],
            "pending_delivery": webhook["pending_delivery"],
            "ping": webhook["ping"],
        }
