"""Refunds asked of Mirakl (OR28) and their pro-rata taxes."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_marketplace.tools import mappers

FIXTURES = Path(__file__).parent / "fixtures"


def load(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def mug_line():
    """A line with two taxes and two shipping taxes (taxes excluded)."""
    return load("order_shipping_tax_excluded.json")["order_lines"][0]


# --- pro-rata taxes -----------------------------------------------------------


def test_taxes_for_the_whole_line(mug_line):
    assert mappers.line_taxes_for_amount(mug_line, 25) == [
        {"code": "STATE", "amount": Decimal("1.50")},
        {"code": "CITY", "amount": Decimal("0.50")},
    ]


def test_taxes_for_one_unit(mug_line):
    assert mappers.line_taxes_for_amount(mug_line, "12.50") == [
        {"code": "STATE", "amount": Decimal("0.75")},
        {"code": "CITY", "amount": Decimal("0.25")},
    ]


def test_taxes_round_half_up_per_code(mug_line):
    # 1.50 x 10.5 / 25 = 0.63; 0.50 x 10.5 / 25 = 0.21
    assert mappers.line_taxes_for_amount(mug_line, "10.5") == [
        {"code": "STATE", "amount": Decimal("0.63")},
        {"code": "CITY", "amount": Decimal("0.21")},
    ]
    # 0.50 x 0.25 / 25 = 0.005 -> 0.01 (half up, not to even)
    assert mappers.line_taxes_for_amount(mug_line, "0.25")[1] == {
        "code": "CITY",
        "amount": Decimal("0.01"),
    }
    # 1.50 x 0.75 / 25 = 0.045 -> 0.05
    assert mappers.line_taxes_for_amount(mug_line, "0.75")[0]["amount"] == Decimal(
        "0.05"
    )


def test_taxes_of_one_code_are_added_up():
    line = {
        "price": 30,
        "taxes": [
            {"code": "VAT", "amount": 3, "rate": 10},
            {"code": "VAT", "amount": 1.5, "rate": 5},
        ],
    }
    assert mappers.line_taxes_for_amount(line, 10) == [
        {"code": "VAT", "amount": Decimal("1.50")}
    ]


def test_shipping_taxes_pro_rata(mug_line):
    # shipping 5.00 taxed 0.30 + 0.10; refund 2.50 of it
    assert mappers.shipping_taxes_for_amount(mug_line, "2.5") == [
        {"code": "STATE", "amount": Decimal("0.15")},
        {"code": "CITY", "amount": Decimal("0.05")},
    ]


def test_no_taxes_or_zero_price():
    assert mappers.line_taxes_for_amount({"price": 10, "taxes": []}, 5) == []
    assert mappers.line_taxes_for_amount({"price": 0}, 5) == []
    assert mappers.line_taxes_for_amount(
        {"price": 0, "taxes": [{"code": "VAT", "amount": 0}]}, 5
    ) == [{"code": "VAT", "amount": Decimal("0.00")}]
    assert mappers.shipping_taxes_for_amount({"shipping_price": 0}, 0) == []


# --- OR28 body ----------------------------------------------------------------


def test_refund_request_shape(mug_line):
    taxes = mappers.line_taxes_for_amount(mug_line, "12.5")
    shipping_taxes = mappers.shipping_taxes_for_amount(mug_line, "2.5")
    (request,) = mappers.refund_requests(
        [
            {
                "order_line_id": "7001-A-1",
                "amount": Decimal("12.5"),
                "quantity": 1,
                "shipping_amount": "2.5",
                "taxes": taxes,
                "shipping_taxes": shipping_taxes,
            }
        ],
        currency="usd",
        reason_code="DAMAGED",
        taxes_included=False,
    )
    assert request == {
        "order_line_id": "7001-A-1",
        "amount": 12.5,
        "shipping_amount": 2.5,
        "quantity": 1,
        "currency_iso_code": "USD",
        "reason_code": "DAMAGED",
        "taxes": [
            {"code": "STATE", "amount": 0.75},
            {"code": "CITY", "amount": 0.25},
        ],
        "shipping_taxes": [
            {"code": "STATE", "amount": 0.15},
            {"code": "CITY", "amount": 0.05},
        ],
    }
    # JSON numbers with two decimals at most.
    assert json.loads(json.dumps(request)) == request


def test_refund_request_defaults_and_rounding():
    (request,) = mappers.refund_requests(
        [{"order_line_id": 42, "amount": "10.005"}],
        currency="EUR",
        reason_code="OTHER",
        taxes_included=True,
    )
    assert request["order_line_id"] == "42"
    assert request["amount"] == 10.01
    assert request["shipping_amount"] == 0.0
    assert request["taxes"] == [] and request["shipping_taxes"] == []
    assert "quantity" not in request


def test_shipping_only_refund():
    (request,) = mappers.refund_requests(
        [{"order_line_id": "L1", "amount": 0, "shipping_amount": 4}],
        currency="EUR",
        reason_code="LATE",
        taxes_included=False,
    )
    assert (request["amount"], request["shipping_amount"]) == (0.0, 4.0)


def test_several_lines_keep_their_order():
    requests = mappers.refund_requests(
        [
            {"order_line_id": "L2", "amount": 1},
            {"order_line_id": "L1", "amount": 2},
        ],
        currency="EUR",
        reason_code="OTHER",
        taxes_included=False,
    )
    assert [r["order_line_id"] for r in requests] == ["L2", "L1"]


@pytest.mark.parametrize(
    ("line", "kwargs", "path"),
    [
        ({"order_line_id": "L1", "amount": 1}, {"currency": "€"}, "currency_iso_code"),
        ({"order_line_id": "L1", "amount": 1}, {"reason_code": " "}, "reason_code"),
        ({"amount": 1}, {}, "refunds[0].order_line_id"),
        ({"order_line_id": "L1", "amount": 0}, {}, "refunds[0]"),
        ({"order_line_id": "L1", "amount": -5}, {}, "refunds[0].amount"),
        (
            {"order_line_id": "L1", "amount": 1, "taxes": [{"amount": 0.2}]},
            {},
            "refunds[0].taxes[0].code",
        ),
        (
            {"order_line_id": "L1", "amount": 1, "taxes": [{"code": "V"}]},
            {},
            "refunds[0].taxes[0].amount",
        ),
        (
            {
                "order_line_id": "L1",
                "amount": 1,
                "taxes": [{"code": "V", "amount": 2}],
            },
            {"taxes_included": True},
            "refunds[0].taxes",
        ),
    ],
)
def test_refund_request_errors(line, kwargs, path):
    arguments = {"currency": "EUR", "reason_code": "OTHER", "taxes_included": False}
    arguments.update(kwargs)
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.refund_requests([line], **arguments)
    assert error.value.path == path


def test_taxes_larger_than_the_amount_are_fine_when_excluded():
    (request,) = mappers.refund_requests(
        [{"order_line_id": "L1", "amount": 1, "taxes": [{"code": "V", "amount": 2}]}],
        currency="EUR",
        reason_code="OTHER",
        taxes_included=False,
    )
    assert request["taxes"] == [{"code": "V", "amount": 2.0}]
