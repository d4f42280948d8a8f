"""Orders: amounts and totals, status and stock, creation and updates, notes."""

from __future__ import annotations

import json
import string
from decimal import Decimal

from .const import ORDER_STATUSES, STOCK_HOLDING, ZERO
from .errors import WooError, invalid_param, missing_param
from .seed import COUPONS
from .values import decimal_input, int_input, iso, q2, q6, slugify


class Orders:
    """Store mixin: ``orders`` and ``notes``."""

    def _line_amounts(self, line: dict, coupon_percent: Decimal) -> None:
        """Fill a line's untaxed/tax amounts from its unit price and quantity."""
        rate = self.tax_rate / 100
        gross = line["unit_price"] * line["quantity"]
        factor = 1 - coupon_percent / 100
        if self.prices_include_tax:
            subtotal = q6(gross / (1 + rate))
            subtotal_tax = gross - subtotal
            total_gross = q2(gross * factor)
            total = q6(total_gross / (1 + rate))
            total_tax = total_gross - total
        else:
            subtotal = gross
            subtotal_tax = q6(gross * rate)
            total = q2(gross * factor)
            total_tax = q6(total * rate)
        line.update(
            subtotal=subtotal,
            subtotal_tax=subtotal_tax,
            total=total,
            total_tax=total_tax,
        )

    def _new_line(self, record: dict, quantity: int) -> dict:
        is_variation = record["id"] in self.variations
        parent = self.products.get(record["parent_id"]) if is_variation else None
        unit_price = record["sale_price"] or record["regular_price"] or ZERO
        meta = []
        if is_variation:
            for attribute in record["attributes"]:
                meta.append(
                    {
                        "id": next(self._meta_ids),
                        "key": slugify(attribute["name"]),
                        "value": slugify(attribute["option"]),
                        "display_key": attribute["name"],
                        "display_value": attribute["option"],
                    }
                )
        return {
            "id": next(self._item_ids),
            "name": self._variation_name(record) if is_variation else record["name"],
            "product_id": parent["id"] if parent else record["id"],
            "variation_id": record["id"] if is_variation else 0,
            "quantity": quantity,
            "unit_price": unit_price,
            "meta_data": meta,
            "sku": record["sku"],
            "parent_name": parent["name"] if parent else None,
        }

    def _order_from_items(
        self,
        items: list[tuple[dict, int]],
        *,
        customer: tuple,
        customer_id: int,
        payment: tuple,
        status: str,
        paid: bool,
        coupon: str | None = None,
        fee: tuple[str, Decimal] | None = None,
        shipping: tuple[str, str, Decimal] | None | bool = None,
        note: str = "",
        created_via: str = "checkout",
        billing: dict | None = None,
        shipping_address: dict | None = None,
    ) -> dict:
        now = self.now()
        order_id = next(self._post_ids)
        first, last, email, street, city, postcode, country, *rest = customer
        address = {
            "first_name": first,
            "last_name": last,
            "company": "",
            "address_1": street,
            "address_2": "",
            "city": city,
            "state": "",
            "postcode": postcode,
            "country": country,
        }
        coupon_percent = COUPONS.get(coupon, ZERO) if coupon else ZERO
        lines = []
        for record, quantity in items:
            line = self._new_line(record, quantity)
            self._line_amounts(line, coupon_percent)
            lines.append(line)
        shipping_lines = []
        if shipping is not False:
            method_id, method_title, cost = shipping or (
                "flat_rate",
                "Flat rate",
                self.shipping_cost,
            )
            shipping_lines.append(
                {
                    "id": next(self._item_ids),
                    "method_title": method_title,
                    "method_id": method_id,
                    "instance_id": "1",
                    "total": q2(cost),
                    "total_tax": q6(q2(cost) * self.tax_rate / 100),
                }
            )
        order = {
            "id": order_id,
            "status": status,
            "previous_status": None,
            "currency": self.currency,
            "prices_include_tax": self.prices_include_tax,
            "customer_id": customer_id,
            "order_key": "wc_order_"
            + "".join(self.random.choices(string.ascii_letters + string.digits, k=13)),
            "billing": {
                **address,
                "email": email,
                "phone": rest[0] if rest else "",
                **(billing or {}),
            },
            "shipping": {**address, "phone": "", **(shipping_address or {})},
            "payment_method": payment[0],
            "payment_method_title": payment[1],
            "transaction_id": "",
            "customer_ip_address": "203.0.113.%d" % self.random.randint(2, 250),
            "customer_user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) "
            "Gecko/20100101 Firefox/126.0",
            "created_via": created_via,
            "customer_note": note,
            "date_created": now,
            "date_modified": now,
            "date_paid": None,
            "date_completed": None,
            "line_items": lines,
            "coupon": (coupon, coupon_percent) if coupon_percent else None,
            "coupon_line_id": next(self._item_ids) if coupon_percent else None,
            "shipping_lines": shipping_lines,
            "fee_lines": [],
            "tax_line_id": next(self._item_ids),
            "refunds": [],
            "stock_reduced": False,
        }
        if fee:
            name, amount = fee
            order["fee_lines"].append(
                {
                    "id": next(self._item_ids),
                    "name": name,
                    "total": q2(amount),
                    "total_tax": q6(q2(amount) * self.tax_rate / 100),
                }
            )
        if paid:
            order["date_paid"] = now
            if payment[0] == "stripe":
                order["transaction_id"] = "ch_" + "".join(
                    self.random.choices(string.ascii_letters + string.digits, k=24)
                )
        self.orders[order_id] = order
        self.notes[order_id] = []
        return order

    def order_totals(self, order: dict) -> dict:
        """Order-level amounts, rounded to the cent as WooCommerce shows them."""
        lines = order["line_items"]
        cart_tax = sum((q2(line["total_tax"]) for line in lines), ZERO)
        cart_tax += sum((q2(fee["total_tax"]) for fee in order["fee_lines"]), ZERO)
        shipping_total = sum((s["total"] for s in order["shipping_lines"]), ZERO)
        shipping_tax = sum((q2(s["total_tax"]) for s in order["shipping_lines"]), ZERO)
        discount = sum((q2(line["subtotal"] - line["total"]) for line in lines), ZERO)
        discount_tax = sum(
            (q2(line["subtotal_tax"] - line["total_tax"]) for line in lines), ZERO
        )
        total = (
            sum((q2(line["total"]) for line in lines), ZERO)
            + sum((fee["total"] for fee in order["fee_lines"]), ZERO)
            + shipping_total
            + cart_tax
            + shipping_tax
        )
        refunded = sum((self.refunds[r]["amount"] for r in order["refunds"]), ZERO)
        return {
            "discount_total": discount,
            "discount_tax": discount_tax,
            "shipping_total": shipping_total,
            "shipping_tax": shipping_tax,
            "cart_tax": cart_tax,
            "total_tax": cart_tax + shipping_tax,
            "total": total,
            "refunded": refunded,
        }

    def _stock_record(self, line: dict) -> dict | None:
        record_id = line["variation_id"] or line["product_id"]
        return self.variations.get(record_id) or self.products.get(record_id)

    def _adjust_stock(self, order: dict, direction: int) -> None:
        """Reduce (-1) or restore (+1) stock for every managed line."""
        for line in order["line_items"]:
            record = self._stock_record(line)
            if record is None or not record["manage_stock"]:
                continue
            record["stock_quantity"] = (record["stock_quantity"] or 0) + (
                direction * line["quantity"]
            )
            self._apply_stock_status(record)
            record["date_modified"] = self.now()
            self._emit("product", "updated", record["id"])
        order["stock_reduced"] = direction < 0

    def _set_status(self, order: dict, status: str) -> None:
        old = order["status"]
        if status == old:
            return
        order["status"] = status
        now = self.now()
        if status in STOCK_HOLDING and not order["stock_reduced"]:
            self._adjust_stock(order, -1)
        if status in ("cancelled", "failed", "pending") and order["stock_reduced"]:
            self._adjust_stock(order, +1)
        if status in ("processing", "completed") and order["date_paid"] is None:
            if order["payment_method"] not in ("cod", "bacs", "cheque"):
                order["date_paid"] = now
        if status == "completed":
            order["date_completed"] = now
        if status == "refunded":
            totals = self.order_totals(order)
            remaining = totals["total"] - totals["refunded"]
            if remaining > 0:
                # wc_order_fully_refunded(): a manual refund of what is left.
                self._record_refund(
                    order,
                    remaining,
                    "Order status set to refunded. To return funds to the customer "
                    "you will need to issue a refund through your payment gateway.",
                    [],
                    refunded_payment=False,
                )

    def create_order_from_request(self, data: dict) -> dict:
        """POST orders (created via REST: ``order.created`` + ``order.updated``)."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        items = []
        for index, entry in enumerate(data.get("line_items") or []):
            if not isinstance(entry, dict):
                raise invalid_param(
                    "line_items", f"line_items[{index}] is not an object."
                )
            record = None
            if entry.get("variation_id"):
                record = self.variations.get(int_input(entry["variation_id"], "id"))
            elif entry.get("product_id"):
                record = self.products.get(int_input(entry["product_id"], "id"))
            elif entry.get("sku"):
                owner = self._sku_owner(str(entry["sku"]))
                record = self.products.get(owner) or self.variations.get(owner)
            if record is None or record.get("type") == "variable":
                raise WooError(
                    400,
                    "woocommerce_rest_invalid_product_id",
                    "Product ID provided is invalid.",
                )
            quantity = int_input(entry.get("quantity", 1), "quantity")
            if quantity < 1:
                raise invalid_param("quantity", "quantity must be greater than 0.")
            items.append((record, quantity))
        status = data.get("status", "pending")
        if status not in ORDER_STATUSES:
            raise invalid_param(
                "status", "status is not one of " + ", ".join(ORDER_STATUSES) + "."
            )
        set_paid = bool(data.get("set_paid"))
        method = str(data.get("payment_method") or "")
        billing = data.get("billing") if isinstance(data.get("billing"), dict) else {}
        customer = (
            billing.get("first_name", ""),
            billing.get("last_name", ""),
            billing.get("email", ""),
            billing.get("address_1", ""),
            billing.get("city", ""),
            billing.get("postcode", ""),
            billing.get("country", ""),
        )
        coupon = None
        for entry in data.get("coupon_lines") or []:
            code = str((entry or {}).get("code") or "").lower()
            if code not in COUPONS:
                raise WooError(
                    400,
                    "woocommerce_rest_invalid_coupon",
                    f'Coupon "{code}" does not exist!',
                )
            coupon = code
        shipping = None
        for entry in data.get("shipping_lines") or []:
            shipping = (
                str(entry.get("method_id") or "flat_rate"),
                str(entry.get("method_title") or "Flat rate"),
                decimal_input(entry.get("total", "0"), "shipping_lines"),
            )
        fee = None
        for entry in data.get("fee_lines") or []:
            fee = (
                str(entry.get("name") or "Fee"),
                decimal_input(entry.get("total", "0"), "fee_lines"),
            )
        order = self._order_from_items(
            items,
            customer=customer,
            customer_id=int_input(data.get("customer_id", 0), "customer_id"),
            payment=(method, str(data.get("payment_method_title") or method)),
            status="pending",
            paid=False,
            coupon=coupon,
            fee=fee,
            shipping=shipping if shipping is not None else False,
            note=str(data.get("customer_note") or ""),
            created_via="rest-api",
            billing={k: str(v) for k, v in billing.items()},
            shipping_address={
                k: str(v) for k, v in (data.get("shipping") or {}).items()
            },
        )
        if data.get("transaction_id"):
            order["transaction_id"] = str(data["transaction_id"])
        if set_paid:
            order["date_paid"] = self.now()
            status = "processing" if status == "pending" else status
        self._set_status(order, status)
        self._emit("order", "created", order["id"])
        self._emit("order", "updated", order["id"])
        return order

    def update_order(self, order_id: int, data: dict) -> dict:
        """PUT orders/<id>: any change bumps ``date_modified``."""
        order = self._order(order_id)
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        status = data.get("status")
        if status is not None and status not in ORDER_STATUSES:
            raise invalid_param(
                "status", "status is not one of " + ", ".join(ORDER_STATUSES) + "."
            )
        before = json.dumps(order, default=str, sort_keys=True)
        for field in ("billing", "shipping"):
            if isinstance(data.get(field), dict):
                order[field].update({k: str(v) for k, v in data[field].items()})
        for field in (
            "customer_note",
            "transaction_id",
            "payment_method",
            "payment_method_title",
        ):
            if field in data:
                order[field] = str(data[field] or "")
        if data.get("set_paid") and order["date_paid"] is None:
            order["date_paid"] = self.now()
            if status is None and order["status"] in ("pending", "on-hold"):
                status = "processing"
        if status is not None:
            self._set_status(order, status)
        if json.dumps(order, default=str, sort_keys=True) != before:
            order["date_modified"] = self.now()
        self._emit("order", "updated", order_id)
        return order

    def _order(self, order_id: int) -> dict:
        order = self.orders.get(order_id)
        if order is None:
            raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    def delete_order(self, order_id: int, force: bool) -> dict:
        """DELETE orders/<id>: to the trash (``order.deleted``), or for good."""
        order = self._order(order_id)
        rendered = self.render_order(order)
        if force:
            del self.orders[order_id]
            return rendered
        if order["status"] == "trash":
            raise WooError(
                410,
                "woocommerce_rest_already_trashed",
                "The order has already been deleted.",
            )
        order["previous_status"] = order["status"]
        order["status"] = "trash"
        order["date_modified"] = self.now()
        self._emit("order", "deleted", order_id)
        return rendered

    def restore_order(self, order_id: int) -> dict:
        """Bring an order back from the trash (``order.restored``)."""
        order = self._order(order_id)
        if order["status"] != "trash":
            raise WooError(400, "not_in_trash", "The order is not in the trash.")
        order["status"] = order["previous_status"] or "pending"
        order["date_modified"] = self.now()
        self._emit("order", "restored", order_id)
        return order

    def add_note(self, order_id: int, data: dict) -> dict:
        """POST orders/<id>/notes: no webhook, no ``date_modified`` change."""
        self._order(order_id)
        if not isinstance(data, dict) or not str(data.get("note") or "").strip():
            raise missing_param("note")
        now = self.now()
        note = {
            "id": next(self._note_ids),
            "author": "system" if not data.get("added_by_user") else "admin",
            "date_created": iso(self.local(now)),
            "date_created_gmt": iso(now),
            "note": str(data["note"]),
            "customer_note": bool(data.get("customer_note", False)),
            "_links": {
                "self": [{"href": self._link(f"orders/{order_id}/notes")}],
                "up": [{"href": self._link(f"orders/{order_id}")}],
            },
        }
        self.notes.setdefault(order_id, []).append(note)
        return note
