from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.job import Job

from .common import RetailCase, RetailKeyMixin, make_order_data


@tagged("post_install", "-at_install")
class TestExceptionQueueTour(RetailKeyMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_encryption_key()
        backend = cls.env["retail.backend"].create(
            {"name": "Tour channel", "webhook_secret": "tour-secret"}
        )
        backend.action_activate()
        cls.exchange = cls.env["retail.exchange"].create(
            {
                "backend_id": backend.id,
                "topic": "order.created",
                "dedup_key": "evt-tour-1",
                "external_id": "TOUR-1",
                "payload": "{}",
                "state": "failed",
                "error_category": "business",
                "error": "Unknown SKU “TOUR-SKU”: add a SKU mapping, then press Retry.",
                "failure_kind": "unknown_sku",
                "failure_value": "TOUR-SKU",
            }
        )

    def test_retry_from_the_exception_queue(self):
        self.start_tour("/odoo", "retail_connector_exception_queue", login="admin")
        self.assertEqual(self.exchange.state, "queued")
        self.assertTrue(self.exchange.job_id)


@tagged("post_install", "-at_install")
class TestGuidedFixTour(RetailCase, HttpCase):
    """Orders failed on an unknown SKU, fixed from the dashboard's card."""

    def test_fix_the_top_cause_from_the_dashboard(self):
        self.backend.name = "Guided fix channel"
        lamp_99 = self.env["product.product"].create(
            {"name": "lamp 99", "default_code": "LAMP 99", "is_storable": True}
        )
        self.set_stock(lamp_99, 10)
        for external_id in ("3101", "3102"):
            data = make_order_data(external_id)
            data["lines"][1].update(sku="LAMP-99", name="Lamp 99 brass")
            self.assertEqual(self.process(data).state, "failed")
        self.start_tour("/odoo", "retail_connector_guided_fix", login="admin")
        # Confirm queued the processing of both orders again; run the jobs.
        jobs = self.env["queue.job"].search(
            [("method_name", "=", "_process_job"), ("state", "=", "pending")]
        )
        self.assertEqual(len(jobs), 2)
        for job in jobs:
            Job.load(self.env, job.uuid).perform()
        for external_id in ("3101", "3102"):
            self.assertIn(lamp_99, self.sale_orders(external_id).order_line.product_id)
