import time

from odoo import fields
from odoo.tests import tagged

from .common import NEW_YORK, SquareCase


@tagged("post_install", "-at_install")
class TestPayouts(SquareCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card_method = cls.store_ny.pos_card_method_id
        cls.fee_account = cls.store_ny._pos_payout_fee_account()

    def day(self):
        return self.env["retail.pos.day"].search([("store_id", "=", self.store_ny.id)])

    def close_day(self):
        day = self.day()
        day._close_in_own_transactions()
        self.assertEqual(day.state, "closed")
        self.assertFalse(day._open_sessions())
        return day

    def card_items(self, day):
        """What the closing left on the outstanding account for the card."""
        payments = self.env["account.payment"].search(
            [
                ("pos_session_id", "in", day.session_ids.ids),
                ("pos_payment_method_id", "=", self.card_method.id),
            ]
        )
        return payments.move_id.line_ids.filtered(
            lambda line: line.account_id in payments.outstanding_account_id
        )

    def deliver_since(self, since):
        for event_id in self.event_ids(since=since):
            self.deliver(event_id)
        self.process_all()
        self.assertNoFailure()

    def assertNoFailure(self):
        failed = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("state", "=", "failed")]
        )
        self.assertFalse(failed, failed.mapped("error"))

    def make_payout(self, **kwargs):
        since = self.event_count()
        square = self.merchant.make_payout(NEW_YORK, **kwargs)
        self.deliver_since(since)
        self.payout_events = self.event_ids(since=since)
        payout = self.env["retail.pos.payout"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", square["id"])]
        )
        self.assertEqual(len(payout), 1)
        return square, payout

    def payout_exchanges(self, payout):
        return self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("external_id", "=", payout.name)]
        )

    def bank_line(self, amount, label):
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.card_method.journal_id.id,
                "amount": amount,
                "payment_ref": label,
                "date": fields.Date.today(),
            }
        )

    def fee_balance(self):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.fee_account.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def accounting_counts(self):
        return (
            self.env["account.move"].search_count([]),
            self.env["account.move.line"].search_count([]),
            self.env["account.partial.reconcile"].search_count([]),
        )

    # ------------------------------------------------------------------
    def test_paid_payout_matched_with_its_bank_line_once(self):
        self.sell(lines=(("TEE-LIN-M", 2, None),), tender="CARD")
        self.sell(lines=(("TOTE-NAT", 1, None), ("CUP-ESP", 1, None)), tender="CARD")
        self.sell(lines=(("BEAN-ETH", 1, None),), tender="CASH")
        day = self.close_day()
        items = self.card_items(day)
        self.assertAlmostEqual(sum(items.mapped("balance")), day.tender_card, places=2)
        self.assertFalse(any(items.mapped("reconciled")))

        square, payout = self.make_payout()
        self.assertEqual(payout.status, "PAID")
        self.assertEqual(payout.end_to_end_id, square["end_to_end_id"])
        self.assertEqual(len(payout.entry_ids), 2)
        self.assertEqual(set(payout.entry_ids.mapped("type")), {"CHARGE"})
        self.assertEqual(
            payout.entry_ids.pos_payment_id.payment_method_id, self.card_method
        )
        self.assertEqual(payout.day_ids, day)
        self.assertAlmostEqual(payout.gross, day.tender_card, places=2)
        self.assertLess(payout.fees, 0)
        self.assertAlmostEqual(
            payout.net, square["amount_money"]["amount"] / 100, places=2
        )
        self.assertAlmostEqual(payout.net, payout.gross + payout.fees, places=2)
        # Paid, but the bank has not shown the transfer yet.
        self.assertEqual(payout.state, "unmatched")
        self.assertIn(payout.end_to_end_id, payout.match_note)
        self.assertEqual(day.payout_state, "waiting")

        fees_before = self.fee_balance()
        st_line = self.bank_line(
            payout.net, f"SQUARE INC TRANSFER {payout.end_to_end_id} NY"
        )
        self.assertEqual(payout.statement_line_id, st_line)
        self.assertEqual(payout.state, "matched")
        self.assertFalse(payout.match_note)
        self.assertTrue(st_line.is_reconciled)
        # The card payments of the day are settled, the fees expensed.
        self.assertTrue(all(items.mapped("reconciled")))
        self.assertAlmostEqual(sum(items.mapped("amount_residual")), 0, places=2)
        self.assertAlmostEqual(self.fee_balance() - fees_before, -payout.fees, places=2)
        day.invalidate_recordset()
        self.assertEqual(day.payout_state, "matched")
        self.assertAlmostEqual(day.payout_net, payout.net, places=2)

        # A second run adds nothing: the same events, the stream, a retry.
        counts = self.accounting_counts()
        exchanges = self.payout_exchanges(payout)
        self.assertEqual(len(self.payout_events), 2)  # sent, paid
        for event_id in self.payout_events:
            self.assertEqual(self.deliver(event_id), "duplicate")
        self.process_all()
        self.backend._poll(
            "payouts", fields.Datetime.now().replace(year=2020), "reconciliation"
        )
        self.process_all()
        payout.action_match()
        self.assertEqual(self.payout_exchanges(payout), exchanges)
        self.assertEqual(self.accounting_counts(), counts)
        self.assertEqual(len(payout.entry_ids), 2)
        self.assertEqual(payout.statement_line_id, st_line)

    def test_amount_mismatch_stays_unmatched_and_says_why(self):
        self.sell(lines=(("TEE-LIN-M", 1, None),), tender="CARD")
        day = self.close_day()
        _square, payout = self.make_payout()
        st_line = self.bank_line(
            round(payout.net - 1.0, 2), f"SQUARE {payout.end_to_end_id}"
        )
        self.assertFalse(payout.statement_line_id)
        self.assertEqual(payout.state, "unmatched")
        self.assertFalse(st_line.is_reconciled)
        self.assertIn("%.2f" % (payout.net - 1.0), payout.match_note)
        self.assertIn("instead of", payout.match_note)
        self.assertFalse(any(self.card_items(day).mapped("reconciled")))

    def test_payout_waits_for_its_day_closing(self):
        self.sell(lines=(("TOTE-NAT", 2, None),), tender="CARD")
        _square, payout = self.make_payout()
        self.assertIn("closing", payout.match_note)
        st_line = self.bank_line(payout.net, f"SQUARE {payout.end_to_end_id}")
        self.assertFalse(payout.statement_line_id)
        day = self.close_day()
        payout.invalidate_recordset()
        self.assertEqual(payout.statement_line_id, st_line)
        self.assertTrue(all(self.card_items(day).mapped("reconciled")))

    def test_sent_payout_matched_once_paid_by_the_stream(self):
        self.sell(lines=(("CUP-ESP", 3, None),), tender="CARD")
        day = self.close_day()
        square, payout = self.make_payout(paid=False)
        self.assertEqual(payout.status, "SENT")
        self.assertIn("not paid yet", payout.match_note)
        st_line = self.bank_line(payout.net, f"SQUARE {payout.end_to_end_id}")
        self.assertFalse(payout.statement_line_id)
        # The paid event is missed: the stream reads the payout again.
        self.merchant.settle_payout(square["id"])
        exchanges = self.payout_exchanges(payout)
        self.backend._poll(
            "payouts", fields.Datetime.now().replace(year=2020), "reconciliation"
        )
        self.assertEqual(len(self.payout_exchanges(payout) - exchanges), 1)
        self.process_all()
        self.assertNoFailure()
        self.assertEqual(payout.status, "PAID")
        self.assertEqual(payout.statement_line_id, st_line)
        self.assertTrue(all(self.card_items(day).mapped("reconciled")))

    def test_payout_not_matched_after_its_arrival_is_a_discrepancy(self):
        self.sell(lines=(("CUP-ESP", 1, None),), tender="CARD")
        day = self.close_day()
        _square, payout = self.make_payout(at=time.time() - 3 * 86400)
        self.assertLess(payout.arrival_date, fields.Date.today())
        self.assertTrue(payout.overdue)
        Payout = self.env["retail.pos.payout"]
        self.assertIn(payout, Payout.search([("overdue", "=", True)]))
        self.assertNotIn(payout, Payout.search([("overdue", "=", False)]))
        day.invalidate_recordset()
        self.assertTrue(day.discrepancy)
        self.assertIn(payout.end_to_end_id, day.discrepancy_note)
        # The transfer shows up: the day adds up again.
        self.bank_line(payout.net, f"SQUARE {payout.end_to_end_id}")
        self.assertEqual(payout.state, "matched")
        self.assertFalse(payout.overdue)
        day.invalidate_recordset()
        self.assertNotIn(payout.end_to_end_id, day.discrepancy_note or "")
