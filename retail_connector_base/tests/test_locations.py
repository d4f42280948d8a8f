from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.retail_connector_base.tests.common import (
    WEBHOOK_SECRET,
    RetailCase,
    make_order_data,
    trap_jobs,
)

from sandbox.generic import GenericChannel


@tagged("post_install", "-at_install")
class TestChannelLocations(RetailCase):
    """A connection selling from two stores, each its own warehouse."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.second_warehouse = cls.env["stock.warehouse"].create(
            {"name": "Store B", "code": "STB", "company_id": cls.company.id}
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.desk, cls.second_warehouse.lot_stock_id, 3
        )
        cls.backend.location_mapping_ids = [
            (0, 0, {"location_code": "STORE-A", "warehouse_id": cls.warehouse.id}),
            (
                0,
                0,
                {"location_code": "STORE-B", "warehouse_id": cls.second_warehouse.id},
            ),
        ]

    def test_each_store_order_is_delivered_from_its_warehouse(self):
        self.assertTrue(self.backend.supports_locations)
        self.process(make_order_data("L-1", location="STORE-A"))
        self.process(make_order_data("L-2", location="STORE-B"))
        self.process(make_order_data("L-3"))
        store_a, store_b, default = (
            self.sale_orders(external_id) for external_id in ("L-1", "L-2", "L-3")
        )
        self.assertEqual(store_a.warehouse_id, self.warehouse)
        self.assertEqual(store_b.warehouse_id, self.second_warehouse)
        self.assertEqual(
            store_b.picking_ids.location_id, self.second_warehouse.lot_stock_id
        )
        self.assertEqual(default.warehouse_id, self.backend.warehouse_id)

    def test_stock_is_pushed_per_store_from_its_warehouse(self):
        channel = GenericChannel(secret=WEBHOOK_SECRET, seed=1)
        self.addCleanup(channel.close)
        receiver_server = channel.serve_pushes(port=0)
        self.backend.write(
            {
                "outbound_url": f"{receiver_server.url}/events",
                "rate_limit": 0,
            }
        )
        self.env["retail.product.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": self.desk.id,
                "external_id": "RC-DESK",
                "external_sku": "RC-DESK",
            }
        )
        with trap_jobs():
            self.backend._schedule_stock_export(self.desk)
        self.assertIn("1 quantities pushed", self.backend._export_stock_job())
        pushed = {
            event["data"]["location"]: event["data"]["items"]
            for event in receiver_server.app.events("stock.updated")
        }
        self.assertEqual(
            pushed,
            {
                "STORE-A": [{"sku": "RC-DESK", "quantity": 10}],
                "STORE-B": [{"sku": "RC-DESK", "quantity": 3}],
            },
        )
        binding = self.desk.retail_binding_ids
        self.assertEqual(binding.last_exported_qty, 13)

    def test_unmapped_location_waits_for_a_person(self):
        with self.no_new_sale_orders():
            exchange = self.process(make_order_data("L-4", location="STORE-Z"))
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.error_category, "business")
        self.assertIn("Unknown channel location “STORE-Z”", exchange.error)

        self.backend.location_mapping_ids = [
            (
                0,
                0,
                {"location_code": "STORE-Z", "warehouse_id": self.second_warehouse.id},
            )
        ]
        exchange.action_retry()
        exchange._process_job()
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(self.sale_orders("L-4").warehouse_id, self.second_warehouse)


@tagged("post_install", "-at_install")
class TestConnectionCompany(RetailCase):
    def test_relations_of_another_company_are_refused(self):
        other = self.env["res.company"].create({"name": "Other Retail Co"})
        foreign_pricelist = self.env["product.pricelist"].create(
            {"name": "Other EUR", "currency_id": self.eur.id, "company_id": other.id}
        )
        with self.assertRaises(UserError):
            self.backend.pricelist_id = foreign_pricelist
        foreign_warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", other.id)], limit=1
        )
        self.assertTrue(foreign_warehouse)
        with self.assertRaises(UserError):
            self.backend.warehouse_id = foreign_warehouse
