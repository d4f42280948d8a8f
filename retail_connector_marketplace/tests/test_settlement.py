"""Settlement from stored TL02 pages: entries, waiting lines, refunds,
unknown types, lines read again, payouts matched with the bank."""

from odoo.tests import tagged

from .settlement_common import SettlementCase


@tagged("post_install", "-at_install")
class TestSettlement(SettlementCase):
    def test_order_lines_pay_the_invoice_and_commission_is_an_expense(self):
        sale, invoice = self.make_invoiced_order("S1001-A", [(120.0, 1)])
        exchange = self.feed(self.order_lines("S1001-A", 120.0, 12.0))

        self.assertEqual(exchange.state, "done", exchange.error)
        lines = self.transactions(mirakl_order_id="S1001-A")
        self.assertEqual(len(lines), 4)
        self.assertEqual(set(lines.mapped("state")), {"posted"})
        self.assertEqual(len(lines.move_id), 1, "one entry for the order's lines")
        self.assertEqual(lines.move_id.journal_id, self.backend.mirakl_journal_id)
        self.assertEqual(lines.sale_order_id, sale)
        self.assertEqual(invoice.payment_state, "paid")
        # What the operator owes: the order less its commission and VAT.
        self.assertAlmostEqual(
            self.balance(self.backend.mirakl_clearing_account_id), 120.0 - 14.4
        )
        self.assertAlmostEqual(
            self.balance(self.backend.mirakl_commission_account_id), 12.0
        )
        self.assertAlmostEqual(
            self.balance(self.backend.mirakl_commission_vat_account_id), 2.4
        )
        for line in lines.clearing_line_id:
            self.assertEqual(line.partner_id, self.backend.mirakl_operator_partner_id)

    def test_line_waits_for_the_invoice_then_settles_it(self):
        sale, invoice = self.make_invoiced_order("S1002-A", [(60.0, 2)], post=False)
        self.feed(self.order_lines("S1002-A", 120.0, 12.0))
        waiting = self.transactions(mirakl_order_id="S1002-A", state="waiting")
        self.assertEqual(len(waiting), 2, "order amounts wait, commissions do not")
        self.assertIn("no posted invoice", waiting[0].message)
        self.assertFalse(waiting.move_id)

        invoice.action_post()
        self.assertEqual(set(waiting.mapped("state")), {"posted"})
        self.assertEqual(invoice.payment_state, "paid")

    def test_order_not_in_odoo_waits_and_shows(self):
        self.feed(self.order_lines("S9999-A", 50.0, 5.0))
        waiting = self.transactions(mirakl_order_id="S9999-A", state="waiting")
        self.assertIn("not in Odoo", waiting[0].message)
        row = self.env["retail.mirakl.settlement.order"].search(
            [("mirakl_order_id", "=", "S9999-A")]
        )
        self.assertEqual(row.discrepancy, "not_invoiced")

    def test_refund_settles_the_credit_note(self):
        sale, invoice = self.make_invoiced_order("S1003-A", [(60.0, 2)])
        self.feed(self.order_lines("S1003-A", 120.0, 12.0))
        note = self.make_credit_note(invoice, 60.0, "5001")
        self.assertEqual(note.payment_state, "not_paid")

        self.feed(
            [
                self.tx("REFUND_ORDER_AMOUNT", -50.0, "S1003-A", refund_id="5001"),
                self.tx("REFUND_ORDER_AMOUNT_TAX", -10.0, "S1003-A", refund_id="5001"),
                self.tx("REFUND_COMMISSION_FEE", 6.0, "S1003-A", refund_id="5001"),
                self.tx("REFUND_COMMISSION_VAT", 1.2, "S1003-A", refund_id="5001"),
            ]
        )
        refunds = self.transactions(mirakl_refund_id="5001")
        self.assertEqual(set(refunds.mapped("state")), {"posted"})
        # A credit note settled by journal entries only reads "reversed".
        self.assertIn(note.payment_state, ("paid", "reversed"))
        self.assertTrue(note.currency_id.is_zero(note.amount_residual))
        self.assertEqual(invoice.payment_state, "paid")
        self.assertAlmostEqual(
            self.balance(self.backend.mirakl_clearing_account_id), 120 - 14.4 - 60 + 7.2
        )
        row = self.env["retail.mirakl.settlement.order"].search(
            [("sale_order_id", "=", sale.id)]
        )
        self.assertAlmostEqual(row.invoiced, 60.0)
        self.assertAlmostEqual(row.settled, 60.0)
        self.assertFalse(row.discrepancy)

    def test_refund_waits_for_its_credit_note(self):
        _sale, invoice = self.make_invoiced_order("S1004-A", [(60.0, 1)])
        self.feed([self.tx("REFUND_ORDER_AMOUNT", -50.0, "S1004-A", refund_id="5002")])
        line = self.transactions(mirakl_refund_id="5002")
        self.assertEqual(line.state, "waiting")
        self.assertIn("credit note", line.message)
        note = self.make_credit_note(invoice, 50.0, "5002")
        self.assertEqual(line.state, "posted")
        self.assertTrue(note.currency_id.is_zero(note.amount_residual))

    def test_unknown_type_goes_to_suspense_and_says_so(self):
        self.feed([self.tx("MARKETING_CONTRIBUTION", -4.5)])
        line = self.transactions(type="MARKETING_CONTRIBUTION")
        self.assertEqual(line.state, "suspense")
        self.assertEqual(line.category, "unknown")
        self.assertIn("MARKETING_CONTRIBUTION", line.message)
        self.assertEqual(line.move_id.state, "posted")
        self.assertAlmostEqual(
            self.balance(self.backend.mirakl_suspense_account_id), 4.5
        )
        self.assertAlmostEqual(
            self.balance(self.backend.mirakl_clearing_account_id), -4.5
        )

    def test_line_read_again_is_updated_not_posted_twice(self):
        self.make_invoiced_order("S1005-A", [(120.0, 1)])
        lines = self.order_lines("S1005-A", 120.0, 12.0)
        self.feed(lines)
        moves = self.transactions().move_id
        # The same page again is a duplicate; the lines paid are a new page.
        self.feed(lines)
        paid, _payment = self.paid(lines)
        exchange = self.feed(paid)
        self.assertEqual(exchange.state, "done", exchange.error)
        records = self.transactions(mirakl_order_id="S1005-A")
        self.assertEqual(len(records), 4)
        self.assertEqual(records.move_id, moves, "nothing posted again")
        self.assertEqual(set(records.mapped("payment_state")), {"PAID"})
        self.assertEqual(set(records.mapped("payment_voucher_number")), {"PV000001"})
        self.assertEqual(records.document_id.mirakl_id, "9001")
        self.assertEqual(
            len(
                self.env["account.move"].search(
                    [("retail_backend_id", "=", self.backend.id)]
                )
            ),
            1,
        )
        self.assertAlmostEqual(
            self.balance(self.backend.mirakl_clearing_account_id), 120.0 - 14.4
        )

    def test_payment_matched_with_the_bank_statement_line(self):
        self.make_invoiced_order("S1006-A", [(120.0, 1)])
        self.make_invoiced_order("S1007-A", [(60.0, 1)])
        lines = self.order_lines("S1006-A", 120.0, 12.0) + self.order_lines(
            "S1007-A", 60.0, 6.0
        )
        lines.append(self.tx("SUBSCRIPTION_FEE", -9.99, fee_code="SUBSCRIPTION"))
        self.feed(lines)
        paid, payment = self.paid(lines, document_id="9002", voucher="PV000042")
        expected = round(120 + 60 - 14.4 - 7.2 - 9.99, 2)
        self.assertAlmostEqual(-float(payment["amount"]), expected)
        # The transfer arrives before the payout is read.
        st_line = self.statement_line(expected, "MIRAKL PAYOUT PV000042 SHOP 2001")
        self.feed([*paid, payment])

        document = self.env["retail.mirakl.document"].search(
            [("backend_id", "=", self.backend.id), ("mirakl_id", "=", "9002")]
        )
        self.assertEqual(document.transaction_count, 10)
        self.assertAlmostEqual(document.expected_amount, expected)
        self.assertAlmostEqual(document.paid_amount, expected)
        self.assertEqual(document.statement_line_id, st_line)
        self.assertEqual(document.state, "matched")
        self.assertTrue(st_line.is_reconciled)
        # The operator owes nothing more; every clearing item is reconciled.
        self.assertAlmostEqual(self.balance(self.backend.mirakl_clearing_account_id), 0)
        clearing = self.transactions().clearing_line_id
        self.assertTrue(all(clearing.mapped("reconciled")))
        self.assertAlmostEqual(self.balance(self.backend.mirakl_payout_account_id), 0)
        self.assertAlmostEqual(self.balance(self.backend.mirakl_fee_account_id), 9.99)

    def test_payout_matched_when_the_statement_line_comes_later(self):
        self.make_invoiced_order("S1008-A", [(120.0, 1)])
        lines = self.order_lines("S1008-A", 120.0, 12.0)
        paid, payment = self.paid(lines, document_id="9003", voucher="PV000043")
        self.feed([*paid, payment])
        document = self.transactions(type="PAYMENT").document_id
        self.assertEqual(document.state, "paid")
        self.assertAlmostEqual(
            self.balance(self.backend.mirakl_payout_account_id), 105.6
        )
        # A customer's transfer of the same amount stays apart.
        other = self.statement_line(105.6, "Customer transfer", partner=self.customer)
        st_line = self.statement_line(105.6, "SEPA CREDIT PV000043")
        self.assertEqual(document.statement_line_id, st_line)
        self.assertEqual(document.state, "matched")
        self.assertFalse(other.is_reconciled)
        self.assertAlmostEqual(self.balance(self.backend.mirakl_payout_account_id), 0)

    def test_setup_accounting_fills_every_setting(self):
        backend = self.backend
        for field in (
            "mirakl_journal_id",
            "mirakl_operator_partner_id",
            "mirakl_clearing_account_id",
            "mirakl_commission_account_id",
            "mirakl_commission_vat_account_id",
            "mirakl_fee_account_id",
            "mirakl_manual_credit_account_id",
            "mirakl_manual_invoice_account_id",
            "mirakl_reserve_account_id",
            "mirakl_suspense_account_id",
            "mirakl_bank_journal_id",
            "mirakl_payout_account_id",
        ):
            self.assertTrue(backend[field], field)
        self.assertTrue(backend.mirakl_clearing_account_id.reconcile)
        self.assertTrue(backend.mirakl_payout_account_id.reconcile)
