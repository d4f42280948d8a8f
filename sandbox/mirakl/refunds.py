"""Refunds: the seller's (OR28) and the operator's.

A refund is created WAITING_REFUND on its order line and becomes REFUNDED
``refund_delay`` seconds later (or by `complete_refunds`); its REFUND_*
transaction lines are written then. A refund may not take more than what
is left of the line's amount and shipping; when the order has taxes, OR28
requires ``taxes`` and ``shipping_taxes`` (lists, possibly empty for a
zero amount). A line whose amount and shipping are wholly refunded is
REFUNDED once its refunds are.
"""

from __future__ import annotations

from decimal import Decimal

from ..common import parse_decimal
from .const import (
    ORDER_INVALID_STATE,
    REFUND_AMOUNT_TOO_HIGH,
    REFUND_TAXES_MISSING,
    REFUNDABLE_STATES,
)
from .errors import bad_request
from .render import line_amounts, tax_amount
from .values import cents, money

ZERO = Decimal("0")


def _amount(data: dict, name: str) -> Decimal:
    try:
        value = cents(parse_decimal(data.get(name, 0) or 0))
    except ValueError:
        raise bad_request(f"{name}: not an amount: {data.get(name)!r}") from None
    if value < 0:
        raise bad_request(f"{name}: must not be negative")
    return value


def _tax_list(data: dict, name: str) -> list:
    value = data.get(name)
    if not isinstance(value, list):
        raise bad_request(f"{name} must be a list of {{code, amount}}")
    taxes = []
    for entry in value:
        if not isinstance(entry, dict) or not entry.get("code"):
            raise bad_request(f"{name}: every entry needs a code and an amount")
        taxes.append({"code": str(entry["code"]), "amount": _amount(entry, "amount")})
    return taxes


class Refunds:
    """Marketplace mixin: OR28, operator refunds, refund payments."""

    def _refund_left(self, order: dict, line: dict) -> tuple[Decimal, Decimal]:
        amounts = line_amounts(line, order["tax_mode"])
        amount = amounts["price"] - sum((r["amount"] for r in line["refunds"]), ZERO)
        shipping = amounts["shipping_price"] - sum(
            (r["shipping_amount"] for r in line["refunds"]), ZERO
        )
        return amount, shipping

    def refund(self, requests: list, shop_id=None, *, operator=False) -> list[dict]:
        """OR28: validate every refund, then create them all; returns them."""
        with self.lock:
            if not isinstance(requests, list) or not requests:
                raise bad_request("refunds: a non-empty list is required")
            planned, taken = [], {}
            for data in requests:
                if not isinstance(data, dict) or not data.get("order_line_id"):
                    raise bad_request("every refund needs an order_line_id")
                order, line = self.find_line(str(data["order_line_id"]), shop_id)
                if order["state"] not in REFUNDABLE_STATES:
                    raise bad_request(
                        f"Order {order['order_id']} cannot be refunded in state "
                        f"{order['state']}",
                        ORDER_INVALID_STATE,
                    )
                amount = _amount(data, "amount")
                shipping = _amount(data, "shipping_amount")
                if not amount and not shipping:
                    raise bad_request("a refund needs an amount or a shipping_amount")
                currency = data.get("currency_iso_code")
                if currency and currency != order["currency"]:
                    raise bad_request(f"currency {currency} is not the order's")
                left, shipping_left = self._refund_left(order, line)
                used = taken.get(line["order_line_id"], (ZERO, ZERO))
                if amount > left - used[0] or shipping > shipping_left - used[1]:
                    raise bad_request(
                        f"Refund of {amount} + {shipping} shipping on line "
                        f"{line['order_line_id']} exceeds what is left "
                        f"({left - used[0]} + {shipping_left - used[1]} shipping)",
                        REFUND_AMOUNT_TOO_HIGH,
                    )
                taken[line["order_line_id"]] = (used[0] + amount, used[1] + shipping)
                rate, mode = line["tax_rate"], order["tax_mode"]
                if rate is not None and not operator:
                    if "taxes" not in data or "shipping_taxes" not in data:
                        raise bad_request(
                            "taxes and shipping_taxes are required: the order has "
                            "taxes",
                            REFUND_TAXES_MISSING,
                        )
                    taxes = _tax_list(data, "taxes")
                    shipping_taxes = _tax_list(data, "shipping_taxes")
                elif rate is not None:
                    code = line["tax_code"]
                    taxes = data.get("taxes") or [
                        {"code": code, "amount": tax_amount(amount, rate, mode)}
                    ]
                    shipping_taxes = data.get("shipping_taxes") or [
                        {"code": code, "amount": tax_amount(shipping, rate, mode)}
                    ]
                else:
                    taxes = _tax_list(data, "taxes") if data.get("taxes") else []
                    shipping_taxes = (
                        _tax_list(data, "shipping_taxes")
                        if data.get("shipping_taxes")
                        else []
                    )
                planned.append(
                    (order, line, data, amount, shipping, taxes, shipping_taxes)
                )
            return [self._create_refund(*plan) for plan in planned]

    def _create_refund(self, order, line, data, amount, shipping, taxes, ship_taxes):
        now = self.now()
        commission = cents((amount + shipping) * line["commission_rate"])
        refund = {
            "id": next(self._refund_ids),
            "order_line_id": line["order_line_id"],
            "amount": amount,
            "shipping_amount": shipping,
            "quantity": int(data.get("quantity") or 0),
            "reason_code": str(data.get("reason_code") or ""),
            "state": "WAITING_REFUND",
            "created": now,
            "taxes": taxes,
            "shipping_taxes": ship_taxes,
            "commission_amount": commission,
            "commission_vat": cents(commission * line["commission_vat_rate"]),
        }
        if self.refund_delay is not None:
            refund["due"] = now + self.refund_delay
            self._refunds_due.append((order, line, refund))
        line["refunds"].append(refund)
        self._touch(order, line)
        return {
            "refund_id": refund["id"],
            "order_refund_id": str(refund["id"]),
            "order_line_id": line["order_line_id"],
            "order_id": order["order_id"],
            "amount": money(amount),
            "shipping_amount": money(shipping),
            "currency_iso_code": order["currency"],
            "state": refund["state"],
        }

    def operator_refund(
        self,
        order_line_id: str,
        amount=None,
        *,
        shipping_amount=0,
        quantity: int = 0,
        reason_code: str = "OPERATOR",
    ) -> dict:
        """The operator refunds a line (what is left of its amount by default).

        Taxes are computed from the line's rate. Returns the refund as OR28
        answers it.
        """
        with self.lock:
            order, line = self.find_line(order_line_id)
            if amount is None:
                amount = self._refund_left(order, line)[0]
            data = {
                "order_line_id": order_line_id,
                "amount": str(amount),
                "shipping_amount": str(shipping_amount),
                "quantity": quantity,
                "reason_code": reason_code,
            }
            return self.refund([data], operator=True)[0]

    def complete_refunds(self, refund_id: int | None = None) -> list[int]:
        """Pay refunds waiting (one, or all): REFUNDED, with their transactions."""
        with self.lock:
            done = []
            for order in self.orders.values():
                for line in order["lines"]:
                    for refund in line["refunds"]:
                        if refund["state"] == "REFUNDED":
                            continue
                        if refund_id is not None and refund["id"] != int(refund_id):
                            continue
                        self._pay_refund(order, line, refund)
                        done.append(refund["id"])
            return done

    def _pay_refund(self, order, line, refund) -> None:
        refund.pop("due", None)
        refund["state"] = "REFUNDED"
        refund["paid"] = self.now()
        left, shipping_left = self._refund_left(order, line)
        if (
            left <= 0
            and shipping_left <= 0
            and all(r["state"] == "REFUNDED" for r in line["refunds"])
        ):
            line["state"] = "REFUNDED"
        self._touch(order, line)
        self.record_refund(order, line, refund)

    def _tick_refunds(self, now: float) -> None:
        waiting = []
        for order, line, refund in self._refunds_due:
            if refund["state"] == "REFUNDED":
                continue
            if refund["due"] <= now:
                self._pay_refund(order, line, refund)
            else:
                waiting.append((order, line, refund))
        self._refunds_due = waiting
