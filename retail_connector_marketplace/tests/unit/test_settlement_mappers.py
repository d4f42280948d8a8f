"""Mirakl transaction log lines (TL02) and accounting documents (IV01)."""

import dataclasses
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
def transactions():
    return load("transaction_logs.json")["data"]


@pytest.fixture
def invoices():
    return load("invoices.json")["invoices"]


# --- transaction lines --------------------------------------------------------


def test_order_amount_line(transactions):
    line = mappers.transaction_line(transactions[0])

    assert line.id == "8b1d0f36-5a5e-4d0b-9a3b-2f6e1c1e0001"
    assert line.type == "ORDER_AMOUNT"
    assert (line.amount, line.amount_credited, line.amount_debited) == (
        Decimal("25.0"),
        Decimal("25.0"),
        Decimal(0),
    )
    assert line.currency == "USD"
    assert line.date_created == datetime(2026, 11, 22, 10, 0)
    assert line.last_updated == datetime(2026, 11, 22, 10, 0, 1, 500000)
    assert line.payment_state == "PENDING"
    assert (line.order_id, line.order_commercial_id) == ("7001-A", "7001")
    assert line.order_line_id == "7001-A-1"
    assert line.refund_id == ""
    assert line.tax_code == "" and line.tax_rate is None


def test_tax_line(transactions):
    line = mappers.transaction_line(transactions[1])
    assert (line.tax_code, line.tax_rate) == ("STATE", Decimal(6))


def test_commission_line_is_negative_and_paid(transactions):
    line = mappers.transaction_line(transactions[2])

    assert line.amount == Decimal("-3.75")
    assert line.amount_debited == Decimal("3.75")
    assert line.payment_state == "PAID"
    assert line.accounting_document_id == "AD-2026-11-2"
    assert line.accounting_document_number == "INV-000812"
    assert line.payment_voucher_number == "PV-42"
    assert line.billing_cycle_id == "314"
    assert line.fee_code == "COMMISSION"


def test_refund_line(transactions):
    line = mappers.transaction_line(transactions[3])
    assert line.type == "REFUND_ORDER_AMOUNT"
    assert line.refund_id == "R-501"
    assert line.amount == Decimal("-40.0")


def test_unknown_type_is_kept(transactions):
    line = mappers.transaction_line(transactions[4])
    assert line.type == "SOME_FUTURE_TYPE"
    assert line.amount == Decimal("0.42")
    # Credited/debited absent: zero; no entities: no links.
    assert line.amount_credited == line.amount_debited == Decimal(0)
    assert line.order_id == ""


def test_transaction_line_is_frozen(transactions):
    line = mappers.transaction_line(transactions[0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.amount = Decimal(1)


@pytest.mark.parametrize("key", ["id", "type", "amount"])
def test_transaction_line_required_fields(transactions, key):
    payload = dict(transactions[0])
    del payload[key]
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.transaction_line(payload)
    assert error.value.path == key
    assert f"has no {key}" in error.value.message


def test_transaction_line_bad_values(transactions):
    payload = dict(transactions[0], amount="twelve")
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.transaction_line(payload)
    assert error.value.path == "amount"
    payload = dict(transactions[0], entities={"order_tax": {"rate": "x"}})
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.transaction_line(payload)
    assert error.value.path == "entities.order_tax.rate"
    with pytest.raises(canonical.CanonicalError):
        mappers.transaction_line("not a line")


# --- accounting documents -----------------------------------------------------


def test_auto_invoice(invoices):
    document = mappers.accounting_document(invoices[0])

    assert document == mappers.AccountingDocument(
        id="2211",
        number="INV-000812",
        type="AUTO_INVOICE",
        issue_date=datetime(2026, 12, 1),
        due_date=datetime(2026, 12, 15),
        total_excl=Decimal("35.25"),
        total_incl=Decimal("36.4"),
        currency="EUR",
        payment_state="PAID",
        payment_reference="PAY-77",
        payment_date=datetime(2026, 12, 3, 7, 0),
    )


def test_manual_credit_still_unpaid(invoices):
    document = mappers.accounting_document(invoices[1])
    assert document.id == "2212"
    assert document.type == "MANUAL_CREDIT"
    assert document.due_date is None
    assert (document.payment_state, document.payment_reference) == ("PENDING", "")
    assert document.payment_date is None


def test_number_falls_back_to_the_id(invoices):
    payload = dict(invoices[1])
    del payload["invoice_id"]
    assert mappers.accounting_document(payload).number == "2212"


@pytest.mark.parametrize(
    "key", ["id", "total_amount_excl_taxes", "total_amount_incl_taxes"]
)
def test_accounting_document_required_fields(invoices, key):
    payload = dict(invoices[0])
    del payload[key]
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.accounting_document(payload)
    assert error.value.path == key


def test_accounting_document_bad_date(invoices):
    payload = dict(invoices[0], issue_date="01/12/2026")
    with pytest.raises(canonical.CanonicalError) as error:
        mappers.accounting_document(payload)
    assert error.value.path == "issue_date"
