"""WooCommerce order, refund, stock and product payloads <-> canonical model."""

import copy
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_woocommerce.tools import const, mappers

FIXTURES = Path(__file__).parent / "fixtures"


def load(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def variable_order():
    return load("order_variable_coupon_shipping_fee.json")


@pytest.fixture
def inclusive_order():
    return load("order_tax_inclusive.json")


@pytest.fixture
def refunded_order():
    return load("order_refunded_partially.json")


# --- orders -------------------------------------------------------------------


def test_variable_product_coupon_shipping_and_fee(variable_order):
    order = mappers.order_to_canonical(variable_order, const.DEFAULT_STATUS_MAPPING)

    assert order.external_id == "727"
    assert order.name == "727"
    assert order.status == "confirmed"
    assert order.currency == "EUR"
    assert order.prices_include_tax is False
    # The GMT fields, not the store's local time (UTC+2 here).
    assert order.ordered_at == datetime(2024, 5, 14, 9, 12, 43)
    assert order.updated_at == datetime(2024, 5, 14, 9, 12, 47)

    hoodie, desk = order.lines
    assert hoodie.sku == "HOODIE-BLU-L"
    assert hoodie.product_external_id == "72"  # the variation, not its parent
    assert hoodie.external_id == "310"
    assert hoodie.quantity == Decimal(2)
    assert hoodie.unit_price == Decimal("45.00")
    assert hoodie.discount == Decimal("9.00")  # 10 % coupon: subtotal - total
    assert hoodie.tax_rate == Decimal(21)
    assert desk.product_external_id == "18"
    assert desk.unit_price == Decimal("120.00")
    assert desk.discount == Decimal("12.00")

    (shipping,) = order.shipping
    assert (shipping.code, shipping.name) == ("flat_rate", "Flat rate")
    assert (shipping.amount, shipping.tax_rate) == (Decimal("5.00"), Decimal(21))
    (fee,) = order.fees
    assert (fee.name, fee.amount, fee.tax_rate) == (
        "Gift wrap",
        Decimal("2.00"),
        Decimal(21),
    )
    assert order.discounts == (canonical.Discount("spring10", Decimal("21.00")),)

    assert order.payment == canonical.Payment(
        method="stripe",
        reference="ch_3PGQ2bKx8Lh0Zq4M1TyA9c2D",
        status="paid",
        amount=Decimal("237.16"),
    )
    assert order.customer == canonical.Party(
        external_id="12",
        email="anna.devries@example.nl",
        name="Anna de Vries",
        phone="+31 20 555 0101",
    )
    assert order.billing_address.street == "Keizersgracht 123"
    assert order.billing_address.street2 == "2e verdieping"
    assert order.billing_address.zip == "1015 CJ"
    assert order.billing_address.country_code == "NL"
    assert order.shipping_address.company == "Studio Vries"
    assert order.shipping_address.street == "Prinsengracht 45"
    assert order.note == "Please ring twice \u2014 the bell is broken."

    # The untaxed amounts plus 21 % give the store's total to the cent.
    untaxed = canonical.compute_lines_total(order)
    assert untaxed == Decimal("196.00")
    assert (untaxed * Decimal("1.21")).quantize(Decimal("0.01")) == order.total
    assert order.total == Decimal("237.16")


def test_mapped_order_round_trips_through_the_generic_format(variable_order):
    order = mappers.order_to_canonical(variable_order)
    assert canonical.order_from_dict(canonical.order_to_dict(order)) == order


def test_tax_inclusive_store_keeps_prices_with_tax(inclusive_order):
    order = mappers.order_to_canonical(inclusive_order)

    assert order.prices_include_tax is True
    assert order.status == "pending"  # on-hold waits for the bank transfer
    shirt, socks = order.lines
    # line price 74.380165 is the untaxed unit price; the shop sells at 90.00
    assert inclusive_order["line_items"][0]["price"] == 74.380165
    assert shirt.unit_price == Decimal("90.00")
    assert shirt.discount == Decimal(0)
    assert shirt.tax_rate == Decimal(21)
    assert socks.unit_price == Decimal("19.95")
    assert socks.quantity == Decimal(3)
    assert socks.product_external_id == "131"
    (shipping,) = order.shipping
    assert shipping.amount == Decimal("5.00")  # 4.13 + 0.87 tax
    # In a tax-inclusive store the canonical amounts add up to the total.
    assert canonical.compute_lines_total(order) == order.total == Decimal("154.85")

    assert order.customer.external_id == ""  # guest checkout
    assert order.customer.email == "lucas.peeters@example.be"
    assert order.payment.status == "pending"
    assert order.payment.method == "bacs"
    assert order.shipping_address.is_empty()


@pytest.mark.parametrize(
    "fixture",
    [
        "order_variable_coupon_shipping_fee.json",
        "order_tax_inclusive.json",
        "order_refunded_partially.json",
    ],
)
def test_tax_rate_computed_when_the_store_omits_rate_percent(fixture):
    payload = load(fixture)
    for tax_line in payload["tax_lines"]:
        del tax_line["rate_percent"]  # stores older than WooCommerce 5.7

    order = mappers.order_to_canonical(payload)

    taxed = [*order.lines, *order.fees] + [s for s in order.shipping if s.amount]
    assert taxed
    assert {item.tax_rate for item in taxed} == {Decimal(21)}


def test_untaxed_free_shipping_has_rate_zero(refunded_order):
    order = mappers.order_to_canonical(refunded_order)
    (shipping,) = order.shipping
    assert (shipping.code, shipping.amount, shipping.tax_rate) == (
        "free_shipping",
        Decimal("0.00"),
        Decimal(0),
    )


def test_refunds_listed_on_the_order_become_canonical_refunds(refunded_order):
    order = mappers.order_to_canonical(refunded_order)

    assert order.status == "completed"
    assert order.refunds == (
        canonical.Refund(
            external_id="735",
            order_external_id="880",
            amount=Decimal("108.90"),
            reason="Damaged in transit",
        ),
    )
    # A refund changes neither the order total nor its lines.
    assert order.total == Decimal("326.70")
    assert order.lines[0].quantity == Decimal(3)


def test_refund_details_with_lines():
    refund = mappers.refund_to_canonical(load("refund_735.json"), "880")

    assert refund.external_id == "735"
    assert refund.order_external_id == "880"
    assert refund.amount == Decimal("108.90")
    assert refund.created_at == datetime(2024, 5, 28, 12, 30, 1)
    assert refund.lines == (
        canonical.RefundLine(
            line_external_id="312",
            sku="CHAIR-OAK",
            quantity=Decimal(1),
            amount=Decimal("90.00"),
        ),
    )
    taxed = mappers.refund_to_canonical(
        load("refund_735.json"), "880", prices_include_tax=True
    )
    assert taxed.lines[0].amount == Decimal("108.90")


def test_fully_refunded_order_stays_confirmed_with_its_refunds(refunded_order):
    refunded_order["status"] = "refunded"
    refunded_order["refunds"].append({"id": 741, "reason": "", "total": "-217.80"})

    order = mappers.order_to_canonical(refunded_order)

    assert order.status == const.REFUND_HANDLING_STATUS == "confirmed"
    assert [r.amount for r in order.refunds] == [Decimal("108.90"), Decimal("217.80")]


@pytest.mark.parametrize(
    ("wc_status", "expected"),
    [
        ("pending", "pending"),
        ("on-hold", "pending"),
        ("processing", "confirmed"),
        ("completed", "completed"),
        ("cancelled", "cancelled"),
        ("failed", "cancelled"),
        ("trash", "cancelled"),
        ("wc-processing", "confirmed"),
    ],
)
def test_default_status_mapping(wc_status, expected):
    assert mappers.map_status(wc_status) == expected


def test_status_mapping_is_the_connections_choice(variable_order):
    mapping = dict(const.DEFAULT_STATUS_MAPPING, completed="confirmed")
    variable_order["status"] = "completed"
    assert mappers.order_to_canonical(variable_order, mapping).status == "confirmed"


def test_unmapped_status_is_a_readable_business_error(variable_order):
    variable_order["status"] = "shipped-partially"  # a plugin's custom status
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.order_to_canonical(variable_order)
    assert error.value.path == "status"
    assert "'shipped-partially' has no mapping" in str(error.value)

    with pytest.raises(canonical.CanonicalError, match="not one of"):
        mappers.map_status("completed", {"completed": "shipped"})


def test_line_without_sku_names_the_product(variable_order):
    variable_order["line_items"][0]["sku"] = ""
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.order_to_canonical(variable_order)
    assert error.value.path == "line_items[0].sku"
    assert "'Hoodie - Blue, L' (WooCommerce id 72) has no SKU" in error.value.message


def test_malformed_money_is_reported_with_its_path(variable_order):
    variable_order["line_items"][1]["subtotal"] = "12O.00"
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.order_to_canonical(variable_order)
    assert error.value.path == "line_items[1].subtotal"


def test_price_raised_by_hand_is_not_a_negative_discount(variable_order):
    line = variable_order["line_items"][1]
    line.update(subtotal="120.00", total="130.00", total_tax="27.30")
    order = mappers.order_to_canonical(variable_order)
    assert order.lines[1].unit_price == Decimal("130.00")
    assert order.lines[1].discount == Decimal(0)


def test_unit_price_of_an_uneven_split_is_rounded_to_six_places(variable_order):
    line = variable_order["line_items"][1]
    line.update(quantity=3, subtotal="100.00", total="100.00")
    order = mappers.order_to_canonical(variable_order)
    assert order.lines[1].unit_price == Decimal("33.333333")
    assert order.lines[1].discount == Decimal(0)


def test_deleted_event_body_is_not_an_order():
    payload = load("order_deleted_body.json")
    assert payload == {"id": 727}
    # Deletions are handled from the topic; the body alone is no order.
    with pytest.raises(canonical.CanonicalError):
        mappers.order_to_canonical(payload)


# --- stock ----------------------------------------------------------------------


def test_stock_items_switch_stock_management_on():
    levels = [
        canonical.StockLevel("DESK-OAK", 7, "18"),
        canonical.StockLevel("CHAIR-OAK", 0, "22"),
        canonical.StockLevel("HOODIE-BLU-L", -2, "72"),
    ]
    assert mappers.stock_update_items(levels) == [
        {
            "id": 18,
            "manage_stock": True,
            "stock_quantity": 7,
            "stock_status": "instock",
        },
        {
            "id": 22,
            "manage_stock": True,
            "stock_quantity": 0,
            "stock_status": "outofstock",
        },
        {
            "id": 72,
            "manage_stock": True,
            "stock_quantity": -2,
            "stock_status": "outofstock",
        },
    ]


def test_stock_for_an_unlinked_sku_is_refused():
    with pytest.raises(canonical.CanonicalError, match="'LAMP-01' is not linked"):
        mappers.stock_update_items([canonical.StockLevel("LAMP-01", 3)])


def test_stock_items_grouped_per_batch_endpoint():
    levels = [
        canonical.StockLevel("DESK-OAK", 7, "18"),
        canonical.StockLevel("HOODIE-BLU-L", 4, "72"),
        canonical.StockLevel("HOODIE-BLU-M", 0, "73"),
    ]
    groups = mappers.stock_updates_by_endpoint(levels, {"72": "61", "73": "61"})
    assert sorted(groups) == ["", "61"]
    assert [item["id"] for item in groups[""]] == [18]
    assert [item["id"] for item in groups["61"]] == [72, 73]


# --- refunds to the store -------------------------------------------------------


def test_money_is_sent_with_two_decimals_rounded_half_up():
    assert mappers.money_text(12.5) == "12.50"
    assert mappers.money_text(Decimal("0.125")) == "0.13"
    assert mappers.money_text(7) == "7.00"
    assert mappers.cents(2.675) == Decimal("2.68")


def test_refundable_amount_subtracts_the_refunds_already_made(refunded_order):
    assert mappers.refundable_amount(refunded_order) == Decimal("217.80")
    assert mappers.refundable_amount({"total": "10.00"}) == Decimal("10.00")
    assert mappers.refundable_amount({}) == Decimal(0)


def test_refund_payload_amount_reason_and_flags():
    assert mappers.refund_payload(
        Decimal("12.5"), "Late delivery", api_refund=False, api_restock=False
    ) == {
        "amount": "12.50",
        "reason": "Late delivery",
        "api_refund": False,
        "api_restock": False,
    }


def test_refund_payload_lines_by_sku_with_tax_split(refunded_order):
    body = mappers.refund_payload(
        "108.90",
        "Damaged in transit",
        [
            canonical.RefundLine(
                sku="CHAIR-OAK", quantity=Decimal(1), amount=Decimal("90.00")
            )
        ],
        order=refunded_order,
    )
    assert body["line_items"] == [
        {
            "id": 312,
            "quantity": 1,
            "refund_total": "90.00",
            "refund_tax": [{"id": 1, "refund_total": "18.90"}],
        }
    ]
    assert body["api_refund"] is True


def test_refund_payload_in_a_tax_inclusive_store(inclusive_order):
    body = mappers.refund_payload(
        "90.00",
        lines=[{"line_external_id": "512", "quantity": 1, "amount": "90.00"}],
        order=inclusive_order,
    )
    (line,) = body["line_items"]
    assert line["refund_total"] == "74.38"
    assert line["refund_tax"] == [{"id": 3, "refund_total": "15.62"}]


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_refund_payload_needs_a_positive_amount(amount):
    with pytest.raises(canonical.CanonicalError):
        mappers.refund_payload(amount)


def test_refund_payload_line_that_matches_nothing(refunded_order):
    with pytest.raises(canonical.CanonicalError, match="'LAMP-01'"):
        mappers.refund_payload(
            "10", lines=[{"sku": "LAMP-01", "quantity": 1}], order=refunded_order
        )


# --- products -------------------------------------------------------------------


def test_simple_product_payload():
    body = mappers.product_payload(
        {
            "name": "Oak Desk",
            "sku": "DESK-OAK",
            "regular_price": Decimal("120"),
            "sale_price": None,
            "description": "Solid oak.",
            "weight": Decimal("18.500"),
            "stock_quantity": 7,
            "status": "draft",
            "categories": [15],
        }
    )
    assert body == {
        "name": "Oak Desk",
        "type": "simple",
        "sku": "DESK-OAK",
        "description": "Solid oak.",
        "status": "draft",
        "regular_price": "120",
        "weight": "18.5",
        "manage_stock": True,
        "stock_quantity": 7,
        "categories": [{"id": 15}],
    }


HOODIE = {
    "name": "Hoodie",
    "sku": "HOODIE",
    "attributes": [
        {"name": "Color", "values": ["Blue", "Red"]},
        {"name": "Size", "values": ["M", "L"], "id": 2},
    ],
    "variants": [
        {
            "sku": "HOODIE-BLU-M",
            "regular_price": "45.00",
            "attributes": {"Color": "Blue", "Size": "M"},
            "stock_quantity": 4,
        },
        {
            "sku": "HOODIE-RED-L",
            "regular_price": "45.00",
            "sale_price": "39.90",
            "attributes": {"Color": "Red", "Size": "L"},
            "stock_quantity": 0,
            "external_id": "74",
        },
    ],
}


def test_variable_product_payload_and_variations():
    body = mappers.product_payload(HOODIE)
    assert body == {
        "name": "Hoodie",
        "type": "variable",
        "sku": "HOODIE",
        "attributes": [
            {
                "name": "Color",
                "options": ["Blue", "Red"],
                "visible": True,
                "variation": True,
            },
            {
                "name": "Size",
                "options": ["M", "L"],
                "visible": True,
                "variation": True,
                "id": 2,
            },
        ],
    }
    assert mappers.variation_payloads(HOODIE) == [
        {
            "sku": "HOODIE-BLU-M",
            "regular_price": "45.00",
            "manage_stock": True,
            "stock_quantity": 4,
            "attributes": [
                {"option": "Blue", "name": "Color"},
                {"option": "M", "id": 2},
            ],
        },
        {
            "sku": "HOODIE-RED-L",
            "regular_price": "45.00",
            "sale_price": "39.90",
            "manage_stock": True,
            "stock_quantity": 0,
            "attributes": [
                {"option": "Red", "name": "Color"},
                {"option": "L", "id": 2},
            ],
            "id": 74,
        },
    ]


def test_variant_with_an_undeclared_value_is_refused():
    template = copy.deepcopy(HOODIE)
    template["variants"][0]["attributes"]["Color"] = "Green"
    with pytest.raises(canonical.CanonicalError, match="Color='Green'"):
        mappers.variation_payloads(template)


def test_catalog_entries_flatten_variations():
    product = {"id": 61, "name": "Hoodie", "sku": "HOODIE", "type": "variable"}
    variations = [
        {
            "id": 72,
            "sku": "HOODIE-BLU-L",
            "attributes": [
                {"id": 1, "name": "Color", "option": "Blue"},
                {"id": 2, "name": "Size", "option": "L"},
            ],
        }
    ]
    assert mappers.catalog_entries(product, variations) == [
        {
            "external_id": "61",
            "parent_id": "",
            "sku": "HOODIE",
            "name": "Hoodie",
            "type": "variable",
        },
        {
            "external_id": "72",
            "parent_id": "61",
            "sku": "HOODIE-BLU-L",
            "name": "Hoodie - Blue, L",
            "type": "variation",
        },
    ]


# --- connection helpers ---------------------------------------------------------


def test_store_summary_from_system_status():
    status = {
        "environment": {
            "home_url": "https://shop.example.com",
            "site_url": "https://shop.example.com",
            "version": "8.9.1",
            "wp_version": "6.5.3",
        },
        "settings": {"currency": "EUR", "currency_symbol": "&euro;"},
    }
    assert mappers.store_summary(status) == {
        "store_url": "https://shop.example.com",
        "currency": "EUR",
        "woocommerce_version": "8.9.1",
        "wordpress_version": "6.5.3",
    }


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("https://erp.example.com/retail/webhook/abc", False),
        ("http://erp.example.com:8080/retail/webhook/abc", False),
        ("http://erp.example.com:8069/retail/webhook/abc", True),
        ("erp.example.com/retail/webhook/abc", True),
    ],
)
def test_delivery_url_port_warning(url, warned):
    assert (mappers.delivery_url_warning(url) is not None) is warned


def test_shipment_note_names_carrier_and_tracking():
    note = mappers.shipment_note("DHL", "JD014600006281230", "https://dhl.example/t")
    assert "DHL" in note and "JD014600006281230" in note
    assert note.endswith("https://dhl.example/t")
