"""Channel payouts matched with the bank: one way for every channel.

A channel's payout (a marketplace's transfer, a store POS's card payout)
reaches the bank as one statement line. A model inheriting
``retail.payout.mixin`` says in which journal, of which amount and under
which references its payout arrives, and what the line settles: journal
items to reconcile (each for all or part of its residual) and write-offs
such as fees. The mixin finds the statement line among the journal's
unreconciled ones, reconciles it as the bank reconciliation would (its
suspense item replaced by the counterparts and write-offs, each counterpart
reconciled), and tries again whenever a bank statement line is created.
"""

import logging

from odoo import _, api, fields, models
from odoo.fields import Command
from odoo.tools import format_amount

_logger = logging.getLogger(__name__)

# How far apart the bank's date and the payout's may be when the statement
# line names none of the payout's references (see _payout_fallback_line).
MATCH_DAYS = 5


class RetailPayoutMixin(models.AbstractModel):
    _name = "retail.payout.mixin"
    _description = "Channel Payout Matched with the Bank"

    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Bank Transaction",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )

    # ------------------------------------------------------------------
    # What a payout model says (hooks)
    # ------------------------------------------------------------------
    def _payout_journal(self):
        """The bank journal the payout arrives in (empty: not configured)."""
        return self.env["account.journal"]

    def _payout_bank_amount(self):
        """The amount of the statement line, signed as on the statement."""
        raise NotImplementedError

    def _payout_references(self):
        """Strings the statement line's label may contain, best first."""
        return []

    def _payout_fallback_line(self, candidates):
        """The line to take among `candidates` (right journal and amount)
        when none names the payout; none by default."""
        return candidates.browse()

    def _payout_counterparts(self):
        """``[(journal item, amount)]`` the statement line settles: `amount`
        is the part of the item's residual it takes (same sign)."""
        return []

    def _payout_writeoffs(self):
        """Journal item values (``account_id``, ``balance`` as on the statement
        line's entry, ``name``, optionally ``partner_id``) for what the line
        settles besides the counterparts: fees, say."""
        return []

    def _payout_label(self):
        return self.display_name

    @api.model
    def _payout_waiting_domain(self, journals):
        """Payouts of this model waiting for a statement line of `journals`."""
        return [("id", "=", 0)]

    # ------------------------------------------------------------------
    # Finding the statement line
    # ------------------------------------------------------------------
    def _payout_taken_lines(self):
        """Statement lines already matched with a payout of this model."""
        return (
            self.sudo()
            .with_context(active_test=False)
            .search([("statement_line_id", "!=", False)])
            .statement_line_id
        )

    def _payout_candidate_lines(self, with_amount=True):
        self.ensure_one()
        journal = self._payout_journal()
        StLine = self.env["account.bank.statement.line"].sudo()
        if not journal:
            return StLine
        domain = [
            ("journal_id", "=", journal.id),
            ("is_reconciled", "=", False),
            ("id", "not in", self._payout_taken_lines().ids),
        ]
        if with_amount:
            domain.append(("amount", "=", self._payout_bank_amount()))
        return StLine.search(domain)

    @staticmethod
    def _payout_names(st_line, reference):
        needle = reference.lower()
        return any(
            needle in (text or "").lower()
            for text in (st_line.payment_ref, st_line.ref, st_line.narration)
        )

    def _payout_find_statement_line(self):
        """The payout's statement line: its amount, and one of its references
        in the label; else what `_payout_fallback_line` takes."""
        self.ensure_one()
        candidates = self._payout_candidate_lines()
        for reference in self._payout_references():
            named = candidates.filtered(
                lambda st, r=reference: self._payout_names(st, r)
            )
            if len(named) == 1:
                return named
        return self._payout_fallback_line(candidates)

    def _payout_near_line(self, candidates, day, partners):
        """The only candidate within `MATCH_DAYS` of `day` from `partners`
        or nobody (a fallback for `_payout_fallback_line`)."""
        near = candidates.filtered(
            lambda st: (
                abs((st.date - day).days) <= MATCH_DAYS
                and (not st.partner_id or st.partner_id in partners)
            )
        )
        return near if len(near) == 1 else candidates.browse()

    def _payout_unmatched_reason(self):
        """Why no statement line is matched with the payout (a sentence)."""
        self.ensure_one()
        journal = self._payout_journal()
        if not journal:
            return _("No bank journal to look for the transfer in.")
        currency = journal.currency_id or journal.company_id.currency_id
        amount = format_amount(self.env, self._payout_bank_amount(), currency)
        named = self._payout_candidate_lines(with_amount=False).filtered(
            lambda st: any(
                self._payout_names(st, ref) for ref in self._payout_references()
            )
        )
        if named:
            return _(
                "Bank transaction %(line)s names the payout but shows "
                "%(found)s instead of %(amount)s.",
                line=named[0].payment_ref or named[0].display_name,
                found=format_amount(self.env, named[0].amount, currency),
                amount=amount,
            )
        return _(
            "No unreconciled transaction of %(amount)s naming %(refs)s in %(journal)s "
            "yet.",
            amount=amount,
            refs=", ".join(self._payout_references()) or "-",
            journal=journal.display_name,
        )

    # ------------------------------------------------------------------
    # Reconciling it
    # ------------------------------------------------------------------
    def _payout_reconcile_statement_line(self, st_line):
        """Reconcile `st_line` with what the payout settles; True when done.

        The line's suspense item is replaced by one item per counterpart
        (its account and partner, the amount settled) and the write-offs,
        then each counterpart is reconciled with its item. Nothing changes
        when the amounts do not add up to the line's.
        """
        self.ensure_one()
        counterparts = [
            (item, amount)
            for item, amount in self._payout_counterparts()
            if not item.reconciled
        ]
        writeoffs = self._payout_writeoffs()
        if not counterparts and not writeoffs:
            return False
        st_line = st_line.sudo()
        move = st_line.move_id
        currency = move.company_id.currency_id
        if move.currency_id != currency:
            # A journal in a foreign currency: left to the bank reconciliation.
            return False
        _liquidity, suspense, _other = st_line.with_context(
            skip_account_move_synchronization=True
        )._seek_for_lines()
        if len(suspense) != 1:
            return False
        values = [
            {
                "name": self._payout_label(),
                "account_id": item.account_id.id,
                "partner_id": item.partner_id.id,
                "balance": -amount,
                "amount_currency": -amount,
                "currency_id": currency.id,
            }
            for item, amount in counterparts
        ]
        values += [
            {
                "amount_currency": writeoff["balance"],
                "currency_id": currency.id,
                "partner_id": suspense.partner_id.id,
                **writeoff,
            }
            for writeoff in writeoffs
        ]
        if currency.compare_amounts(
            sum(v["balance"] for v in values), suspense.balance
        ):
            return False
        before = move.line_ids - suspense
        move.with_context(
            force_delete=True,
            skip_readonly_check=True,
            skip_account_move_synchronization=True,
        ).write(
            {
                "line_ids": [Command.unlink(suspense.id)]
                + [Command.create(v) for v in values]
            }
        )
        created = (move.line_ids - before).sorted("id")
        for (item, _amount), line in zip(counterparts, created, strict=False):
            (item + line).with_context(no_cash_basis=True).reconcile()
        self.statement_line_id = st_line
        move.message_post(body=_("Matched with the payout %s.", self._payout_label()))
        return True

    def _payout_match_bank(self):
        """Find and reconcile the statement line of each payout without one;
        the payouts matched."""
        matched = self.browse()
        for payout in self:
            if payout.statement_line_id:
                continue
            st_line = payout._payout_find_statement_line()
            if st_line and payout._payout_reconcile_statement_line(st_line):
                matched |= payout
        return matched

    @api.model
    def _payout_match_statement_lines(self, st_lines):
        """Match new statement lines with the payouts waiting for them."""
        journals = st_lines.journal_id
        if not journals:
            return self.browse()
        waiting = self.sudo().search(self._payout_waiting_domain(journals))
        return waiting._payout_match_bank()


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._retail_match_payouts()
        return lines

    def _retail_match_payouts(self):
        """Offer new statement lines to every model of channel payouts.

        Matching may not stop the bank import: what fails is logged and the
        payout waits for its next try (a cron or a person's Match).
        """
        registry = self.env.registry
        for name in registry.descendants(["retail.payout.mixin"], "_inherit"):
            Model = self.env[name]
            if Model._abstract:
                continue
            try:
                with self.env.cr.savepoint():
                    Model.sudo()._payout_match_statement_lines(self)
            except Exception:
                _logger.exception("%s not matched with %s", name, self.ids)
