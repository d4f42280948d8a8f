"""Property tests: any valid order survives a JSON round trip, and no input,
however malformed, makes the parser fail with anything but CanonicalError."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_base.tools.canonical import CanonicalError

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# NUL and lone surrogates are rejected by design (PostgreSQL cannot store them).
characters = st.characters(codec="utf-8", exclude_characters="\x00")
text = st.text(alphabet=characters, max_size=30)
identifier = st.text(alphabet=characters, min_size=1, max_size=20).filter(str.strip)
amount = st.decimals(
    min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False
)
quantity = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal(10000), places=3, allow_nan=False
)
moment = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [
            None,
            UTC,
            timezone(timedelta(hours=5, minutes=30)),
            timezone(-timedelta(hours=8)),
        ]
    ),
)


def iso(value):
    """ISO 8601 as channels write it, UTC sometimes spelled with a Z."""
    return value.isoformat().replace("+00:00", "Z")


wire_moment = moment.map(iso)
# Channels send amounts as strings, JSON numbers, or integers.
wire_amount = st.one_of(
    amount.map(str), amount.map(float), st.integers(min_value=0, max_value=10**9)
)


def optional(strategy):
    return st.one_of(st.none(), strategy)


addresses = st.fixed_dictionaries(
    {},
    optional={
        key: text
        for key in ("name", "company", "street", "city", "zip", "country_code")
    },
)


@st.composite
def order_lines(draw):
    qty = draw(quantity)
    unit_price = draw(amount)
    discount = draw(
        st.decimals(min_value=0, max_value=qty * unit_price, places=2, allow_nan=False)
    )
    return {
        "external_id": draw(text),
        "sku": draw(identifier),
        "name": draw(text),
        "quantity": str(qty),
        "unit_price": str(unit_price),
        "discount": str(discount),
        "tax_rate": draw(optional(st.sampled_from(["0", "7.7", "21.0", 10]))),
    }


valid_orders = st.fixed_dictionaries(
    {
        "external_id": st.one_of(
            identifier, st.integers(min_value=1, max_value=10**12)
        ),
        "status": st.sampled_from(canonical.ORDER_STATUSES),
        "currency": st.sampled_from(["EUR", "USD", "GBP", "JPY"]),
        "lines": st.lists(order_lines(), min_size=1, max_size=4),
    },
    optional={
        "name": text,
        "ordered_at": optional(wire_moment),
        "updated_at": optional(wire_moment),
        "prices_include_tax": st.booleans(),
        "customer": st.fixed_dictionaries(
            {}, optional={"external_id": text, "email": text, "name": text}
        ),
        "billing_address": addresses,
        "shipping_address": addresses,
        "shipping": st.lists(
            st.fixed_dictionaries(
                {"code": text, "name": text, "amount": wire_amount},
                optional={"tax_rate": st.sampled_from(["21", "0"])},
            ),
            max_size=2,
        ),
        "fees": st.lists(
            st.fixed_dictionaries({"name": text, "amount": wire_amount}), max_size=2
        ),
        "discounts": st.lists(
            st.fixed_dictionaries({"code": text, "amount": wire_amount}), max_size=2
        ),
        "payment": optional(
            st.fixed_dictionaries(
                {}, optional={"method": text, "reference": text, "amount": wire_amount}
            )
        ),
        "note": text,
        "total": optional(wire_amount),
        "refunds": st.lists(
            st.fixed_dictionaries(
                {"external_id": identifier, "amount": wire_amount},
                optional={
                    "reason": text,
                    "created_at": wire_moment,
                    "lines": st.lists(
                        st.fixed_dictionaries(
                            {}, optional={"sku": text, "quantity": wire_amount}
                        ),
                        max_size=2,
                    ),
                },
            ),
            max_size=2,
        ),
    },
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.decimals().map(str),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@SETTINGS
@given(valid_orders)
def test_valid_orders_round_trip_through_json(data):
    order = canonical.order_from_dict(data)

    wire = json.loads(json.dumps(canonical.order_to_dict(order)))

    assert canonical.order_from_dict(wire) == order
    assert canonical.order_to_dict(canonical.order_from_dict(wire)) == wire
    assert all(isinstance(line["quantity"], str) for line in wire["lines"])
    for value in (order.ordered_at, order.updated_at):
        assert value is None or value.tzinfo is None


@SETTINGS
@given(json_values)
def test_arbitrary_json_only_raises_canonical_error(value):
    try:
        canonical.order_from_dict(value)
    except CanonicalError as error:
        assert str(error)


@SETTINGS
@given(
    valid_orders,
    st.sampled_from(
        [
            "external_id",
            "status",
            "currency",
            "lines",
            "ordered_at",
            "prices_include_tax",
            "customer",
            "billing_address",
            "shipping",
            "fees",
            "payment",
            "note",
            "total",
            "refunds",
        ]
    ),
    json_values,
)
def test_one_bad_top_level_field_only_raises_canonical_error(data, key, value):
    data[key] = value
    try:
        canonical.order_from_dict(data)
    except CanonicalError as error:
        assert error.path.split("[")[0].split(".")[0] == key


@SETTINGS
@given(
    valid_orders,
    st.sampled_from(
        ["external_id", "sku", "name", "quantity", "unit_price", "discount", "tax_rate"]
    ),
    json_values,
)
def test_one_bad_line_field_only_raises_canonical_error(data, key, value):
    data["lines"][0][key] = value
    try:
        canonical.order_from_dict(data)
    except CanonicalError as error:
        assert error.path.startswith("lines[0].")


@SETTINGS
@given(json_values)
def test_arbitrary_event_envelope_only_raises_canonical_error(value):
    try:
        event = canonical.event_from_dict(value)
    except CanonicalError as error:
        assert str(error)
    else:
        assert event.topic in canonical.GENERIC_TOPICS
        assert isinstance(event.data, dict)
