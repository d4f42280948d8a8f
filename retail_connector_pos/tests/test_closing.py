"""End of day: the drawer's shift polled, the store day closed in Odoo."""

import datetime as dt
from zoneinfo import ZoneInfo

from odoo.tests import new_test_user, tagged

from .. import const
from .common import NEW_YORK, PARIS, SquareCase

ZONE = "America/New_York"
# 1 Espresso Cup (14.00) + 8.875 % sales tax; 2 Linen Tees (78.00) + tax.
CUP_TOTAL = 15.24
TEES_TOTAL = 84.92


@tagged("post_install", "-at_install")
class TestClosing(SquareCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="ny_store_manager",
            groups="point_of_sale.group_pos_manager",
        )
        cls.store_ny.pos_manager_id = cls.manager
        cls.cash_journal = cls.store_ny.pos_cash_method_id.journal_id

    def setUp(self):
        super().setUp()
        with self.merchant.lock:
            known = set(self.merchant.shifts)
        self.addCleanup(self.forget_shifts, known)

    def forget_shifts(self, known):
        """The merchant outlives the test: the next one starts without its shifts."""
        with self.merchant.lock:
            for shift_id in set(self.merchant.shifts) - known:
                del self.merchant.shifts[shift_id]
                self.merchant.shift_events.pop(shift_id, None)
            for location_id, shift_id in list(self.merchant.open_shifts.items()):
                if shift_id not in known:
                    del self.merchant.open_shifts[location_id]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def yesterday_at(self, hour):
        """RFC 3339 UTC of `hour` o'clock yesterday in New York."""
        day = self.today_in(ZONE) - dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(hour)).replace(tzinfo=ZoneInfo(ZONE))
        return local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def day_of(self, business_date):
        return self.env["retail.pos.day"].search(
            [("store_id", "=", self.store_ny.id), ("business_date", "=", business_date)]
        )

    def poll_cash(self):
        return self.backend._poll_job(const.STREAM_CASH)

    def close_days(self):
        return self.env["retail.pos.day"]._cron_close_days()

    def difference_lines(self, day):
        """Cash differences posted for the day, to the profit or loss account."""
        accounts = (
            self.cash_journal.loss_account_id | self.cash_journal.profit_account_id
        )
        return self.env["account.bank.statement.line"].search(
            [
                ("pos_session_id", "in", day.session_ids.ids),
                ("journal_id", "=", self.cash_journal.id),
                ("move_id.line_ids.account_id", "in", accounts.ids),
            ]
        )

    def footprint(self, day):
        """What a closing leaves behind, to see that a run again adds nothing."""
        return {
            "moves": self.env["account.move"].search_count([]),
            "statement_lines": self.env["account.bank.statement.line"].search_count([]),
            "activities": len(day.activity_ids),
            "messages": len(day.message_ids),
            "sessions": len(day.session_ids),
        }

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_set_up_cash_journal_posts_differences(self):
        self.assertTrue(self.cash_journal.loss_account_id)
        self.assertTrue(self.cash_journal.profit_account_id)
        self.assertTrue(self.store_ny.pos_config_id.cash_control)
        self.assertIn(const.STREAM_CASH, self.backend._poll_streams())

    def test_cash_journal_without_company_defaults_gets_accounts(self):
        self.company.write(
            {
                "default_cash_difference_income_account_id": False,
                "default_cash_difference_expense_account_id": False,
            }
        )
        paris = self.store(PARIS)
        paris.action_create_pos_config()
        journal = paris.pos_cash_method_id.journal_id
        self.assertEqual(journal.type, "cash")
        self.assertNotEqual(journal, self.cash_journal)
        self.assertEqual(journal.loss_account_id.account_type, "expense")
        self.assertEqual(journal.profit_account_id.account_type, "income_other")

    def test_counted_drawer_closes_the_day_with_its_difference(self):
        self.merchant.open_shift(NEW_YORK, opened_cash=10000)
        cash_sale = self.sell(lines=[("CUP-ESP", 1, None)], tender="CASH")
        card_sale = self.sell(lines=[("TEE-LIN-M", 2, None)], tender="CARD")
        session = self.pos_order(cash_sale["order"]["id"]).session_id
        self.assertEqual(self.pos_order(card_sale["order"]["id"]).session_id, session)
        day = session.retail_day_id
        # 20.00 taken out of the drawer to pay the window cleaner.
        self.merchant.paid_in_out(NEW_YORK, 2000, paid_in=False)
        shift = self.merchant.get_shift(self.merchant.open_shifts[NEW_YORK])
        self.assertEqual(shift["expected_cash_money"]["amount"], 9524)
        # 5.00 missing from the drawer.
        self.merchant.close_shift(NEW_YORK, 9024)
        self.assertFalse(day.cash_counted_known)

        self.poll_cash()
        self.assertTrue(day.cash_counted_known)
        self.assertEqual(day.cash_shift_ref, shift["id"])
        self.assertAlmostEqual(day.cash_opening, 100.0)
        self.assertAlmostEqual(day.cash_paid_out, 20.0)
        self.assertAlmostEqual(day.cash_counted, 90.24)
        self.assertTrue(day._is_due())
        self.assertTrue(
            day.message_ids.filtered(lambda m: "counted on the POS" in (m.body or ""))
        )

        self.close_days()
        self.assertEqual(day.state, "closed")
        self.assertEqual(session.state, "closed")
        # One consolidated entry for the session, posted.
        entries = self.env["account.move"].search(
            [("pos_session_ids", "in", session.ids)]
        )
        self.assertEqual(entries, session.move_id)
        self.assertEqual(entries.state, "posted")
        self.assertFalse(session.order_ids.account_move)
        # The difference posted like Odoo's POS: to the cash journal's loss.
        lines = self.difference_lines(day)
        self.assertEqual(len(lines), 1)
        self.assertAlmostEqual(lines.amount, -5.0)
        loss = lines.move_id.line_ids.filtered(
            lambda line: line.account_id == self.cash_journal.loss_account_id
        )
        self.assertAlmostEqual(loss.debit, 5.0)
        self.assertEqual(lines.move_id.state, "posted")
        self.assertAlmostEqual(session.cash_register_balance_end_real, 90.24)
        self.assertAlmostEqual(session.cash_register_difference, -5.0)
        # The cash paid out is a cash move of the session, as Odoo's POS has it.
        moves = session.statement_line_ids.filtered(
            lambda line: "paid in and out" in line.payment_ref
        )
        self.assertEqual(moves.mapped("amount"), [-20.0])
        # The day's figures.
        self.assertAlmostEqual(day.tender_cash, CUP_TOTAL)
        self.assertAlmostEqual(day.tender_card, TEES_TOTAL)
        self.assertAlmostEqual(day.cash_expected, 100.0 - 20.0 + CUP_TOTAL)
        self.assertAlmostEqual(day.cash_counted, 90.24)
        self.assertAlmostEqual(day.cash_difference, -5.0)
        self.assertTrue(day.discrepancy)
        self.assertIn("difference", day.discrepancy_note)
        # One activity for the store manager.
        self.assertEqual(len(day.activity_ids), 1)
        self.assertEqual(day.activity_ids.user_id, self.manager)

        before = self.footprint(day)
        self.assertEqual(self.close_days(), 0)
        self.poll_cash()
        self.assertEqual(self.footprint(day), before)
        self.assertAlmostEqual(day.cash_difference, -5.0)

    def test_day_closes_at_its_hour_without_a_count(self):
        sale = self.sell(
            lines=[("CUP-ESP", 1, None)], tender="CASH", at=self.yesterday_at(12)
        )
        session = self.pos_order(sale["order"]["id"]).session_id
        day = session.retail_day_id
        self.assertEqual(day.business_date, self.today_in(ZONE) - dt.timedelta(days=1))
        self.assertTrue(day._is_due())

        self.close_days()
        self.assertEqual(day.state, "closed")
        self.assertEqual(session.state, "closed")
        self.assertEqual(session.move_id.state, "posted")
        # Closed at the cash expected, and said on the day.
        self.assertFalse(day.cash_counted_known)
        self.assertAlmostEqual(day.cash_expected, CUP_TOTAL)
        self.assertAlmostEqual(day.cash_difference, 0.0)
        self.assertAlmostEqual(session.cash_register_difference, 0.0)
        self.assertFalse(self.difference_lines(day))
        self.assertFalse(day.discrepancy)
        self.assertFalse(day.activity_ids)
        self.assertTrue(
            day.message_ids.filtered(lambda m: "not counted" in (m.body or ""))
        )

        before = self.footprint(day)
        self.assertEqual(self.close_days(), 0)
        self.assertEqual(self.footprint(day), before)

    def test_late_count_and_late_cash_receipt_settle_the_closed_day(self):
        self.merchant.open_shift(NEW_YORK, opened_cash=5000, at=self.yesterday_at(8))
        sale = self.sell(
            lines=[("CUP-ESP", 1, None)], tender="CASH", at=self.yesterday_at(12)
        )
        day = self.pos_order(sale["order"]["id"]).session_id.retail_day_id
        self.poll_cash()
        self.assertAlmostEqual(day.cash_opening, 50.0)
        self.assertFalse(day.cash_counted_known)
        # The drawer is still open at the day's closing hour.
        self.close_days()
        self.assertEqual(day.state, "closed")
        self.assertAlmostEqual(day.cash_expected, 50.0 + CUP_TOTAL)
        self.assertFalse(self.difference_lines(day))

        # A sale made offline yesterday uploads now: the day's rescue session.
        late = self.sell(
            lines=[("CUP-ESP", 1, None)], tender="CASH", at=self.yesterday_at(15)
        )
        rescue = self.pos_order(late["order"]["id"]).session_id
        self.assertTrue(rescue.rescue)
        self.assertEqual(rescue.retail_day_id, day)
        # The drawer is counted today: 2.00 missing.
        self.merchant.close_shift(NEW_YORK, 5000 + 2 * 1524 - 200)
        self.poll_cash()
        self.assertTrue(day.cash_counted_known)
        self.assertAlmostEqual(day.cash_counted, 78.48)
        self.assertAlmostEqual(day.cash_expected, 50.0 + 2 * CUP_TOTAL)
        self.assertAlmostEqual(day.cash_difference, -2.0)
        self.assertAlmostEqual(sum(self.difference_lines(day).mapped("amount")), -2.0)
        self.assertEqual(len(day.activity_ids), 1)

        # The rescue session is closed by the cron; nothing more to post.
        self.close_days()
        self.assertEqual(rescue.state, "closed")
        self.assertEqual(rescue.move_id.state, "posted")
        self.assertAlmostEqual(sum(self.difference_lines(day).mapped("amount")), -2.0)
        self.assertAlmostEqual(day.cash_difference, -2.0)
        self.assertEqual(len(day.activity_ids), 1)
        before = self.footprint(day)
        self.assertEqual(self.close_days(), 0)
        self.poll_cash()
        self.assertEqual(self.footprint(day), before)

    def test_a_refused_closing_is_said_once_and_retried(self):
        self.merchant.open_shift(NEW_YORK, opened_cash=10000)
        sale = self.sell(lines=[("CUP-ESP", 1, None)], tender="CASH")
        session = self.pos_order(sale["order"]["id"]).session_id
        day = session.retail_day_id
        self.merchant.close_shift(NEW_YORK, 11524 - 300)
        self.poll_cash()
        loss = self.cash_journal.loss_account_id
        self.cash_journal.loss_account_id = False

        # Odoo refuses to post a loss without the journal's loss account.
        self.close_days()
        self.assertEqual(day.state, "open")
        self.assertNotEqual(session.state, "closed")
        self.assertTrue(day.discrepancy)
        self.assertIn("Loss Account", day.discrepancy_note)
        self.assertEqual(len(day.activity_ids), 1)
        before = self.footprint(day)
        self.close_days()
        self.assertEqual(self.footprint(day), before)

        self.cash_journal.loss_account_id = loss
        self.close_days()
        self.assertEqual(day.state, "closed")
        self.assertEqual(session.state, "closed")
        self.assertAlmostEqual(day.cash_difference, -3.0)
        self.assertIn("difference", day.discrepancy_note)
        self.assertEqual(len(day.activity_ids), 1)
        self.assertIn("difference", day.activity_ids.note)
