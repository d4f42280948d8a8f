"""The returns platform over real HTTP: subscriptions, then a return delivered
to Odoo's webhook by the Loop sandbox, signed over its exact bytes."""

from odoo.tests import tagged

from odoo.addons.retail_connector_base.tests.common import trap_jobs

from sandbox.loop import (
    DEFAULT_API_KEY,
    LoopPlatform,
    order_from_woocommerce,
    serve_loop,
)

from .common import LOOP_SECRET, LoopReturnsCase


@tagged("post_install", "-at_install")
class TestLoopPlatform(LoopReturnsCase):
    def setUp(self):
        super().setUp()
        self.platform = LoopPlatform(
            webhook_secret=LOOP_SECRET, retry_scale=0.001, delivery_workers=1, seed=3
        )
        self.platform_server = serve_loop(self.platform)
        self.addCleanup(self.platform_server.shutdown)
        self.loop.write(
            {"loop_api_url": self.platform_server.url, "loop_api_key": DEFAULT_API_KEY}
        )
        # Deliveries come back to this test's HTTP server.
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", self.base_url()
        )

    def test_registered_subscriptions_deliver_a_return_to_odoo(self):
        self.env.flush_all()
        self.loop.action_register_webhooks()
        with self.platform.lock:
            pairs = sorted(
                (sub["topic"], sub["trigger"])
                for sub in self.platform.subscriptions.values()
            )
        self.assertIn(("return", "return.created"), pairs)
        self.assertIn(("label", "label.updated"), pairs)
        # Registering again creates nothing new.
        self.loop.action_register_webhooks()
        self.assertEqual(len(self.platform.subscriptions), len(pairs))

        order, sale = self.delivered_order(("MUG-ENAMEL", 2))
        units = [
            (line["id"], "damaged", "refund")
            for line in self.store_order(order["id"])["line_items"]
        ]
        self.env.flush_all()
        self.platform.create_return(
            order_from_woocommerce(self.store_order(order["id"])), units[:1] * 2
        )
        self.assertTrue(self.platform.wait_idle(timeout=30))
        self.env.invalidate_all()

        exchanges = self.env["retail.exchange"].search(
            [("backend_id", "=", self.loop.id), ("direction", "=", "inbound")]
        )
        self.assertEqual(len(exchanges), 1)
        with trap_jobs():
            exchanges._process_job()
        self.assertEqual(exchanges.state, "done", exchanges.error)
        (batch,) = self.env["rma.batch"].search(
            [("retail_backend_id", "=", self.loop.id)]
        )
        self.assertEqual(batch.retail_order_id, sale)
        self.assertEqual(batch.rma_ids.product_uom_qty, 2.0)
        attempts = [d for d in self.platform.deliveries if d.get("status")]
        self.assertTrue(all(d["status"] == 200 for d in attempts), attempts)

        # Received, refunded on the store, then closed on Loop with that refund.
        # Loop would announce the closing: this test's cursor serves one
        # thread at a time, so the platform stops delivering first.
        for subscription_id in list(self.platform.subscriptions):
            self.platform.set_subscription_status(subscription_id, "inactive")
        receipt = batch.rma_ids.reception_move_id.picking_id
        receipt.move_ids.picked = True
        with trap_jobs() as trap:
            receipt.button_validate()
            self.perform_jobs(trap, "_export_refund_job")
            self.perform_jobs(trap, "_loop_close_return_job")
        (refund,) = self.store.refunds.values()
        loop_return = self.platform.return_payload(int(batch.retail_external_id))
        self.assertEqual(loop_return["state"], "closed")
        (closed_with,) = loop_return["refunds"]
        self.assertEqual(str(closed_with["provider_refund_id"]), str(refund["id"]))

    def test_a_return_of_store_credit_only_is_closed_on_loop_without_refund(self):
        self.env.flush_all()
        self.loop.action_register_webhooks()
        order, sale = self.delivered_order(("MUG-ENAMEL", 1))
        (line,) = self.store_order(order["id"])["line_items"]
        self.env.flush_all()
        created = self.platform.create_return(
            order_from_woocommerce(self.store_order(order["id"])),
            [(line["id"], "gift", "credit")],
        )
        self.assertTrue(self.platform.wait_idle(timeout=30))
        self.env.invalidate_all()
        exchange = self.env["retail.exchange"].search(
            [("backend_id", "=", self.loop.id), ("direction", "=", "inbound")]
        )
        with trap_jobs():
            exchange._process_job()
        batch = self.env["rma.batch"].search([("retail_backend_id", "=", self.loop.id)])
        for subscription_id in list(self.platform.subscriptions):
            self.platform.set_subscription_status(subscription_id, "inactive")
        receipt = batch.rma_ids.reception_move_id.picking_id
        receipt.move_ids.picked = True
        with trap_jobs() as trap:
            receipt.button_validate()
            self.perform_jobs(trap, "_loop_close_return_job")
        self.assertFalse(batch.retail_refund_id)
        self.assertTrue(batch.retail_credit_history_id)
        loop_return = self.platform.return_payload(int(created["id"]))
        self.assertEqual(loop_return["state"], "closed")
        self.assertFalse(loop_return["refunds"])
