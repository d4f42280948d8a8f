"""Square card payouts: what a store's card sales bring to the bank.

A payout groups entries (a card sale, a refund, a fee), each with its gross,
fee and net; its net reaches the store's card journal as one bank statement
line under the payout's ``end_to_end_id``. Odoo's closing of a store-day
session left the day's card payments on the journal's outstanding account
(one payment per session and method); once the payout is paid and its bank
line is there, the line is reconciled with those outstanding items, for the
gross of the sales the payout settles, and the fees are booked as expenses
(the base's ``retail.payout.mixin``). A payout whose sales are not booked,
or whose sessions are not closed yet, waits and says so.
"""

from odoo import _, api, fields, models

STATUSES = [("SENT", "Sent"), ("PAID", "Paid"), ("FAILED", "Failed")]


class RetailPosPayout(models.Model):
    _name = "retail.pos.payout"
    _inherit = ["retail.connection.record", "retail.payout.mixin", "mail.thread"]
    _description = "Store Card Payout"
    _order = "arrival_date desc, id desc"

    name = fields.Char(string="Payout", required=True, readonly=True, index=True)
    store_id = fields.Many2one(
        "retail.location.mapping",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    # The store's company: a franchise's payouts are its own.
    company_id = fields.Many2one(
        "res.company", related="store_id.company_id", store=True, index=True
    )
    journal_id = fields.Many2one(
        "account.journal",
        related="store_id.pos_card_method_id.journal_id",
        store=True,
        string="Bank Journal",
    )
    status = fields.Selection(
        STATUSES, required=True, readonly=True, tracking=True, index=True
    )
    version = fields.Integer(readonly=True)
    square_updated_at = fields.Datetime(string="Updated on Square", readonly=True)
    arrival_date = fields.Date(readonly=True)
    end_to_end_id = fields.Char(
        string="Bank Reference",
        readonly=True,
        index="btree_not_null",
        help="The reference the bank shows on the transfer.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True, required=True)
    gross = fields.Monetary(readonly=True, help="The sales less the refunds settled.")
    fees = fields.Monetary(
        readonly=True, help="Square's processing fees (negative), and the payout's own."
    )
    net = fields.Monetary(readonly=True, help="What reaches the bank.")
    transfer_fee = fields.Monetary(readonly=True)
    entry_ids = fields.One2many(
        "retail.pos.payout.entry", "payout_id", string="Entries", readonly=True
    )
    day_ids = fields.Many2many(
        "retail.pos.day",
        "retail_pos_payout_day_rel",
        "payout_id",
        "day_id",
        string="Store Days",
        compute="_compute_day_ids",
        store=True,
        help="The store days whose card sales the payout settles.",
    )
    state = fields.Selection(
        [("unmatched", "Not Matched"), ("matched", "Matched")],
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
    )
    match_note = fields.Text(
        string="Why Not Matched", readonly=True, help="Why the payout waits."
    )
    overdue = fields.Boolean(
        compute="_compute_overdue",
        search="_search_overdue",
        help="Paid or failed and still not matched after its arrival date.",
    )

    _sql_constraints = [
        (
            "payout_uniq",
            "unique(backend_id, name)",
            "A Square payout is stored once per connection.",
        ),
    ]

    @api.depends("entry_ids.pos_payment_id.session_id.retail_day_id")
    def _compute_day_ids(self):
        for payout in self:
            payout.day_ids = payout.entry_ids.pos_payment_id.session_id.retail_day_id

    @api.depends("statement_line_id")
    def _compute_state(self):
        for payout in self:
            payout.state = "matched" if payout.statement_line_id else "unmatched"

    @api.depends("state", "status", "arrival_date")
    def _compute_overdue(self):
        today = fields.Date.context_today(self)
        for payout in self:
            payout.overdue = (
                payout.state == "unmatched"
                and payout.status != "SENT"
                and bool(payout.arrival_date)
                and payout.arrival_date < today
            )

    def _search_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("Search overdue payouts with = or !="))
        domain = [
            ("state", "=", "unmatched"),
            ("status", "!=", "SENT"),
            ("arrival_date", "<", fields.Date.context_today(self)),
        ]
        if (operator == "=") == value:
            return domain
        return ["!", "&", "&", *domain]

    # ------------------------------------------------------------------
    # Storing what Square says
    # ------------------------------------------------------------------
    @api.model
    def _square_upsert(self, backend, store, record):
        """Create or update the payout of `record` (a ``receipts.Payout``)."""
        payout = self.search(
            [("backend_id", "=", backend.id), ("name", "=", record.id)], limit=1
        )
        if payout and record.version is not None and payout.version > record.version:
            return payout  # an older state of it, read late
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", record.currency)], limit=1)
        )
        values = {
            "store_id": store.id,
            "status": record.status,
            "version": record.version or 0,
            "square_updated_at": record.updated_at,
            "arrival_date": record.arrival_date,
            "end_to_end_id": record.end_to_end_id or False,
            "currency_id": (currency or store.company_id.currency_id).id,
            "gross": float(record.gross),
            "fees": float(record.fees) - float(record.transfer_fee),
            "transfer_fee": float(record.transfer_fee),
            "net": float(record.net),
        }
        if payout:
            payout.write(values)
        else:
            payout = self.create(
                {"backend_id": backend.id, "name": record.id, **values}
            )
        payout._square_store_entries(record.entries)
        return payout

    def _square_store_entries(self, entries):
        self.ensure_one()
        Entry = self.env["retail.pos.payout.entry"]
        known = {entry.name: entry for entry in self.entry_ids}
        for entry in entries:
            values = {
                "type": entry.type,
                "payment_ref": entry.payment_id or False,
                "refund_ref": entry.refund_id or False,
                "gross": float(entry.gross),
                "fee": float(entry.fee),
                "net": float(entry.net),
                "effective_at": entry.effective_at,
            }
            if entry.id in known:
                known[entry.id].write(values)
            else:
                Entry.create({"payout_id": self.id, "name": entry.id, **values})
        self.entry_ids._square_resolve()

    # ------------------------------------------------------------------
    # Matching with the bank
    # ------------------------------------------------------------------
    def _square_waiting_reason(self):
        """Why the payout cannot be reconciled yet (None when it can)."""
        self.ensure_one()
        if self.status == "SENT":
            return _("Sent by Square, not paid yet: matched once it is paid.")
        if self.status == "FAILED":
            return _("The transfer failed: Square pays these sales again later.")
        self.entry_ids._square_resolve()
        missing = self.entry_ids.filtered(
            lambda e: (e.payment_ref or e.refund_ref) and not e.pos_payment_id
        )
        if missing:
            return _(
                "%(count)s sales or refunds it settles are not booked in Odoo yet "
                "(%(refs)s): matched once they are.",
                count=len(missing),
                refs=", ".join(e.refund_ref or e.payment_ref for e in missing[:3]),
            )
        open_sessions = self.entry_ids.pos_payment_id.session_id.filtered(
            lambda s: s.state != "closed"
        )
        if open_sessions:
            return _(
                "Waits for the closing of %s: the card payments reach the books then.",
                ", ".join(open_sessions.mapped("name")),
            )
        if not self._square_fee_account():
            return _(
                "No account for the fees: set one on the store (Stores tab of the "
                "connection)."
            )
        _counterparts, problem = self._square_allocation()
        return problem

    def _square_allocation(self):
        """``([(outstanding item, amount)], problem)``: the items of the card
        payments the payout settles, as Odoo's session closing left them."""
        self.ensure_one()
        currency = self.company_id.currency_id
        groups = {}
        for entry in self.entry_ids.filtered("pos_payment_id"):
            pos_payment = entry.pos_payment_id
            key = (pos_payment.session_id, pos_payment.payment_method_id)
            groups[key] = groups.get(key, 0.0) + entry.gross
        counterparts = []
        Payment = self.env["account.payment"].sudo()
        for (session, method), amount in groups.items():
            if currency.is_zero(amount):
                continue
            payments = Payment.search(
                [
                    ("pos_session_id", "=", session.id),
                    ("pos_payment_method_id", "=", method.id),
                    ("state", "!=", "canceled"),
                ]
            )
            items = payments.move_id.line_ids.filtered(
                lambda line, p=payments, a=amount: (
                    line.account_id in p.outstanding_account_id
                    and line.account_id.reconcile
                    and not line.reconciled
                    and currency.compare_amounts(line.amount_residual * a, 0) > 0
                )
            ).sorted("id")
            left = amount
            for item in items:
                if currency.is_zero(left):
                    break
                take = (
                    left
                    if abs(left) <= abs(item.amount_residual)
                    else item.amount_residual
                )
                counterparts.append((item, take))
                left -= take
            if not currency.is_zero(left):
                return [], _(
                    "The %(method)s payments of %(session)s have %(open)s left to "
                    "settle; the payout settles %(amount)s of them.",
                    method=method.name,
                    session=session.name,
                    open=sum(items.mapped("amount_residual")),
                    amount=amount,
                )
        return counterparts, None

    def _square_fee_account(self):
        self.ensure_one()
        return self.store_id._pos_payout_fee_account()

    # The payout as the base's retail.payout.mixin sees it ------------------
    def _payout_journal(self):
        return self.journal_id

    def _payout_bank_amount(self):
        return self.net

    def _payout_references(self):
        return [self.end_to_end_id] if self.end_to_end_id else []

    def _payout_counterparts(self):
        counterparts, _problem = self._square_allocation()
        return counterparts

    def _payout_writeoffs(self):
        """The fees (and the payout's own), and what settles no sale of Odoo
        (an adjustment), on the store's fee account."""
        account = self._square_fee_account()
        currency = self.company_id.currency_id
        unlinked = sum(
            self.entry_ids.filtered(lambda e: not e.pos_payment_id).mapped("gross")
        )
        lines = []
        if not currency.is_zero(self.fees):
            lines.append(
                {
                    "name": _("Square fees %s", self._payout_label()),
                    "account_id": account.id,
                    "balance": -self.fees,
                }
            )
        if not currency.is_zero(unlinked):
            lines.append(
                {
                    "name": _("Square adjustments %s", self._payout_label()),
                    "account_id": account.id,
                    "balance": -unlinked,
                }
            )
        return lines

    def _payout_label(self):
        return _("Square payout %s", self.end_to_end_id or self.name)

    @api.model
    def _payout_waiting_domain(self, journals):
        return [
            ("status", "=", "PAID"),
            ("statement_line_id", "=", False),
            ("journal_id", "in", journals.ids),
        ]

    def _payout_match_bank(self):
        """Match what can be; say on each other payout why it waits."""
        ready = self.filtered(
            lambda p: not p.statement_line_id and not p._square_waiting_reason()
        )
        matched = super(RetailPosPayout, ready)._payout_match_bank()
        matched.match_note = False
        for payout in self - matched:
            if payout.statement_line_id:
                continue
            payout.match_note = (
                payout._square_waiting_reason() or payout._payout_unmatched_reason()
            )
        days = (matched | self.filtered("overdue")).day_ids.filtered(
            lambda d: d.state == "closed"
        )
        for day in days:
            day._check_discrepancies()
        return matched

    def action_match(self):
        """Look for the bank transaction of these payouts again.

        Reconciling writes journal items a store's people may not edit
        themselves: it runs as the system, for the payouts they may change.
        """
        self.check_access("write")
        self.sudo()._payout_match_bank()
        return True


class RetailPosPayoutEntry(models.Model):
    _name = "retail.pos.payout.entry"
    _description = "Store Card Payout Entry"
    _order = "payout_id, effective_at, id"

    payout_id = fields.Many2one(
        "retail.pos.payout", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(string="Entry", readonly=True)
    company_id = fields.Many2one(related="payout_id.company_id", store=True)
    currency_id = fields.Many2one(related="payout_id.currency_id")
    type = fields.Char(readonly=True, help="CHARGE, REFUND, FEE, ADJUSTMENT…")
    payment_ref = fields.Char(string="Square Payment", readonly=True, index=True)
    refund_ref = fields.Char(string="Square Refund", readonly=True)
    gross = fields.Monetary(readonly=True)
    fee = fields.Monetary(readonly=True)
    net = fields.Monetary(readonly=True)
    effective_at = fields.Datetime(readonly=True)
    pos_payment_id = fields.Many2one(
        "pos.payment", string="POS Payment", readonly=True, index="btree_not_null"
    )
    pos_order_id = fields.Many2one(
        related="pos_payment_id.pos_order_id", string="Receipt"
    )
    session_id = fields.Many2one(related="pos_payment_id.session_id")

    def _square_resolve(self):
        """Link each entry to the POS payment (or refund) it settles."""
        todo = self.filtered(
            lambda e: not e.pos_payment_id and (e.payment_ref or e.refund_ref)
        )
        if not todo:
            return
        refs = {e.refund_ref or e.payment_ref for e in todo}
        found = (
            self.env["pos.payment"]
            .sudo()
            .search(
                [
                    ("transaction_id", "in", list(refs)),
                    (
                        "pos_order_id.retail_backend_id",
                        "in",
                        todo.payout_id.backend_id.ids,
                    ),
                ]
            )
        )
        by_ref = {}
        for pos_payment in found:
            by_ref.setdefault(pos_payment.transaction_id, pos_payment)
        for entry in todo:
            pos_payment = by_ref.get(entry.refund_ref or entry.payment_ref)
            if pos_payment:
                entry.pos_payment_id = pos_payment
