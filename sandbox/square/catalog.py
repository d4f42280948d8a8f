"""The seeded catalog and the stock per store (Square's Inventory API).

Items with variations: a variation's id is the ``catalog_object_id`` orders
and counts refer to; each has a SKU and a price per currency. Counts are
kept per (location, variation) in state ``IN_STOCK``: sales take from them,
till returns put back, ``POST /v2/inventory/changes/batch-create`` sets them
with physical counts (an unknown catalog object is an error about that
change inside a 200, the other changes apply).
"""

from __future__ import annotations

from decimal import Decimal

from ..common import parse_decimal
from .const import CATALOG, INITIAL_STOCK
from .values import new_id, quantity_text, rfc3339


class Catalog:
    """Merchant mixin: ``items``, ``variations`` and ``stock``."""

    def _init_catalog(self) -> None:
        self.items: dict[str, dict] = {}
        self.variations: dict[str, dict] = {}
        self.skus: dict[str, str] = {}
        self.stock: dict[tuple[str, str], dict] = {}
        self.inventory_changes: list[dict] = []
        created = rfc3339(self.now() - 300 * 86400)
        for item_name, variations in CATALOG:
            item_id = new_id(self.ids, 24, upper=True)
            item = {"id": item_id, "name": item_name, "variation_ids": []}
            for variation_name, sku, eur, usd in variations:
                variation_id = new_id(self.ids, 24, upper=True)
                self.variations[variation_id] = {
                    "id": variation_id,
                    "item_id": item_id,
                    "item_name": item_name,
                    "name": variation_name,
                    "sku": sku,
                    "prices": {"EUR": eur, "USD": usd},
                    "measured": "(per kg)" in item_name,
                    "version": 1,
                    "updated_at": created,
                }
                self.skus[sku] = variation_id
                item["variation_ids"].append(variation_id)
            self.items[item_id] = item
        for location_id in self.locations:
            for variation_id in self.variations:
                self.stock[(location_id, variation_id)] = {
                    "quantity": Decimal(INITIAL_STOCK),
                    "calculated_at": created,
                }

    def variation(self, ref: str) -> dict | None:
        """A variation by ``catalog_object_id`` or SKU (``None``: a custom line)."""
        if ref in self.variations:
            return self.variations[ref]
        variation_id = self.skus.get(ref)
        return self.variations[variation_id] if variation_id else None

    def catalog_objects(self) -> list[dict]:
        """Every item as ``GET /v2/catalog/list`` shows it, variations inside."""
        objects = []
        for item in self.items.values():
            variations = [self.variations[v] for v in item["variation_ids"]]
            objects.append(
                {
                    "type": "ITEM",
                    "id": item["id"],
                    "version": 1,
                    "updated_at": variations[0]["updated_at"],
                    "present_at_all_locations": True,
                    "item_data": {
                        "name": item["name"],
                        "variations": [self._variation_object(v) for v in variations],
                    },
                }
            )
        return objects

    @staticmethod
    def _variation_object(variation: dict) -> dict:
        data = {
            "item_id": variation["item_id"],
            "name": variation["name"],
            "sku": variation["sku"],
            "pricing_type": "FIXED_PRICING",
            "price_money": {"amount": variation["prices"]["USD"], "currency": "USD"},
            "location_overrides": [],
            "track_inventory": True,
        }
        return {
            "type": "ITEM_VARIATION",
            "id": variation["id"],
            "version": variation["version"],
            "updated_at": variation["updated_at"],
            "present_at_all_locations": True,
            "item_variation_data": data,
        }

    # -- counts -----------------------------------------------------------

    def count_object(self, location_id: str, variation_id: str) -> dict:
        """One ``InventoryCount``."""
        record = self.stock[(location_id, variation_id)]
        return {
            "catalog_object_id": variation_id,
            "catalog_object_type": "ITEM_VARIATION",
            "state": "IN_STOCK",
            "location_id": location_id,
            "quantity": quantity_text(record["quantity"]),
            "calculated_at": record["calculated_at"],
        }

    def set_stock(self, location_id: str, ref: str, quantity) -> dict:
        """Set a count by hand (a stock take in the back office); emits the update."""
        with self.change():
            self.location(location_id)
            variation = self.variation(ref)
            if variation is None:
                raise KeyError(f"catalog object {ref!r} not found")
            self._set_count(location_id, variation["id"], parse_decimal(quantity))
            count = self.count_object(location_id, variation["id"])
            self._emit_counts(location_id, [count])
            return count

    def _set_count(self, location_id, variation_id, quantity) -> None:
        self.stock[(location_id, variation_id)] = {
            "quantity": quantity,
            "calculated_at": rfc3339(self.now()),
        }

    def _move_stock(self, location_id: str, lines, sign: int) -> None:
        """Take sold units out of stock (``sign=-1``) or put returned ones back."""
        counts = []
        for variation_id, quantity in lines:
            if variation_id is None or (location_id, variation_id) not in self.stock:
                continue
            record = self.stock[(location_id, variation_id)]
            self._set_count(
                location_id, variation_id, record["quantity"] + sign * quantity
            )
            counts.append(self.count_object(location_id, variation_id))
        if counts:
            self._emit_counts(location_id, counts)

    def _emit_counts(self, location_id: str, counts: list[dict]) -> None:
        self.emit_event(
            "inventory.count.updated",
            location_id,
            "inventory",
            new_id(self.ids, 27),
            {"inventory_counts": counts},
        )

    def batch_change_inventory(self, changes, idempotency_key=None) -> dict:
        """``POST /v2/inventory/changes/batch-create``: physical counts."""
        if not isinstance(changes, list) or not changes:
            raise ValueError("changes: a non-empty list")
        return self.idempotent(
            "inventory", idempotency_key, lambda: self._apply_changes(changes)
        )

    def _apply_changes(self, changes: list) -> dict:
        errors, counts, applied = [], {}, []
        with self.change():
            for index, change in enumerate(changes):
                field = f"changes[{index}]"
                error = self._apply_change(change, field, counts, applied)
                if error:
                    errors.append(error)
            by_location: dict[str, list] = {}
            for (location_id, _), count in counts.items():
                by_location.setdefault(location_id, []).append(count)
            for location_id, location_counts in by_location.items():
                self._emit_counts(location_id, location_counts)
        answer: dict = {}
        if errors:
            answer["errors"] = errors
        answer["counts"] = list(counts.values())
        answer["changes"] = applied
        return answer

    def _apply_change(self, change, field, counts, applied) -> dict | None:
        def error(code, detail, where):
            category = "INVALID_REQUEST_ERROR"
            return {
                "category": category,
                "code": code,
                "detail": detail,
                "field": where,
            }

        if not isinstance(change, dict) or change.get("type") != "PHYSICAL_COUNT":
            return error(
                "INVALID_VALUE", "Only PHYSICAL_COUNT changes.", f"{field}.type"
            )
        count = change.get("physical_count")
        if not isinstance(count, dict):
            return error("MISSING_REQUIRED_PARAMETER", "physical_count", field)
        field = f"{field}.physical_count"
        object_id = count.get("catalog_object_id")
        if object_id not in self.variations:
            return error(
                "NOT_FOUND",
                f"Catalog object with ID `{object_id}` not found.",
                f"{field}.catalog_object_id",
            )
        location_id = count.get("location_id")
        if location_id not in self.locations:
            return error(
                "NOT_FOUND",
                f"Location with ID `{location_id}` not found.",
                f"{field}.location_id",
            )
        if count.get("state", "IN_STOCK") != "IN_STOCK":
            return error("INVALID_VALUE", "state: IN_STOCK", f"{field}.state")
        try:
            quantity = parse_decimal(count.get("quantity"))
        except ValueError:
            return error("INVALID_VALUE", "quantity: a decimal", f"{field}.quantity")
        if quantity < 0:
            return error("VALUE_TOO_LOW", "quantity >= 0", f"{field}.quantity")
        self._set_count(location_id, object_id, quantity)
        counts[(location_id, object_id)] = self.count_object(location_id, object_id)
        stored = {
            "type": "PHYSICAL_COUNT",
            "physical_count": {
                "id": new_id(self.ids, 26, upper=True),
                "reference_id": count.get("reference_id"),
                "catalog_object_id": object_id,
                "catalog_object_type": "ITEM_VARIATION",
                "state": "IN_STOCK",
                "location_id": location_id,
                "quantity": quantity_text(quantity),
                "occurred_at": count.get("occurred_at") or rfc3339(self.now()),
                "created_at": rfc3339(self.now()),
            },
        }
        self.inventory_changes.append(stored)
        applied.append(stored)
        return None

    def retrieve_counts(self, object_ids=None, location_ids=None, updated_after=None):
        """The counts ``POST /v2/inventory/counts/batch-retrieve`` pages through."""
        from .values import parse_time

        after = parse_time(updated_after) if updated_after else None
        with self.lock:
            result = []
            for location_id, variation_id in sorted(self.stock):
                if object_ids and variation_id not in object_ids:
                    continue
                if location_ids and location_id not in location_ids:
                    continue
                count = self.count_object(location_id, variation_id)
                if after is not None and parse_time(count["calculated_at"]) <= after:
                    continue
                result.append(count)
            return result
