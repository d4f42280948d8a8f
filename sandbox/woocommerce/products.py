"""Products and variations: creation, updates, batches, stock, the seeded catalog."""

from __future__ import annotations

import itertools
import json

from .errors import WooError, invalid_param, item_error
from .seed import SIMPLE_PRODUCTS, VARIABLE_PRODUCTS
from .values import decimal_input, int_input, q2, slugify

_CHOICES = {
    "status": ("draft", "pending", "private", "publish"),
    "backorders": ("no", "notify", "yes"),
    "stock_status": ("instock", "outofstock", "onbackorder"),
}


def _choice(data: dict, field: str) -> str:
    """A value from a fixed list, validated as WordPress's schema does."""
    allowed = _CHOICES[field]
    if data[field] not in allowed:
        listed = ", ".join(allowed[:-1]) + f" and {allowed[-1]}"
        raise invalid_param(field, f"{field} is not one of {listed}.")
    return data[field]


def _attributes(values: list, variation: bool) -> list:
    """Product attributes (``options``) or a variation's (``option``)."""
    result = []
    for index, value in enumerate(v for v in values if isinstance(v, dict)):
        name = str(value.get("name") or "")
        entry = {"id": int_input(value.get("id", 0), "attributes"), "name": name}
        if variation:
            entry["option"] = str(value.get("option") or "")
        else:
            entry.update(
                slug=slugify(name),
                position=index,
                visible=bool(value.get("visible", True)),
                variation=bool(value.get("variation", False)),
                options=[str(o) for o in value.get("options") or []],
            )
        result.append(entry)
    return result


class Catalog:
    """Store mixin: the catalog (``products``, ``variations``)."""

    def _new_product(self, data: dict, product_type: str = "simple") -> dict:
        now = self.now()
        product_id = next(self._post_ids)
        name = str(data.get("name") or "")
        product = {
            "id": product_id,
            "name": name,
            "slug": slugify(name or f"product-{product_id}"),
            "type": product_type,
            "status": "publish",
            "description": "",
            "short_description": "",
            "sku": "",
            "regular_price": None,
            "sale_price": None,
            "manage_stock": False,
            "stock_quantity": None,
            "backorders": "no",
            "stock_status": "instock",
            "weight": "",
            "categories": [],
            "attributes": [],
            "default_attributes": [],
            "variations": [],
            "date_created": now,
            "date_modified": now,
            "total_sales": 0,
        }
        return product

    def _new_variation(self, parent: dict) -> dict:
        now = self.now()
        return {
            "id": next(self._post_ids),
            "parent_id": parent["id"],
            "sku": "",
            "description": "",
            "status": "publish",
            "regular_price": None,
            "sale_price": None,
            "manage_stock": False,
            "stock_quantity": None,
            "backorders": "no",
            "stock_status": "instock",
            "weight": "",
            "attributes": [],
            "date_created": now,
            "date_modified": now,
        }

    def _sku_owner(self, sku: str) -> int | None:
        for record in itertools.chain(self.products.values(), self.variations.values()):
            if sku and record["sku"] == sku:
                return record["id"]
        return None

    def _apply_stock_status(self, record: dict) -> None:
        if record["manage_stock"]:
            quantity = record["stock_quantity"] or 0
            if quantity > 0:
                record["stock_status"] = "instock"
            elif record["backorders"] != "no":
                record["stock_status"] = "onbackorder"
            else:
                record["stock_status"] = "outofstock"

    def _apply_fields(self, record: dict, data: dict, *, variation: bool) -> bool:
        """Apply writable fields; returns whether anything changed."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        before = json.dumps(record, default=str, sort_keys=True)
        if "sku" in data:
            self._apply_sku(record, str(data["sku"] or "").strip())
        for field in ("regular_price", "sale_price"):
            if field in data:
                value = data[field]
                record[field] = (
                    None if value in (None, "") else q2(decimal_input(value, field))
                )
        for field in ("description", "weight"):
            if field in data:
                record[field] = str(data[field] or "")
        for field in ("status", "backorders"):
            if field in data:
                record[field] = _choice(data, field)
        if "manage_stock" in data:
            record["manage_stock"] = bool(data["manage_stock"])
        if data.get("stock_quantity") is not None:
            quantity = int_input(data["stock_quantity"], "stock_quantity")
            # Ignored unless stock is managed, as in WooCommerce.
            if record["manage_stock"]:
                record["stock_quantity"] = quantity
                self.stock_written_at[record["id"]] = self.clock()
        if "stock_status" in data and not record["manage_stock"]:
            record["stock_status"] = _choice(data, "stock_status")
        if isinstance(data.get("attributes"), list):
            record["attributes"] = _attributes(data["attributes"], variation)
        if not variation:
            self._apply_product_fields(record, data)
        self._apply_stock_status(record)
        changed = json.dumps(record, default=str, sort_keys=True) != before
        if changed:
            record["date_modified"] = self.now()
        return changed

    def _apply_sku(self, record: dict, sku: str) -> None:
        owner = self._sku_owner(sku)
        if sku and owner not in (None, record["id"]):
            raise WooError(
                400,
                "product_invalid_sku",
                "Invalid or duplicated SKU.",
                {"status": 400, "resource_id": owner, "unique_sku": sku},
            )
        record["sku"] = sku

    @staticmethod
    def _apply_product_fields(record: dict, data: dict) -> None:
        if "name" in data:
            record["name"] = str(data["name"] or "")
        if "short_description" in data:
            record["short_description"] = str(data["short_description"] or "")
        if isinstance(data.get("categories"), list):
            record["categories"] = [
                int_input(c.get("id") if isinstance(c, dict) else c, "categories")
                for c in data["categories"]
            ]

    def create_product(self, data: dict) -> dict:
        """POST products."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        product_type = data.get("type", "simple")
        if product_type not in ("simple", "variable", "grouped", "external"):
            raise invalid_param(
                "type", "type is not one of simple, grouped, external and variable."
            )
        product = self._new_product(data, product_type)
        self._apply_fields(product, data, variation=False)
        product["date_modified"] = product["date_created"]
        self.products[product["id"]] = product
        self._emit("product", "created", product["id"])
        return product

    def update_product(self, product_id: int, data: dict) -> dict:
        """PUT products/<id> (a variation id works too, as in WooCommerce)."""
        record = self.products.get(product_id) or self.variations.get(product_id)
        if record is None:
            raise WooError(400, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        self._apply_fields(record, data, variation=product_id in self.variations)
        self._emit("product", "updated", product_id)
        return record

    def create_variation(self, product_id: int, data: dict) -> dict:
        """POST products/<id>/variations."""
        parent = self.products.get(product_id)
        if parent is None:
            raise WooError(
                404, "woocommerce_rest_product_invalid_id", "Invalid product ID."
            )
        variation = self._new_variation(parent)
        self._apply_fields(variation, data, variation=True)
        variation["date_modified"] = variation["date_created"]
        self.variations[variation["id"]] = variation
        parent["variations"].append(variation["id"])
        self._emit("product", "updated", parent["id"])
        return variation

    def update_variation(self, product_id: int, variation_id: int, data: dict):
        """PUT products/<id>/variations/<id>."""
        variation = self.variations.get(variation_id)
        if variation is None or variation["parent_id"] != product_id:
            raise WooError(
                400, "woocommerce_rest_product_variation_invalid_id", "Invalid ID."
            )
        self._apply_fields(variation, data, variation=True)
        self._emit("product", "updated", variation_id)
        return variation

    def apply_batch(self, parent_id: int | None, actions: dict) -> dict:
        """products/batch or products/<id>/variations/batch, item by item.

        A refused item becomes ``{"id": N, "error": {...}}`` in the 200 answer
        (``id`` 0 for a create); the others are applied.
        """
        if parent_id is not None and parent_id not in self.products:
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        kind = "product_variation" if parent_id is not None else "product"
        invalid_id = f"woocommerce_rest_{kind}_invalid_id"
        steps = {
            "create": self._batch_create,
            "update": self._batch_update,
            "delete": self._batch_delete,
        }
        answer: dict = {}
        for action, step in steps.items():
            for item in actions[action]:
                item_id = item.get("id") if isinstance(item, dict) else item
                try:
                    rendered = step(parent_id, item, invalid_id)
                except WooError as exc:
                    rendered = {
                        "id": item_id if isinstance(item_id, int) else 0,
                        "error": item_error(exc.code, exc.message, exc.status),
                    }
                    if action == "create":
                        rendered["id"] = 0
                answer.setdefault(action, []).append(rendered)
        return answer

    def _batch_create(self, parent_id, item, invalid_id) -> dict:
        if parent_id is None:
            return self.render_product(self.create_product(item))
        return self.render_variation(self.create_variation(parent_id, item))

    def _batch_update(self, parent_id, item, invalid_id) -> dict:
        item_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(item_id, bool) or not isinstance(item_id, int | str):
            raise WooError(400, invalid_id, "Invalid ID.")
        try:
            item_id = int(item_id)
        except ValueError:
            raise WooError(400, invalid_id, "Invalid ID.") from None
        if parent_id is None:
            if item_id not in self.products and item_id not in self.variations:
                raise WooError(400, invalid_id, "Invalid ID.")
            self.update_product(item_id, item)
            return self.render_any_product(item_id)
        variation = self.variations.get(item_id)
        if variation is None or variation["parent_id"] != parent_id:
            raise WooError(400, invalid_id, "Invalid ID.")
        self.update_variation(parent_id, item_id, item)
        return self.render_variation(variation)

    def _batch_delete(self, parent_id, item_id, invalid_id) -> dict:
        # Batch deletes are forced: no trash for products deleted this way.
        record = None
        if isinstance(item_id, int) and not isinstance(item_id, bool):
            if parent_id is None:
                record = self.products.get(item_id)
            else:
                variation = self.variations.get(item_id)
                if variation is not None and variation["parent_id"] == parent_id:
                    record = variation
        if record is None:
            raise WooError(404, invalid_id, "Invalid ID.")
        if parent_id is None:
            rendered = self.render_product(record)
            del self.products[item_id]
        else:
            rendered = self.render_variation(record)
            del self.variations[item_id]
            self.products[parent_id]["variations"].remove(item_id)
        self._emit("product", "deleted", item_id)
        return rendered

    def seed_catalog(self, stock_max: int = 40) -> None:
        """About 50 products with SKUs: 42 simple, 8 variable (2 to 8 variations)."""
        with self.change():
            for sku, name, price in SIMPLE_PRODUCTS:
                quantity = self.random.choice((0, 3, 8, 15, 25, stock_max))
                self.create_product(
                    {
                        "name": name,
                        "sku": sku,
                        "regular_price": price,
                        "manage_stock": True,
                        "stock_quantity": quantity,
                        "short_description": f"{name}, made to last.",
                    }
                )
            for sku, name, price, attributes in VARIABLE_PRODUCTS:
                product = self.create_product(
                    {
                        "name": name,
                        "sku": sku,
                        "type": "variable",
                        "attributes": [
                            {"name": key, "options": list(values), "variation": True}
                            for key, values in attributes.items()
                        ],
                    }
                )
                for combination in itertools.product(*attributes.values()):
                    options = dict(zip(attributes, combination, strict=True))
                    suffix = "-".join(slugify(v)[:3].upper() for v in combination)
                    self.create_variation(
                        product["id"],
                        {
                            "sku": f"{sku}-{suffix}",
                            "regular_price": price,
                            "manage_stock": True,
                            "stock_quantity": self.random.randint(0, stock_max),
                            "attributes": [
                                {"name": k, "option": v} for k, v in options.items()
                            ],
                        },
                    )
            # Seeding is not news for anyone's webhooks.
            self.outbox.discard()

    def stock_levels(self) -> dict:
        """``{sku: {"id", "quantity", "written_at"}}`` for ``GET /_sandbox/stock``.

        Every product and variation with a SKU that manages stock;
        ``written_at`` is the Unix time, with fractions (the REST dates have
        whole seconds), of the last call that set its quantity.
        """
        with self.lock:
            return {
                record["sku"]: {
                    "id": record["id"],
                    "quantity": record["stock_quantity"],
                    "written_at": self.stock_written_at.get(record["id"]),
                }
                for record in itertools.chain(
                    self.products.values(), self.variations.values()
                )
                if record["sku"] and record["manage_stock"]
            }
