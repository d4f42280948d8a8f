"""A store day's cash drawer: its shifts, the count at closing, late counts.

The POS's cash drawer shifts of a business day (several drawers, or one
after another) add up: the opening floats, the cash counted, paid in and
out. The count is known once every shift of the day is closed, which makes
the day due for closing. The main session is closed with it as Odoo's own
POS closes a session with cash control: cash paid in and out as cash moves,
the opening float and the counted cash on the session, Odoo computing the
difference and posting it to the cash journal's profit or loss account.

What comes after the closing (a drawer counted late, a cash receipt
uploaded late into a rescue session) is settled on the closed day: the
difference still missing is posted as Odoo posts a closing difference, so
that the day's posted difference is always counted - expected.
"""

from odoo import _, fields, models

from ..tools import cash


class RetailPosDay(models.Model):
    _inherit = "retail.pos.day"  # pylint: disable=consider-merging-classes-inherited

    cash_paid_in = fields.Monetary(
        readonly=True,
        help="Cash put into the drawer during the day (not sales).",
    )
    cash_paid_out = fields.Monetary(
        readonly=True,
        help="Cash taken out of the drawer during the day (not refunds).",
    )
    cash_moves_posted = fields.Monetary(
        readonly=True,
        help="Cash paid in - paid out posted as cash moves of the day's session.",
    )

    # ------------------------------------------------------------------
    # The day's shifts
    # ------------------------------------------------------------------
    def _cash_apply_shifts(self, shifts):
        """Take the day's drawer from all its shifts (``receipts.CashShift``).

        Returns whether anything changed. A counted drawer makes an open day
        due; on a closed day, what changed is settled at once.
        """
        self.ensure_one()
        drawer = cash.day_drawer(shifts)
        amounts = {
            "cash_opening": float(drawer.opened),
            "cash_counted": float(drawer.counted),
            "cash_paid_in": float(drawer.paid_in),
            "cash_paid_out": float(drawer.paid_out),
        }
        others = {
            "cash_shift_ref": ", ".join(drawer.shift_ids) or False,
            "cash_counted_known": drawer.counted_known,
        }
        currency = self.currency_id
        if all(
            currency.compare_amounts(self[name], amount) == 0
            for name, amount in amounts.items()
        ) and all((self[name] or False) == value for name, value in others.items()):
            return False
        self.write({**amounts, **others})
        if drawer.counted_known:
            self.message_post(
                body=_(
                    "Cash drawer counted on the POS: %(counted)s (opening float "
                    "%(opening)s, shifts %(shifts)s).",
                    counted=currency.format(self.cash_counted),
                    opening=currency.format(self.cash_opening),
                    shifts=self.cash_shift_ref,
                )
            )
        if self.state == "closed":
            if drawer.counted_known:
                self._cash_settle()
                self._check_discrepancies()
        elif drawer.counted_known:
            self._mark_due()
        return True

    # ------------------------------------------------------------------
    # Closing the main session
    # ------------------------------------------------------------------
    def _set_counted_cash(self, session):
        """Count the drawer on the day's main session before Odoo closes it.

        The counted cash covers the day's rescue sessions too, which Odoo
        closes at their expected cash: the main session gets the rest.
        """
        if not session.cash_journal_id:
            return
        session.cash_register_balance_start = self.cash_opening
        self._cash_post_moves(session)
        session.invalidate_recordset(
            ["cash_register_balance_end", "cash_register_difference"]
        )
        if self.cash_counted_known:
            others = self._cash_tendered(self.session_ids - session)
            session.cash_register_balance_end_real = self.cash_counted - others
        else:
            # Nobody counted: close with what Odoo expects, and say so.
            expected = session.cash_register_balance_end
            session.cash_register_balance_end_real = expected
            self.message_post(
                body=_(
                    "The cash drawer was not counted (no closed drawer shift from "
                    "the POS): %(session)s closed at the cash expected, %(amount)s.",
                    session=session.name,
                    amount=self.currency_id.format(expected),
                )
            )
        session.invalidate_recordset(["cash_register_difference"])

    def _cash_post_moves(self, session):
        """Post the cash paid in and out not posted yet, as Odoo's cash moves."""
        currency = self.currency_id
        moves = currency.round(self.cash_paid_in - self.cash_paid_out)
        missing = currency.round(moves - self.cash_moves_posted)
        if currency.is_zero(missing):
            return
        kind = "in" if missing > 0 else "out"
        session.sudo().with_company(session.company_id).try_cash_in_out(
            kind,
            abs(missing),
            _("Cash drawer paid in and out (POS)"),
            {"translatedType": _("in") if kind == "in" else _("out")},
        )
        self.cash_moves_posted = moves

    # ------------------------------------------------------------------
    # Settling the closed day
    # ------------------------------------------------------------------
    def _cash_settle(self):
        """Make the closed day's posted cash difference counted - expected."""
        self.ensure_one()
        sessions = self.session_ids.filtered(
            lambda s: s.state == "closed" and s.cash_journal_id
        )
        if self.state != "closed" or not sessions:
            return
        anchor = self.session_id if self.session_id in sessions else sessions[:1]
        if self.cash_counted_known:
            self._cash_post_moves(anchor)
        currency = self.currency_id
        expected = currency.round(
            self.cash_opening + self._cash_tendered(self.session_ids)
        ) + currency.round(self.cash_moves_posted)
        posted = self._cash_posted_difference(sessions)
        values = {"cash_expected": expected, "cash_difference": posted}
        if self.cash_counted_known:
            difference = currency.round(self.cash_counted - expected)
            missing = currency.round(difference - posted)
            if not currency.is_zero(missing):
                anchor.sudo().with_company(
                    anchor.company_id
                )._post_statement_difference(missing)
                self.message_post(
                    body=_(
                        "Cash difference of %(amount)s posted after the closing "
                        "(%(session)s): the drawer's count or a cash receipt came "
                        "late.",
                        amount=currency.format(missing),
                        session=anchor.name,
                    )
                )
            values["cash_difference"] = difference
        self.write(values)

    def _cash_tendered(self, sessions):
        """Cash taken (less cash given back) in `sessions`."""
        if not sessions:
            return 0.0
        groups = (
            self.env["pos.payment"]
            .sudo()
            ._read_group(
                [
                    ("session_id", "in", sessions.ids),
                    ("payment_method_id.is_cash_count", "=", True),
                ],
                aggregates=["amount:sum"],
            )
        )
        return groups[0][0] or 0.0

    def _cash_posted_difference(self, sessions):
        """The cash differences posted for `sessions` (to profit or loss)."""
        journals = sessions.cash_journal_id
        accounts = journals.loss_account_id | journals.profit_account_id
        lines = (
            self.env["account.bank.statement.line"]
            .sudo()
            .search(
                [
                    ("pos_session_id", "in", sessions.ids),
                    ("journal_id", "in", journals.ids),
                    ("move_id.line_ids.account_id", "in", accounts.ids),
                ]
            )
        )
        return self.currency_id.round(sum(lines.mapped("amount")))
