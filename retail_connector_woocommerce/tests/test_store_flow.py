from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..tools.const import WEBHOOK_TOPICS
from .common import FaultConfig, WooCommerceCase, trap_jobs


@tagged("post_install", "-at_install")
class TestWooCommerceStoreFlow(WooCommerceCase):
    """The store delivers to Odoo's webhook over real HTTP.

    Deliveries reach the test's HTTP server from the store's threads; the
    test waits for the store to be idle before looking, so that only one
    thread uses the test cursor at a time.
    """

    def setUp(self):
        super().setUp()
        # Each test starts from a store without webhooks.
        with self.store.lock:
            self.store.webhooks.clear()

    def register_webhooks(self):
        self.env.flush_all()
        action = self.backend.action_register_webhooks()
        self.env.invalidate_all()
        return action

    def wait_for_store(self):
        self.assertTrue(self.store.wait_idle(timeout=30), "deliveries still running")
        self.env.invalidate_all()

    def inbound(self):
        return self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("direction", "=", "inbound")],
            order="id",
        )

    def perform_queued(self):
        queued = self.inbound().filtered(lambda exchange: exchange.state == "queued")
        with trap_jobs():
            for exchange in queued:
                exchange._process_job()
        return queued

    def test_registered_webhooks_deliver_a_checkout_as_a_confirmed_order(self):
        action = self.register_webhooks()
        # The test server's port is not one WordPress delivers to.
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("reverse proxy", action["params"]["message"])
        webhooks = self.backend.webhook_subscription_ids
        self.assertEqual(sorted(webhooks.mapped("topic")), sorted(WEBHOOK_TOPICS))
        self.assertEqual(set(webhooks.mapped("status")), {"active"})
        self.assertTrue(all(webhooks.mapped("is_ours")))
        with self.store.lock:
            pings = [webhook["ping"] for webhook in self.store.webhooks.values()]
            secrets = {webhook["secret"] for webhook in self.store.webhooks.values()}
        self.assertEqual({ping["status"] for ping in pings}, {200})
        self.assertEqual(secrets, {self.backend._get_secret("webhook_secret")})
        self.assertFalse(self.inbound(), "pings are answered, never stored")

        (order,) = self.checkout(("HOODIE-BLU-M", 1), ("MUG-ENAMEL", 2))
        self.wait_for_store()
        with self.store.lock:
            statuses = {entry["status"] for entry in self.store.delivery_log}
        self.assertEqual(statuses, {200})
        topics = set(self.inbound().mapped("topic"))
        self.assertLessEqual(
            {"order.created", "order.updated", "product.updated"}, topics
        )
        processed = self.perform_queued()
        self.assertEqual(
            set(processed.mapped("state")), {"done"}, processed.mapped("error")
        )

        sale = self.sale_order(order["id"])
        self.assertEqual(len(sale), 1)
        self.assertEqual(sale.state, "sale")
        self.assertAlmostEqual(sale.amount_total, float(order["total"]), places=2)
        # The store's stock events linked the products they name.
        self.assertEqual(
            set(self.products["MUG-ENAMEL"].retail_binding_ids.mapped("external_sku")),
            {"MUG-ENAMEL"},
        )
        # Polling the same order afterwards stores nothing new.
        sale.invalidate_recordset()
        count = len(sale.retail_exchange_ids)
        with trap_jobs():
            self.backend._poll_job("orders")
        sale.invalidate_recordset()
        self.assertEqual(len(sale.retail_exchange_ids), count)

    def test_dropped_delivery_is_repaired_by_reconciliation(self):
        self.register_webhooks()
        self.store.faults.configure(FaultConfig(drop_rate=1.0))
        self.backend.write(
            {"import_checkpoint": fields.Datetime.now(), "reread_window": 2}
        )
        (order,) = self.checkout(("CHAIR-OAK", 1))
        self.wait_for_store()
        self.assertFalse(self.inbound(), "the store dropped every delivery")

        started = fields.Datetime.now()
        with trap_jobs():
            result = self.backend._poll_job("orders")
        self.assertIn("queued", result)
        self.assertGreaterEqual(self.backend.import_checkpoint, started)
        self.perform_queued()
        sale = self.sale_order(order["id"])
        self.assertEqual(sale.state, "sale")
        sale.invalidate_recordset()
        self.assertEqual(sale.retail_exchange_ids.mapped("state"), ["done"])
        # Polling again: the order is already there in its latest state.
        with trap_jobs():
            self.backend._poll_job("orders")
        sale.invalidate_recordset()
        self.assertEqual(len(sale.retail_exchange_ids), 1)

    def test_change_within_the_applied_second_is_repaired_by_reconciliation(self):
        # WooCommerce's modification dates have whole seconds: an order
        # cancelled within the second of the payment Odoo applied looks no
        # newer than it. Its webhook lost, polling must still repair it.
        order, sale = self.import_order(("CHAIR-OAK", 1))
        self.assertEqual(sale.state, "sale")
        with self.store.change() as store:
            record = store.orders[order["id"]]
            paid_at = record["date_modified"]
            store.update_order(order["id"], {"status": "cancelled"})
            record["date_modified"] = paid_at
        self.wait_for_store()
        self.assertEqual(sale.retail_updated_at, paid_at)
        self.backend.write(
            {"import_checkpoint": fields.Datetime.now(), "reread_window": 2}
        )

        with trap_jobs():
            self.backend._poll_job("orders")
        processed = self.perform_queued()
        self.assertEqual(len(processed), 1, "the cancellation is fed once")
        self.assertEqual(processed.state, "done", processed.error)
        sale.invalidate_recordset()
        self.assertEqual(sale.state, "cancel")
        # Polling again: the sale order shows what the store shows.
        with trap_jobs():
            self.backend._poll_job("orders")
        self.assertFalse(self.perform_queued())

    def test_import_orders_since_a_date(self):
        orders = self.checkout(("MUG-ENAMEL", 1), count=2)
        action = self.backend.action_import_since()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"since": fields.Datetime.now() - timedelta(minutes=5)})
        )
        self.assertEqual(wizard.stream, "orders")
        with trap_jobs() as trap:
            wizard.action_import()
            trap.assert_jobs_count(1, only=self.backend._poll_job)
            trap.perform_enqueued_jobs()
        self.perform_queued()
        for order in orders:
            self.assertEqual(self.sale_order(order["id"]).state, "sale")

    def test_webhook_disabled_by_the_store_is_reenabled_from_odoo(self):
        self.register_webhooks()
        created = self.backend.webhook_subscription_ids.filtered(
            lambda webhook: webhook.topic == "order.created"
        )
        # What WooCommerce does after more than five failed deliveries.
        with self.store.lock:
            self.store.webhooks[int(created.external_id)]["status"] = "disabled"
        self.backend.action_refresh_webhooks()
        self.assertEqual(created.status, "disabled")

        created.action_reenable()
        with self.store.lock:
            self.assertEqual(
                self.store.webhooks[int(created.external_id)]["status"], "active"
            )
        self.assertEqual(created.status, "active")

        # The reconciliation cron re-enables them too.
        with self.store.lock:
            self.store.webhooks[int(created.external_id)]["status"] = "disabled"
        with trap_jobs():
            result = self.backend._poll_job("orders")
        self.assertIn("1 webhooks re-activated", result)
        with self.store.lock:
            self.assertEqual(
                self.store.webhooks[int(created.external_id)]["status"], "active"
            )

        self.backend.action_remove_webhooks()
        with self.store.lock:
            self.assertFalse(self.store.webhooks)
        self.assertFalse(self.backend.webhook_subscription_ids)
