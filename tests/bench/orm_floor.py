"""ORM floor for order processing; runs inside ``odoo shell`` (``env`` given).

Creates and confirms the very orders the pipeline processed, directly
through the ORM in one process: customer by e-mail (else created), the same
products, quantities, prices, discounts and taxes, the shipping and fee
lines, then ``action_confirm`` (stock reserved) and a commit per order, as
each job commits its own. No channel, no exchange, no job, no lock: the
least work Odoo itself needs for these orders.

Input (environment): ``BENCH_ORDERS`` a JSON file of canonical order dicts,
``BENCH_TAX`` the id of the 21 % sale tax, ``BENCH_WAREHOUSE``. Prints one
line ``BENCH_RESULT {json}``.
"""

import json
import os
import time
from decimal import Decimal

# Defined by `odoo shell`, which runs this file with its own globals.
env = globals()["env"]

with open(os.environ["BENCH_ORDERS"], encoding="utf-8") as orders_file:
    orders = json.load(orders_file)
tax = env["account.tax"].browse(int(os.environ["BENCH_TAX"]))
warehouse = env["stock.warehouse"].browse(int(os.environ["BENCH_WAREHOUSE"]))
shipping_product = env.ref("retail_connector_base.product_channel_shipping")
fee_product = env.ref("retail_connector_base.product_channel_fee")
# As the order processor picks it: the order currency, the warehouse's company.
pricelist = env["product.pricelist"].search(
    [
        ("currency_id.name", "=", orders[0]["currency"]),
        ("company_id", "in", (False, warehouse.company_id.id)),
    ],
    limit=1,
)
skus = {line["sku"] for order in orders for line in order["lines"]}
products = {
    product.default_code: product
    for product in env["product.product"].search([("default_code", "in", list(skus))])
}
Partner = env["res.partner"]
SaleOrder = env["sale.order"].with_context(tracking_disable=True)


def _taxes(rate):
    return [(6, 0, tax.ids if rate not in (None, "", "0", "0.0") else [])]


def _line(line):
    quantity = Decimal(line["quantity"])
    price = Decimal(line["unit_price"])
    discount = Decimal(line.get("discount") or 0)
    gross = quantity * price
    percent = float(discount / gross * 100) if discount and gross else 0.0
    return {
        "product_id": products[line["sku"]].id,
        "name": line.get("name") or line["sku"],
        "product_uom_qty": float(quantity),
        "price_unit": float(price),
        "discount": round(percent, 2),
        "tax_id": _taxes(line.get("tax_rate")),
    }


started = time.perf_counter()
reserved = 0
for order in orders:
    customer = order["customer"]
    partner = Partner.search([("email", "=", customer["email"])], limit=1)
    if not partner:
        partner = Partner.create({"name": customer["name"], "email": customer["email"]})
    lines = [(0, 0, _line(line)) for line in order["lines"]]
    for item in order.get("shipping") or ():
        lines.append(
            (
                0,
                0,
                {
                    "product_id": shipping_product.id,
                    "name": item["name"],
                    "product_uom_qty": 1.0,
                    "price_unit": float(item["amount"]),
                    "is_delivery": True,
                    "tax_id": _taxes(item.get("tax_rate")),
                },
            )
        )
    for item in order.get("fees") or ():
        lines.append(
            (
                0,
                0,
                {
                    "product_id": fee_product.id,
                    "name": item["name"],
                    "product_uom_qty": 1.0,
                    "price_unit": float(item["amount"]),
                    "tax_id": _taxes(item.get("tax_rate")),
                },
            )
        )
    sale = SaleOrder.create(
        {
            "partner_id": partner.id,
            "pricelist_id": pricelist.id,
            "warehouse_id": warehouse.id,
            "company_id": warehouse.company_id.id,
            "client_order_ref": f"floor-{order['name']}",
            "order_line": lines,
        }
    )
    sale.action_confirm()
    reserved += all(p.state == "assigned" for p in sale.picking_ids)
    env.cr.commit()
elapsed = time.perf_counter() - started
print(
    "BENCH_RESULT "
    + json.dumps({"orders": len(orders), "seconds": elapsed, "reserved": reserved})
)
