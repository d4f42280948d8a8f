from odoo.tests import HttpCase, tagged

from .common import RetailKeyMixin


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
            }
        )

    def test_retry_from_the_exception_queue(self):
        self.start_tour("/odoo", "retail_connector_exception_queue", login="admin")
        self.assertEqual(self.exchange.state, "queued")
        self.assertTrue(self.exchange.job_id)
