"""Stock imports (STO01 / STO02 / STO03).

STO01 takes a CSV, ``;``-separated, header ``"offer-sku";"quantity";
"warehouse-code";"update-delete"`` (only the first two are required; an
empty warehouse code is the global quantity). The import is WAITING, then
RUNNING ``import_delay`` seconds later, then COMPLETE (its lines applied)
after as long again. A file without the required columns is FAILED. A line
whose SKU is not one of the shop's offers, whose quantity is not a whole
number >= 0, whose warehouse code is not one of the shop's, or whose
update-delete is not ``update``/``delete``/empty is in error; STO03 gives
those lines back with an ``error-message`` column.
"""

from __future__ import annotations

import csv
import io

from .errors import not_found
from .values import iso


def _parse(data: bytes) -> tuple[list[str], list[list[str]]]:
    text = data.decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=";") if row]
    if not rows:
        return [], []
    return [name.strip().lower() for name in rows[0]], rows[1:]


class StockImports:
    """Marketplace mixin: stock imports and the shops' quantities."""

    def import_stock(self, data: bytes, shop_id: int | None = None) -> dict:
        """STO01: queue an import of ``data`` (CSV bytes); returns the import."""
        with self.lock:
            shop = self.shop(shop_id)
            now = self.now()
            record = {
                "import_id": next(self._import_ids),
                "shop_id": shop.id,
                "status": "WAITING",
                "data": bytes(data),
                "created": now,
                "updated": now,
                "lines_read": 0,
                "lines_in_success": 0,
                "lines_in_error": 0,
                "errors": [],
                "header": [],
                "reason_status": None,
            }
            shop.imports[record["import_id"]] = record
            self._imports_open.append((shop, record))
            return record

    def _tick_imports(self, now: float) -> None:
        still_open = []
        for shop, record in self._imports_open:
            if record["status"] == "WAITING" and (
                now >= record["created"] + self.import_delay
            ):
                record["status"] = "RUNNING"
                record["updated"] = now
            if record["status"] == "RUNNING" and (
                now >= record["created"] + 2 * self.import_delay
            ):
                self._run_import(shop, record)
                record["updated"] = now
            if record["status"] in ("WAITING", "RUNNING"):
                still_open.append((shop, record))
        self._imports_open = still_open

    def _run_import(self, shop, record: dict) -> None:
        try:
            header, rows = _parse(record["data"])
        except UnicodeDecodeError:
            header, rows = [], []
        record["header"] = header
        if "offer-sku" not in header or "quantity" not in header:
            record["status"] = "FAILED"
            record["reason_status"] = (
                "The file must have the columns offer-sku and quantity"
            )
            return
        column = {name: index for index, name in enumerate(header)}
        for row in rows:
            record["lines_read"] += 1

            def cell(name, row=row):
                index = column.get(name)
                return (
                    row[index].strip() if index is not None and index < len(row) else ""
                )

            sku, quantity = cell("offer-sku"), cell("quantity")
            warehouse, mode = cell("warehouse-code"), cell("update-delete").lower()
            error = None
            if sku not in shop.offers:
                error = f"The offer with the sku {sku!r} does not exist"
            elif mode not in ("", "update", "delete"):
                error = f"Invalid update-delete value {mode!r}"
            elif warehouse and warehouse not in shop.warehouse_codes:
                error = f"Unknown warehouse code {warehouse!r}"
            elif mode != "delete" and not (quantity.isdigit() and quantity.isascii()):
                error = f"Invalid quantity {quantity!r}: a whole number >= 0"
            if error:
                record["lines_in_error"] += 1
                record["errors"].append(row + [error])
                continue
            if mode == "delete":
                shop.stock.get(sku, {}).pop(warehouse, None)
            else:
                shop.stock.setdefault(sku, {})[warehouse] = int(quantity)
            record["lines_in_success"] += 1
        record["status"] = "COMPLETE"

    def stock_import(self, import_id: int, shop_id: int | None = None) -> dict:
        """STO02: an import's status."""
        with self.lock:
            record = self.shop(shop_id).imports.get(import_id)
            if record is None:
                raise not_found(f"Import {import_id} not found")
            return {
                "import_id": record["import_id"],
                "shop_id": record["shop_id"],
                "status": record["status"],
                "reason_status": record["reason_status"],
                "date_created": iso(record["created"]),
                "last_updated": iso(record["updated"]),
                "lines_read": record["lines_read"],
                "lines_in_success": record["lines_in_success"],
                "lines_in_error": record["lines_in_error"],
                "has_error_report": bool(record["errors"]),
            }

    def error_report(self, import_id: int, shop_id: int | None = None) -> bytes:
        """STO03: the rejected lines, with an ``error-message`` column."""
        with self.lock:
            record = self.shop(shop_id).imports.get(import_id)
            if record is None:
                raise not_found(f"Import {import_id} not found")
            if not record["errors"]:
                raise not_found(f"Import {import_id} has no error report")
            out = io.StringIO()
            writer = csv.writer(
                out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n"
            )
            writer.writerow(record["header"] + ["error-message"])
            writer.writerows(record["errors"])
            return out.getvalue().encode("utf-8")

    def stock_levels(self, shop_id: int | None = None) -> dict:
        """A copy of a shop's quantities: SKU -> {warehouse code: quantity}."""
        with self.lock:
            return {
                sku: dict(levels) for sku, levels in self.shop(shop_id).stock.items()
            }
