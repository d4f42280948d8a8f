"""Square orders and their payments -> store receipts."""

import copy
from datetime import date, datetime
from decimal import Decimal

import pytest

from odoo.addons.retail_connector_base.tools.canonical import CanonicalError
from odoo.addons.retail_connector_pos.tools import receipts


def sale(payload, name):
    return payload(f"{name}_order.json"), [payload(f"{name}_payment.json")]


# --- business day -------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "timezone", "day"),
    [
        # 00:30 in Paris is still 23:30 UTC the day before.
        ("2026-12-03T23:30:00", "Europe/Paris", date(2026, 12, 4)),
        ("2026-12-03T22:59:59", "Europe/Paris", date(2026, 12, 3)),
        # Summer time: UTC+2.
        ("2026-07-01T21:59:00", "Europe/Paris", date(2026, 7, 1)),
        ("2026-07-01T22:00:00", "Europe/Paris", date(2026, 7, 2)),
        # 23:30 in New York is already 04:30 UTC the next day.
        ("2026-12-04T04:30:00", "America/New_York", date(2026, 12, 3)),
        ("2026-12-04T05:00:00", "America/New_York", date(2026, 12, 4)),
        ("2026-12-04T04:30:00", "UTC", date(2026, 12, 4)),
    ],
)
def test_business_date_is_the_store_day(utc, timezone, day):
    assert receipts.business_date(datetime.fromisoformat(utc), timezone) == day


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({"id": "L"}, "this field is required"),
        ({"timezone": ""}, "this field is required"),
        ({"timezone": "Paris"}, "not a known time zone"),
        ({"timezone": "../../etc/passwd"}, "not a known time zone"),
        ({"timezone": 1}, "this field is required"),
    ],
)
def test_a_store_without_a_usable_time_zone(location, message):
    with pytest.raises(CanonicalError, match=message) as error:
        receipts.store_timezone(location)
    assert error.value.path == "location.timezone"


# --- sales --------------------------------------------------------------------


def test_paris_card_sale_after_midnight(payload, location):
    order, payments = sale(payload, "paris_card_sale")
    receipt = receipts.receipt_from_order(order, payments, location("paris"))
    assert receipt.external_id == "rLAFuKTOWS43DZzoi9DHEzvDLuM"
    assert receipt.location_id == "LPARIS7Q2M3XA"
    # Rung up at 23:30 UTC on the 3rd: the 4th in Paris.
    assert receipt.device_time == datetime(2026, 12, 3, 23, 30)
    assert receipt.uploaded_at == receipt.device_time
    assert receipt.business_date == date(2026, 12, 4)
    assert not receipt.is_offline
    assert (receipt.state, receipt.currency) == ("COMPLETED", "EUR")
    tee, cup = receipt.lines
    assert (tee.uid, tee.name, tee.variation_name) == (
        "pZjL43CVAHhqedsRP1xmiv",
        "Linen Tee",
        "M",
    )
    assert tee.catalog_object_id == "UZHR6H5BDBSABU7D66FGGLMK"
    assert (tee.quantity, tee.unit_price, tee.discount) == (2, Decimal("35.00"), 0)
    assert (tee.tax_amount, tee.tax_rate, tee.tax_included) == (
        Decimal("11.67"),
        Decimal(20),
        True,
    )
    assert tee.total == Decimal("70.00")
    assert cup.total == Decimal("12.00")
    # The tip is on top of the goods, in the total.
    assert receipt.total == Decimal("85.00")
    assert receipt.tip_total == Decimal("3.00")
    assert receipt.tax_total == Decimal("13.67")
    (card,) = receipt.tenders
    assert (card.type, card.amount, card.tip, card.total) == (
        "CARD",
        Decimal("82.00"),
        Decimal("3.00"),
        Decimal("85.00"),
    )
    assert card.payment_id == payments[0]["id"]
    assert card.card_brand == "AMERICAN_EXPRESS"
    assert card.status == "COMPLETED"
    assert receipt.returns == ()
    assert receipt.version is None  # made in the POS app
    assert receipt.updated_at == datetime(2026, 12, 3, 23, 30)


def test_new_york_sale_before_midnight(payload, location):
    order, payments = sale(payload, "ny_card_sale")
    receipt = receipts.receipt_from_order(order, payments, location("ny"))
    # 04:30 UTC on the 4th is 23:30 on the 3rd in New York.
    assert receipt.device_time == datetime(2026, 12, 4, 4, 30)
    assert receipt.business_date == date(2026, 12, 3)
    assert receipt.currency == "USD"
    beans = receipt.lines[0]
    # Sales tax is added on top of the price.
    assert (beans.unit_price, beans.tax_amount, beans.total) == (
        Decimal("28.00"),
        Decimal("2.49"),
        Decimal("30.49"),
    )
    assert (beans.tax_rate, beans.tax_included) == (Decimal("8.875"), False)
    assert receipt.tip_total == Decimal("5.00")
    assert receipt.total == Decimal("57.27")
    assert sum(t.total for t in receipt.tenders) == receipt.total
    assert receipt.tenders[0].tip == Decimal("5.00")


def test_the_same_sale_dated_in_another_store_zone(payload, location):
    order, payments = sale(payload, "paris_card_sale")
    elsewhere = dict(location("paris"), timezone="America/New_York")
    receipt = receipts.receipt_from_order(order, payments, elsewhere)
    assert receipt.business_date == date(2026, 12, 3)


def test_measured_quantity_and_discount(payload, location):
    order, payments = sale(payload, "paris_cash_sale")
    receipt = receipts.receipt_from_order(order, payments, location("paris"))
    tea, notebook = receipt.lines
    assert tea.quantity == Decimal("1.7")
    assert (tea.unit_price, tea.discount, tea.total) == (
        Decimal("60.00"),
        Decimal("10.20"),
        Decimal("91.80"),
    )
    assert notebook.discount == Decimal("0.90")
    (cash,) = receipt.tenders
    assert (cash.type, cash.amount, cash.tip, cash.card_brand) == (
        "CASH",
        Decimal("99.90"),
        Decimal("0.00"),
        "",
    )
    assert receipt.business_date == date(2026, 12, 3)


def test_offline_sale_keeps_its_device_day(payload, location):
    order, payments = sale(payload, "berlin_offline")
    # Uploaded at 07:00 in Berlin the next morning.
    assert order["created_at"] == "2026-12-04T06:00:00.000Z"
    receipt = receipts.receipt_from_order(order, payments, location("berlin"))
    assert receipt.is_offline
    assert receipt.device_time == datetime(2026, 12, 3, 22, 50)  # 23:50 in Berlin
    assert receipt.uploaded_at == datetime(2026, 12, 4, 6, 0)
    assert receipt.business_date == date(2026, 12, 3)
    # Without its payments the order alone tells the upload day only.
    alone = receipts.receipt_from_order(order, [], location("berlin"))
    assert (alone.is_offline, alone.business_date) == (False, date(2026, 12, 4))


def test_offline_payments_of_other_orders_do_not_count(payload, location):
    order, _ = sale(payload, "paris_card_sale")
    other = payload("berlin_offline_payment.json")
    receipt = receipts.receipt_from_order(order, [other], location("paris"))
    assert not receipt.is_offline
    assert receipt.business_date == date(2026, 12, 4)


def test_tips_and_several_tenders(payload, location):
    """A sale paid 50.00 by card with the 3.00 tip, the rest in cash."""
    order, (payment,) = sale(payload, "paris_card_sale")
    card = copy.deepcopy(payment)
    card["amount_money"]["amount"] = 5000
    card["total_money"]["amount"] = 5300
    cash = {
        "id": "CASHPAYMENT0000000000000001",
        "order_id": order["id"],
        "location_id": order["location_id"],
        "created_at": order["created_at"],
        "status": "COMPLETED",
        "source_type": "CASH",
        "amount_money": {"amount": 3200, "currency": "EUR"},
        "total_money": {"amount": 3200, "currency": "EUR"},
    }
    order["tenders"] = [
        dict(order["tenders"][0], amount_money={"amount": 5300, "currency": "EUR"}),
        {
            "id": cash["id"],
            "payment_id": cash["id"],
            "type": "CASH",
            "amount_money": {"amount": 3200, "currency": "EUR"},
        },
    ]
    receipt = receipts.receipt_from_order(order, [cash, card], location("paris"))
    assert [(t.type, t.amount, t.tip) for t in receipt.tenders] == [
        ("CARD", Decimal("50.00"), Decimal("3.00")),
        ("CASH", Decimal("32.00"), Decimal("0.00")),
    ]
    assert sum(t.total for t in receipt.tenders) == receipt.total == Decimal("85.00")
    assert receipt.tip_total == sum(t.tip for t in receipt.tenders)


def test_tenders_read_from_the_order_alone(payload, location):
    """Square's Tender.amount_money includes its tip (a Payment's does not)."""
    order, _ = sale(payload, "ny_card_sale")
    order["tenders"][0]["amount_money"]["amount"] = 5727  # as Square writes it
    receipt = receipts.receipt_from_order(order, [], location("ny"))
    (card,) = receipt.tenders
    assert (card.amount, card.tip, card.total) == (
        Decimal("52.27"),
        Decimal("5.00"),
        Decimal("57.27"),
    )
    assert card.card_brand == "VISA"
    assert card.payment_id == order["tenders"][0]["payment_id"]


def test_payments_not_on_the_order_yet(payload, location):
    order, payments = sale(payload, "paris_card_sale")
    del order["tenders"]
    receipt = receipts.receipt_from_order(order, payments, location("paris"))
    assert [t.payment_id for t in receipt.tenders] == [payments[0]["id"]]
    payments[0]["status"] = "FAILED"
    receipt = receipts.receipt_from_order(order, payments, location("paris"))
    assert receipt.tenders == ()


# --- returns ------------------------------------------------------------------


def test_till_return_points_to_its_sale(payload, location):
    sold = payload("paris_card_sale_order.json")
    order = payload("paris_return_order.json")
    payments = [payload("paris_card_sale_payment.json")]
    refund = payload("paris_return_refund.json")
    receipt = receipts.receipt_from_order(order, payments, location("paris"), [refund])
    assert receipt.lines == ()
    (line,) = receipt.returns
    assert line.source_order_id == sold["id"]
    assert line.source_line_uid == sold["line_items"][0]["uid"]
    assert (line.quantity, line.amount, line.tax_amount) == (
        Decimal(1),
        Decimal("35.00"),
        Decimal("5.84"),
    )
    assert (line.name, line.catalog_object_id) == (
        "Linen Tee",
        "UZHR6H5BDBSABU7D66FGGLMK",
    )
    assert receipt.total == Decimal("-35.00")
    assert receipt.tax_total == Decimal("-5.84")
    (back,) = receipt.tenders
    assert (back.type, back.amount, back.total) == ("CARD", Decimal("-35.00"), -35)
    assert back.refund_id == refund["id"]
    assert back.payment_id == payments[0]["id"]
    assert back.card_brand == "AMERICAN_EXPRESS"
    # The return is dated by its own day: the morning of the 4th in Paris.
    assert receipt.business_date == date(2026, 12, 4)


def test_cash_refund_of_a_return(payload, location):
    order = payload("paris_cash_return_order.json")
    payments = [payload("paris_cash_sale_payment.json")]
    receipt = receipts.receipt_from_order(order, payments, location("paris"))
    (back,) = receipt.tenders
    assert (back.type, back.amount) == ("CASH", Decimal("-8.10"))
    assert receipt.returns[0].source_line_uid == "GvogiVHTxeslu5D1nRLlJa"
    # Without the payment nor the refund, the way back is unknown.
    alone = receipts.receipt_from_order(order, [], location("paris"))
    assert alone.tenders[0].type == "OTHER"


def test_rejected_refunds_are_no_tender(payload, location):
    order = payload("paris_return_order.json")
    order["refunds"][0]["status"] = "REJECTED"
    receipt = receipts.receipt_from_order(order, [], location("paris"))
    assert receipt.tenders == ()


def test_totals_without_net_amounts(payload, location):
    order = payload("paris_return_order.json")
    del order["net_amounts"]
    receipt = receipts.receipt_from_order(order, [], location("paris"))
    assert (receipt.total, receipt.tax_total) == (Decimal("-35.00"), Decimal("-5.84"))


# --- online orders, drafts, errors --------------------------------------------


def test_drafts_are_ignored(payload, location):
    order = payload("online_order.json")
    assert order["version"] >= 1
    order["state"] = "DRAFT"
    assert receipts.receipt_from_order(order, [], location("paris")) is None


def test_online_order_carries_its_version(payload, location):
    order = payload("online_order.json")
    receipt = receipts.receipt_from_order(order, [], location("paris"))
    assert (receipt.state, receipt.version) == ("OPEN", order["version"])
    assert receipt.tenders[0].type == "CARD"


def broken(payload, change):
    order = payload("paris_card_sale_order.json")
    change(order)
    return order


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda o: o.update(state="PAID"), "state", "not one of OPEN"),
        (lambda o: o.pop("id"), "id", "required"),
        (lambda o: o.pop("created_at"), "created_at", "required"),
        (
            lambda o: o.update(location_id="LBERLN4K8W1ZC"),
            "location_id",
            "not to LPARIS7Q2M3XA",
        ),
        (
            lambda o: o["line_items"][1].update(quantity="0"),
            "line_items[1].quantity",
            "greater than zero",
        ),
        (
            lambda o: o["line_items"][0]["total_money"].update(currency="USD"),
            "line_items[0].total_money.currency",
            "differs from the currency EUR",
        ),
        (
            lambda o: o["line_items"][0]["applied_taxes"][0].update(tax_uid="nope"),
            "line_items[0].applied_taxes[0].tax_uid",
            "not among the order's taxes",
        ),
        (lambda o: o.update(line_items={}), "line_items", "expected a list"),
        (lambda o: o.update(version="2"), "version", "whole number"),
    ],
)
def test_orders_refused_with_a_readable_reason(
    payload, location, change, path, message
):
    order = broken(payload, change)
    with pytest.raises(CanonicalError, match=message) as error:
        receipts.receipt_from_order(order, [], location("paris"))
    assert error.value.path == path


def test_mixed_inclusive_and_added_taxes_are_refused(payload, location):
    order = payload("paris_card_sale_order.json")
    order["taxes"].append({"uid": "ADDED", "percentage": "5", "type": "ADDITIVE"})
    order["line_items"][0]["applied_taxes"].append({"uid": "x", "tax_uid": "ADDED"})
    with pytest.raises(CanonicalError, match="both included"):
        receipts.receipt_from_order(order, [], location("paris"))
    order["taxes"][-1]["type"] = "INCLUSIVE"
    receipt = receipts.receipt_from_order(order, [], location("paris"))
    assert receipt.lines[0].tax_rate == Decimal(25)
