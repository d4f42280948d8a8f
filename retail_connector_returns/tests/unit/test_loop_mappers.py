"""Loop payloads -> canonical returns, label events and restock requests."""

from datetime import datetime
from decimal import Decimal

import pytest

from odoo.addons.retail_connector_base.tools import canonical_return as cr
from odoo.addons.retail_connector_base.tools.canonical import CanonicalError
from odoo.addons.retail_connector_returns.tools import loop


def error_of(call, *args, **kwargs):
    with pytest.raises(CanonicalError) as info:
        call(*args, **kwargs)
    return info.value


# --- returns --------------------------------------------------------------------


def test_three_units_of_two_lines(payload):
    value = loop.return_to_canonical(payload("return_created_three_units.json"))
    assert isinstance(value, cr.Return)
    assert value.external_id == "88001"
    assert value.order_external_id == "5001"  # provider_order_id, not order_id
    assert value.order_name == "#1042"
    assert value.status == "open"
    assert value.currency == "EUR"
    assert value.created_at == datetime(2026, 11, 25, 10, 0)
    assert value.updated_at is None
    assert value.customer_email == "ana@example.com"
    assert value.customer_name == "Ana Pérez"
    assert value.total_refund == Decimal("132.00")
    assert value.exchange_total == Decimal("0.00")
    assert value.credit_total == Decimal("0.00")
    assert value.prices_include_tax is False
    # One canonical line per returned unit, as Loop sends them.
    assert [line.external_id for line in value.lines] == ["901", "902", "903"]
    assert value.quantities_by_order_line() == {"11": Decimal(2), "12": Decimal(1)}
    first = value.lines[0]
    assert first == cr.ReturnLine(
        external_id="901",
        order_line_external_id="11",
        sku="TSHIRT-M",
        quantity=Decimal(1),
        unit_price=Decimal("40.00"),
        discount=Decimal("4.00"),
        tax=Decimal("7.56"),
        refund_amount=Decimal("43.56"),
        reason="Too small",
        reason_label="Size: Too small",
        outcome="refund",
        comment="Fits like an S / too tight",
        returned_at=datetime(2026, 11, 25, 9, 58, 12),
        name="T-shirt – M",
        product_external_id="7001",
        variant_external_id="7101",
    )
    cap = value.lines[2]
    assert (cap.outcome, cap.reason, cap.reason_label) == (
        "credit",
        "Changed my mind",
        "Changed my mind",
    )
    assert cap.comment == ""
    assert sum(line.refund_amount for line in value.lines) == value.total_refund
    assert value.labels == (
        cr.ReturnLabel(
            carrier="UPS",
            tracking_number="1Z999AA10123456784",
            url="https://labels.loopreturns.com/labels/88001.pdf",
            status="new",
            updated_at=datetime(2026, 11, 25, 10, 5),
        ),
    )
    assert value.refunds == ()


@pytest.mark.parametrize("state", ["needs review", "Needs Review", "review"])
def test_needs_review(payload, state):
    data = payload("return_needs_review.json")
    data["state"] = state
    value = loop.return_to_canonical(data)
    assert value.status == "review"


def test_needs_review_fixture(payload):
    value = loop.return_to_canonical(payload("return_needs_review.json"))
    assert value.status == "review"
    assert value.external_id == "88002"
    assert value.order_external_id == "5002"
    assert value.currency == "USD"
    # An offset is converted; an e-mail missing in the detail is the customer's.
    assert value.created_at == datetime(2026, 11, 26, 7, 0)
    assert value.updated_at == datetime(2026, 11, 26, 8, 30)
    assert value.customer_email == "bo@example.com"
    assert value.customer_name == "Bo"
    line = value.lines[0]
    assert line.outcome == "refund"  # "default"
    assert (line.reason, line.reason_label) == ("Damaged", "Damaged")
    # Loop writes N/A until a carrier takes the parcel.
    assert value.labels == (cr.ReturnLabel(),)


def test_closed_return_with_refunds(payload):
    value = loop.return_to_canonical(payload("return_closed_refunds.json"))
    assert value.status == "closed"
    assert value.updated_at == datetime(2026, 11, 28, 16, 45)
    assert value.refunds == (
        cr.ChannelRefund(
            gateway="shopify_payments",
            amount=Decimal("100.00"),
            currency="EUR",
            external_id="rf_9001",
        ),
        cr.ChannelRefund(
            gateway="gift_card",
            amount=Decimal("21.00"),
            currency="EUR",
            external_id="rf_9002",
        ),
    )
    assert sum(refund.amount for refund in value.refunds) == value.total_refund
    assert value.labels[0].status == "delivered"
    assert value.lines[0].returned_at == datetime(2026, 11, 20, 9, 55)


def test_exchange(payload):
    value = loop.return_to_canonical(payload("return_exchange.json"))
    line = value.lines[0]
    assert line.outcome == "exchange"
    assert (line.exchange_variant_id, line.exchange_sku) == ("7543", "SHOES-43")
    assert line.variant_external_id == "7542"
    assert value.exchange_total == Decimal("96.80")
    assert value.total_refund == Decimal("0.00")
    assert value.customer_name == "Dan J. Smith"


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        (7543, ("7543", "")),
        ("7543", ("7543", "")),
        ({"variant_id": 7543}, ("7543", "")),
        ({"sku": "SHOES-43"}, ("", "SHOES-43")),
        (None, ("", "")),
    ],
)
def test_exchange_variant_forms(payload, variant, expected):
    data = payload("return_exchange.json")
    data["line_items"][0]["exchange_variant"] = variant
    line = loop.return_to_canonical(data).lines[0]
    assert (line.exchange_variant_id, line.exchange_sku) == expected


def test_exchange_variant_of_another_type(payload):
    data = payload("return_exchange.json")
    data["line_items"][0]["exchange_variant"] = [7543]
    error = error_of(loop.return_to_canonical, data)
    assert str(error) == (
        "line_items[0].exchange_variant: expected a variant id or an object"
    )


def test_unknown_outcome_is_refused_readably(payload):
    error = error_of(loop.return_to_canonical, payload("return_unknown_outcome.json"))
    assert error.path == "line_items[0].outcome"
    assert str(error) == (
        "line_items[0].outcome: 'keep_item' is not a known outcome "
        "(known: refund, exchange, credit)"
    )


def test_a_connection_can_map_more_outcomes(payload):
    outcomes = {**loop.DEFAULT_OUTCOMES, "keep_item": "refund", "donate": "credit"}
    value = loop.return_to_canonical(
        payload("return_unknown_outcome.json"), outcomes=outcomes
    )
    assert [line.outcome for line in value.lines] == ["refund", "credit"]


def test_missing_outcome_is_a_refund(payload):
    data = payload("return_needs_review.json")
    del data["line_items"][0]["outcome"]
    assert loop.return_to_canonical(data).lines[0].outcome == "refund"


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (
            "archived",
            "state: 'archived' is not a known return status "
            "(known: open, review, closed, cancelled, expired)",
        ),
        (None, "state: this field is required"),
        (7, "state: '7' is not a known return status"),
    ],
)
def test_unknown_state_is_refused_readably(payload, state, message):
    data = payload("return_needs_review.json")
    data["state"] = state
    assert str(error_of(loop.return_to_canonical, data)).startswith(message)


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("open", "open"),
        ("cancelled", "cancelled"),
        ("canceled", "cancelled"),
        ("expired", "expired"),
        ("closed", "closed"),
        ("needs  review", "review"),
        ("needs_review", "review"),
    ],
)
def test_map_state(state, status):
    assert loop.map_state(state) == status


def test_map_outcome():
    assert loop.map_outcome("Default") == "refund"
    assert loop.map_outcome("") == "refund"
    assert loop.map_outcome("store credit") == "store credit"
    assert loop.map_outcome(None) is None


def test_cancelled_return_without_lines(payload):
    data = payload("return_needs_review.json")
    data.update(state="cancelled", line_items=[])
    assert loop.return_to_canonical(data).lines == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"provider_order_id": None},
            "provider_order_id: this field is required: without the storefront's "
            "order id the return cannot be matched to its order",
        ),
        ({"id": None}, "id: this field is required"),
        ({"currency": "euro"}, "currency: 'EURO' is not a 3-letter ISO 4217 code"),
        ({"refund": "12,00"}, "refund: '12,00' is not a decimal number"),
        ({"gift_card": "-1.00"}, "gift_card: '-1.00' must not be negative"),
        ({"edited_at": "yesterday"}, "edited_at: 'yesterday' is not an ISO 8601"),
        ({"line_items": []}, "line_items: an open return needs at least one line"),
        ({"line_items": "x"}, "line_items: expected a list"),
        ({"line_items": [3]}, "line_items[0]: expected an object"),
        ({"labels": {}}, "labels: expected a list"),
        ({"customer_detail": "bo"}, "customer_detail: expected an object"),
    ],
)
def test_return_errors_name_the_loop_field(payload, change, message):
    data = payload("return_needs_review.json")
    data.update(change)
    assert str(error_of(loop.return_to_canonical, data)).startswith(message)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"line_item_id": None}, "line_items[0].line_item_id: this field is required"),
        ({"price": "abc"}, "line_items[0].price: 'abc' is not a decimal number"),
        ({"tax": "-1"}, "line_items[0].tax: '-1' must not be negative"),
        ({"refund": True}, "line_items[0].refund: expected a decimal number"),
        (
            {"returned_at": "30/11/2026"},
            "line_items[0].returned_at: '30/11/2026' is not an ISO 8601",
        ),
        (
            {"provider_line_item_id": None, "sku": None},
            "line_items[0].provider_line_item_id: a return line needs the order "
            "line id or a SKU",
        ),
        ({"return_comment": 5}, "line_items[0].return_comment: expected text"),
    ],
)
def test_line_errors_name_the_loop_field(payload, change, message):
    data = payload("return_needs_review.json")
    data["line_items"][0].update(change)
    assert str(error_of(loop.return_to_canonical, data)).startswith(message)


def test_refund_errors_name_the_loop_field(payload):
    data = payload("return_closed_refunds.json")
    data["refunds"][1]["provider_refund_id"] = ["x"]
    error = error_of(loop.return_to_canonical, data)
    assert str(error) == "refunds[1].provider_refund_id: expected text, got a list"
    data = payload("return_closed_refunds.json")
    data["refunds"][0]["amount"] = "0.00"
    error = error_of(loop.return_to_canonical, data)
    assert str(error) == "refunds[0].amount: '0.00' must be greater than zero"


def test_a_payload_that_is_no_object():
    assert str(error_of(loop.return_to_canonical, [])) == (
        "a Loop return must be a JSON object"
    )


# --- labels ---------------------------------------------------------------------


def test_label_update(payload):
    value = loop.label_to_canonical(payload("label_updated.json"))
    assert value == cr.LabelEvent(
        return_external_id="88001",
        order_external_id="5001",
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        status="in_transit",
        updated_at=datetime(2026, 11, 26, 14, 20),
    )


def test_label_not_yet_with_a_carrier(payload):
    data = payload("label_updated.json")
    data.update(carrier="N/A", tracking_number="N/A", label_status="N/A")
    value = loop.label_to_canonical(data)
    assert (value.carrier, value.tracking_number, value.status) == ("", "", "")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"return_id": None}, "return_id: this field is required"),
        ({"label_updated_at": "soon"}, "label_updated_at: 'soon' is not an ISO 8601"),
        ({"label_status": ["x"]}, "label_status: expected text, got a list"),
    ],
)
def test_label_errors(payload, change, message):
    data = payload("label_updated.json")
    data.update(change)
    assert str(error_of(loop.label_to_canonical, data)).startswith(message)


# --- restock --------------------------------------------------------------------


def test_restock_request(payload):
    value = loop.restock_to_canonical(payload("restock_requested.json"))
    # The item asking for zero units asks for nothing.
    assert value == cr.RestockRequest(
        return_external_id="88003",
        items=(
            cr.RestockItem(quantity=Decimal(1), location_id="61", variant_id="7404"),
            cr.RestockItem(quantity=Decimal(2), location_id="62", variant_id="7202"),
        ),
    )


def test_restock_errors_name_the_loop_item(payload):
    data = payload("restock_requested.json")
    data["restock_items"][2]["available_adjustment"] = "-2"
    error = error_of(loop.restock_to_canonical, data)
    # The third Loop item, although the zero one before it was left out.
    assert str(error) == (
        "restock_items[2].available_adjustment: '-2' must not be negative"
    )
    data["restock_items"][2].update(available_adjustment="1", variant_id=None)
    error = error_of(loop.restock_to_canonical, data)
    assert str(error).startswith("restock_items[2].variant_id: a restock item needs")


def test_restock_without_items(payload):
    data = payload("restock_requested.json")
    data["restock_items"] = [{"variant_id": 1, "available_adjustment": "0"}]
    error = error_of(loop.restock_to_canonical, data)
    assert str(error) == "restock_items: a restock request needs at least one item"
    error = error_of(loop.restock_to_canonical, {"restock_items": "x"})
    assert str(error) == "restock_items: expected a list"
