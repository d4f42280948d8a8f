"""Refunds, with WooCommerce's validation and its odd error statuses."""

from __future__ import annotations

from .const import REFUNDING_GATEWAYS, ZERO
from .errors import WooError, invalid_param
from .values import decimal_input, int_input, q2


class Refunds:
    """Store mixin: ``refunds``."""

    def _record_refund(self, order, amount, reason, lines, *, refunded_payment) -> dict:
        refund_id = next(self._post_ids)
        now = self.now()
        refund = {
            "id": refund_id,
            "order_id": order["id"],
            "amount": q2(amount),
            "reason": reason,
            "date_created": now,
            "refunded_payment": refunded_payment,
            "line_items": lines,
        }
        self.refunds[refund_id] = refund
        order["refunds"].append(refund_id)
        order["date_modified"] = now
        return refund

    def create_refund(self, order_id: int, data: dict) -> dict:
        """POST orders/<id>/refunds with WooCommerce's validation and errors."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        order = self.orders.get(order_id)
        if order is None:
            # WP_Error(..., 404): served as HTTP 500 with "data": 404.
            raise WooError(
                500, "woocommerce_rest_invalid_order_id", "Invalid order ID.", 404
            )
        requested = []
        for index, entry in enumerate(data.get("line_items") or []):
            if not isinstance(entry, dict):
                raise invalid_param(
                    "line_items", f"line_items[{index}] is not an object."
                )
            line_id = int_input(entry.get("id"), "line_items")
            line = next((x for x in order["line_items"] if x["id"] == line_id), None)
            if line is None:
                continue  # wc_create_refund() skips unknown items
            quantity = abs(int_input(entry.get("quantity", 0), "line_items"))
            total = abs(decimal_input(entry.get("refund_total", "0"), "line_items"))
            taxes = sum(
                (
                    abs(decimal_input(t.get("refund_total", "0"), "line_items"))
                    for t in entry.get("refund_tax") or []
                    if isinstance(t, dict)
                ),
                ZERO,
            )
            requested.append((line, quantity, total, taxes))
        if data.get("amount") in (None, ""):
            amount = sum((total + taxes for _, _, total, taxes in requested), ZERO)
        else:
            amount = decimal_input(data["amount"], "amount")
        if amount < 0:
            raise WooError(
                500,
                "woocommerce_rest_invalid_order_refund",
                "Refund amount must be greater than zero.",
                400,
            )
        totals = self.order_totals(order)
        remaining = totals["total"] - totals["refunded"]
        if q2(amount) > remaining or q2(amount) <= 0:
            raise WooError(
                500,
                "woocommerce_rest_cannot_create_order_refund",
                "Invalid refund amount.",
                500,
            )
        api_refund = data.get("api_refund", True)
        api_refund = api_refund if isinstance(api_refund, bool) else True
        if api_refund and order["payment_method"] not in REFUNDING_GATEWAYS:
            raise WooError(
                500,
                "woocommerce_rest_cannot_create_order_refund",
                "The payment gateway for this order does not support automatic "
                "refunds.",
                500,
            )
        lines = [
            {
                "id": next(self._item_ids),
                "meta_id": next(self._meta_ids),
                "refunded_item_id": line["id"],
                "name": line["name"],
                "product_id": line["product_id"],
                "variation_id": line["variation_id"],
                "quantity": quantity,
                "total": total,
                "total_tax": taxes,
                "sku": line["sku"],
            }
            for line, quantity, total, taxes in requested
        ]
        refund = self._record_refund(
            order,
            amount,
            str(data.get("reason") or ""),
            lines,
            refunded_payment=api_refund,
        )
        if data.get("api_restock", True) is not False:
            for line, quantity, _, _ in requested:
                record = self._stock_record(line)
                if quantity and record is not None and record["manage_stock"]:
                    record["stock_quantity"] = (
                        record["stock_quantity"] or 0
                    ) + quantity
                    self._apply_stock_status(record)
                    record["date_modified"] = self.now()
                    self._emit("product", "updated", record["id"])
        if q2(amount) == remaining:
            order["status"] = "refunded"
        self._emit("order", "updated", order_id)
        return refund
