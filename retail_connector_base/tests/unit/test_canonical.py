import copy
import json
from datetime import datetime
from decimal import Decimal

import pytest

from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_base.tools.canonical import CanonicalError

# The example order of the generic channel's documentation.
FULL_ORDER = {
    "external_id": "1001",
    "name": "WEB-1001",
    "status": "confirmed",
    "currency": "EUR",
    "ordered_at": "2026-11-25T10:00:00Z",
    "updated_at": "2026-11-25T11:30:00+01:00",
    "prices_include_tax": False,
    "customer": {
        "external_id": "c-55",
        "email": "ana@example.com",
        "name": "Ana Pérez",
        "phone": "+34 600 000 000",
    },
    "billing_address": {
        "name": "Ana Pérez",
        "company": "Muebles SL",
        "street": "Calle Mayor 1",
        "street2": "2º B",
        "city": "Madrid",
        "zip": "28013",
        "state_code": "M",
        "country_code": "ES",
        "email": "ana@example.com",
        "phone": "+34 600 000 000",
    },
    "shipping_address": {
        "name": "Ana Pérez",
        "street": "Calle Mayor 1",
        "city": "Madrid",
        "zip": "28013",
        "country_code": "ES",
    },
    "lines": [
        {
            "external_id": "l1",
            "sku": "DESK-01",
            "name": "Desk",
            "quantity": "2",
            "unit_price": "100.00",
            "discount": "10.00",
            "tax_rate": "21.0",
        }
    ],
    "shipping": [
        {"code": "flat_rate", "name": "Flat rate", "amount": "5.00", "tax_rate": "21.0"}
    ],
    "fees": [{"name": "Gift wrap", "amount": "2.00", "tax_rate": "21.0"}],
    "payment": {
        "method": "stripe",
        "reference": "ch_1",
        "status": "paid",
        "amount": "238.37",
    },
    "note": "Leave at the door",
    "total": "238.37",
}


def order_with(**changes):
    data = copy.deepcopy(FULL_ORDER)
    data.update(changes)
    return data


def line_with(**changes):
    line = dict(FULL_ORDER["lines"][0], **changes)
    return order_with(lines=[line])


def error_of(data):
    with pytest.raises(CanonicalError) as info:
        canonical.order_from_dict(data)
    return str(info.value)


def test_full_order_is_read_with_exact_amounts_and_utc_datetimes():
    order = canonical.order_from_dict(FULL_ORDER)

    assert order.external_id == "1001"
    assert order.name == "WEB-1001"
    assert order.status == "confirmed"
    assert order.currency == "EUR"
    assert order.ordered_at == datetime(2026, 11, 25, 10, 0, 0)
    # +01:00 is converted to naive UTC, Odoo's convention.
    assert order.updated_at == datetime(2026, 11, 25, 10, 30, 0)
    assert order.customer == canonical.Party(
        external_id="c-55",
        email="ana@example.com",
        name="Ana Pérez",
        phone="+34 600 000 000",
    )
    assert order.billing_address.street2 == "2º B"
    assert order.shipping_address.company == ""
    (line,) = order.lines
    assert line == canonical.OrderLine(
        external_id="l1",
        sku="DESK-01",
        name="Desk",
        quantity=Decimal("2"),
        unit_price=Decimal("100.00"),
        discount=Decimal("10.00"),
        tax_rate=Decimal("21.0"),
    )
    assert order.shipping == (
        canonical.ShippingLine("flat_rate", "Flat rate", Decimal("5.00"), Decimal(21)),
    )
    assert order.fees == (canonical.Fee("Gift wrap", Decimal("2.00"), Decimal(21)),)
    assert order.payment == canonical.Payment(
        "stripe", "ch_1", "paid", Decimal("238.37")
    )
    assert order.total == Decimal("238.37")
    assert order.note == "Leave at the door"


def test_untaxed_total_plus_tax_matches_the_documented_channel_total():
    order = canonical.order_from_dict(FULL_ORDER)

    untaxed = canonical.compute_lines_total(order)

    assert untaxed == Decimal("197.00")  # 2 x 100 - 10 + 5 shipping + 2 fee
    assert untaxed * Decimal("1.21") == order.total


def test_round_trip_through_json_gives_the_same_order():
    order = canonical.order_from_dict(FULL_ORDER)

    wire = json.loads(json.dumps(canonical.order_to_dict(order)))

    assert canonical.order_from_dict(wire) == order
    assert wire["lines"][0]["unit_price"] == "100.00"
    assert wire["ordered_at"] == "2026-11-25T10:00:00Z"
    assert wire["updated_at"] == "2026-11-25T10:30:00Z"
    assert wire["payment"]["amount"] == "238.37"


def test_refunds_round_trip_and_default_to_the_order():
    data = order_with(
        refunds=[
            {
                "external_id": "r-1",
                "amount": "50.00",
                "reason": "Damaged",
                "lines": [{"line_external_id": "l1", "quantity": "1"}],
                "created_at": "2026-11-26T09:00:00Z",
            }
        ]
    )

    order = canonical.order_from_dict(data)

    (refund,) = order.refunds
    assert refund.order_external_id == "1001"
    assert refund.amount == Decimal("50.00")
    assert refund.lines == (canonical.RefundLine("l1", "", Decimal(1), Decimal(0)),)
    assert refund.created_at == datetime(2026, 11, 26, 9, 0)
    assert canonical.order_from_dict(canonical.order_to_dict(order)) == order


def test_minimal_order_gets_documented_defaults():
    order = canonical.order_from_dict(
        {
            "external_id": 1001,
            "status": "pending",
            "currency": "USD",
            "lines": [{"sku": "MUG", "quantity": 1, "unit_price": 0}],
        }
    )

    assert order.external_id == "1001"
    assert order.name == "1001"
    assert order.customer == canonical.Party()
    assert order.billing_address.is_empty()
    assert order.shipping_address.is_empty()
    assert order.prices_include_tax is False
    assert order.payment is None
    assert order.total is None
    assert order.ordered_at is None
    assert order.lines[0].name == "MUG"
    assert order.lines[0].discount == Decimal(0)
    assert order.lines[0].tax_rate is None


def test_unknown_keys_are_ignored_and_text_is_trimmed():
    order = canonical.order_from_dict(
        line_with(sku="  DESK-01 ", colour="oak", meta_data=[{"k": "v"}])
    )

    assert order.lines[0].sku == "DESK-01"


def test_unicode_text_is_kept_as_is():
    name = "Zoë Ñandú 東京店 🚚"
    order = canonical.order_from_dict(
        order_with(customer={"name": name}, note="  ünïcødé note \n")
    )

    assert order.customer.name == name
    # Notes are free text: leading and trailing blanks are the customer's own.
    assert order.note == "  ünïcødé note \n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (["not", "an", "object"], "an order must be an object, got a list"),
        (order_with(external_id=None), "external_id: this field is required"),
        (order_with(external_id="  "), "external_id: this field is required"),
        (order_with(external_id=True), "external_id: expected text, got a boolean"),
        (order_with(external_id="x" * 256), "external_id: 'xxxxxxxxxx"),
        (
            order_with(status="shipped"),
            "status: 'shipped' is not one of pending, confirmed, completed, cancelled",
        ),
        (
            order_with(currency="eur"),
            "currency: 'eur' is not a 3-letter ISO 4217 code in capitals (e.g. EUR)",
        ),
        (order_with(currency=978), "currency: '978' is not a 3-letter ISO 4217"),
        (order_with(lines=[]), "lines: an order needs at least one line"),
        (order_with(lines=None), "lines: an order needs at least one line"),
        (order_with(lines="DESK-01"), "lines: expected a list, got text"),
        (order_with(lines=["DESK-01"]), "lines[0]: expected an object, got text"),
        (line_with(sku=""), "lines[0].sku: this field is required"),
        (line_with(quantity=None), "lines[0].quantity: this field is required"),
        (line_with(quantity="abc"), "lines[0].quantity: 'abc' is not a decimal number"),
        (line_with(quantity="-1"), "lines[0].quantity: '-1' must not be negative"),
        (line_with(quantity="0"), "lines[0].quantity: '0' must be greater than zero"),
        (line_with(quantity=[2]), "lines[0].quantity: expected a decimal number, got"),
        (
            line_with(unit_price="1e16"),
            "lines[0].unit_price: '1e16' is too large "
            "(at most 15 digits before the decimal point)",
        ),
        (
            line_with(unit_price=10**400),
            "lines[0].unit_price: the number is too large",
        ),
        (
            line_with(unit_price=float("nan")),
            "lines[0].unit_price: 'nan' is not a finite number",
        ),
        (line_with(unit_price="NaN"), "lines[0].unit_price: 'NaN' is not a decimal"),
        (
            line_with(unit_price="Infinity"),
            "lines[0].unit_price: 'Infinity' is not a decimal number",
        ),
        (line_with(unit_price="-5"), "lines[0].unit_price: '-5' must not be negative"),
        (
            line_with(discount="250"),
            "lines[0].discount: '250' is more than the line amount 200.00",
        ),
        (line_with(tax_rate="21%"), "lines[0].tax_rate: '21%' is not a decimal number"),
        (
            order_with(prices_include_tax="yes"),
            "prices_include_tax: expected true or false, got text",
        ),
        (order_with(customer=["c-55"]), "customer: expected an object, got a list"),
        (
            order_with(customer={"email": 5.5}),
            "customer.email: expected text, got a number",
        ),
        (
            order_with(ordered_at="yesterday"),
            "ordered_at: 'yesterday' is not an ISO 8601 date and time "
            "(e.g. 2026-11-25T10:00:00Z)",
        ),
        (
            order_with(ordered_at=1764064800),
            "ordered_at: expected an ISO 8601 date and time "
            "(e.g. 2026-11-25T10:00:00Z), got a number",
        ),
        (
            order_with(note="bad\x00byte"),
            "note: 'bad\\x00byte' contains a NUL character",
        ),
        (
            order_with(customer={"name": "broken \ud800 surrogate"}),
            "customer.name: 'broken \\ud800 surrogate' is not valid Unicode text",
        ),
        (order_with(total="-1"), "total: '-1' must not be negative"),
        (
            order_with(shipping=[{"code": "x"}]),
            "shipping[0].amount: this field is required",
        ),
        (
            order_with(refunds=[{"external_id": "r1", "amount": "x"}]),
            "refunds[0].amount: 'x' is not a decimal number",
        ),
        (
            order_with(refunds=[{"amount": "1"}]),
            "refunds[0].external_id: this field is required",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_readable_message(data, expected):
    assert error_of(data).startswith(expected)


def test_error_carries_path_and_message_separately():
    with pytest.raises(CanonicalError) as info:
        canonical.order_from_dict(line_with(quantity="abc"))

    assert isinstance(info.value, ValueError)
    assert info.value.path == "lines[0].quantity"
    assert info.value.message == "'abc' is not a decimal number"


def test_second_line_errors_name_their_index():
    data = order_with(lines=[FULL_ORDER["lines"][0], {"sku": "X", "quantity": "1"}])

    assert error_of(data) == "lines[1].unit_price: this field is required"


def test_long_values_are_shortened_in_messages():
    message = error_of(line_with(quantity="9" * 500))

    assert len(message) < 120
    assert message.startswith("lines[0].quantity: '9999")


def test_negative_fee_is_a_credit():
    order = canonical.order_from_dict(
        order_with(fees=[{"name": "Loyalty credit", "amount": "-3.50"}])
    )

    assert order.fees[0].amount == Decimal("-3.50")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.00", Decimal("10.00")),
        (" 2 ", Decimal(2)),
        (5, Decimal(5)),
        (0.1, Decimal("0.1")),  # via repr, not the binary expansion
        (74.380165, Decimal("74.380165")),
        ("1e3", Decimal(1000)),
        (".5", Decimal("0.5")),
        ("999999999999999.99", Decimal("999999999999999.99")),
        (Decimal("3.14"), Decimal("3.14")),
        ("0E+9999", Decimal(0)),
    ],
)
def test_parse_decimal_accepts(value, expected):
    result = canonical.parse_decimal(value, "amount")

    assert result == expected
    assert canonical.format_decimal(result) == canonical.format_decimal(expected)


@pytest.mark.parametrize(
    "value",
    [
        True,
        None,
        "",
        "NaN",
        "inf",
        float("-inf"),
        Decimal("NaN"),
        Decimal("sNaN"),
        "1_000",
        "١٢",  # Arabic-Indic digits, which Decimal() itself would accept
        "1,5",
        "0x10",
        10**15,
        "1000000000000000",
        1e300,
        "1e-50",
        {"amount": 1},
    ],
)
def test_parse_decimal_rejects_with_canonical_error(value):
    with pytest.raises(CanonicalError) as info:
        canonical.parse_decimal(value, "amount")

    assert str(info.value).startswith("amount: ")


def test_parse_decimal_allows_negative_only_when_asked():
    assert canonical.parse_decimal("-3", "x", allow_negative=True) == Decimal(-3)
    with pytest.raises(CanonicalError, match="must not be negative"):
        canonical.parse_decimal("-3", "x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-25T10:00:00Z", datetime(2026, 11, 25, 10, 0)),
        ("2026-11-25T10:00:00.250+00:00", datetime(2026, 11, 25, 10, 0, 0, 250000)),
        ("2026-11-25T05:00:00-05:00", datetime(2026, 11, 25, 10, 0)),
        ("2026-11-25T10:00:00", datetime(2026, 11, 25, 10, 0)),  # already UTC
        ("2026-11-25", datetime(2026, 11, 25)),
        (None, None),
        ("", None),
    ],
)
def test_parse_datetime_gives_naive_utc(value, expected):
    result = canonical.parse_datetime(value, "at")

    assert result == expected
    assert result is None or result.tzinfo is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("25/11/2026", "at: '25/11/2026' is not an ISO 8601 date and time"),
        ("2026-13-01T00:00:00Z", "at: '2026-13-01T00:00:00Z' is not an ISO 8601"),
        ("２０２６-11-25", "at: '２０２６-11-25' is not an ISO 8601 date and time"),
        ("0001-01-01T00:00:00+01:00", "is outside the supported date range"),
        ([2026], "at: expected an ISO 8601 date and time"),
    ],
)
def test_parse_datetime_rejects(value, message):
    with pytest.raises(CanonicalError) as info:
        canonical.parse_datetime(value, "at")

    assert message in str(info.value)


def test_parse_datetime_required():
    with pytest.raises(CanonicalError, match="^at: this field is required$"):
        canonical.parse_datetime(None, "at", required=True)


def test_event_envelope_is_validated_but_data_is_kept_raw():
    body = {
        "id": "evt-1",
        "topic": "order.created",
        "occurred_at": "2026-11-25T10:00:00Z",
        "data": {"external_id": "1001", "anything": ["goes"]},
    }

    event = canonical.event_from_dict(body)

    assert event == canonical.Event(
        id="evt-1",
        topic="order.created",
        occurred_at=datetime(2026, 11, 25, 10, 0),
        data={"external_id": "1001", "anything": ["goes"]},
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id": ""}, "id: this field is required"),
        ({"id": 12}, "id: expected text, got a number"),
        ({"id": "e" * 256}, "id: 'eeee"),
        (
            {"topic": "order.shipped"},
            "topic: 'order.shipped' is not a supported topic (expected one of "
            "order.created, order.updated, order.cancelled)",
        ),
        ({"topic": None}, "topic: null is not a supported topic"),
        ({"data": [1]}, "data: expected an object, got a list"),
        ({"data": None}, "data: expected an object, got null"),
        ({"occurred_at": "soon"}, "occurred_at: 'soon' is not an ISO 8601"),
    ],
)
def test_event_envelope_errors(changes, expected):
    body = {"id": "evt-1", "topic": "order.updated", "data": {}}
    body.update(changes)

    with pytest.raises(CanonicalError) as info:
        canonical.event_from_dict(body)

    assert str(info.value).startswith(expected)


def test_event_must_be_an_object():
    with pytest.raises(CanonicalError, match="^an event must be an object, got text$"):
        canonical.event_from_dict("evt-1")


def test_format_datetime_converts_aware_values_to_utc():
    aware = datetime.fromisoformat("2026-11-25T12:00:00+02:00")

    assert canonical.format_datetime(aware) == "2026-11-25T10:00:00Z"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("re_1", ["re_1"]),
        (1042, ["1042"]),
        (["re_1", 1043], ["re_1", "1043"]),
        (("re_1",), ["re_1"]),
        (None, []),
        (False, []),
        ("", []),
        (["", None], []),
    ],
)
def test_channel_ids_as_texts(answer, expected):
    assert canonical.channel_ids(answer) == expected
