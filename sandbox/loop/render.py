"""The return payload as Loop sends it: amounts as strings, one line per unit."""

from __future__ import annotations

from .const import EXCHANGE_OUTCOMES, REFUND_OUTCOMES
from .values import money, stamp

_LINE_FIELDS = (
    "line_item_id",
    "provider_line_item_id",
    "product_id",
    "variant_id",
    "sku",
    "barcode",
    "title",
    "price",
    "discount",
    "tax",
    "refund",
    "outcome",
    "exchange_variant",
    "return_reason",
    "parent_return_reason",
    "return_comment",
    "returned_at",
)


def render_line_item(unit: dict) -> dict:
    """One returned unit; ``refund`` is its value when its outcome refunds."""
    value = unit["price"] - unit["discount"] + unit["tax"]
    data = dict(unit)
    data["refund"] = value if unit["outcome"] in REFUND_OUTCOMES else 0
    for field in ("price", "discount", "tax", "refund"):
        data[field] = money(data[field])
    return {field: data[field] for field in _LINE_FIELDS}


def render_exchange(unit: dict) -> dict:
    """An even exchange of one unit for ``exchange_variant`` (same price)."""
    return {
        "line_item_id": unit["line_item_id"],
        "product_id": unit["product_id"],
        "variant_id": unit["exchange_variant"] or unit["variant_id"],
        "sku": unit["sku"],
        "title": unit["title"],
        "price": money(unit["price"] - unit["discount"]),
        "tax": money(unit["tax"]),
        "total": money(unit["price"] - unit["discount"] + unit["tax"]),
    }


def render_label(label: dict) -> dict:
    """A label of the return as shown in ``labels[]``."""
    return {
        "status": label["status"],
        "carrier": label["carrier"],
        "tracking_number": label["tracking_number"],
        "url": label["url"],
        "updated_at": stamp(label["updated_at"]),
    }


def render_return(record: dict, totals: dict) -> dict:
    """The whole return payload (without ``topic`` and ``trigger``)."""
    units = record["line_items"]
    return {
        "id": record["id"],
        "shop_id": record["shop_id"],
        "state": record["state"],
        "created_at": stamp(record["created_at"]),
        "edited_at": stamp(record["edited_at"]),
        "order_id": record["order_id"],
        "order_name": record["order_name"],
        "order_number": record["order_number"],
        "provider_order_id": record["provider_order_id"],
        "currency": record["currency"],
        "customer": record["customer"],
        "customer_detail": dict(record["customer_detail"]),
        "address": dict(record["address"]),
        **{name: money(value) for name, value in totals.items()},
        "refunds": [dict(refund) for refund in record["refunds"]],
        "labels": [render_label(label) for label in record["labels"]],
        "exchanges": [
            render_exchange(u) for u in units if u["outcome"] in EXCHANGE_OUTCOMES
        ],
        "line_items": [render_line_item(unit) for unit in units],
    }
