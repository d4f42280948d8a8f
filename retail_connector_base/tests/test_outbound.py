import os
import sys

from odoo import Command
from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from .common import WEBHOOK_SECRET, RetailCase, make_order_data, trap_jobs

# The channel stand-ins live beside the addons in the repository.
REPOSITORY = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
if REPOSITORY not in sys.path:
    sys.path.append(REPOSITORY)

from sandbox.common import FaultConfig  # noqa: E402
from sandbox.generic import GenericChannel  # noqa: E402


@tagged("post_install", "-at_install")
class TestGenericOutbound(RetailCase):
    """Signed pushes to the generic channel sandbox over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel = GenericChannel(secret=WEBHOOK_SECRET, seed=1)
        cls.addClassCleanup(cls.channel.close)
        cls.receiver_server = cls.channel.serve_pushes(port=0)
        cls.receiver = cls.receiver_server.app
        cls.backend.write(
            {
                "outbound_url": f"{cls.receiver_server.url}/events",
                "rate_limit": 0,
                "breaker_threshold": 100,
            }
        )
        Binding = cls.env["retail.product.binding"]
        for product in (cls.desk, cls.lamp):
            Binding.create(
                {
                    "backend_id": cls.backend.id,
                    "product_id": product.id,
                    "external_id": product.default_code,
                    "external_sku": product.default_code,
                }
            )

    def setUp(self):
        super().setUp()
        self.receiver.reset()
        self.channel.faults.configure(FaultConfig())

    def test_stock_push_is_batched_and_idempotent(self):
        with trap_jobs() as trap:
            self.backend._schedule_stock_export(self.desk | self.lamp)
            trap.assert_jobs_count(1)
        result = self.backend._export_stock_job()
        self.assertIn("2 quantities pushed", result)
        self.assertEqual(self.receiver.stock(), {"RC-DESK": 10, "RC-LAMP": 4})
        self.assertEqual(len(self.receiver.events("stock.updated")), 1)
        # A job run again (a retry, a second one) finds nothing left to do.
        self.assertIn("Nothing to do", self.backend._export_stock_job())
        bindings = self.desk.retail_binding_ids
        self.assertFalse(bindings.stock_export_pending)
        self.assertEqual(bindings.last_exported_qty, 10)
        outbound = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("direction", "=", "outbound")]
        )
        self.assertEqual(outbound.mapped("state"), ["done"])
        self.assertEqual(outbound.topic, "stock.updated")

    def test_two_hundred_fifty_products_in_three_requests(self):
        products = self.env["product.product"].create(
            [
                {
                    "name": f"Bulk {index}",
                    "default_code": f"BULK-{index:03d}",
                    "is_storable": True,
                }
                for index in range(250)
            ]
        )
        self.env["retail.product.binding"].create(
            [
                {
                    "backend_id": self.backend.id,
                    "product_id": product.id,
                    "external_id": product.default_code,
                    "external_sku": product.default_code,
                }
                for product in products
            ]
        )
        with trap_jobs():
            self.backend._schedule_stock_export(products)
        self.backend._export_stock_job()
        self.assertEqual(len(self.receiver.events("stock.updated")), 3)
        self.assertEqual(len(self.receiver.stock()), 250)

    def test_outage_keeps_everything_pending(self):
        self.channel.faults.configure(FaultConfig(error_rate=1.0, error_status=503))
        with trap_jobs():
            self.backend._schedule_stock_export(self.desk)
        with self.assertRaises(RetryableJobError):
            self.backend._export_stock_job()
        self.assertTrue(self.desk.retail_binding_ids.stock_export_pending)
        self.assertFalse(self.receiver.stock())

    def test_validated_delivery_pushes_tracking(self):
        self.process(make_order_data())
        sale = self.sale_orders()
        picking = sale.picking_ids
        picking.carrier_tracking_ref = "TRACK-123"
        picking.move_ids.picked = True
        with trap_jobs() as trap:
            picking.button_validate()
            trap.assert_enqueued_job(
                self.backend._export_shipment_job,
                args=(picking.id,),
                properties={"channel": "root.retail.outbound"},
            )
        self.backend._export_shipment_job(picking.id)
        shipment = self.receiver.shipments()["1001"]
        self.assertEqual(shipment["tracking_number"], "TRACK-123")
        self.assertEqual(
            sorted(line["sku"] for line in shipment["lines"]),
            ["RC-DESK", "RC-LAMP"],
        )

    def test_cancelling_in_odoo_cancels_on_the_channel_once(self):
        self.process(make_order_data())
        sale = self.sale_orders()
        with trap_jobs() as trap:
            sale._action_cancel()
            trap.assert_enqueued_job(
                self.backend._export_order_cancel_job,
                args=(sale.id,),
                properties={"channel": "root.retail.outbound"},
            )
        self.backend._export_order_cancel_job(sale.id)
        (pushed,) = self.receiver.events("order.cancelled")
        self.assertEqual(pushed["data"]["external_id"], "1001")

    def test_cancellation_from_the_channel_is_not_sent_back(self):
        self.process(make_order_data())
        with trap_jobs() as trap:
            cancelled = make_order_data(updated_at="2026-11-25T12:00:00Z")
            self.process(cancelled, topic="order.cancelled")
            trap.assert_jobs_count(0, only=self.backend._export_order_cancel_job)
        self.assertEqual(self.sale_orders().state, "cancel")

    def test_test_connection_reports_the_answer(self):
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len(self.receiver.events("ping")), 1)

    def test_unbound_products_are_not_pushed(self):
        chair = self.env["product.product"].create(
            {"name": "Chair", "is_storable": True, "taxes_id": [Command.clear()]}
        )
        with trap_jobs() as trap:
            self.backend._schedule_stock_export(chair)
            trap.assert_jobs_count(0)
