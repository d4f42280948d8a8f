"""A billing cycle over real HTTP: TL02 and IV01 read from a sandbox
marketplace, every invoice settled, commissions posted, the payout matched
with the bank, and what the operator still owes left on the clearing
account."""

import json
import time
from decimal import Decimal
from unittest.mock import patch

from odoo.tests import tagged

from ..tools import api as mirakl_api
from .settlement_common import SettlementHttpCase, trap_jobs


@tagged("post_install", "-at_install")
class TestSettlementCycle(SettlementHttpCase):
    def order_debited(self, quantity, received=True):
        """A Mirakl order of `quantity` lamps at 60 (tax included) plus 5 of
        shipping, accepted and debited (and received: payable); its sale
        order and posted invoice in Odoo."""
        market = self.marketplace
        (order,) = market.place_order(
            [{"sku": "SETTLE-LAMP", "quantity": quantity, "price_unit": "60"}],
            tax_rate=20,
            shipping_price="5",
        )
        order_id = order["order_id"]
        market.accept(
            order_id, {line["order_line_id"]: True for line in order["order_lines"]}
        )
        market.debit(order_id)
        if received:
            market.set_tracking(
                order_id, {"carrier_name": "Post", "tracking_number": "1Z"}
            )
            market.ship(order_id)
            market.receive(order_id)
        _sale, invoice = self.make_invoiced_order(
            order_id, [(60.0, quantity), (5.0, 1)]
        )
        return order_id, invoice

    def test_billing_cycle_fully_reconciled(self):
        backend = self.backend
        first, invoice_1 = self.order_debited(2)
        second, invoice_2 = self.order_debited(1)
        # Debited, not received: paid in a later cycle.
        third, invoice_3 = self.order_debited(1, received=False)
        document = self.marketplace.close_billing_cycle()
        self.assertTrue(document)
        voucher = document["payment"]["reference"]
        payout = Decimal(document["summary"]["amount_transferred"])

        summary = self.poll("transaction_logs")
        self.assertIn("transaction line", summary)
        exchanges = self.env["retail.exchange"].search(
            [("backend_id", "=", backend.id), ("topic", "=", "mirakl.transaction_logs")]
        )
        self.assertTrue(exchanges)
        self.assertEqual(
            set(exchanges.mapped("state")), {"done"}, exchanges.mapped("error")
        )

        # Every invoice settled, the unpaid cycle's too: the customer paid
        # the marketplace.
        for invoice in (invoice_1, invoice_2, invoice_3):
            self.assertEqual(invoice.payment_state, "paid", invoice.name)
        lines = self.transactions()
        self.assertFalse(
            lines.filtered(lambda t: t.state != "posted"), lines.mapped("message")
        )
        # Commissions and their VAT are expenses against the operator.
        commission = -sum(
            lines.filtered(lambda t: t.type == "COMMISSION_FEE").mapped("amount")
        )
        self.assertGreater(commission, 0)
        self.assertAlmostEqual(
            self.balance(backend.mirakl_commission_account_id), commission
        )
        self.assertAlmostEqual(
            self.balance(backend.mirakl_fee_account_id),
            float(self.marketplace.shop().subscription_fee),
        )

        # The accounting document (IV01) and its payout.
        self.assertIn("1 accounting document", self.poll("accounting_documents"))
        payout_doc = self.env["retail.mirakl.document"].search(
            [("backend_id", "=", backend.id)]
        )
        self.assertEqual(len(payout_doc), 1)
        self.assertTrue(payout_doc.imported)
        self.assertEqual(payout_doc.payment_reference, voucher)
        self.assertAlmostEqual(payout_doc.paid_amount, float(payout))
        self.assertAlmostEqual(payout_doc.expected_amount, float(payout))
        self.assertEqual(payout_doc.state, "paid")
        self.assertFalse(
            payout_doc.transaction_ids.filtered(lambda t: t.mirakl_order_id == third)
        )
        # IV01 once a day: no second call.
        self.assertIn("Nothing to do", self.poll("accounting_documents"))

        # The transfer reaches the bank.
        st_line = self.statement_line(float(payout), f"MIRAKL {voucher}")
        self.assertEqual(payout_doc.statement_line_id, st_line)
        self.assertEqual(payout_doc.state, "matched")
        self.assertTrue(st_line.is_reconciled)

        # The clearing account holds what the operator still owes: the
        # third order, net of its commission, as the marketplace says.
        owed = self.marketplace.shop().balance
        third_net = sum(
            lines.filtered(lambda t: t.mirakl_order_id == third).mapped("amount")
        )
        self.assertAlmostEqual(float(owed), third_net)
        self.assertAlmostEqual(
            self.balance(backend.mirakl_clearing_account_id), float(owed)
        )
        self.assertAlmostEqual(self.balance(backend.mirakl_payout_account_id), 0)
        paid_clearing = lines.filtered(
            lambda t: t.payment_state == "PAID"
        ).clearing_line_id
        self.assertTrue(all(paid_clearing.mapped("reconciled")))

        # Per order: invoiced equals settled, no discrepancy.
        rows = self.env["retail.mirakl.settlement.order"].search(
            [("backend_id", "=", backend.id)]
        )
        self.assertEqual(set(rows.mapped("mirakl_order_id")), {first, second, third})
        self.assertFalse(rows.filtered("discrepancy"), rows.mapped("discrepancy"))

        # Read again (a person's import): nothing is posted twice.
        moves = lines.move_id
        with self.subTest("read again"):
            self.backend._poll_job(
                "transaction_logs", since="2000-01-01 00:00:00", source="import"
            )
            self.assertEqual(self.transactions().move_id, moves)

    def test_pages_continue_when_the_schedule_says_wait(self):
        backend = self.backend
        for _n in range(3):
            self.order_debited(1, received=False)
        expected = {line["id"] for line in self.marketplace.transactions()}
        # 19 calls in the last minute: one more page now, the next one later.
        self.env["retail.call.slot"].create(
            {
                "backend_id": backend.id,
                "operation": "TL02",
                "call_times": json.dumps([time.time() - 1] * 19),
            }
        )
        self.env.flush_all()
        with patch.object(mirakl_api, "TRANSACTION_PAGE_MAX", 5):
            summary = self.poll("transaction_logs")
            self.assertIn("continues", summary)
            stream = backend._poll_stream_record("transaction_logs")
            self.assertIn("page_token", json.loads(stream.resume_cursor))
            self.assertEqual(len(self.transactions()), 5)

            # A minute passes: the run goes on from the page it stopped at.
            self.env["retail.call.slot"].search([]).unlink()
            with trap_jobs() as trap:
                backend._poll_job("transaction_logs", None, "resume")
            self.run_jobs(trap)
        self.assertFalse(stream.resume_cursor)
        self.assertTrue(stream.checkpoint)
        self.assertEqual(set(self.transactions().mapped("mirakl_id")), expected)
        waiting = self.transactions().filtered(lambda t: t.state != "posted")
        self.assertFalse(waiting, waiting.mapped("message"))
