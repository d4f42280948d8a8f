import copy
from datetime import datetime
from decimal import Decimal

import pytest

from odoo.addons.retail_connector_base.tools import canonical_return as cr
from odoo.addons.retail_connector_base.tools.canonical import CanonicalError

FULL_RETURN = {
    "external_id": "R-9001",
    "order_external_id": "5001",
    "order_name": "#1042",
    "status": "open",
    "currency": "EUR",
    "created_at": "2026-11-25T10:00:00Z",
    "updated_at": "2026-11-25T11:30:00+01:00",
    "customer_email": "ana@example.com",
    "customer_name": "Ana Pérez",
    "prices_include_tax": False,
    "lines": [
        {
            "external_id": "L-1",
            "order_line_external_id": "11",
            "sku": "TSHIRT-M",
            "unit_price": "40.00",
            "discount": "4.00",
            "tax": "7.56",
            "refund_amount": "43.56",
            "reason": "too_small",
            "reason_label": "Too small",
            "outcome": "refund",
            "comment": "Fits like an S",
            "returned_at": "2026-11-25T09:00:00",
        },
        {
            "external_id": "L-2",
            "order_line_external_id": "12",
            "sku": "SHOES-42",
            "quantity": 2,
            "unit_price": "80.00",
            "outcome": "exchange",
            "exchange_sku": "SHOES-43",
            "exchange_variant_id": 7788,
        },
    ],
    "labels": [
        {
            "carrier": "UPS",
            "tracking_number": "1Z999",
            "url": "https://labels.example.com/1Z999.pdf",
            "status": "in_transit",
            "updated_at": "2026-11-26T08:00:00Z",
        }
    ],
    "refunds": [{"gateway": "shopify_payments", "amount": "43.56"}],
    "total_refund": "43.56",
    "exchange_total": "160.00",
    "credit_total": "0",
    "note": "  kept as written  ",
}


def full():
    return copy.deepcopy(FULL_RETURN)


def parse_with(**changes):
    data = full()
    data.update(changes)
    return cr.return_from_dict(data)


def line_with(**changes):
    data = full()
    data["lines"][0].update(changes)
    return cr.return_from_dict(data)


def error_of(call, *args, **kwargs):
    with pytest.raises(CanonicalError) as info:
        call(*args, **kwargs)
    return info.value


# --- return ---------------------------------------------------------------------


def test_full_return():
    value = cr.return_from_dict(full())
    assert value.external_id == "R-9001"
    assert value.order_external_id == "5001"
    assert value.order_name == "#1042"
    assert value.status == "open"
    assert value.currency == "EUR"
    assert value.created_at == datetime(2026, 11, 25, 10, 0)
    assert value.updated_at == datetime(2026, 11, 25, 10, 30)
    assert value.customer_email == "ana@example.com"
    assert value.customer_name == "Ana Pérez"
    assert value.total_refund == Decimal("43.56")
    assert value.exchange_total == Decimal("160.00")
    assert value.credit_total == Decimal(0)
    assert value.note == "  kept as written  "
    assert value.prices_include_tax is False
    first, second = value.lines
    assert first == cr.ReturnLine(
        external_id="L-1",
        order_line_external_id="11",
        sku="TSHIRT-M",
        quantity=Decimal(1),
        unit_price=Decimal("40.00"),
        discount=Decimal("4.00"),
        tax=Decimal("7.56"),
        refund_amount=Decimal("43.56"),
        reason="too_small",
        reason_label="Too small",
        outcome="refund",
        comment="Fits like an S",
        returned_at=datetime(2026, 11, 25, 9, 0),
    )
    assert second.quantity == Decimal(2)
    assert second.outcome == "exchange"
    assert second.exchange_sku == "SHOES-43"
    assert second.exchange_variant_id == "7788"
    assert second.refund_amount is None
    assert value.labels == (
        cr.ReturnLabel(
            carrier="UPS",
            tracking_number="1Z999",
            url="https://labels.example.com/1Z999.pdf",
            status="in_transit",
            updated_at=datetime(2026, 11, 26, 8, 0),
        ),
    )
    # A refund without a currency is in the return's.
    assert value.refunds == (
        cr.ChannelRefund(
            gateway="shopify_payments", amount=Decimal("43.56"), currency="EUR"
        ),
    )


def test_minimal_return_defaults():
    value = cr.return_from_dict(
        {
            "external_id": 9001,
            "order_external_id": 5001,
            "status": "review",
            "currency": "USD",
            "lines": [{"external_id": "L-1", "sku": "A"}],
        }
    )
    assert value.external_id == "9001"
    assert value.order_external_id == "5001"
    assert value.order_name == ""
    assert value.created_at is None
    assert value.labels == value.refunds == ()
    assert value.total_refund is None
    line = value.lines[0]
    assert line.quantity == Decimal(1)
    assert line.unit_price == line.tax == line.discount == Decimal(0)
    assert line.outcome == "refund"
    assert line.order_line_external_id == ""


def test_objects_are_frozen():
    value = cr.return_from_dict(full())
    with pytest.raises(AttributeError):
        value.status = "closed"


def test_round_trip():
    value = cr.return_from_dict(full())
    assert cr.return_from_dict(cr.return_to_dict(value)) == value
    assert cr.return_to_dict(value)["lines"][0]["unit_price"] == "40.00"


def test_quantities_by_order_line():
    data = full()
    data["lines"].append(
        {"external_id": "L-3", "order_line_external_id": "12", "sku": "SHOES-42"}
    )
    data["lines"].append({"external_id": "L-4", "sku": "GIFT"})
    value = cr.return_from_dict(data)
    assert value.quantities_by_order_line() == {
        "11": Decimal(1),
        "12": Decimal(3),
        "GIFT": Decimal(1),
    }


@pytest.mark.parametrize("status", cr.RETURN_STATUSES)
def test_every_known_status(status):
    assert parse_with(status=status).status == status


@pytest.mark.parametrize("status", ["closed", "cancelled", "expired"])
def test_a_finished_return_may_have_no_line(status):
    assert parse_with(status=status, lines=[]).lines == ()


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"external_id": None}, "external_id", "this field is required"),
        ({"external_id": ""}, "external_id", "this field is required"),
        ({"external_id": {"a": 1}}, "external_id", "expected text, got an object"),
        (
            {"order_external_id": ""},
            "order_external_id",
            "return cannot be matched to its order",
        ),
        ({"status": None}, "status", "this field is required"),
        (
            {"status": "needs review"},
            "status",
            "'needs review' is not a known return status "
            "(known: open, review, closed, cancelled, expired)",
        ),
        ({"currency": "eur"}, "currency", "3-letter ISO 4217 code"),
        ({"currency": None}, "currency", "this field is required"),
        ({"lines": []}, "lines", "an open return needs at least one line"),
        ({"lines": {"a": 1}}, "lines", "expected a list, got an object"),
        ({"lines": ["x"]}, "lines[0]", "expected an object, got text"),
        ({"created_at": "yesterday"}, "created_at", "is not an ISO 8601"),
        ({"total_refund": "12,50"}, "total_refund", "is not a decimal number"),
        ({"total_refund": "-1"}, "total_refund", "must not be negative"),
        ({"exchange_total": True}, "exchange_total", "got a boolean"),
        ({"prices_include_tax": "yes"}, "prices_include_tax", "true or false"),
        ({"labels": [None]}, "labels[0]", "this field is required"),
        ({"refunds": [{"amount": "0"}]}, "refunds[0].amount", "greater than zero"),
        ({"refunds": [{}]}, "refunds[0].amount", "this field is required"),
        (
            {"refunds": [{"amount": "1", "currency": "euro"}]},
            "refunds[0].currency",
            "ISO 4217",
        ),
        ({"customer_email": "a\x00b"}, "customer_email", "NUL character"),
    ],
)
def test_return_errors(changes, path, message):
    error = error_of(parse_with, **changes)
    assert error.path == path
    assert message in error.message


def test_return_must_be_an_object():
    error = error_of(cr.return_from_dict, ["not", "a", "dict"])
    assert str(error) == "a return must be an object, got a list"


# --- lines ----------------------------------------------------------------------


@pytest.mark.parametrize("outcome", cr.RETURN_OUTCOMES)
def test_every_known_outcome(outcome):
    assert line_with(outcome=outcome).lines[0].outcome == outcome


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        (
            {"outcome": "store_credit_plus"},
            "lines[0].outcome",
            "'store_credit_plus' is not a known outcome "
            "(known: refund, exchange, credit)",
        ),
        ({"outcome": 3}, "lines[0].outcome", "'3' is not a known outcome"),
        ({"external_id": None}, "lines[0].external_id", "this field is required"),
        (
            {"order_line_external_id": "", "sku": ""},
            "lines[0].order_line_external_id",
            "needs the order line id or a SKU",
        ),
        ({"quantity": 0}, "lines[0].quantity", "must be greater than zero"),
        ({"quantity": "-1"}, "lines[0].quantity", "must not be negative"),
        ({"quantity": "two"}, "lines[0].quantity", "is not a decimal number"),
        ({"unit_price": "-5"}, "lines[0].unit_price", "must not be negative"),
        ({"tax": "NaN"}, "lines[0].tax", "is not a decimal number"),
        ({"refund_amount": []}, "lines[0].refund_amount", "got a list"),
        ({"returned_at": "25/11/2026"}, "lines[0].returned_at", "ISO 8601"),
        (
            {"reason": "x" * 300},
            "lines[0].reason",
            "is too long (at most 255 characters)",
        ),
    ],
)
def test_line_errors(changes, path, message):
    error = error_of(line_with, **changes)
    assert error.path == path
    assert message in error.message


def test_line_parser_alone_names_its_path():
    error = error_of(cr.return_line_from_dict, {"sku": "A"}, "items[3]")
    assert str(error) == "items[3].external_id: this field is required"


def test_returned_at_with_offset_becomes_utc():
    value = line_with(returned_at="2026-11-25T09:00:00-05:00")
    assert value.lines[0].returned_at == datetime(2026, 11, 25, 14, 0)


# --- label events -------------------------------------------------------------------


def test_label_event():
    value = cr.label_event_from_dict(
        {
            "return_external_id": 9001,
            "order_external_id": "5001",
            "carrier": "USPS",
            "tracking_number": "9400",
            "status": "delivered",
            "updated_at": "2026-11-27T12:00:00",
        }
    )
    assert value == cr.LabelEvent(
        return_external_id="9001",
        order_external_id="5001",
        carrier="USPS",
        tracking_number="9400",
        status="delivered",
        updated_at=datetime(2026, 11, 27, 12, 0),
    )
    assert cr.label_event_from_dict(cr.label_event_to_dict(value)) == value


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({}, "return_external_id", "this field is required"),
        ({"return_external_id": "1", "updated_at": 5}, "updated_at", "got a number"),
        ("label", "", "a label event must be an object, got text"),
    ],
)
def test_label_event_errors(data, path, message):
    error = error_of(cr.label_event_from_dict, data)
    assert error.path == path
    assert message in error.message


# --- restock requests ---------------------------------------------------------------


def test_restock_request():
    value = cr.restock_request_from_dict(
        {
            "return_external_id": "9001",
            "items": [
                {"location_id": 61, "variant_id": 7788, "quantity": "2"},
                {"sku": "TSHIRT-M", "quantity": 1},
            ],
        }
    )
    assert value == cr.RestockRequest(
        return_external_id="9001",
        items=(
            cr.RestockItem(location_id="61", variant_id="7788", quantity=Decimal(2)),
            cr.RestockItem(sku="TSHIRT-M", quantity=Decimal(1)),
        ),
    )
    assert cr.restock_request_from_dict(cr.restock_request_to_dict(value)) == value


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"items": []}, "items", "a restock request needs at least one item"),
        ({}, "items", "a restock request needs at least one item"),
        (
            {"items": [{"quantity": 1}]},
            "items[0].variant_id",
            "needs the variant id or a SKU",
        ),
        ({"items": [{"sku": "A"}]}, "items[0].quantity", "this field is required"),
        (
            {"items": [{"sku": "A", "quantity": "0"}]},
            "items[0].quantity",
            "must be greater than zero",
        ),
        (None, "", "a restock request must be an object, got null"),
    ],
)
def test_restock_errors(data, path, message):
    error = error_of(cr.restock_request_from_dict, data)
    assert error.path == path
    assert message in error.message


def test_only_canonical_errors_escape():
    # Whatever comes in, the parser answers with a readable CanonicalError.
    for bad in (1, "x", [], {"lines": None}, {"external_id": 1.5}):
        with pytest.raises(CanonicalError):
            cr.return_from_dict(bad)
