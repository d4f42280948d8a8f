"""Mirakl's published frequencies are kept: a call that would exceed one
waits for its turn in a later job, and is never sent early."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import MiraklCase, trap_jobs


@tagged("post_install", "-at_install")
class TestMarketplaceCallSchedule(MiraklCase):
    def test_a_long_poll_reads_one_page_a_minute_and_never_gets_a_429(self):
        # The marketplace's limits at their real pace: one OR11 a minute.
        self.marketplace.limits.scale = 1.0
        self.backend.mirakl_page_size = 2
        orders = [self.place(("MKP-MUG", 1))["order_id"] for _n in range(5)]
        self.env["retail.call.slot"].search([]).unlink()

        with trap_jobs() as trap:
            summary = self.backend._poll_job("orders")
            (resume,) = [j for j in trap.enqueued_jobs if j.method_name == "_poll_job"]
        self.assertIn("continues in", summary)
        self.assertGreater(resume.eta, fields.Datetime.now() + timedelta(seconds=50))
        self.assertEqual(len(self.exchanges(direction="inbound")), 2)

        # Run early, the resumed poll waits again without calling Mirakl.
        with trap_jobs():
            summary = self.backend._poll_job("orders", None, "resume")
        self.assertIn("continues in", summary)
        self.assertEqual(len(self.marketplace.call_times("OR11")), 1)

        # Each minute, one more page, from where the run stopped.
        for _page in range(2):
            self.marketplace.advance_clock(61)
            self.env["retail.call.slot"].search([]).unlink()
            with trap_jobs():
                summary = self.backend._poll_job("orders", None, "resume")
        self.assertIn("5 fed", summary)
        fed = set(self.exchanges(direction="inbound").mapped("external_id"))
        self.assertEqual(fed, set(orders))
        calls = self.marketplace.call_times("OR11")
        self.assertEqual(calls, self.marketplace.call_times("OR11", accepted_only=True))
        self.assertEqual(len(calls), 3)
        self.assertTrue(
            all(b - a >= 60 for a, b in zip(calls, calls[1:], strict=False))
        )
