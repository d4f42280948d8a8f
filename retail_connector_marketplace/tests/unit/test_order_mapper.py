"""Mirakl orders (OR11) -> canonical orders."""

import copy
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_marketplace.tools import mappers

FIXTURES = Path(__file__).parent / "fixtures"


def load(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def shipping_order():
    return load("order_shipping_tax_excluded.json")


# --- statuses -----------------------------------------------------------------


def test_default_targets_are_canonical_statuses():
    assert set(mappers.DEFAULT_STATUS_TARGETS.values()) <= set(canonical.ORDER_STATUSES)


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("WAITING_ACCEPTANCE", "pending"),
        ("WAITING_DEBIT_PAYMENT", "pending"),
        ("SHIPPING", "confirmed"),
        ("SHIPPED", "completed"),
        ("CLOSED", "completed"),
        ("REFUSED", "cancelled"),
        ("CANCELED", "cancelled"),
        ("SOMETHING_NEW", "pending"),
        ("", "pending"),
        (None, "pending"),
    ],
)
def test_map_status(state, status):
    assert mappers.map_status(state) == status


def test_custom_targets_override_and_fall_back_to_the_default():
    targets = {"SHIPPING": "pending"}
    assert mappers.map_status("SHIPPING", targets) == "pending"
    assert mappers.map_status("SHIPPED", targets) == "completed"
    assert mappers.map_status("SOMETHING_NEW", targets) == "pending"


def test_unknown_state_maps_to_pending():
    order = mappers.order_to_canonical(load("order_unknown_state.json"))
    assert order.status == "pending"
    assert [line.sku for line in order.lines] == ["SKU-Z"]
    # No tax mode: taxes excluded; no taxes: no rate.
    assert order.prices_include_tax is False
    assert order.lines[0].tax_rate is None
    assert order.lines[0].commission is None
    assert order.total == Decimal("9.99")


# --- order with taxes excluded ------------------------------------------------


def test_tax_excluded_order_header(shipping_order):
    order = mappers.order_to_canonical(shipping_order)

    assert order.external_id == order.name == "7001-A"
    assert order.status == "confirmed"
    assert order.currency == "USD"
    assert order.prices_include_tax is False
    assert order.ordered_at == datetime(2026, 11, 20, 14, 3, 11)
    assert order.updated_at == datetime(2026, 11, 21, 8, 15, 0, 123000)
    assert order.payment == canonical.Payment(method="mirakl", reference="7001")
    assert order.note == "Mirakl sales channel: United States (US)"


def test_tax_excluded_order_lines(shipping_order):
    order = mappers.order_to_canonical(shipping_order)

    # The cancelled and the refused line are left out.
    mug, tee = order.lines
    assert mug.external_id == "7001-A-1"
    assert mug.sku == "MUG-RED"
    assert mug.name == "Red mug"
    assert mug.product_external_id == "P-MUG-RED"
    assert mug.quantity == Decimal(2)
    assert mug.unit_price == Decimal("12.5")
    assert mug.discount == Decimal(0)
    assert mug.tax_rate == Decimal(8)  # two taxes: 6 + 2
    assert mug.commission == Decimal("3.75")
    # Quantity already lowered by Mirakl after the operator cancelled 2 units.
    assert tee.quantity == Decimal(1)
    assert tee.commission == Decimal("2.25")


def test_tax_excluded_order_shipping_and_total(shipping_order):
    order = mappers.order_to_canonical(shipping_order)

    (shipping,) = order.shipping
    assert shipping.code == "STD"
    assert shipping.name == "Standard delivery"
    # The refused line's shipping (1.00) is not charged.
    assert shipping.amount == Decimal("7.0")
    assert shipping.tax_rate == Decimal(8)
    # 25 + 5 + 1.5 + 0.5 + 0.3 + 0.1 and 15 + 2 + 0.9 + 0.3 + 0.12 + 0.04
    assert order.total == Decimal("50.76")


def test_addresses_and_customer(shipping_order):
    order = mappers.order_to_canonical(shipping_order)

    assert order.customer == canonical.Party(
        external_id="C-88412", email="", name="Ada Lovelace", phone="+1 212 555 0100"
    )
    billing = order.billing_address
    assert billing.name == "Ada Lovelace"
    assert billing.company == "Analytical Engines Inc"
    assert (billing.street, billing.street2) == ("12 Main St", "Suite 4")
    assert (billing.zip, billing.city, billing.state_code) == (
        "10001",
        "New York",
        "NY",
    )
    assert billing.country_code == "US"  # Mirakl's alpha-3 USA
    shipping = order.shipping_address
    assert shipping.name == "Charles Babbage"
    assert shipping.street2 == ""
    assert shipping.phone == "+1 212 555 0199"  # the secondary phone


def test_quantity_brought_to_zero_by_cancellations_drops_the_line(shipping_order):
    tee = shipping_order["order_lines"][1]
    tee["quantity"] = 0
    tee["order_line_state"] = "SHIPPING"

    order = mappers.order_to_canonical(shipping_order)

    assert [line.sku for line in order.lines] == ["MUG-RED"]
    assert order.shipping[0].amount == Decimal(5)  # kept lines' shipping_price
    assert order.total == Decimal("32.40")


def test_order_without_shipping_price_has_no_shipping_line(shipping_order):
    for line in shipping_order["order_lines"]:
        line["shipping_price"] = 0
    assert mappers.order_to_canonical(shipping_order).shipping == ()


def test_cancelled_order_keeps_its_lines_at_the_ordered_quantity(shipping_order):
    shipping_order["order_state"] = "CANCELED"
    for line in shipping_order["order_lines"]:
        line["order_line_state"] = "CANCELED"

    order = mappers.order_to_canonical(shipping_order)

    assert order.status == "cancelled"
    assert [(line.sku, line.quantity) for line in order.lines] == [
        ("MUG-RED", Decimal(2)),
        ("TEE-BLK-M", Decimal(3)),  # 1 left + 2 cancelled
        ("CAP-GRY", Decimal(1)),  # 0 left + 1 cancelled
        ("SOCKS-3P", Decimal(1)),
    ]
    assert all(line.discount == 0 for line in order.lines)
    assert order.total is None
    assert order.shipping == ()


def test_status_targets_argument(shipping_order):
    order = mappers.order_to_canonical(shipping_order, {"SHIPPING": "pending"})
    assert order.status == "pending"


# --- other payload shapes -----------------------------------------------------


def test_tax_included_order():
    order = mappers.order_to_canonical(load("order_tax_included.json"))

    assert order.status == "completed"
    assert order.prices_include_tax is True
    assert order.ordered_at == datetime(2026, 11, 2, 7, 0)
    lamp, bulbs = order.lines
    assert lamp.unit_price == Decimal("59.9")
    assert lamp.tax_rate == Decimal(20)
    # A promotion: 3 x 5.00 sold 13.50.
    assert bulbs.quantity * bulbs.unit_price - bulbs.discount == Decimal("13.5")
    assert bulbs.discount == Decimal("1.5")
    (shipping,) = order.shipping
    assert (shipping.code, shipping.name) == ("EXP", "EXP")
    assert shipping.amount == Decimal("4.9")
    assert shipping.tax_rate == Decimal(20)
    assert order.total == Decimal("78.3")  # sum of total_price
    assert order.billing_address.country_code == "FR"
    assert order.billing_address.state_code == ""
    assert order.note == "Mirakl sales channel: FR"


def test_waiting_acceptance_order_has_no_addresses():
    order = mappers.order_to_canonical(load("order_waiting_acceptance.json"))

    assert order.status == "pending"
    assert order.billing_address.is_empty()
    assert order.shipping_address.is_empty()
    assert order.customer.external_id == "C-1001"
    assert order.customer.name == "Jean Dupont"
    assert [line.quantity for line in order.lines] == [2, 1, 1]
    assert order.total == Decimal("69.0")


def test_hidden_customer_without_customer_object():
    payload = load("order_waiting_acceptance.json")
    del payload["customer"]
    order = mappers.order_to_canonical(payload)
    assert order.customer == canonical.Party()
    assert order.billing_address.is_empty()


def test_customer_id_that_is_an_email_and_null_country():
    order = mappers.order_to_canonical(load("order_email_customer.json"))

    assert order.customer.external_id == "marie.curie@example.org"
    assert order.customer.email == "marie.curie@example.org"
    assert order.customer.name == "Marie Curie"
    assert order.billing_address.country_code == ""
    assert order.shipping_address.street == "36 Quai de Béthune"
    assert order.currency == "GBP"


def test_split_orders_share_the_commercial_id():
    payload = load("orders_split.json")
    first, second = (mappers.order_to_canonical(o) for o in payload["orders"])

    assert (first.external_id, second.external_id) == ("5500-A", "5500-B")
    assert first.payment.reference == second.payment.reference == "5500"
    assert (first.status, second.status) == ("confirmed", "pending")
    assert first.total == Decimal("24.0")
    assert second.total == Decimal("27.5")
    assert second.shipping[0].tax_rate == Decimal(20)
    assert first.lines[0].tax_rate == Decimal("5.5")


# --- refunds ------------------------------------------------------------------


def test_refunds_grouped_by_id_and_waiting_ones_left_out():
    order = mappers.order_to_canonical(load("order_refunds.json"))

    assert [refund.external_id for refund in order.refunds] == ["R-501", "R-400"]
    damaged, other = order.refunds
    assert damaged.order_external_id == "8200-A"
    # 40 + 3 shipping + 8 + 0.6 taxes, and 10 + 2 tax on the filter line.
    assert damaged.amount == Decimal("63.60")
    assert damaged.reason == "DAMAGED"
    assert damaged.created_at == datetime(2026, 11, 25, 9, 59)
    assert damaged.lines == (
        canonical.RefundLine("8200-A-1", "KETTLE", Decimal(1), Decimal("40.0")),
        canonical.RefundLine("8200-A-2", "KETTLE-FILTER", Decimal(1), Decimal("10.0")),
    )
    # No state: counted as refunded.
    assert other.amount == Decimal("6.0")
    assert other.created_at == datetime(2026, 11, 20, 7, 0)
    assert order.total == Decimal("121.20")


def test_refund_amount_excludes_taxes_when_the_order_includes_them():
    payload = load("order_refunds.json")
    payload["order_tax_mode"] = "TAX_INCLUDED"
    order = mappers.order_to_canonical(payload)
    assert order.refunds[0].amount == Decimal("53.0")  # 40 + 3 + 10


def test_shipping_only_refund_has_no_refund_line():
    payload = load("order_refunds.json")
    entry = payload["order_lines"][2]["refunds"][0]
    entry.update(amount=0, quantity=0, shipping_amount=2.5, taxes=[])
    order = mappers.order_to_canonical(payload)
    refund = order.refunds[1]
    assert refund.amount == Decimal("2.5")
    assert refund.lines == ()


# --- errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda o: o.pop("order_id"), "order_id", "no order_id"),
        (
            lambda o: o["order_lines"][0].pop("offer_sku"),
            "order_lines[0].offer_sku",
            "no offer SKU",
        ),
        (lambda o: o.update(currency_iso_code="euro"), "currency", "3-letter"),
        (lambda o: o.update(created_date="yesterday"), "created_date", "ISO 8601"),
        (
            lambda o: o["order_lines"][0].update(price_unit="abc"),
            "order_lines[0].price_unit",
            "not a decimal",
        ),
        (lambda o: o.update(order_lines="x"), "order_lines", "list"),
        (lambda o: o.update(order_lines=[]), "lines", "at least one line"),
        (
            lambda o: o["order_lines"][0]["refunds"].append({"amount": 1}),
            "order_lines[0].refunds[0].id",
            "no id",
        ),
    ],
)
def test_errors_name_the_field(shipping_order, mutate, path, words):
    payload = copy.deepcopy(shipping_order)
    mutate(payload)
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.order_to_canonical(payload)
    assert error.value.path == path
    assert words in error.value.message


def test_not_an_object():
    with pytest.raises(canonical.CanonicalError):
        mappers.order_to_canonical([])


# --- poller accessors ---------------------------------------------------------


def test_order_reference(shipping_order):
    assert mappers.order_reference(shipping_order) == (
        "7001-A",
        datetime(2026, 11, 21, 8, 15, 0, 123000),
        "SHIPPING",
    )


def test_order_reference_tolerates_a_bad_date():
    assert mappers.order_reference(
        {"order_id": "1-A", "last_updated_date": "soon"}
    ) == ("1-A", None, "")
    assert mappers.order_reference(None) == ("", None, "")


def test_is_waiting_acceptance(shipping_order):
    assert mappers.is_waiting_acceptance(load("order_waiting_acceptance.json"))
    assert not mappers.is_waiting_acceptance(shipping_order)
    assert not mappers.is_waiting_acceptance(None)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("DEU", "DE"), ("fra", "FR"), ("BE", "BE"), ("XYZ", "XYZ"), (None, "")],
)
def test_country_codes_become_alpha_2(shipping_order, code, expected):
    shipping_order["customer"]["shipping_address"]["country_iso_code"] = code
    order = mappers.order_to_canonical(shipping_order)
    assert order.shipping_address.country_code == expected
