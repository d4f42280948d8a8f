"""A store day's drawer from its cash drawer shifts."""

import copy
from decimal import Decimal

from odoo.addons.retail_connector_pos.tools import cash, receipts


def _shift(payload, name, **changes):
    data = copy.deepcopy(payload(name))
    data.update(changes)
    return receipts.cash_shift(data)


def test_one_closed_shift_is_the_day_counted(payload):
    shift = _shift(payload, "shift_closed.json")
    drawer = cash.day_drawer([shift])
    assert drawer.counted_known
    assert drawer.shift_ids == (shift.id,)
    assert (drawer.opened, drawer.counted) == (Decimal("150.00"), Decimal("225.30"))
    assert (drawer.paid_in, drawer.paid_out) == (Decimal("5.00"), Decimal("20.00"))


def test_an_open_shift_leaves_the_count_unknown(payload):
    closed = _shift(payload, "shift_closed.json")
    still_open = _shift(payload, "shift_open.json", id="SECONDDRAWER")
    drawer = cash.day_drawer([still_open, closed])
    assert not drawer.counted_known
    # Both floats are in the drawers; only the closed one is counted.
    assert drawer.opened == Decimal("300.00")
    assert drawer.counted == Decimal("225.30")
    assert drawer.shift_ids == (closed.id, "SECONDDRAWER")


def test_two_closed_shifts_add_up(payload):
    first = _shift(payload, "shift_closed.json")
    second = _shift(
        payload,
        "shift_closed.json",
        id="EVENINGSHIFT",
        opened_at="2026-12-04T19:05:00Z",
        closed_cash_money={"amount": 18000, "currency": "EUR"},
    )
    drawer = cash.day_drawer([second, first])
    assert drawer.counted_known
    assert drawer.shift_ids == (first.id, "EVENINGSHIFT")
    assert drawer.opened == Decimal("300.00")
    assert drawer.counted == Decimal("405.30")
    assert drawer.paid_out == Decimal("40.00")


def test_no_shift_is_nothing_counted():
    drawer = cash.day_drawer([])
    assert not drawer.counted_known
    assert drawer.counted == drawer.opened == Decimal(0)
    assert drawer.shift_ids == ()
