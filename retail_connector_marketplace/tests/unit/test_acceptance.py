"""Which lines of a Mirakl order waiting for acceptance to accept (OR21)."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_marketplace.tools import mappers

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def waiting_order():
    return json.loads((FIXTURES / "order_waiting_acceptance.json").read_text())


def test_acceptance_lines(waiting_order):
    assert mappers.acceptance_lines(waiting_order) == [
        ("6100-A-1", "SKU-A", 2),
        ("6100-A-2", "SKU-B", 1),
        ("6100-A-3", "SKU-A", 1),
    ]


def test_acceptance_lines_skip_lines_already_decided(waiting_order):
    waiting_order["order_lines"][1]["order_line_state"] = "REFUSED"
    waiting_order["order_lines"][2]["order_line_state"] = "SHIPPING"
    assert mappers.acceptance_lines(waiting_order) == [("6100-A-1", "SKU-A", 2)]


def test_acceptance_lines_need_a_line_id(waiting_order):
    del waiting_order["order_lines"][0]["order_line_id"]
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.acceptance_lines(waiting_order)
    assert error.value.path == "order_lines[0].order_line_id"


def test_acceptance_lines_of_an_order_without_lines():
    assert mappers.acceptance_lines({"order_id": "1-A"}) == []


LINES = [("L1", "SKU-A", 2), ("L2", "SKU-B", 1), ("L3", "SKU-A", 1)]


def test_everything_available_is_accepted():
    decisions = mappers.acceptance_decisions(
        LINES, {"SKU-A": 3, "SKU-B": 5}, partial_allowed=False
    )
    assert decisions == {"L1": True, "L2": True, "L3": True}


def test_two_lines_of_one_sku_do_not_both_take_the_last_units():
    decisions = mappers.acceptance_decisions(
        LINES, {"SKU-A": 2, "SKU-B": 1}, partial_allowed=True
    )
    assert decisions == {"L1": True, "L2": True, "L3": False}


def test_a_refused_line_leaves_its_units_to_the_next_lines():
    decisions = mappers.acceptance_decisions(
        LINES, {"SKU-A": 1, "SKU-B": 1}, partial_allowed=True
    )
    assert decisions == {"L1": False, "L2": True, "L3": True}


def test_without_partial_acceptance_it_is_all_or_nothing():
    available = {"SKU-A": 2, "SKU-B": 1}
    assert mappers.acceptance_decisions(LINES, available, partial_allowed=False) == {
        "L1": False,
        "L2": False,
        "L3": False,
    }


def test_unknown_sku_and_negative_free_quantity_are_refused():
    decisions = mappers.acceptance_decisions(
        [("L1", "GHOST", 1), ("L2", "OVERSOLD", 1), ("L3", "", 1)],
        {"OVERSOLD": -3},
        partial_allowed=True,
    )
    assert decisions == {"L1": False, "L2": False, "L3": False}


def test_free_quantities_as_floats_or_decimals():
    decisions = mappers.acceptance_decisions(
        [("L1", "A", 1), ("L2", "A", 1), ("L3", "B", 2)],
        {"A": 1.5, "B": Decimal("2.0")},
        partial_allowed=True,
    )
    assert decisions == {"L1": True, "L2": False, "L3": True}


def test_available_is_not_modified():
    available = {"SKU-A": 3, "SKU-B": 1}
    mappers.acceptance_decisions(LINES, available, partial_allowed=True)
    assert available == {"SKU-A": 3, "SKU-B": 1}


def test_no_lines_no_decisions():
    assert mappers.acceptance_decisions([], {}, partial_allowed=False) == {}


def test_decisions_from_the_payload(waiting_order):
    lines = mappers.acceptance_lines(waiting_order)
    decisions = mappers.acceptance_decisions(
        lines, {"SKU-A": 2, "SKU-B": 4}, partial_allowed=True
    )
    assert decisions == {"6100-A-1": True, "6100-A-2": True, "6100-A-3": False}
