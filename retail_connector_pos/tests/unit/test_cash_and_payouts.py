"""Cash drawer shifts and payouts."""

import copy
from datetime import date, datetime
from decimal import Decimal

import pytest

from odoo.addons.retail_connector_base.tools.canonical import CanonicalError
from odoo.addons.retail_connector_pos.tools import receipts

# --- cash drawer shifts -------------------------------------------------------


def test_a_closed_shift_counted_short(payload):
    shift = receipts.cash_shift(payload("shift_closed.json"))
    assert (shift.state, shift.currency, shift.location_id) == (
        "CLOSED",
        "EUR",
        "LPARIS7Q2M3XA",
    )
    assert shift.opened == Decimal("150.00")
    # The Paris cash sale, the notebook given back, the change put in and
    # the window cleaner paid out of the drawer.
    assert shift.cash_sales == Decimal("99.90")
    assert shift.cash_refunds == Decimal("8.10")
    assert (shift.paid_in, shift.paid_out) == (Decimal("5.00"), Decimal("20.00"))
    assert shift.expected == Decimal("226.80")
    assert shift.expected == (
        shift.opened
        + shift.cash_sales
        - shift.cash_refunds
        + shift.paid_in
        - shift.paid_out
    )
    assert shift.counted == Decimal("225.30")
    assert shift.difference == Decimal("-1.50")
    assert shift.opened_at == datetime(2026, 12, 3, 7, 55)
    assert shift.closed_at == shift.ended_at == datetime(2026, 12, 4, 19, 0)


def test_an_open_shift_is_not_counted_yet(payload):
    shift = receipts.cash_shift(payload("shift_open.json"))
    assert shift.state == "OPEN"
    assert (shift.counted, shift.difference, shift.closed_at) == (None, None, None)
    assert shift.cash_sales == Decimal("0.00")


def test_a_shift_summary_has_no_movements(payload):
    summary = payload("shifts_list.json")["cash_drawer_shifts"][0]
    shift = receipts.cash_shift(summary)
    assert shift.difference == Decimal("-1.50")
    assert (shift.cash_sales, shift.cash_refunds, shift.paid_in, shift.paid_out) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda s: s.update(state="COUNTED"), "state", "not one of OPEN"),
        (lambda s: s.pop("opened_cash_money"), "opened_cash_money", "required"),
        (lambda s: s.pop("expected_cash_money"), "expected_cash_money", "required"),
        (
            lambda s: s["closed_cash_money"].update(currency="USD"),
            "closed_cash_money.currency",
            "differs",
        ),
    ],
)
def test_bad_shifts(payload, change, path, message):
    data = payload("shift_closed.json")
    change(data)
    with pytest.raises(CanonicalError, match=message) as error:
        receipts.cash_shift(data)
    assert error.value.path == path


# --- payouts ------------------------------------------------------------------


def test_a_payout_with_fees_and_its_entries(payload):
    card_sale = payload("paris_card_sale_payment.json")
    refund = payload("paris_return_refund.json")
    result = receipts.payout(payload("payout.json"), payload("payout_entries.json"))
    assert (result.status, result.location_id, result.currency) == (
        "PAID",
        "LPARIS7Q2M3XA",
        "EUR",
    )
    assert result.arrival_date == date(2026, 12, 6)
    assert result.end_to_end_id == "L6041364596"
    # Two card charges (85.00 and 44.00) and a 35.00 card refund.
    assert result.gross == Decimal("94.00")
    assert result.fees == Decimal("-3.55")
    assert result.net == Decimal("90.45") == result.gross + result.fees
    assert result.transfer_fee == 0
    charge, online, back = result.entries
    assert (charge.type, charge.payment_id, charge.refund_id) == (
        "CHARGE",
        card_sale["id"],
        "",
    )
    assert (charge.gross, charge.fee, charge.net) == (
        Decimal("85.00"),
        Decimal("-2.31"),
        Decimal("82.69"),
    )
    assert online.type == "CHARGE"
    assert (back.type, back.payment_id, back.refund_id) == (
        "REFUND",
        card_sale["id"],
        refund["id"],
    )
    assert (back.gross, back.fee, back.net) == (
        Decimal("-35.00"),
        Decimal("0.00"),
        Decimal("-35.00"),
    )
    assert back.effective_at == datetime(2026, 12, 5, 2, 0)
    assert result.version == 2


def test_a_payout_missing_an_entry_is_refused(payload):
    entries = payload("payout_entries.json")["payout_entries"][:2]
    with pytest.raises(CanonicalError, match="fetch every page") as error:
        receipts.payout(payload("payout.json"), entries)
    assert error.value.path == "payout_entries"


def test_top_level_ids_and_positive_fees(payload):
    entries = payload("payout_entries.json")["payout_entries"]
    first = entries[0]
    details = first.pop("type_charge_details")
    first["payment_id"] = details["payment_id"]
    first["fee_amount_money"]["amount"] = 231  # a fee written as positive
    result = receipts.payout(payload("payout.json"), entries)
    assert result.entries[0].payment_id == details["payment_id"]
    assert result.entries[0].fee == Decimal("-2.31")
    assert result.fees == Decimal("-3.55")


def test_an_entry_that_does_not_add_up(payload):
    entries = payload("payout_entries.json")["payout_entries"]
    entries[0]["net_amount_money"]["amount"] = 8000
    with pytest.raises(CanonicalError, match="do not make the net") as error:
        receipts.payout(payload("payout.json"), entries)
    assert error.value.path == "payout_entries[0]"


def test_the_payout_own_fee(payload):
    data = payload("payout.json")
    data["amount_money"]["amount"] -= 150
    data["payout_fee"] = [
        {"amount_money": {"amount": 150, "currency_code": "EUR"}, "type": "TRANSFER"}
    ]
    result = receipts.payout(data, payload("payout_entries.json"))
    assert result.transfer_fee == Decimal("1.50")
    assert result.net == Decimal("88.95")


def test_a_yen_payout():
    data = {
        "id": "po_jp",
        "status": "SENT",
        "location_id": "LTOKYO",
        "amount_money": {"amount": 9710, "currency_code": "JPY"},
        "arrival_date": "2026-12-07",
    }
    entries = [
        {
            "type": "CHARGE",
            "gross_amount_money": {"amount": 10000, "currency_code": "JPY"},
            "fee_amount_money": {"amount": -290, "currency_code": "JPY"},
            "net_amount_money": {"amount": 9710, "currency_code": "JPY"},
            "type_charge_details": {"payment_id": "P1"},
        }
    ]
    result = receipts.payout(data, entries)
    assert (result.gross, result.fees, result.net) == (
        Decimal(10000),
        Decimal(-290),
        Decimal(9710),
    )
    assert str(result.net) == "9710"


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda p: p.update(status="LOST"), "status", "not one of SENT"),
        (lambda p: p.update(arrival_date="tomorrow"), "arrival_date", "YYYY-MM-DD"),
        (lambda p: p.pop("amount_money"), "amount_money", "required"),
    ],
)
def test_bad_payouts(payload, change, path, message):
    data = payload("payout.json")
    change(data)
    with pytest.raises(CanonicalError, match=message) as error:
        receipts.payout(data, payload("payout_entries.json"))
    assert error.value.path == path


def test_entries_of_another_currency(payload):
    entries = copy.deepcopy(payload("payout_entries.json"))
    entries["payout_entries"][1]["gross_amount_money"]["currency_code"] = "USD"
    with pytest.raises(CanonicalError, match="differs") as error:
        receipts.payout(payload("payout.json"), entries)
    assert error.value.path == "payout_entries[1].gross_amount_money.currency"
