"""Square money in minor units and decimal quantities."""

from decimal import Decimal

import pytest

from odoo.addons.retail_connector_base.tools.canonical import CanonicalError
from odoo.addons.retail_connector_pos.tools import square


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"amount": 1250, "currency": "EUR"}, (Decimal("12.50"), "EUR")),
        ({"amount": 5, "currency": "USD"}, (Decimal("0.05"), "USD")),
        ({"amount": 0, "currency": "USD"}, (Decimal("0.00"), "USD")),
        ({"amount": -231, "currency_code": "EUR"}, (Decimal("-2.31"), "EUR")),
        ({"amount": 1250, "currency": "JPY"}, (Decimal("1250"), "JPY")),
        ({"amount": 1250, "currency": "KWD"}, (Decimal("1.250"), "KWD")),
    ],
)
def test_money_in_minor_units(value, expected):
    assert square.money(value) == expected
    assert str(square.money(value)[0]) == str(expected[0])


def test_currency_minor_units():
    assert square.currency_exponent("EUR") == 2
    assert square.currency_exponent("USD") == 2
    assert square.currency_exponent("JPY") == 0
    assert square.currency_exponent("KWD") == 3


@pytest.mark.parametrize(
    ("value", "path", "message"),
    [
        (None, "tip_money", "required"),
        ("12.50", "tip_money", "expected a money object"),
        ({"amount": 1250}, "tip_money.currency", "required"),
        ({"amount": 1250, "currency": "eur"}, "tip_money.currency", "ISO 4217"),
        ({"amount": 1250, "currency": "EURO"}, "tip_money.currency", "ISO 4217"),
        ({"currency": "EUR"}, "tip_money.amount", "required"),
        ({"amount": 12.5, "currency": "EUR"}, "tip_money.amount", "minor units"),
        ({"amount": "1250", "currency": "EUR"}, "tip_money.amount", "minor units"),
        ({"amount": True, "currency": "EUR"}, "tip_money.amount", "minor units"),
        ({"amount": 10**20, "currency": "EUR"}, "tip_money.amount", "too large"),
    ],
)
def test_bad_money(value, path, message):
    with pytest.raises(CanonicalError, match=message) as error:
        square.money(value, "tip_money")
    assert error.value.path == path


def test_money_of_another_currency_is_refused():
    with pytest.raises(CanonicalError, match="USD differs from the currency EUR"):
        square.money({"amount": 1, "currency": "USD"}, "x", currency="EUR")
    assert square.amount(None, "x", "EUR") == Decimal("0.00")
    assert str(square.amount(None, "x", "JPY")) == "0"
    with pytest.raises(CanonicalError, match="required"):
        square.amount(None, "x", "EUR", required=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.70000", Decimal("1.7")), ("2", Decimal(2)), (3, Decimal(3))],
)
def test_decimal_quantity(value, expected):
    assert square.decimal_quantity(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "greater than zero"),
        ("0.00000", "greater than zero"),
        ("-1", "must not be negative"),
        ("1,5", "not a decimal number"),
        (1.5, "as text"),
        (None, "expected a decimal number"),
    ],
)
def test_bad_quantities(value, message):
    with pytest.raises(CanonicalError, match=message) as error:
        square.decimal_quantity(value, "line_items[0].quantity")
    assert error.value.path == "line_items[0].quantity"


def test_store_sales_are_told_from_online_ones(payload):
    assert square.is_store_sale(payload("paris_card_sale_payment.json"))
    online = payload("paris_card_sale_payment.json")
    online["application_details"]["square_product"] = "ONLINE_STORE"
    assert not square.is_store_sale(online)
    assert not square.is_store_sale({})
