"""Mirakl transaction lines (TL02), each stored once and posted once.

A line is read again whenever Mirakl updates it (its payment state, the
accounting document and payment voucher it joins when a billing cycle
closes): the stored line is updated, its journal entry is never posted a
second time. See services/settlement_posting.py for the entries.
"""

import logging

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..services import settlement
from ..services.settlement_posting import SettlementPoster
from ..tools import api as mirakl_api

_logger = logging.getLogger(__name__)

STATES = [
    ("waiting", "Waiting"),
    ("posted", "Posted"),
    ("suspense", "In suspense"),
]


class RetailMiraklTransaction(models.Model):
    _name = "retail.mirakl.transaction"
    _inherit = "retail.connection.record"
    _description = "Mirakl Transaction Line"
    _order = "date_created desc, id desc"
    _rec_name = "mirakl_id"

    mirakl_id = fields.Char(string="Mirakl ID", required=True, readonly=True)
    type = fields.Char(readonly=True, index=True)
    category = fields.Selection(settlement.CATEGORIES, readonly=True, index=True)
    amount = fields.Monetary(readonly=True, help="Credited minus debited.")
    amount_credited = fields.Monetary(readonly=True)
    amount_debited = fields.Monetary(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date_created = fields.Datetime(readonly=True)
    last_updated = fields.Datetime(readonly=True)
    payment_state = fields.Char(readonly=True, index=True)
    mirakl_document_id = fields.Char(string="Accounting Document ID", readonly=True)
    mirakl_document_number = fields.Char(string="Accounting Document", readonly=True)
    payment_voucher_number = fields.Char(readonly=True, index=True)
    billing_cycle_id = fields.Char(readonly=True)
    mirakl_order_id = fields.Char(readonly=True, index=True)
    mirakl_commercial_id = fields.Char(string="Commercial ID", readonly=True)
    mirakl_order_line_id = fields.Char(readonly=True)
    mirakl_refund_id = fields.Char(readonly=True)
    tax_code = fields.Char(readonly=True)
    tax_rate = fields.Float(readonly=True)
    fee_code = fields.Char(readonly=True)

    document_id = fields.Many2one(
        "retail.mirakl.document", readonly=True, index=True, ondelete="set null"
    )
    sale_order_id = fields.Many2one("sale.order", readonly=True, index=True)
    state = fields.Selection(STATES, default="waiting", readonly=True, index=True)
    message = fields.Text(
        readonly=True, help="Why the line waits, or what a person should check."
    )
    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True)
    clearing_line_id = fields.Many2one(
        "account.move.line", string="Clearing Item", readonly=True
    )
    counterpart_line_id = fields.Many2one(
        "account.move.line", string="Counterpart Item", readonly=True
    )
    posted_amount = fields.Monetary(readonly=True)
    exchange_id = fields.Many2one(
        "retail.exchange", string="Last Read In", readonly=True, ondelete="set null"
    )

    _sql_constraints = [
        (
            "mirakl_id_uniq",
            "unique(backend_id, mirakl_id)",
            "A Mirakl transaction line is stored once per connection.",
        ),
    ]

    # ------------------------------------------------------------------
    # Storing what Mirakl says
    # ------------------------------------------------------------------
    @api.model
    def _mirakl_currencies(self, lines):
        """``{code: res.currency}`` of the lines' currencies, in one query."""
        codes = {(line.currency or "").upper() for line in lines}
        found = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "in", list(codes))])
        )
        return {currency.name: currency for currency in found}

    @api.model
    def _mirakl_values(self, backend, line, currencies=None):
        """Field values of one mapped transaction line (`currencies`: the
        page's currencies by code, read once)."""
        currencies = (
            currencies if currencies is not None else self._mirakl_currencies([line])
        )
        currency = currencies.get(
            (line.currency or "").upper(), self.env["res.currency"]
        )
        return {
            "type": line.type,
            "category": settlement.category_of(line.type),
            "amount": mirakl_api.number(line.amount),
            "amount_credited": mirakl_api.number(line.amount_credited),
            "amount_debited": mirakl_api.number(line.amount_debited),
            "currency_id": (currency or backend.company_id.currency_id).id,
            "date_created": line.date_created or False,
            "last_updated": line.last_updated or False,
            "payment_state": line.payment_state or False,
            "mirakl_document_id": line.accounting_document_id or False,
            "mirakl_document_number": line.accounting_document_number or False,
            "payment_voucher_number": line.payment_voucher_number or False,
            "billing_cycle_id": line.billing_cycle_id or False,
            "mirakl_order_id": line.order_id or False,
            "mirakl_commercial_id": line.order_commercial_id or False,
            "mirakl_order_line_id": line.order_line_id or False,
            "mirakl_refund_id": line.refund_id or False,
            "tax_code": line.tax_code or False,
            "tax_rate": mirakl_api.number(line.tax_rate),
            "fee_code": line.fee_code or False,
        }

    # What a re-read line may change; the amounts and links are what was
    # posted and stay.
    _MUTABLE = (
        "last_updated",
        "payment_state",
        "mirakl_document_id",
        "mirakl_document_number",
        "payment_voucher_number",
        "billing_cycle_id",
    )

    @api.model
    def _mirakl_upsert(self, backend, lines, exchange=None):
        """Create or update the lines of a page; returns them all."""
        ids = [str(line.id) for line in lines]
        existing = {
            record.mirakl_id: record
            for record in self.search(
                [("backend_id", "=", backend.id), ("mirakl_id", "in", ids)]
            )
        }
        result = self.browse()
        currencies = self._mirakl_currencies(lines)
        for line in lines:
            values = self._mirakl_values(backend, line, currencies)
            if exchange:
                values["exchange_id"] = exchange.id
            record = existing.get(str(line.id))
            if record:
                if (
                    record.last_updated
                    and values["last_updated"]
                    and (
                        fields.Datetime.to_datetime(values["last_updated"])
                        < record.last_updated
                    )
                ):
                    # An older read of the line (a page replayed): keep ours.
                    result |= record
                    continue
                changes = record._mirakl_changes(values)
                record._mirakl_note_amount_change(values["amount"])
                if changes:
                    record.write(changes)
            else:
                record = self.create(
                    {"backend_id": backend.id, "mirakl_id": str(line.id), **values}
                )
                existing[record.mirakl_id] = record
            result |= record
        result._mirakl_link_documents()
        return result

    def _mirakl_changes(self, values):
        """What of `values` differs from this line, among what may change."""
        self.ensure_one()
        changes = {}
        for key in (*self._MUTABLE, "exchange_id"):
            if key not in values:
                continue
            new, old = values[key] or False, self[key]
            if key == "exchange_id":
                old = old.id
            elif key == "last_updated":
                new = fields.Datetime.to_datetime(new) if new else False
            if (old or False) != new:
                changes[key] = values[key]
        return changes

    def _mirakl_note_amount_change(self, amount):
        """A posted line whose amount Mirakl changed is shown, never reposted."""
        self.ensure_one()
        if self.currency_id.compare_amounts(amount, self.amount) and self.move_id:
            self.message = _(
                "Mirakl now shows %(new)s for this line, posted as %(old)s: check "
                "the line with the operator.",
                new=amount,
                old=self.amount,
            )

    def _mirakl_link_documents(self):
        """Link lines to their accounting document (created as a stub)."""
        Document = self.env["retail.mirakl.document"].sudo()
        for record in self.filtered(
            lambda r: (
                r.mirakl_document_id and r.document_id.mirakl_id != r.mirakl_document_id
            )
        ):
            record.document_id = Document._mirakl_find_or_create(
                record.backend_id,
                record.mirakl_document_id,
                number=record.mirakl_document_number,
                currency=record.currency_id,
            )

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------
    def _mirakl_post(self):
        """Post the lines not posted yet (those that can be, now)."""
        todo = self.filtered(lambda r: not r.move_id)
        if todo:
            # Two jobs posting the same line: the second waits here, then
            # fails to serialize and is retried, seeing the line posted.
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM retail_mirakl_transaction"
                    " WHERE id IN %s FOR UPDATE",
                    tuple(todo.ids),
                )
            )
            todo.invalidate_recordset(["move_id"])
            todo = todo.filtered(lambda r: not r.move_id)
        for backend in todo.backend_id:
            SettlementPoster(self.env, backend).post(
                todo.filtered(lambda r, b=backend: r.backend_id == b)
            )
        self.document_id._mirakl_match_payout()
        return True

    @api.model
    def _cron_mirakl_post_waiting(self):
        """Post the lines waiting for an invoice or a credit note."""
        waiting = self.search([("state", "=", "waiting"), ("move_id", "=", False)])
        for backend in waiting.backend_id:
            try:
                with self.env.cr.savepoint():
                    waiting.filtered(
                        lambda r, b=backend: r.backend_id == b
                    )._mirakl_post()
            except Exception:
                _logger.exception(
                    "Settlement of %s: waiting lines not posted", backend.name
                )
        return True

    def action_mirakl_post(self):
        """Try again to post these lines (after an invoice or a setting)."""
        self._mirakl_post()
        return True

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action() if self.move_id else False
