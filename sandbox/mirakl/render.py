"""Orders as OR11 shows them, computed from the stored orders.

Amounts are Decimal in store and JSON numbers on the wire. A line's
``price`` is ``price_unit * quantity`` (the quantity left after
cancelations), its ``total_price`` ``price + shipping_price``; in
``TAX_INCLUDED`` mode the taxes are part of the prices, in ``TAX_EXCLUDED``
mode they come on top. The commission is ``commission_rate`` of ``price +
shipping_price``, its VAT ``commission_vat_rate`` of the commission. Before
the customer is debited, ``customer`` holds only ``customer_id`` and empty
names, without addresses.
"""

from __future__ import annotations

from decimal import Decimal

from .const import DEBITED_STATES
from .values import cents, iso, money

ZERO = Decimal("0")


def tax_amount(base: Decimal, rate: Decimal | None, mode: str) -> Decimal:
    """The tax in ``base`` (``TAX_INCLUDED``) or on top of it (``TAX_EXCLUDED``)."""
    if rate is None:
        return ZERO
    if mode == "TAX_INCLUDED":
        return cents(base - base / (1 + rate / 100))
    return cents(base * rate / 100)


def line_amounts(line: dict, mode: str) -> dict:
    """Every amount of a line, as Decimals."""
    price = cents(line["price_unit"] * line["quantity"])
    shipping = line["shipping_price"]
    fee = cents((price + shipping) * line["commission_rate"])
    vat = cents(fee * line["commission_vat_rate"])
    rate = line["tax_rate"]
    return {
        "price": price,
        "shipping_price": shipping,
        "total_price": price + shipping,
        "commission_fee": fee,
        "commission_vat": vat,
        "total_commission": fee + vat,
        "tax": tax_amount(price, rate, mode),
        "shipping_tax": tax_amount(shipping, rate, mode),
    }


def _taxes(amount: Decimal, line: dict) -> list:
    if line["tax_rate"] is None:
        return []
    return [
        {
            "code": line["tax_code"],
            "amount": money(amount),
            "rate": float(line["tax_rate"]),
        }
    ]


def render_refund(refund: dict) -> dict:
    return {
        "id": refund["id"],
        "amount": money(refund["amount"]),
        "shipping_amount": money(refund["shipping_amount"]),
        "quantity": refund["quantity"],
        "reason_code": refund["reason_code"],
        "state": refund["state"],
        "created_date": iso(refund["created"]),
        "transaction_date": iso(refund.get("paid")),
        "taxes": [dict(t, amount=money(t["amount"])) for t in refund["taxes"]],
        "shipping_taxes": [
            dict(t, amount=money(t["amount"])) for t in refund["shipping_taxes"]
        ],
        "commission_amount": money(refund["commission_amount"]),
        "commission_vat": money(refund["commission_vat"]),
        "commission_total_amount": money(
            refund["commission_amount"] + refund["commission_vat"]
        ),
    }


def render_cancelation(cancelation: dict) -> dict:
    return {
        "id": cancelation["id"],
        "quantity": cancelation["quantity"],
        "amount": money(cancelation["amount"]),
        "shipping_amount": money(cancelation["shipping_amount"]),
        "reason_code": cancelation["reason_code"],
        "created_date": iso(cancelation["created"]),
        "taxes": [dict(t, amount=money(t["amount"])) for t in cancelation["taxes"]],
        "shipping_taxes": [
            dict(t, amount=money(t["amount"])) for t in cancelation["shipping_taxes"]
        ],
    }


def render_line(order: dict, line: dict) -> dict:
    amounts = line_amounts(line, order["tax_mode"])
    return {
        "order_line_id": line["order_line_id"],
        "order_line_index": line["index"],
        "order_line_state": line["state"],
        "order_line_state_reason_code": line.get("reason_code"),
        "offer_id": line["offer_id"],
        "offer_sku": line["offer_sku"],
        "offer_state_code": "11",
        "product_sku": line["product_sku"],
        "product_title": line["product_title"],
        "category_code": "default",
        "quantity": line["quantity"],
        "price_unit": money(line["price_unit"]),
        "price": money(amounts["price"]),
        "shipping_price": money(amounts["shipping_price"]),
        "total_price": money(amounts["total_price"]),
        "commission_fee": money(amounts["commission_fee"]),
        "commission_vat": money(amounts["commission_vat"]),
        "commission_rate_vat": float(line["commission_vat_rate"] * 100),
        "total_commission": money(amounts["total_commission"]),
        "taxes": _taxes(amounts["tax"], line),
        "shipping_taxes": _taxes(amounts["shipping_tax"], line),
        "refunds": [render_refund(r) for r in line["refunds"]],
        "cancelations": [render_cancelation(c) for c in line["cancelations"]],
        "created_date": iso(order["created"]),
        "last_updated_date": iso(line["updated"]),
        "debited_date": iso(order.get("debited_at")),
        "shipped_date": iso(order.get("shipped_at")),
        "received_date": iso(order.get("received_at")),
        "can_refund": order["state"] in DEBITED_STATES,
        "price_additional_info": None,
    }


def render_customer(order: dict) -> dict:
    customer = order["customer"]
    if not order.get("debited_at"):
        return {
            "customer_id": customer["customer_id"],
            "firstname": "",
            "lastname": "",
            "civility": None,
            "locale": None,
        }
    return {
        key: (dict(value) if isinstance(value, dict) else value)
        for key, value in customer.items()
        if key != "email"
    }


def render_order(order: dict, shop, can_cancel: bool) -> dict:
    """An order as OR11 returns it."""
    lines = [render_line(order, line) for line in order["lines"]]
    counted = [
        line_amounts(line, order["tax_mode"])
        for line in order["lines"]
        if line["state"] not in ("REFUSED",)
    ]
    price = sum((a["price"] for a in counted), ZERO)
    shipping = sum((a["shipping_price"] for a in counted), ZERO)
    commission = sum((a["total_commission"] for a in counted), ZERO)
    tracking = order.get("tracking") or {}
    debited = bool(order.get("debited_at"))
    return {
        "order_id": order["order_id"],
        "commercial_id": order["commercial_id"],
        "shop_id": order["shop_id"],
        "shop_name": shop.name,
        "order_state": order["state"],
        "order_state_reason_code": order.get("reason_code"),
        "order_state_reason_label": order.get("reason_label"),
        "created_date": iso(order["created"]),
        "last_updated_date": iso(order["updated"]),
        "acceptance_decision_date": iso(order.get("accepted_at")),
        "customer_debited_date": iso(order.get("debited_at")),
        "shipped_date": iso(order.get("shipped_at")),
        "received_date": iso(order.get("received_at")),
        "shipping_deadline": iso(order["shipping_deadline"]),
        "leadtime_to_ship": 2,
        "currency_iso_code": order["currency"],
        "can_cancel": can_cancel,
        "can_shop_ship": True,
        "order_tax_mode": order["tax_mode"],
        "channel": dict(order["channel"]) if order["channel"] else None,
        "shipping_type_code": order["shipping_type_code"],
        "shipping_type_label": order["shipping_type_code"].title(),
        "shipping_zone_code": "DEFAULT",
        "shipping_carrier_code": tracking.get("carrier_code"),
        "shipping_company": tracking.get("carrier_name"),
        "shipping_tracking": tracking.get("tracking_number"),
        "shipping_tracking_url": tracking.get("carrier_url"),
        "customer": render_customer(order),
        "customer_notification_email": (
            order["customer"].get("email") if debited else None
        ),
        "payment_type": "CREDIT_CARD",
        "payment_workflow": "PAY_ON_ACCEPTANCE",
        "has_customer_message": False,
        "has_incident": False,
        "has_invoice": False,
        "price": money(price),
        "shipping_price": money(shipping),
        "total_price": money(price + shipping),
        "total_commission": money(commission),
        "promotions": {"applied_promotions": [], "total_deduced_amount": 0},
        "order_additional_fields": [],
        "order_lines": lines,
    }
