from odoo.tests import tagged

from .common import RetailCase, make_order_data, trap_jobs


@tagged("post_install", "-at_install")
class TestJobs(RetailCase):
    def test_processing_job_enqueued_with_channel_and_retries(self):
        with trap_jobs() as trap:
            exchange = self.receive(make_order_data(), event_id="evt-job")
            exchange.action_ignore()
            exchange.action_retry()
            trap.assert_enqueued_job(
                exchange._process_job,
                properties={"channel": "root.retail.inbound", "max_retries": 8},
            )
            trap.perform_enqueued_jobs()
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(len(self.sale_orders()), 1)

    def test_paused_connection_job_waits(self):
        exchange = self.receive(make_order_data(), event_id="evt-wait")
        self.backend.action_pause()
        exchange._process_job()
        self.assertEqual(exchange.state, "received")
        self.assertFalse(self.sale_orders())
        with trap_jobs() as trap:
            self.backend.action_resume()
            trap.assert_jobs_count(1, only=exchange._process_job)
            trap.perform_enqueued_jobs()
        self.assertEqual(exchange.state, "done")

    def test_exhausted_retries_mark_technical_failure(self):
        exchange = self.receive(make_order_data(), event_id="evt-fail")
        exchange._on_job_failed(exc_message="connection reset by peer")
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.error_category, "technical")
        self.assertIn("connection reset by peer", exchange.error)
        self.assertTrue(self.backend.activity_ids)

    def test_orphan_exchange_is_requeued(self):
        exchange = self.receive(make_order_data(), event_id="evt-orphan")
        exchange.job_id.sudo().unlink()
        self.env.cr.execute(
            "UPDATE retail_exchange SET write_date = now() - interval '1 hour'"
            " WHERE id = %s",
            [exchange.id],
        )
        with trap_jobs() as trap:
            requeued = self.env["retail.exchange"]._requeue_orphans()
            self.assertIn(exchange, requeued)
            trap.assert_jobs_count(1, only=exchange._process_job)
        self.assertEqual(exchange.state, "queued")
