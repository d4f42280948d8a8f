"""Mirakl stock import files (STO01) and their error reports (STO03)."""

import csv
import io
from decimal import Decimal

import pytest

from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_marketplace.tools import api, stock_csv

HEADER = b'"offer-sku";"quantity";"warehouse-code";"update-delete"\n'


# --- import file ----------------------------------------------------------------


def test_header_bytes_exactly():
    assert stock_csv.stock_csv([]) == HEADER
    assert HEADER.decode().strip().replace('"', "").split(";") == list(
        api.STOCK_CSV_HEADER
    )


def test_rows():
    data = stock_csv.stock_csv(
        [("MUG-RED", 12, "WH-PARIS"), ("TEE-BLK-M", 0, ""), ("CAP", 3, None)]
    )
    assert data == HEADER + (
        b"MUG-RED;12;WH-PARIS;update\nTEE-BLK-M;0;;update\nCAP;3;;update\n"
    )


def test_negative_and_fractional_quantities():
    data = stock_csv.stock_csv(
        [("A", -4, ""), ("B", 2.7, ""), ("C", Decimal("5.000"), ""), ("D", "7", "")]
    )
    assert data.splitlines()[1:] == [
        b"A;0;;update",
        b"B;2;;update",
        b"C;5;;update",
        b"D;7;;update",
    ]


def test_values_are_quoted_when_needed():
    data = stock_csv.stock_csv(
        [("SKU;1", 1, "WH"), ('SKU "2"', 2, ""), ("SKU\n3", 3, ""), ("Thé-vert", 4, "")]
    )
    text = data.decode("utf-8")
    assert '"SKU;1";1;WH;update\n' in text
    assert '"SKU ""2""";2;;update\n' in text
    assert "Thé-vert;4;;update\n" in text
    assert "\r" not in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["SKU;1", 'SKU "2"', "SKU\n3", "Thé-vert"]


def test_utf8_without_bom():
    data = stock_csv.stock_csv([("Café", 1, "")])
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "Café".encode() in data


@pytest.mark.parametrize(
    ("row", "path"),
    [(("", 1, ""), "rows[0].offer-sku"), (("A", "many", ""), "rows[0].quantity")],
)
def test_bad_rows(row, path):
    with pytest.raises(canonical.CanonicalError) as error:
        stock_csv.stock_csv([row])
    assert error.value.path == path


def test_accepts_a_generator():
    rows = ((f"SKU-{n}", n, "") for n in range(3))
    assert stock_csv.stock_csv(rows).count(b"\n") == 4


# --- error report ---------------------------------------------------------------


def test_report_with_an_error_message_column():
    text = (
        '"offer-sku";"quantity";"warehouse-code";"update-delete";"error-message"\n'
        'MUG-RED;12;WH-PARIS;update;"The offer does not exist"\n'
        "TEE;x;;update;Invalid quantity\n"
    )
    assert stock_csv.parse_error_report(text) == {
        ("MUG-RED", "WH-PARIS"): "The offer does not exist",
        ("TEE", ""): "Invalid quantity",
    }


def test_report_with_an_unnamed_last_column_and_a_bom():
    text = (
        '\ufeff"offer-sku";"quantity";"warehouse-code";"update-delete";""\n'
        "CAP;3;;update;Unknown warehouse\n"
    )
    assert stock_csv.parse_error_report(text) == {("CAP", ""): "Unknown warehouse"}


def test_report_as_bytes_with_a_bom_and_comma_separator():
    data = (
        "offer-sku,quantity,warehouse-code,update-delete,error-line,error-message\n"
        'A,1,WH,update,2,"Offer inactive, check the price"\n'
    ).encode("utf-8-sig")
    assert stock_csv.parse_error_report(data) == {
        ("A", "WH"): "Offer inactive, check the price"
    }


def test_report_error_column_named_error_and_not_last():
    text = "error;offer-sku;quantity\nSKU exists twice;DUP;4\n"
    assert stock_csv.parse_error_report(text) == {("DUP", ""): "SKU exists twice"}


def test_report_with_crlf_blank_lines_and_repeated_skus():
    text = (
        '"offer-sku";"quantity";"warehouse-code";"update-delete";"error-message"\r\n'
        "\r\n"
        "A;1;W1;update;First problem\r\n"
        "A;1;W1;update;Second problem\r\n"
        "A;1;W2;update;\r\n"
        ";1;W2;update;No SKU\r\n"
    )
    assert stock_csv.parse_error_report(text) == {
        ("A", "W1"): "First problem; Second problem",
        ("A", "W2"): "rejected by Mirakl",
    }


def test_empty_report():
    assert stock_csv.parse_error_report("") == {}
    assert stock_csv.parse_error_report(b"") == {}
    assert stock_csv.parse_error_report(None) == {}
    header_only = '"offer-sku";"quantity";"warehouse-code";"update-delete";"error"\n'
    assert stock_csv.parse_error_report(header_only) == {}


def test_round_trip_of_a_submitted_file():
    submitted = stock_csv.stock_csv([("X;1", 2, "WH")]).decode()
    lines = submitted.splitlines()
    report = lines[0] + ';"error-message"\n' + lines[1] + ";Offer not found\n"
    assert stock_csv.parse_error_report(report) == {("X;1", "WH"): "Offer not found"}
