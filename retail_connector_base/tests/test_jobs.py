from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from ..tools.inbound import InboundDelivery
from .common import RetailCase, encode, make_event, make_order_data, trap_jobs


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


@tagged("post_install", "-at_install")
class TestIntakeJobRow(RetailCase):
    """The webhook writes the exchange and its job in one statement: the job's
    row is the one queue_job's own ``with_delay`` writes."""

    def deliver(self, event_id):
        """The intake's store step, jobs not trapped: rows really written."""
        body = encode(make_event(make_order_data(event_id), "order.created", event_id))
        event = self.backend._webhook_parse(
            InboundDelivery(self.backend.webhook_url, {}, body)
        )
        status = self.backend._webhook_store(event, {"X-Test": "1"}, body)
        exchange = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("dedup_key", "=", event_id)]
        )
        return status, exchange

    def test_job_row_matches_with_delay_and_runs(self):
        status, exchange = self.deliver("evt-row-1")
        self.assertEqual(status, "accepted")
        self.assertEqual(exchange.state, "queued")
        Jobs = self.env["queue.job"].sudo()
        fast = Jobs.search([("uuid", "=", exchange.job_uuid)])
        self.assertEqual(len(fast), 1)
        self.assertEqual(exchange.job_id, fast)

        # The same job through queue_job's own path, for comparison.
        delayed = exchange.with_delay(
            channel="root.retail.inbound",
            max_retries=self.backend.max_retries,
            description=exchange._job_description(
                self.backend, exchange.topic, exchange.external_id
            ),
        )._process_job()
        orm = Jobs.search([("uuid", "=", delayed.uuid)])
        skip = {"id", "uuid", "date_created", "display_name"}
        names = [
            name
            for name, field in Jobs._fields.items()
            if field.store and field.column_type and name not in skip
        ]
        self.assertEqual(fast.read(names)[0], {**orm.read(names)[0], "id": fast.id})
        self.assertEqual(fast.records, exchange)
        self.assertEqual(
            fast.func_string, f"retail.exchange({exchange.id},)._process_job()"
        )
        self.assertEqual(fast.state, "pending")

        # The stored job runs as queue_job runs it.
        Job.load(self.env, fast.uuid).perform()
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(len(self.sale_orders("evt-row-1")), 1)

    def test_later_jobs_from_the_template_match_too(self):
        """queue_job's values are built once per connection settings: the
        next job has its own uuid, date and description, and a change of
        the retry count reaches the next job."""
        Jobs = self.env["queue.job"].sudo()
        rows = []
        for event_id, retries in (("evt-row-4", 8), ("evt-row-5", 8), ("evt-row-6", 3)):
            self.backend.max_retries = retries
            __, exchange = self.deliver(event_id)
            rows.append((exchange, Jobs.search([("uuid", "=", exchange.job_uuid)])))
        (first, first_job), (second, second_job), (third, third_job) = rows
        self.assertNotEqual(first_job.uuid, second_job.uuid)
        self.assertIn(second.external_id, second_job.name)
        self.assertNotIn(first.external_id, second_job.name)
        self.assertEqual(second_job.records, second)
        self.assertEqual(
            (first_job.max_retries, second_job.max_retries, third_job.max_retries),
            (8, 8, 3),
        )
        same = ("channel", "job_function_id", "priority", "user_id", "company_id")
        self.assertEqual(
            first_job.read(same)[0], {**second_job.read(same)[0], "id": first_job.id}
        )
        Job.load(self.env, third_job.uuid).perform()
        self.assertEqual(third.state, "done", third.error)

    def test_duplicate_writes_neither_exchange_nor_job(self):
        Jobs = self.env["queue.job"].sudo()
        self.deliver("evt-row-2")
        before = Jobs.search_count([])
        status, exchange = self.deliver("evt-row-2")
        self.assertEqual(status, "duplicate")
        self.assertEqual(len(exchange), 1)
        self.assertEqual(Jobs.search_count([]), before)

    def test_paused_connection_stores_without_job(self):
        self.backend.action_pause()
        status, exchange = self.deliver("evt-row-3")
        self.assertEqual(status, "accepted")
        self.assertEqual(exchange.state, "received")
        self.assertFalse(exchange.job_uuid)
