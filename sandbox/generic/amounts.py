"""Amounts of a generic order, and how they are rounded.

Computed with `decimal.Decimal` and ROUND_HALF_UP (how Odoo rounds currency
amounts), never with floats; prices exclude tax::

    line amount = round(quantity * unit_price - discount, 2)
    untaxed     = sum(line amounts) + sum(shipping amounts) + sum(fee amounts)
    tax         = sum, over every line, shipping line and fee, of
                  round(amount * tax_rate / 100, 2)      <- rounded per line
    total       = untaxed + tax

This is what an Odoo sale order computes with price-excluded taxes and the
default "round per line" tax rounding. ``discount`` is an amount off the
whole line; generated discounts are always an exact percentage (5-25 %) of
the line amount to the cent, so an Odoo line carrying that percentage has the
very same subtotal. ``payment.amount`` equals ``total``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from ..common import CENT, parse_decimal, round_half_up

ZERO = Decimal("0")


def round_money(value: Decimal) -> Decimal:
    """Round half up to the cent, like Odoo rounds currency amounts."""
    return round_half_up(value, CENT)


def money(value: Decimal) -> str:
    """An amount as events carry it: a decimal string to the cent."""
    return str(round_money(value))


def quantity_text(value: Decimal) -> str:
    """A quantity as events carry it: "2", or "1.5" when not whole."""
    return (
        str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)
    )


def to_decimal(value, what: str) -> Decimal:
    """``value`` as a finite Decimal; `ValueError` naming ``what`` otherwise."""
    try:
        return parse_decimal(value)
    except ValueError:
        raise ValueError(f"{what}: {value!r} is not a decimal number") from None


@dataclass(frozen=True)
class Totals:
    """Untaxed amount, tax and total of an order, as Decimals."""

    untaxed: Decimal
    tax: Decimal
    total: Decimal


def compute_totals(data: Mapping) -> Totals:
    """Totals of a generic order ``data`` dict, rounded as the module says.

    Reads ``lines`` (quantity, unit_price, discount, tax_rate), ``shipping``
    and ``fees`` (amount, tax_rate); a missing or null tax_rate is untaxed.
    """
    untaxed, tax = ZERO, ZERO
    taxable = []
    for line in data.get("lines") or ():
        amount = round_money(
            to_decimal(line["quantity"], "quantity")
            * to_decimal(line["unit_price"], "unit_price")
            - to_decimal(line.get("discount") or 0, "discount")
        )
        taxable.append((amount, line.get("tax_rate")))
    for item in list(data.get("shipping") or ()) + list(data.get("fees") or ()):
        taxable.append(
            (round_money(to_decimal(item["amount"], "amount")), item.get("tax_rate"))
        )
    for amount, rate in taxable:
        untaxed += amount
        if rate is not None and rate != "":
            tax += round_money(amount * to_decimal(rate, "tax_rate") / 100)
    return Totals(untaxed, tax, untaxed + tax)
