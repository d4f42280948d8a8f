from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import FaultConfig, WooCommerceCase, trap_jobs


@tagged("post_install", "-at_install")
class TestWooCommerceSilence(WooCommerceCase):
    """The store gave up on our webhook; silence detection repairs it."""

    def setUp(self):
        super().setUp()
        with self.store.lock:
            self.store.webhooks.clear()

    def order_webhooks(self):
        with self.store.lock:
            return {
                webhook["topic"]: webhook["status"]
                for webhook in self.store.webhooks.values()
                if webhook["topic"].startswith("order.")
            }

    def test_webhook_the_store_disabled_is_reenabled_by_silence_detection(self):
        self.env.flush_all()
        self.backend.action_register_webhooks()
        self.env.invalidate_all()
        # Six weeks of twenty orders in this hour of the week.
        now = fields.Datetime.now()
        values = []
        for week in range(1, 7):
            for i in range(20):
                values.append(
                    {
                        "backend_id": self.backend.id,
                        "direction": "inbound",
                        "topic": "order.created",
                        "dedup_key": f"history-{week}-{i}",
                        "external_id": f"H{week}-{i}",
                        "payload": "{}",
                        "state": "done",
                        "received_at": now - timedelta(weeks=week, minutes=2 + 2 * i),
                    }
                )
        self.env["retail.exchange"].create(values)

        # Deliveries fail (Odoo refuses them) until the store disables the
        # webhooks: what WooCommerce does after more than five failures.
        self.store.faults.configure(FaultConfig(bad_signature_rate=1.0))
        for _i in range(8):
            self.checkout(("MUG-ENAMEL", 1))
            self.assertTrue(self.store.wait_idle(timeout=30))
        self.store.faults.configure(FaultConfig())
        self.env.invalidate_all()
        self.assertEqual(self.order_webhooks()["order.created"], "disabled")
        self.assertFalse(
            self.env["retail.exchange"].search_count(
                [
                    ("backend_id", "=", self.backend.id),
                    ("topic", "=like", "order.%"),
                    ("received_at", ">", now - timedelta(hours=1)),
                ]
            )
        )

        # Nobody presses anything: the detection cron finds the silence.
        with trap_jobs() as trap:
            self.env["retail.backend"]._cron_detect_silence()
            trap.assert_jobs_count(
                len(self.backend._poll_streams()), only=self.backend._poll_job
            )
        self.assertEqual(self.backend.silence_state, "silent")
        self.assertEqual(set(self.order_webhooks().values()), {"active"})
        self.assertIn("re-activated", self.backend.silence_note)
        activity_type = self.env.ref(
            "retail_connector_base.mail_activity_retail_silence"
        )
        self.assertEqual(
            len(
                self.backend.activity_ids.filtered(
                    lambda a: a.activity_type_id == activity_type
                )
            ),
            1,
        )
