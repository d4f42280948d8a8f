"""Mirakl connection: settlement settings and the settlement streams.

Transaction lines (TL02) and accounting documents (IV01) are polled as
streams of their own (``const.POLL_STREAM_TRANSACTIONS`` and
``const.POLL_STREAM_INVOICES``); each page read is stored as one inbound
exchange and applied by the settlement processors (services/settlement.py).
"""

import json
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.services.errors import PollContinues
from odoo.addons.retail_connector_base.tools import canonical, inbound
from odoo.addons.retail_connector_base.tools.call_schedule import CallScheduled

from ..services import settlement
from ..tools import api as mirakl_api

TOPIC_TRANSACTIONS = "mirakl.transaction_logs"
# Transaction lines per stored exchange (one processing job).
TRANSACTIONS_PER_EXCHANGE = 250
TOPIC_DOCUMENTS = "mirakl.documents"
# IV01 may be called once a day: documents are read again from a little
# before the previous call, so that none issued around it is missed.
DOCUMENT_REREAD = timedelta(days=2)


SETTLEMENT_SETTINGS = (
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
)


def _account_field(string, help_text, **kwargs):
    return fields.Many2one(
        "account.account",
        string=string,
        check_company=True,
        help=help_text,
        **kwargs,
    )


def _moment(value):
    """A Mirakl date or date and time as naive UTC; None when unreadable."""
    try:
        return canonical.parse_datetime(value, "last_updated") if value else None
    except canonical.CanonicalError:
        return None


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    mirakl_journal_id = fields.Many2one(
        "account.journal",
        string="Marketplace Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Journal of the entries posted from the marketplace's transaction lines.",
    )
    mirakl_operator_partner_id = fields.Many2one(
        "res.partner",
        string="Operator",
        help="The marketplace operator: partner of the clearing, commission "
        "and fee items.",
    )
    mirakl_clearing_account_id = _account_field(
        "Operator Clearing Account",
        "What the operator owes the shop: order amounts in, commissions, fees "
        "and payouts out. Must allow reconciliation.",
        domain="[('reconcile', '=', True), ('account_type', 'not in', "
        "('asset_receivable', 'liability_payable'))]",
    )
    mirakl_commission_account_id = _account_field(
        "Commission Account", "Expense account of the operator's commissions."
    )
    mirakl_commission_vat_account_id = _account_field(
        "Operator VAT Account",
        "VAT the operator charges on its commissions, subscriptions and "
        "manual invoices (deductible VAT).",
    )
    mirakl_fee_account_id = _account_field(
        "Fees and Penalties Account", "Subscription fees and seller penalties."
    )
    mirakl_manual_credit_account_id = _account_field(
        "Manual Credits Account", "What the operator credits the shop by hand."
    )
    mirakl_manual_invoice_account_id = _account_field(
        "Manual Invoices Account", "What the operator invoices the shop by hand."
    )
    mirakl_reserve_account_id = _account_field(
        "Reserve Account", "Funds the operator holds back as a reserve."
    )
    mirakl_suspense_account_id = _account_field(
        "Suspense Account",
        "Transaction types Odoo does not know: posted here and flagged for a person.",
    )
    mirakl_bank_journal_id = fields.Many2one(
        "account.journal",
        string="Payout Bank Journal",
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="Bank journal receiving the operator's transfers: its statement "
        "lines are matched with the payouts.",
    )
    mirakl_payout_account_id = _account_field(
        "Payouts in Transit Account",
        "Where a payout waits for its bank statement line (by default the "
        "company's outstanding receipts). Must allow reconciliation.",
        domain="[('reconcile', '=', True)]",
    )
    mirakl_transaction_count = fields.Integer(
        compute="_compute_mirakl_settlement_counts"
    )
    mirakl_document_count = fields.Integer(compute="_compute_mirakl_settlement_counts")

    def _compute_mirakl_settlement_counts(self):
        Transaction = self.env["retail.mirakl.transaction"]
        Document = self.env["retail.mirakl.document"]
        for backend in self:
            if not backend.id or backend.channel != "mirakl":
                backend.mirakl_transaction_count = backend.mirakl_document_count = 0
                continue
            backend.mirakl_transaction_count = Transaction.search_count(
                [("backend_id", "=", backend.id)]
            )
            backend.mirakl_document_count = Document.search_count(
                [("backend_id", "=", backend.id)]
            )

    @api.constrains("mirakl_clearing_account_id", "mirakl_payout_account_id")
    def _check_mirakl_reconcilable(self):
        for backend in self:
            for account in (
                backend.mirakl_clearing_account_id,
                backend.mirakl_payout_account_id,
            ):
                if account and not account.reconcile:
                    raise UserError(
                        _("Account %s must allow reconciliation.", account.display_name)
                    )

    # ------------------------------------------------------------------
    # Set up accounting
    # ------------------------------------------------------------------
    def action_mirakl_setup_accounting(self):
        """Create or choose the journal, partner and accounts not set yet."""
        for backend in self:
            backend._mirakl_settlement_ensure_setup()
        return True

    def _mirakl_settlement_ensure_setup(self):
        """Fill every settlement setting left empty with a sensible default."""
        self.ensure_one()
        backend = self.sudo()
        if all(backend[name] for name in SETTLEMENT_SETTINGS):
            return True
        company = backend.company_id
        Account = self.env["account.account"].sudo().with_company(company)
        values = {}
        if not backend.mirakl_journal_id:
            journal = (
                self.env["account.journal"]
                .sudo()
                .search(
                    [("company_id", "=", company.id), ("code", "=", "MKP")], limit=1
                )
            )
            values["mirakl_journal_id"] = (
                journal
                or self.env["account.journal"]
                .sudo()
                .create(
                    {
                        "name": _("Marketplace"),
                        "code": "MKP",
                        "type": "general",
                        "company_id": company.id,
                    }
                )
            ).id
        if not backend.mirakl_operator_partner_id:
            values["mirakl_operator_partner_id"] = (
                self.env["res.partner"]
                .sudo()
                .create(
                    {
                        "name": _("%s (marketplace operator)", backend.name),
                        "is_company": True,
                        "company_id": company.id,
                    }
                )
                .id
            )
        receivable = company.partner_id.with_company(
            company
        ).property_account_receivable_id
        expense = Account.search(
            [("company_ids", "in", company.id), ("account_type", "=", "expense")],
            order="code",
            limit=1,
        )
        income = Account.search(
            [("company_ids", "in", company.id), ("account_type", "=", "income_other")],
            order="code",
            limit=1,
        ) or Account.search(
            [("company_ids", "in", company.id), ("account_type", "=", "income")],
            order="code",
            limit=1,
        )
        purchase_tax = company.account_purchase_tax_id
        vat = purchase_tax.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax" and line.account_id
        ).account_id[:1]
        current = Account.search(
            [("company_ids", "in", company.id), ("account_type", "=", "asset_current")],
            order="code",
            limit=1,
        )
        defaults = (
            (
                "mirakl_clearing_account_id",
                _("Marketplace operator clearing"),
                "asset_current",
                True,
                receivable or current,
            ),
            (
                "mirakl_commission_account_id",
                _("Marketplace commissions"),
                "expense",
                False,
                expense,
            ),
            (
                "mirakl_commission_vat_account_id",
                _("Marketplace VAT (operator)"),
                "asset_current",
                False,
                vat or current,
            ),
            (
                "mirakl_fee_account_id",
                _("Marketplace fees and penalties"),
                "expense",
                False,
                expense,
            ),
            (
                "mirakl_manual_credit_account_id",
                _("Marketplace credits"),
                "income_other",
                False,
                income,
            ),
            (
                "mirakl_manual_invoice_account_id",
                _("Marketplace charges"),
                "expense",
                False,
                expense,
            ),
            (
                "mirakl_reserve_account_id",
                _("Marketplace reserve"),
                "asset_current",
                False,
                current,
            ),
            (
                "mirakl_suspense_account_id",
                _("Marketplace suspense"),
                "asset_current",
                False,
                current,
            ),
        )
        for field, name, account_type, reconcile, near in defaults:
            if backend[field]:
                continue
            account = Account.search(
                [("company_ids", "in", company.id), ("name", "=", name)], limit=1
            ) or Account.create(
                {
                    "name": name,
                    "code": self._mirakl_free_account_code(company, near),
                    "account_type": account_type,
                    "reconcile": reconcile,
                    "company_ids": [(6, 0, company.ids)],
                }
            )
            values[field] = account.id
        if not backend.mirakl_bank_journal_id:
            bank = (
                self.env["account.journal"]
                .sudo()
                .search(
                    [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
                )
            )
            if bank:
                values["mirakl_bank_journal_id"] = bank.id
        if not backend.mirakl_payout_account_id:
            bank = self.env["account.journal"].browse(
                values.get("mirakl_bank_journal_id")
                or backend.mirakl_bank_journal_id.id
            )
            outstanding = bank.inbound_payment_method_line_ids.payment_account_id[:1]
            if not outstanding:
                outstanding = (
                    self.env["account.chart.template"]
                    .with_context(allowed_company_ids=company.root_id.ids)
                    .ref(
                        "account_journal_payment_debit_account_id",
                        raise_if_not_found=False,
                    )
                )
            if not outstanding or not outstanding.reconcile:
                outstanding = Account.search(
                    [
                        ("company_ids", "in", company.id),
                        ("name", "=", _("Marketplace payouts in transit")),
                    ],
                    limit=1,
                ) or Account.create(
                    {
                        "name": _("Marketplace payouts in transit"),
                        "code": self._mirakl_free_account_code(company, current),
                        "account_type": "asset_current",
                        "reconcile": True,
                        "company_ids": [(6, 0, company.ids)],
                    }
                )
            values["mirakl_payout_account_id"] = outstanding.id
        if values:
            backend.write(values)
        return True

    @api.model
    def _mirakl_free_account_code(self, company, near):
        """A code not used in `company`, next to `near`'s code when it has one."""
        Account = self.env["account.account"].sudo().with_company(company)
        base = (near.code or "").strip() if near else ""
        if not base.isdigit():
            base = "4999000"
        number, width = int(base), len(base)
        for step in range(1, 1000):
            code = str(number + step).zfill(width)
            if not Account.search_count(
                [("company_ids", "in", company.id), ("code", "=", code)], limit=1
            ):
                return code
        raise UserError(_("No free account code near %s.", base))

    # ------------------------------------------------------------------
    # Streams (called by the connection's _poll)
    # ------------------------------------------------------------------
    def _mirakl_poll_transactions(self, since, source):
        """TL02 by last update since `since`, page by page; each page one
        inbound exchange. A page the call schedule allows only later makes
        the run continue later from that page's token."""
        self.ensure_one()
        client = self._mirakl_client()
        resume = self._poll_cursor() or {}
        token = resume.get("page_token")
        pages, lines_read, stored = (
            resume.get("pages", 0),
            resume.get("lines", 0),
            resume.get("stored", 0),
        )
        while True:
            try:
                if token:
                    lines, next_token = client.transaction_logs(page_token=token)
                else:
                    lines, next_token = client.transaction_logs(
                        last_updated_from=mirakl_api.iso(since),
                        limit=mirakl_api.TRANSACTION_PAGE_MAX,
                    )
            except CallScheduled as scheduled:
                if not token:
                    raise
                summary = _(
                    "%(pages)s page(s), %(lines)s transaction line(s) read so far",
                    pages=pages,
                    lines=lines_read,
                )
                raise PollContinues(
                    {
                        "page_token": token,
                        "pages": pages,
                        "lines": lines_read,
                        "stored": stored,
                    },
                    scheduled.wait,
                    summary,
                ) from scheduled
            pages += 1
            lines_read += len(lines)
            # A page of up to 2,000 lines is stored in parts: each part is
            # one job, short enough for any worker's time limit.
            for start in range(0, len(lines), TRANSACTIONS_PER_EXCHANGE):
                part = lines[start : start + TRANSACTIONS_PER_EXCHANGE]
                if self._mirakl_store_page(
                    TOPIC_TRANSACTIONS, {"data": part}, part, source
                ):
                    stored += 1
            if not next_token:
                break
            token = next_token
        return _(
            "%(lines)s transaction line(s) in %(pages)s page(s), %(stored)s new "
            "page(s) stored",
            lines=lines_read,
            pages=pages,
            stored=stored,
        )

    def _mirakl_poll_documents(self, since, source):
        """IV01, at most once a day: the accounting documents issued since
        a little before the previous call (or `since` for an import)."""
        self.ensure_one()
        resume = self._poll_cursor() or {}
        slot = (
            self.env["retail.call.slot"]
            .sudo()
            .search([("backend_id", "=", self.id), ("operation", "=", "IV01")], limit=1)
        )
        last_call = slot.last_call_at
        now = fields.Datetime.now()
        if not resume and last_call and last_call > now - timedelta(days=1):
            return _(
                "Nothing to do: accounting documents were read at %(last)s (UTC); "
                "the marketplace allows it once a day, next after %(next)s.",
                last=last_call,
                next=last_call + timedelta(days=1),
            )
        start = resume.get("start_date")
        if not start:
            start_moment = since
            if source != "import" and last_call:
                start_moment = min(since, last_call - DOCUMENT_REREAD)
            start = mirakl_api.iso(start_moment)
        offset = resume.get("offset", 0)
        client = self._mirakl_client()
        try:
            documents, total = client.invoices(
                start_date=start, offset=offset, page_size=mirakl_api.INVOICE_PAGE_MAX
            )
        except CallScheduled as scheduled:
            if not resume:
                return _(
                    "Nothing to do: the marketplace allows reading accounting "
                    "documents again in %s s.",
                    int(scheduled.wait),
                )
            raise PollContinues(resume, scheduled.wait) from scheduled
        if documents:
            self._mirakl_store_page(
                TOPIC_DOCUMENTS, {"invoices": documents}, documents, source
            )
        offset += len(documents)
        if documents and offset < total:
            # IV01 allows the next page tomorrow.
            raise PollContinues(
                {"start_date": start, "offset": offset},
                86400,
                _(
                    "%(read)s of %(total)s accounting documents read",
                    read=offset,
                    total=total,
                ),
            )
        return _("%s accounting document(s) read", offset)

    def _mirakl_store_page(self, topic, body, records, source):
        """Store one page as an inbound exchange; True when it is new."""
        raw_body = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        ids = [str(record.get("id") or "") for record in records]
        external_id = ids[0] if len(ids) == 1 else f"{ids[0]}..{ids[-1]}"
        updated = [
            record.get("last_updated") or record.get("issue_date") for record in records
        ]
        stamps = [stamp for stamp in map(_moment, updated) if stamp]
        occurred = max(stamps) if stamps else None
        return self._poll_store(
            topic,
            raw_body,
            dedup_key=f"{topic}:{inbound.body_digest(raw_body)}",
            external_id=external_id[:255],
            occurred_at=occurred,
            source=source,
        )

    # ------------------------------------------------------------------
    # Mapping and processing (called by the connection's _map_inbound)
    # ------------------------------------------------------------------
    def _mirakl_map_transactions(self, exchange):
        from ..tools import mappers

        body = json.loads(exchange.payload or "{}")
        lines = tuple(mappers.transaction_line(line) for line in body.get("data") or [])
        return settlement.TransactionPage(lines=lines) if lines else None

    def _mirakl_map_documents(self, exchange):
        from ..tools import mappers

        body = json.loads(exchange.payload or "{}")
        documents = tuple(
            mappers.accounting_document(doc) for doc in body.get("invoices") or []
        )
        return settlement.DocumentPage(documents=documents) if documents else None

    def _canonical_processors(self):
        processors = super()._canonical_processors()
        processors[settlement.TransactionPage] = settlement.TransactionPageProcessor
        processors[settlement.DocumentPage] = settlement.DocumentPageProcessor
        return processors

    # ------------------------------------------------------------------
    # Screens
    # ------------------------------------------------------------------
    def action_mirakl_open_settlements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_marketplace.action_retail_mirakl_document"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    def action_mirakl_open_transactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_marketplace.action_retail_mirakl_transaction"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action
