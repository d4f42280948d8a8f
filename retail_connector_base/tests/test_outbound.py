from unittest.mock import patch

from odoo import Command, sql_db
from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base.tests.common import (
    WEBHOOK_SECRET,
    RetailCase,
    make_order_data,
    trap_jobs,
)

from sandbox.common import FaultConfig
from sandbox.generic import GenericChannel

from ..services.binding_export import BindingExporter
from ..services.locks import advisory_key


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

    def test_one_stock_push_per_connection_at_a_time(self):
        with trap_jobs():
            self.backend._schedule_stock_export(self.desk)
        # Another job of the connection is pushing: it holds the advisory
        # lock in its own transaction.
        key = advisory_key("push", "retail-stock", self.backend.id)
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
            with self.assertRaises(RetryableJobError) as raised:
                self.backend._export_stock_job()
        finally:
            other.rollback()
            other.close()
        # Postponed a few seconds, without using up one of its retries.
        self.assertTrue(raised.exception.ignore_retry)
        self.assertLessEqual(raised.exception.seconds, 5)
        self.assertFalse(self.receiver.stock())
        self.assertTrue(self.desk.retail_binding_ids.stock_export_pending)
        self.assertIn("1 quantities pushed", self.backend._export_stock_job())
        self.assertEqual(self.receiver.stock(), {"RC-DESK": 10})

    def test_binding_changed_during_the_push_waits_for_the_next_one(self):
        desk_binding = self.desk.retail_binding_ids
        with trap_jobs():
            self.backend._schedule_stock_export(self.desk | self.lamp)

        # As if a delivery of desks was validated while the channel answered:
        # its binding cannot be locked to record the push.
        def changed_meanwhile(exporter, bindings):
            return bindings & desk_binding

        with (
            patch.object(BindingExporter, "_lock_unchanged", changed_meanwhile),
            trap_jobs() as trap,
        ):
            result = self.backend._export_stock_job()
            trap.assert_jobs_count(1, only=self.backend._export_stock_job)
        self.assertIn("2 quantities pushed", result)
        self.assertIn("1 changed while being pushed", result)
        self.assertEqual(self.receiver.stock(), {"RC-DESK": 10, "RC-LAMP": 4})
        self.assertTrue(desk_binding.stock_export_pending)
        self.assertFalse(desk_binding.last_export_at)
        self.assertFalse(self.lamp.retail_binding_ids.stock_export_pending)
        self.assertEqual(self.lamp.retail_binding_ids.last_exported_qty, 4)
        # The next job pushes it again: the latest quantity, absolute.
        self.assertIn("1 quantities pushed", self.backend._export_stock_job())
        self.assertFalse(desk_binding.stock_export_pending)
        self.assertEqual(desk_binding.last_exported_qty, 10)

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
