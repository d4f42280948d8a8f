"""Mirakl accounting documents (IV01) and the payouts they group.

A billing cycle groups transaction lines in one accounting document and
pays their sum with one ``PAYMENT`` line (the transfer to the shop's bank).
A document is created as soon as a transaction line names it and completed
by IV01 once a day. Once its payout is posted, the clearing items of its
lines are reconciled with the payout's, and the payout is matched with the
bank statement line of the transfer when one is there.
"""

from odoo import _, api, fields, models

from ..services import settlement
from ..tools import api as mirakl_api

STATES = [
    ("open", "Open"),
    ("paid", "Paid by the operator"),
    ("matched", "Matched with the bank"),
    ("discrepancy", "Discrepancy"),
]


class RetailMiraklDocument(models.Model):
    _name = "retail.mirakl.document"
    _inherit = ["retail.connection.record", "retail.payout.mixin"]
    _description = "Mirakl Accounting Document"
    _order = "issue_date desc, id desc"
    _rec_name = "number"

    mirakl_id = fields.Char(string="Mirakl ID", required=True, readonly=True)
    number = fields.Char(readonly=True)
    type = fields.Char(readonly=True)
    issue_date = fields.Datetime(readonly=True)
    due_date = fields.Datetime(readonly=True)
    total_excl = fields.Monetary(string="Total Excl. Taxes", readonly=True)
    total_incl = fields.Monetary(string="Total Incl. Taxes", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    payment_state = fields.Char(readonly=True)
    payment_reference = fields.Char(readonly=True, index=True)
    payment_date = fields.Datetime(readonly=True)
    imported = fields.Boolean(
        readonly=True, help="Read from the operator's accounting documents (IV01)."
    )

    transaction_ids = fields.One2many(
        "retail.mirakl.transaction", "document_id", string="Transaction Lines"
    )
    transaction_count = fields.Integer(compute="_compute_amounts", store=True)
    expected_amount = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        help="Sum of the document's lines, the payout excepted: what the "
        "operator owes for the cycle.",
    )
    paid_amount = fields.Monetary(
        compute="_compute_amounts", store=True, help="The payout to the bank."
    )
    commission_amount = fields.Monetary(compute="_compute_amounts", store=True)
    difference = fields.Monetary(compute="_compute_amounts", store=True)
    payment_transaction_id = fields.Many2one(
        "retail.mirakl.transaction", compute="_compute_amounts", store=True
    )
    state = fields.Selection(STATES, compute="_compute_state", store=True, index=True)

    _sql_constraints = [
        (
            "mirakl_id_uniq",
            "unique(backend_id, mirakl_id)",
            "A Mirakl accounting document is stored once per connection.",
        ),
    ]

    @api.depends(
        "transaction_ids.amount", "transaction_ids.category", "transaction_ids.state"
    )
    def _compute_amounts(self):
        for document in self:
            lines = document.transaction_ids
            payments = lines.filtered(
                lambda t: t.category == settlement.CATEGORY_PAYMENT
            )
            document.transaction_count = len(lines)
            document.expected_amount = sum((lines - payments).mapped("amount"))
            document.paid_amount = -sum(payments.mapped("amount"))
            document.commission_amount = sum(
                lines.filtered(
                    lambda t: (
                        t.category
                        in (
                            settlement.CATEGORY_COMMISSION,
                            settlement.CATEGORY_OPERATOR_VAT,
                        )
                        and t.fee_code != "SUBSCRIPTION"
                    )
                ).mapped("amount")
            )
            document.difference = document.expected_amount - document.paid_amount
            document.payment_transaction_id = payments[:1]

    @api.depends(
        "payment_transaction_id", "difference", "statement_line_id", "currency_id"
    )
    def _compute_state(self):
        for document in self:
            currency = document.currency_id or document.company_id.currency_id
            if not document.payment_transaction_id:
                document.state = "open"
            elif not currency.is_zero(document.difference):
                document.state = "discrepancy"
            elif document.statement_line_id:
                document.state = "matched"
            else:
                document.state = "paid"

    # ------------------------------------------------------------------
    # Storing what Mirakl says
    # ------------------------------------------------------------------
    @api.model
    def _mirakl_find_or_create(self, backend, mirakl_id, number=None, currency=None):
        document = self.search(
            [("backend_id", "=", backend.id), ("mirakl_id", "=", str(mirakl_id))],
            limit=1,
        )
        if not document:
            document = self.create(
                {
                    "backend_id": backend.id,
                    "mirakl_id": str(mirakl_id),
                    "number": number or str(mirakl_id),
                    "currency_id": (currency or backend.company_id.currency_id).id,
                }
            )
        elif number and not document.number:
            document.number = number
        return document

    @api.model
    def _mirakl_upsert(self, backend, documents):
        """Create or complete the documents read from IV01; returns them."""
        result = self.browse()
        Currency = self.env["res.currency"].with_context(active_test=False)
        for doc in documents:
            record = self._mirakl_find_or_create(backend, doc.id, number=doc.number)
            currency = Currency.search(
                [("name", "=", (doc.currency or "").upper())], limit=1
            )
            values = {
                "number": doc.number or record.number,
                "type": doc.type or False,
                "issue_date": doc.issue_date or False,
                "due_date": doc.due_date or False,
                "total_excl": mirakl_api.number(doc.total_excl),
                "total_incl": mirakl_api.number(doc.total_incl),
                "payment_state": doc.payment_state or False,
                "payment_reference": doc.payment_reference or False,
                "payment_date": doc.payment_date or False,
                "imported": True,
            }
            if currency:
                values["currency_id"] = currency.id
            record.write(values)
            # Lines read before the document was known to Odoo.
            self.env["retail.mirakl.transaction"].search(
                [
                    ("backend_id", "=", backend.id),
                    ("mirakl_document_id", "=", record.mirakl_id),
                    ("document_id", "=", False),
                ]
            ).write({"document_id": record.id})
            result |= record
        return result

    # ------------------------------------------------------------------
    # Payout: clearing reconciled, bank statement line matched
    # ------------------------------------------------------------------
    def _mirakl_match_payout(self):
        """Reconcile the clearing items of each paid document and match its
        payout with the bank (when the statement line is there)."""
        for document in self.sudo():
            if not document.payment_transaction_id.move_id:
                continue
            clearing = document.transaction_ids.clearing_line_id.filtered(
                lambda aml: not aml.reconciled
            )
            if clearing.filtered(lambda aml: aml.balance > 0) and clearing.filtered(
                lambda aml: aml.balance < 0
            ):
                clearing.reconcile()
            document._payout_match_bank()
        return True

    # The payout as the base's retail.payout.mixin sees it ------------------
    def _payout_journal(self):
        return self.backend_id.mirakl_bank_journal_id

    def _payout_bank_amount(self):
        return -self.payment_transaction_id.amount

    def _payout_references(self):
        payment = self.payment_transaction_id
        return [
            ref
            for ref in (
                payment.payment_voucher_number,
                self.payment_reference,
                self.number,
                payment.mirakl_document_number,
            )
            if ref
        ]

    def _payout_fallback_line(self, candidates):
        """Without a reference: a transfer from the operator or nobody, near
        the payout."""
        day = (
            self.payment_date
            or self.payment_transaction_id.date_created
            or fields.Datetime.now()
        ).date()
        return self._payout_near_line(
            candidates, day, self.backend_id.mirakl_operator_partner_id
        )

    def _payout_counterparts(self):
        payout_line = self.payment_transaction_id.counterpart_line_id
        if not payout_line or payout_line.reconciled:
            return []
        return [(payout_line, payout_line.amount_residual)]

    def _payout_label(self):
        return _("Mirakl payout %s", self.number or self.mirakl_id)

    @api.model
    def _payout_waiting_domain(self, journals):
        return [
            ("state", "in", ("paid", "discrepancy")),
            ("statement_line_id", "=", False),
            ("backend_id.mirakl_bank_journal_id", "in", journals.ids),
        ]

    def action_open_transactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_marketplace.action_retail_mirakl_transaction"
        )
        action["domain"] = [("document_id", "=", self.id)]
        return action

    def action_mirakl_match(self):
        """Try again to reconcile and match these payouts."""
        self._mirakl_match_payout()
        return True
