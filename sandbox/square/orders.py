"""Orders: pricing, taxes and discounts, returns, totals, search.

An order's amounts are integer minor units, rounded half up per line: the
line's gross sales (unit price times quantity), its share of an order-level
percentage discount, its tax (included in the price in Europe, added on top
in New York). ``total_money`` is what the customer pays for the line items,
tips included; a return or exchange is a new order whose ``returns[]``
point to the source order and its lines, with ``return_amounts`` for what
goes back and ``net_amounts`` = amounts - returned (negative for a pure
return). Orders made in the POS app have no ``version``.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from .values import (
    minor,
    money,
    new_id,
    parse_quantity,
    parse_time,
    quantity_text,
    rfc3339,
)

AMOUNT_FIELDS = (
    "total_money",
    "tax_money",
    "discount_money",
    "tip_money",
    "service_charge_money",
)


class OrderError(ValueError):
    """An order that cannot be made (bad line, too much returned...)."""


class Orders:
    """Merchant mixin: ``orders``."""

    # -- building ---------------------------------------------------------

    def normalize_lines(self, location_id: str, lines) -> list[dict]:
        """``[(catalog_object_id or sku, quantity, unit_amount)]`` as line specs.

        ``unit_amount`` (minor units) ``None`` takes the catalog price; a
        reference that is neither a catalog object nor a SKU is a custom
        amount line named after it (its unit amount is then required).
        """
        currency = self.location(location_id)["currency"]
        specs = []
        if not lines:
            raise OrderError("an order needs at least one line")
        for line in lines:
            if isinstance(line, dict):
                ref = (
                    line.get("catalog_object_id") or line.get("sku") or line.get("name")
                )
                quantity, unit = line.get("quantity", 1), line.get("unit_amount")
            else:
                ref, quantity, *rest = line
                unit = rest[0] if rest else None
            variation = self.variation(str(ref))
            if unit is None:
                if variation is None:
                    raise OrderError(f"{ref!r}: not in the catalog, give a unit amount")
                unit = variation["prices"][currency]
            if isinstance(unit, bool) or int(unit) != unit or unit < 0:
                raise OrderError(f"unit amount in minor units, got {unit!r}")
            specs.append(
                {
                    "variation": variation,
                    "name": variation["item_name"] if variation else str(ref),
                    "quantity": parse_quantity(quantity),
                    "unit": int(unit),
                }
            )
        return specs

    def price_lines(self, location_id: str, specs: list[dict], discount_percent=None):
        """Line items, the order's taxes and discounts for ``specs``."""
        currency = self.location(location_id)["currency"]
        tax = self.taxes[location_id]
        rate = Decimal(str(tax["percentage"]))
        tax_uid = new_id(self.ids, 22)
        discount_uid = new_id(self.ids, 22) if discount_percent else None
        pct = Decimal(str(discount_percent)) if discount_percent else Decimal(0)
        items, tax_total, discount_total = [], 0, 0
        for spec in specs:
            gross = minor(spec["unit"] * spec["quantity"])
            discount = minor(gross * pct / 100)
            base = gross - discount
            if tax["type"] == "INCLUSIVE":
                line_tax = minor(base * rate / (100 + rate))
                total = base
            else:
                line_tax = minor(base * rate / 100)
                total = base + line_tax
            tax_total += line_tax
            discount_total += discount
            variation = spec["variation"]
            item = {
                "uid": new_id(self.ids, 22),
                "name": spec["name"],
                "quantity": quantity_text(spec["quantity"]),
                "item_type": "ITEM" if variation else "CUSTOM_AMOUNT",
                "base_price_money": money(spec["unit"], currency),
                "variation_total_price_money": money(gross, currency),
                "gross_sales_money": money(gross, currency),
                "total_tax_money": money(line_tax, currency),
                "total_discount_money": money(discount, currency),
                "total_money": money(total, currency),
                "applied_taxes": [
                    {
                        "uid": new_id(self.ids, 22),
                        "tax_uid": tax_uid,
                        "applied_money": money(line_tax, currency),
                    }
                ],
            }
            if variation:
                item["catalog_object_id"] = variation["id"]
                item["catalog_version"] = variation["version"]
                item["variation_name"] = variation["name"]
            if discount_uid:
                item["applied_discounts"] = [
                    {
                        "uid": new_id(self.ids, 22),
                        "discount_uid": discount_uid,
                        "applied_money": money(discount, currency),
                    }
                ]
            if spec["quantity"] != spec["quantity"].to_integral_value():
                item["quantity_unit"] = {
                    "measurement_unit": {"weight_unit": "METRIC_KILOGRAM"},
                    "precision": 5,
                }
            items.append(item)
        taxes = [
            {
                "uid": tax_uid,
                "name": tax["name"],
                "percentage": str(tax["percentage"]),
                "type": tax["type"],
                "scope": "ORDER",
                "applied_money": money(tax_total, currency),
            }
        ]
        discounts = []
        if discount_uid:
            discounts.append(
                {
                    "uid": discount_uid,
                    "name": f"{pct.normalize()} % off",
                    "percentage": str(pct.normalize()),
                    "type": "FIXED_PERCENTAGE",
                    "scope": "ORDER",
                    "applied_money": money(discount_total, currency),
                }
            )
        return items, taxes, discounts

    def new_order(
        self,
        location_id,
        items,
        taxes,
        discounts,
        *,
        state,
        at,
        source="Square Point of Sale",
        customer_id=None,
        version=None,
        returns=None,
    ) -> dict:
        """Store an order (under the lock) and compute its totals."""
        stamp = rfc3339(at)
        order = {
            "id": new_id(self.ids, 27),
            "location_id": location_id,
            "source": {"name": source},
            "line_items": items,
            "taxes": taxes,
            "discounts": discounts,
            "tenders": [],
            "created_at": stamp,
            "updated_at": stamp,
            "state": state,
            "tip": 0,
        }
        if customer_id:
            order["customer_id"] = customer_id
        if version is not None:
            order["version"] = version
        if returns:
            order["returns"] = returns
        if state == "COMPLETED":
            order["closed_at"] = stamp
        self.compute_totals(order)
        self.orders[order["id"]] = order
        return order

    def compute_totals(self, order: dict) -> None:
        """The order's totals, ``return_amounts`` and ``net_amounts``."""
        currency = self.locations[order["location_id"]]["currency"]

        def total(lines, field):
            return sum(line[field]["amount"] for line in lines)

        items, tip = order["line_items"], order["tip"]
        amounts = {
            "total_money": total(items, "total_money") + tip,
            "tax_money": total(items, "total_tax_money"),
            "discount_money": total(items, "total_discount_money"),
            "tip_money": tip,
            "service_charge_money": 0,
        }
        returned = dict.fromkeys(AMOUNT_FIELDS, 0)
        for ret in order.get("returns", ()):
            lines = ret["return_line_items"]
            returned["total_money"] += total(lines, "total_money")
            returned["tax_money"] += total(lines, "total_tax_money")
            returned["discount_money"] += total(lines, "total_discount_money")
        order["total_money"] = money(amounts["total_money"], currency)
        order["total_tax_money"] = money(amounts["tax_money"], currency)
        order["total_discount_money"] = money(amounts["discount_money"], currency)
        order["total_tip_money"] = money(tip, currency)
        order["total_service_charge_money"] = money(0, currency)
        if order.get("returns"):
            order["return_amounts"] = {
                k: money(v, currency) for k, v in returned.items()
            }
        order["net_amounts"] = {
            k: money(amounts[k] - returned[k], currency) for k in AMOUNT_FIELDS
        }
        paid = sum(
            t["amount_money"]["amount"] + t.get("tip_money", {"amount": 0})["amount"]
            for t in order["tenders"]
        )
        due = (
            0
            if order["state"] in ("COMPLETED", "CANCELED")
            else amounts["total_money"] - paid
        )
        order["net_amount_due_money"] = money(max(due, 0), currency)

    def touch_order(self, order: dict, at: float, state: str | None = None) -> None:
        """Change an order's state / updated_at (and version, if it has one)."""
        if state:
            order["state"] = state
            if state in ("COMPLETED", "CANCELED"):
                order["closed_at"] = rfc3339(at)
        order["updated_at"] = rfc3339(at)
        if "version" in order:
            order["version"] += 1
        self.compute_totals(order)

    # -- returns ----------------------------------------------------------

    def return_lines(self, source: dict, lines) -> list[dict]:
        """``return_line_items`` for ``[(source line uid, quantity)]``.

        Amounts are the source line's pro rata; returning what is left of a
        line takes exactly what is left, so the returns add up to the sale.
        """
        by_uid = {line["uid"]: line for line in source["line_items"]}
        returned = self.returned_quantities(source["id"])
        result = []
        for uid, quantity in lines:
            line = by_uid.get(uid)
            if line is None:
                raise OrderError(f"line {uid!r} is not in order {source['id']}")
            sold = Decimal(line["quantity"])
            quantity = parse_quantity(quantity)
            done = returned.get(uid, (Decimal(0), {}))
            left = sold - done[0]
            if quantity > left:
                raise OrderError(f"line {uid!r}: {quantity} to return, {left} left")
            amounts = {}
            for field in (
                "gross_sales_money",
                "total_tax_money",
                "total_discount_money",
                "total_money",
            ):
                full = line[field]["amount"]
                already = done[1].get(field, 0)
                amounts[field] = (
                    full - already
                    if quantity == left
                    else minor(full * quantity / sold)
                )
            currency = line["total_money"]["currency"]
            item = {
                "uid": new_id(self.ids, 22),
                "source_line_item_uid": uid,
                "name": line["name"],
                "quantity": quantity_text(quantity),
                "item_type": line["item_type"],
                "base_price_money": dict(line["base_price_money"]),
                "variation_total_price_money": money(
                    amounts["gross_sales_money"], currency
                ),
                "gross_return_money": money(amounts["gross_sales_money"], currency),
                "total_tax_money": money(amounts["total_tax_money"], currency),
                "total_discount_money": money(
                    amounts["total_discount_money"], currency
                ),
                "total_money": money(amounts["total_money"], currency),
            }
            for key in ("catalog_object_id", "catalog_version", "variation_name"):
                if key in line:
                    item[key] = line[key]
            result.append(item)
        return result

    def returned_quantities(self, source_id: str) -> dict:
        """Per source line uid: (quantity returned, amounts returned) so far."""
        result: dict[str, tuple] = {}
        for order in self.orders.values():
            for ret in order.get("returns", ()):
                if ret["source_order_id"] != source_id:
                    continue
                for item in ret["return_line_items"]:
                    quantity, amounts = result.get(
                        item["source_line_item_uid"], (Decimal(0), {})
                    )
                    amounts = dict(amounts)
                    for field, name in (
                        ("gross_sales_money", "gross_return_money"),
                        ("total_tax_money", "total_tax_money"),
                        ("total_discount_money", "total_discount_money"),
                        ("total_money", "total_money"),
                    ):
                        amounts[field] = amounts.get(field, 0) + item[name]["amount"]
                    result[item["source_line_item_uid"]] = (
                        quantity + Decimal(item["quantity"]),
                        amounts,
                    )
        return result

    # -- views ------------------------------------------------------------

    def order_view(self, order: dict) -> dict:
        """An order as the API shows it."""
        view = copy.deepcopy(order)
        view.pop("tip", None)
        for key in ("discounts", "tenders"):
            if not view.get(key):
                view.pop(key, None)
        return view

    def get_order(self, order_id: str) -> dict:
        """``GET /v2/orders/{id}``; `KeyError` when unknown."""
        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                raise KeyError(f"Order `{order_id}` not found.")
            return self.order_view(order)

    @staticmethod
    def order_summary(order: dict) -> dict:
        """What ``order.created`` / ``order.updated`` carry."""
        summary = {
            "order_id": order["id"],
            "location_id": order["location_id"],
            "state": order["state"],
            "created_at": order["created_at"],
            "updated_at": order["updated_at"],
        }
        if "version" in order:
            summary["version"] = order["version"]
        return summary

    def search_orders(
        self,
        location_ids,
        states=None,
        time_field="created_at",
        start=None,
        end=None,
        descending=True,
        customer_ids=None,
    ):
        """Orders of ``location_ids`` filtered and sorted (``POST /v2/orders/search``).

        ``start`` inclusive, ``end`` exclusive (epoch seconds); ties are
        broken by id so pages are stable.
        """
        with self.lock:
            found = []
            for order in self.orders.values():
                if order["location_id"] not in location_ids:
                    continue
                if states and order["state"] not in states:
                    continue
                if customer_ids and order.get("customer_id") not in customer_ids:
                    continue
                stamp = order.get(time_field)
                if stamp is None:
                    continue
                moment = parse_time(stamp)
                if start is not None and moment < start:
                    continue
                if end is not None and moment >= end:
                    continue
                found.append((moment, order["id"], order))
            found.sort(key=lambda row: (row[0], row[1]), reverse=descending)
            return [self.order_view(order) for _, _, order in found]
