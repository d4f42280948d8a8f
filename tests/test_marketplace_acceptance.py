"""Four marketplaces, one unit: the decisions run at once, one gets it.

A real server (two workers, the job runner running four jobs at a time)
polls four Mirakl shops of a sandbox marketplace, each with an order for
the last unit of one product. The acceptance decisions run in parallel
jobs; each takes its warehouse's turn before reading what is free, so
exactly one order is accepted and the three others are refused, on the
marketplace as in Odoo.
"""

import time

import pytest

from sandbox.mirakl import MiraklMarketplace, serve_marketplace
from tests.retail_channel import create_products

SHOPS = (3001, 3002, 3003, 3004)
RECONCILE_CRON = ("retail_connector_base", "ir_cron_retail_reconcile")


@pytest.fixture
def marketplace():
    app = MiraklMarketplace(
        currency="USD", debit_delay=None, limit_scale=0.01, seed=5, shop_id=SHOPS[0]
    )
    for shop in SHOPS[1:]:
        app.add_shop(shop, f"Shop {shop}", api_key=f"key-{shop}")
    server = serve_marketplace(app)
    try:
        yield app, server
    finally:
        server.shutdown()


def _connection(server, url, shop, api_key, warehouse, tax):
    backend = server.rpc(
        "retail.backend",
        "create",
        {
            "name": f"Marketplace {shop}",
            "channel": "mirakl",
            "mirakl_url": url,
            "mirakl_api_key": api_key,
            "mirakl_shop_id": str(shop),
            "warehouse_id": warehouse,
            "mirakl_acceptance_policy": "auto",
            "poll_interval": 0,
            "rate_limit": 0,
        },
    )
    server.rpc(
        "retail.tax.mapping",
        "create",
        {"backend_id": backend, "rate": 20.0, "price_include": True, "tax_id": tax},
    )
    server.rpc("retail.backend", "action_activate", [backend])
    return backend


def test_four_marketplaces_one_unit_one_acceptance(odoo_server, marketplace):
    server = odoo_server
    app, sandbox = marketplace
    ((sku, product),) = create_products(server, "MKP-LAST", 1, stock=1).items()
    (warehouse,) = server.rpc("stock.warehouse", "search", [], limit=1)
    tax = server.rpc(
        "account.tax",
        "create",
        {
            "name": "Marketplace 20% incl. (concurrency)",
            "amount": 20.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_included",
        },
    )
    backends = {}
    for shop in SHOPS:
        key = app.shop(shop).api_key
        app.set_shop_options(shop, offers=[sku], partial_acceptance=True)
        backends[shop] = _connection(server, sandbox.url, shop, key, warehouse, tax)
    orders = {
        shop: app.place_order(
            [{"sku": sku, "quantity": 1, "price_unit": 50}], shop_id=shop
        )[0]["order_id"]
        for shop in SHOPS
    }

    module, name = RECONCILE_CRON
    (cron,) = server.rpc(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    server.rpc("ir.cron", "method_direct_trigger", [cron["res_id"]])

    def decided():
        sales = server.rpc(
            "sale.order",
            "search_read",
            [("retail_external_id", "in", list(orders.values()))],
            fields=[
                "retail_external_id",
                "mirakl_acceptance_state",
                "mirakl_decision_sent_at",
            ],
        )
        if len(sales) == len(SHOPS) and all(
            s["mirakl_decision_sent_at"] for s in sales
        ):
            return sales
        return None

    deadline, sales = time.monotonic() + 180, None
    while time.monotonic() < deadline and not sales:
        time.sleep(1)
        sales = decided()
    assert sales, "the four orders were not all decided within 3 minutes"

    states = sorted(s["mirakl_acceptance_state"] for s in sales)
    assert states == ["accepted", "refused", "refused", "refused"], states
    with app.lock:
        on_marketplace = sorted(
            app.render(app.orders[order_id])["order_state"]
            for order_id in orders.values()
        )
    assert on_marketplace == [
        "REFUSED",
        "REFUSED",
        "REFUSED",
        "WAITING_DEBIT_PAYMENT",
    ], on_marketplace
