"""Mirakl stock import files (STO01) and their error reports (STO03).

Pure functions: no Odoo, no network. The import file is Mirakl's stock-only
CSV (never the OF24 offer import, which resets the fields it is not sent).
"""

import csv
import io
import math
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from odoo.addons.retail_connector_base.tools import canonical

from . import api

UPDATE = "update"
_SKU_COLUMNS = ("offer-sku", "sku", "shop-sku", "offer-sku-shop")
_WAREHOUSE_COLUMNS = ("warehouse-code", "warehouse")
_ERROR_COLUMNS = ("error-message", "error", "errors", "message", "reason")


def _quantity(value, path) -> int:
    """A whole quantity to offer: fractions round down, negatives become 0."""
    try:
        number = Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        raise canonical.CanonicalError(path, f"{value!r} is not a quantity") from None
    if not number.is_finite():
        raise canonical.CanonicalError(path, f"{value!r} is not a quantity")
    return max(math.floor(number), 0)


def stock_csv(rows: Iterable) -> bytes:
    """The STO01 file for ``(offer_sku, quantity, warehouse_code)`` rows.

    Quoted header, ``;`` separator, values quoted only when needed, UTF-8,
    ``\\n`` line ends; an empty warehouse code sets the offer's global
    quantity.
    """
    buffer = io.StringIO()
    buffer.write(";".join(f'"{name}"' for name in api.STOCK_CSV_HEADER) + "\n")
    writer = csv.writer(
        buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\n"
    )
    for index, (sku, quantity, warehouse_code) in enumerate(rows):
        sku = "" if sku is None else str(sku).strip()
        if not sku:
            raise canonical.CanonicalError(
                f"rows[{index}].offer-sku", "a stock line needs the offer SKU"
            )
        writer.writerow(
            [
                sku,
                _quantity(quantity, f"rows[{index}].quantity"),
                "" if warehouse_code is None else str(warehouse_code).strip(),
                UPDATE,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _column(header: list[str], names: tuple, default: int | None) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return default


def _error_column(header: list[str]) -> int:
    found = _column(header, _ERROR_COLUMNS, None)
    if found is not None:
        return found
    for index, name in enumerate(header):
        if "error" in name and "line" not in name and "code" not in name:
            return index
    return len(header) - 1


def parse_error_report(text) -> dict[tuple[str, str], str]:
    """``{(offer_sku, warehouse_code): reason}`` from a STO03 error report.

    The report is the rejected lines of the submitted file plus an error
    column: a column named like ``error-message`` or ``error``, else the last
    one. Accepts ``;`` or ``,`` separators, a BOM, and bytes or text.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    text = (text or "").lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
    if not rows:
        return {}
    header = [name.strip().strip('"').lower().replace("_", "-") for name in rows[0]]
    sku_at = _column(header, _SKU_COLUMNS, 0)
    warehouse_at = _column(header, _WAREHOUSE_COLUMNS, None)
    error_at = _error_column(header)
    errors = {}
    for row in rows[1:]:
        sku = row[sku_at].strip() if sku_at < len(row) else ""
        if not sku:
            continue
        warehouse = ""
        if warehouse_at is not None and warehouse_at < len(row):
            warehouse = row[warehouse_at].strip()
        reason = row[error_at].strip() if error_at < len(row) else ""
        key = (sku, warehouse)
        if errors.get(key) and reason and reason not in errors[key]:
            reason = f"{errors[key]}; {reason}"
        errors[key] = reason or errors.get(key) or "rejected by Mirakl"
    return errors
