"""Property tests of the WooCommerce mappers.

Every order a store renders maps, to its own total; and no payload, however
malformed (any JSON in place of the order, of one of its fields, of one line
field; any headers and body for a delivery; any product listing), makes a
mapper fail with anything but the error its caller turns into a readable
message: CanonicalError for orders, refunds and catalog listings,
WebhookPayloadError for deliveries.
"""

import copy
import json
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.retail_connector_base.tools.canonical import CanonicalError
from odoo.addons.retail_connector_woocommerce.tools import const, mappers

from sandbox.woocommerce import WooStore, php_json

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FIXTURES = Path(__file__).parent / "fixtures"
ORDER_FIXTURES = (
    "order_variable_coupon_shipping_fee.json",
    "order_tax_inclusive.json",
    "order_refunded_partially.json",
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


def load(name):
    return json.loads((FIXTURES / name).read_text())


def maps_or_says_why(payload):
    """Map an order; True when it mapped, False for a CanonicalError."""
    try:
        mappers.order_to_canonical(payload, const.DEFAULT_STATUS_MAPPING)
    except CanonicalError as exc:
        assert str(exc), "the error says what is wrong"
        return False
    return True


# --- what a store sends ---------------------------------------------------------


@SETTINGS
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    prices_include_tax=st.booleans(),
    currency=st.sampled_from(["EUR", "USD", "GBP"]),
    tax_rate=st.sampled_from(["21", "10", "0", "19.6"]),
)
def test_every_order_a_store_renders_maps_to_its_total(
    seed, prices_include_tax, currency, tax_rate
):
    store = WooStore(
        seed=seed,
        currency=currency,
        tax_rate=tax_rate,
        prices_include_tax=prices_include_tax,
        delivery_workers=1,
    )
    store.seed_catalog()
    order = store.checkout()
    assert order is not None, "a freshly seeded store has stock"
    # The bytes a webhook carries, decoded as the connector decodes them.
    payload = json.loads(php_json(store.render_order(order)))
    mapped = mappers.order_to_canonical(payload, const.DEFAULT_STATUS_MAPPING)
    assert mapped.external_id == str(payload["id"])
    assert mapped.currency == currency
    assert mapped.total == Decimal(payload["total"])
    assert len(mapped.lines) == len(payload["line_items"])


# --- what a store never sends ------------------------------------------------------


@SETTINGS
@given(json_values)
def test_any_json_instead_of_an_order_only_raises_canonical_error(value):
    maps_or_says_why(value)


@SETTINGS
@given(
    name=st.sampled_from(ORDER_FIXTURES),
    key=st.sampled_from(
        [
            "id",
            "status",
            "currency",
            "prices_include_tax",
            "date_created_gmt",
            "date_modified_gmt",
            "total",
            "total_tax",
            "discount_total",
            "billing",
            "shipping",
            "line_items",
            "tax_lines",
            "shipping_lines",
            "fee_lines",
            "coupon_lines",
            "refunds",
            "customer_id",
            "customer_note",
        ]
    ),
    value=json_values,
)
def test_one_bad_order_field_only_raises_canonical_error(name, key, value):
    payload = load(name)
    payload[key] = value
    maps_or_says_why(payload)


@SETTINGS
@given(
    name=st.sampled_from(ORDER_FIXTURES),
    collection=st.sampled_from(
        ["line_items", "shipping_lines", "fee_lines", "tax_lines", "refunds"]
    ),
    key=st.sampled_from(
        [
            "id",
            "sku",
            "name",
            "quantity",
            "price",
            "subtotal",
            "subtotal_tax",
            "total",
            "total_tax",
            "taxes",
            "rate_id",
            "rate_percent",
            "method_id",
            "reason",
        ]
    ),
    value=json_values,
)
def test_one_bad_line_field_only_raises_canonical_error(name, collection, key, value):
    payload = load(name)
    items = copy.deepcopy(payload.get(collection) or [])
    if not items:
        items = [{}]
    items[0] = {**items[0], key: value} if isinstance(items[0], dict) else value
    payload[collection] = items
    maps_or_says_why(payload)


@SETTINGS
@given(value=json_values, key=st.sampled_from(["amount", "line_items", "id"]))
def test_refunds_map_or_raise_canonical_error(value, key):
    refund = load("refund_735.json")
    for payload in (value, {**refund, key: value}):
        try:
            mappers.refund_to_canonical(payload, "735", prices_include_tax=False)
        except CanonicalError as exc:
            assert str(exc)


@SETTINGS
@given(
    headers=st.dictionaries(
        st.sampled_from(
            [
                const.HEADER_TOPIC,
                const.HEADER_RESOURCE,
                const.HEADER_EVENT,
                const.HEADER_DELIVERY_ID,
                "Content-Type",
            ]
        ),
        st.text(max_size=30),
    ),
    body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()),
)
def test_deliveries_parse_or_raise_webhook_payload_error(headers, body):
    try:
        topic, _resource, _event, payload = mappers.parse_webhook(headers, body)
    except mappers.WebhookPayloadError as exc:
        assert str(exc)
        return
    assert topic
    assert isinstance(payload, dict)
    assert len(mappers.webhook_dedup_key(headers, payload)) <= 255
    mappers.modified_at(payload)


@SETTINGS
@given(
    product=json_values,
    variations=st.lists(json_values, max_size=3),
)
def test_catalog_listings_flatten_or_raise_canonical_error(product, variations):
    try:
        entries = mappers.catalog_entries(product, variations)
    except CanonicalError as exc:
        assert str(exc)
        return
    for entry in entries:
        assert set(entry) == {"external_id", "parent_id", "sku", "name", "type"}
        assert all(isinstance(value, str) for value in entry.values())
