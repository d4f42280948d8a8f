"""A store's business day: its sessions, figures, cash and closing.

One row per store and day (the day of the sale in the store's time zone).
Receipts are booked in the day's session while it is open, and in a rescue
session of that day once it is closed, so a day's figures add up whatever
order its receipts arrive in. Closing goes through Odoo's own session
closing: one consolidated entry per session, the counted cash against the
expected, the difference posted to the cash journal's profit or loss.

Bookings and closings meet on the session row: a booking holds it with a
shared lock (bookings run side by side); a closing first marks the session
``closing_control`` in a transaction of its own, which waits for the
bookings in flight, then closes it in a fresh transaction that sees them
all. A booking that comes after goes to the rescue session.
"""

import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

_logger = logging.getLogger(__name__)


class RetailPosDay(models.Model):
    _name = "retail.pos.day"
    _description = "Store Day"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "business_date desc, store_id"
    _check_company_auto = True

    store_id = fields.Many2one(
        "retail.location.mapping",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    backend_id = fields.Many2one(
        related="store_id.backend_id", store=True, string="Connection"
    )
    # Read through the store (whose connection may belong to another
    # company) without needing access to it: a franchise's people see their
    # days and points of sale only.
    store_name = fields.Char(
        related="store_id.name", store=True, string="Store Name", compute_sudo=True
    )
    pos_config_id = fields.Many2one(
        "pos.config",
        string="Point of Sale",
        related="store_id.pos_config_id",
        store=True,
        compute_sudo=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    business_date = fields.Date(string="Day", required=True, readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
    )
    session_id = fields.Many2one("pos.session", readonly=True, copy=False)
    session_ids = fields.One2many(
        "pos.session", "retail_day_id", string="Sessions", readonly=True
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    closed_at = fields.Datetime(readonly=True)

    # Cash drawer (from the POS's shifts) and the closing ------------------
    cash_shift_ref = fields.Char(string="Cash Drawer Shift", readonly=True)
    cash_opening = fields.Monetary(string="Opening Float", readonly=True)
    cash_counted = fields.Monetary(
        readonly=True,
        help="What the store counted when it closed its cash drawer.",
    )
    cash_counted_known = fields.Boolean(readonly=True)
    cash_expected = fields.Monetary(
        readonly=True,
        help="The opening float and the day's cash sales and refunds, as "
        "Odoo's session computed them at closing.",
    )
    cash_difference = fields.Monetary(
        readonly=True,
        help="Counted - expected, posted to the cash journal's profit or loss "
        "account by the closing.",
    )
    discrepancy = fields.Boolean(readonly=True, index=True)
    discrepancy_note = fields.Text(readonly=True)

    # Figures, read from the day's orders -----------------------------------
    receipt_count = fields.Integer(compute="_compute_figures", string="Receipts")
    late_count = fields.Integer(compute="_compute_figures", string="Arrived Late")
    sales_total = fields.Monetary(compute="_compute_figures", string="Sales")
    returns_total = fields.Monetary(compute="_compute_figures", string="Returns")
    net_total = fields.Monetary(compute="_compute_figures", string="Net Sales")
    tender_cash = fields.Monetary(compute="_compute_figures", string="Cash Tenders")
    tender_card = fields.Monetary(compute="_compute_figures", string="Card Tenders")
    tender_other = fields.Monetary(compute="_compute_figures", string="Other Tenders")
    order_ids = fields.One2many(
        "pos.order", compute="_compute_figures", string="Receipts Booked"
    )

    _sql_constraints = [
        (
            "store_day_uniq",
            "unique(store_id, business_date)",
            "A store has one row per business day.",
        ),
    ]

    @api.depends("business_date", "store_id")
    def _compute_display_name(self):
        for day in self:
            day.display_name = f"{day.store_name or ''} {day.business_date or ''}"

    @api.depends("pos_config_id")
    def _compute_currency_id(self):
        for day in self:
            config = day.pos_config_id
            day.currency_id = config.currency_id or day.company_id.currency_id

    @api.depends("session_ids")
    def _compute_figures(self):
        # One search and one grouped read for every day shown, not per day.
        Order = self.env["pos.order"]
        orders = Order.search(
            [("session_id", "in", self.session_ids.ids), ("state", "!=", "cancel")]
        )
        order_ids = {}
        for order in orders:
            order_ids.setdefault(order.session_id.id, []).append(order.id)
        paid = {}
        for session, method, amount in self.env["pos.payment"]._read_group(
            [("pos_order_id", "in", orders.ids)],
            ["session_id", "payment_method_id"],
            ["amount:sum"],
        ):
            paid[session.id, method] = amount
        for day in self:
            sessions = day.session_ids.ids
            day_orders = Order.browse(
                [oid for session in sessions for oid in order_ids.get(session, ())]
            )
            day.order_ids = day_orders
            day.receipt_count = len(day_orders)
            day.late_count = len(day_orders.filtered("retail_late"))
            day.sales_total = sum(
                o.amount_total for o in day_orders if o.amount_total > 0
            )
            day.returns_total = -sum(
                o.amount_total for o in day_orders if o.amount_total < 0
            )
            day.net_total = day.sales_total - day.returns_total
            store = day.sudo().store_id
            by_method = {}
            for (session, method), amount in paid.items():
                if session in sessions:
                    by_method[method] = by_method.get(method, 0.0) + amount
            day.tender_cash = by_method.get(store.pos_cash_method_id, 0.0)
            day.tender_card = by_method.get(store.pos_card_method_id, 0.0)
            day.tender_other = sum(
                amount
                for method, amount in by_method.items()
                if method not in (store.pos_cash_method_id | store.pos_card_method_id)
            )

    # ------------------------------------------------------------------
    # Finding the day and the session to book in
    # ------------------------------------------------------------------
    @api.model
    def _for(self, store, business_date):
        """The row of `store`'s `business_date`, created once.

        ``ON CONFLICT`` against a row another transaction committed after
        this one began is a serialization failure: the booking is retried.
        """
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO retail_pos_day
                    (store_id, backend_id, company_id, store_name, pos_config_id,
                     business_date, state, create_uid, write_uid, create_date,
                     write_date)
                VALUES (%s, %s, %s, %s, %s, %s, 'open', %s, %s,
                        now() at time zone 'UTC', now() at time zone 'UTC')
                ON CONFLICT (store_id, business_date) DO NOTHING
                """,
                store.id,
                store.backend_id.id,
                store.company_id.id,
                store.name or store.location_code,
                store.pos_config_id.id or None,
                business_date,
                self.env.uid,
                self.env.uid,
            )
        )
        return self.search(
            [("store_id", "=", store.id), ("business_date", "=", business_date)],
            limit=1,
        )

    def _booking_session(self):
        """``(session, late)``: where a receipt of this day is booked now."""
        self.ensure_one()
        session = self.session_id
        if session and session._retail_hold_open():
            return session, False
        if not session:
            other = self._other_open_session()
            if not other:
                return self._open_main_session(), False
            if other.retail_day_id.business_date < self.business_date:
                # The earlier day should have closed: close it, then open ours.
                raise self._wait_for_closing(other)
            # A later day is open: this day was skipped (a store offline
            # since), its receipts go to a rescue session of their own.
        rescue = self.session_ids.filtered(lambda s: s.rescue and s.state == "opened")[
            :1
        ]
        if rescue and rescue._retail_hold_open():
            return rescue, True
        return self._open_rescue_session(), True

    def _other_open_session(self):
        return self.env["pos.session"].search(
            [
                ("config_id", "=", self.store_id.pos_config_id.id),
                ("state", "!=", "closed"),
                ("rescue", "=", False),
            ],
            limit=1,
        )

    def _wait_for_closing(self, session):
        session.retail_day_id._mark_due()
        return RetryableJobError(
            _(
                "%(session)s (day %(day)s) is still open: the day's closing runs "
                "first.",
                session=session.name,
                day=session.retail_day_id.business_date,
            ),
            seconds=60,
            ignore_retry=True,
        )

    def _lock(self):
        """Take this day's row (creating a session is done once)."""
        self.env.cr.execute(
            SQL("SELECT id FROM retail_pos_day WHERE id = %s FOR UPDATE", self.id)
        )

    def _open_main_session(self):
        self._lock()
        store = self.store_id
        config = store.pos_config_id
        if not config:
            raise UserError(
                _(
                    "Store %s has no point of sale: set one up on the connection's "
                    "Stores tab, then press Retry.",
                    store.display_name,
                )
            )
        session = self._create_session(rescue=False)
        self.session_id = session
        return session

    def _open_rescue_session(self):
        self._lock()
        return self._create_session(rescue=True)

    def _create_session(self, rescue):
        store = self.store_id
        config = store.pos_config_id
        start = store._pos_day_start(self.business_date)
        values = {
            "config_id": config.id,
            "user_id": self.env.uid,
            "retail_day_id": self.id,
            "start_at": start,
        }
        if rescue:
            values.update(
                {
                    "rescue": True,
                    "name": _(
                        "(RESCUE FOR %(session)s)",
                        session=self.session_id.name or self.display_name,
                    ),
                }
            )
        session = (
            self.env["pos.session"]
            .with_company(config.company_id)
            .sudo()
            .create(values)
        )
        if session.state == "opening_control":
            session.state = "opened"
        return session

    # ------------------------------------------------------------------
    # Closing
    # ------------------------------------------------------------------
    def _mark_due(self):
        """Ask for this day's closing at the next run of the closing cron."""
        cron = self.env.ref(
            "retail_connector_pos.ir_cron_pos_close_days", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    def _is_due(self, now=None):
        self.ensure_one()
        now = now or fields.Datetime.now()
        if self.state == "closed":
            return bool(self._open_sessions())
        if self.cash_counted_known:
            return True
        return now >= self.store_id._pos_closing_moment(self.business_date)

    def _open_sessions(self):
        return self.session_ids.filtered(lambda s: s.state != "closed")

    @api.model
    def _cron_close_days(self):
        """Close every store day that is due, one day per transaction."""
        candidates = self.search(
            [
                "|",
                ("state", "=", "open"),
                ("session_ids.state", "!=", "closed"),
            ],
            order="business_date, id",
        )
        due = candidates.filtered(lambda day: day._is_due())
        for day in due:
            day._close_in_own_transactions()
        return len(due)

    def action_close_day(self):
        """Close the day now, with the cash counted so far (a person's call)."""
        for day in self:
            day._close_in_own_transactions()
        return True

    def _close_in_own_transactions(self):
        """Stop bookings into the day's sessions, then close them.

        The first transaction waits for the bookings in flight; the next ones
        start after them and so see every receipt of the session. Each
        session closes in a transaction of its own (the main one first: its
        closing counts the drawer), so that a closing Odoo rolls back to
        balance it undoes that session only; the day closes in the last
        (``_close``, with every session closed by then).
        """
        self.ensure_one()
        sessions = self._open_sessions()
        registry = self.env.registry
        # What this transaction wrote is read by the others (in tests, which
        # share this one's connection).
        self.env.flush_all()
        with registry.cursor() as marking:
            marking.execute(
                SQL(
                    """
                    UPDATE pos_session
                       SET state = 'closing_control',
                           stop_at = now() at time zone 'UTC'
                     WHERE id IN %s AND state = 'opened'
                    """,
                    tuple(sessions.ids) or (0,),
                )
            )
        closed = all(
            self._in_own_transaction("_close_one_session", session.id)
            for session in sessions.sorted(lambda s: (s.rescue, s.id))
        )
        if closed:
            self._in_own_transaction("_close")
        # Closed in other transactions: what this one cached is stale.
        self.env.invalidate_all()

    def _in_own_transaction(self, method, *args):
        """Run `method` of this day in a transaction of its own.

        A refusal (UserError) rolls it back and is noted on the day: False.
        """
        with self.env.registry.cursor() as own:
            env = self.env(cr=own)
            try:
                getattr(env[self._name].browse(self.id), method)(*args)
            except UserError as exc:
                own.rollback()
                env[self._name].browse(self.id)._note_closing_failure(str(exc))
                return False
        return True

    def _close(self):
        """Close the day's sessions, then the day, in this transaction."""
        self.ensure_one()
        for session in self._open_sessions().sorted(lambda s: (s.rescue, s.id)):
            self._close_one_session(session.id)
        self._close_finish()

    def _close_one_session(self, session_id):
        """Close one session of the day in Odoo; the main one counts the drawer."""
        session = self.env["pos.session"].browse(session_id)
        if session.state == "closed":
            return
        if session.state == "opened":
            session.state = "closing_control"
        if session == self.session_id:
            self._set_counted_cash(session)
        self._close_session(session)

    def _close_finish(self):
        """Every session closed: the day closes, its cash settled and checked."""
        self.ensure_one()
        if self._open_sessions():
            return
        values = {"state": "closed"}
        if not self.closed_at:
            values["closed_at"] = fields.Datetime.now()
        self.write(values)
        self._cash_settle()
        self._check_discrepancies()

    def _close_session(self, session):
        result = session.with_company(
            session.company_id
        ).action_pos_session_closing_control()
        if (
            isinstance(result, dict)
            and result.get("res_model") == "pos.close.session.wizard"
        ):
            # Square's rounding and Odoo's disagree by cents: Odoo rolled back
            # and proposes to balance; balance as a person would.
            wizard = self.env["pos.close.session.wizard"].browse(result["res_id"])
            amount = wizard.amount_to_balance
            session = self.env["pos.session"].browse(session.id)
            session.state = "closing_control"
            if session == self.session_id:
                self._set_counted_cash(session)
            session.with_company(session.company_id).action_pos_session_closing_control(
                balancing_account=session._get_balancing_account(),
                amount_to_balance=amount,
            )
            self.message_post(
                body=_(
                    "%(session)s balanced by %(amount)s (rounding of the POS against "
                    "Odoo's).",
                    session=session.name,
                    amount=amount,
                )
            )

    def _note_closing_failure(self, message):
        if self.discrepancy and self.discrepancy_note == message:
            # The same refusal as the last run's: said already.
            return
        self.write({"discrepancy": True, "discrepancy_note": message})
        self.message_post(body=_("The day could not be closed: %s", message))
        self._notify_manager(message)

    def _check_discrepancies(self):
        """One activity for the store manager when something does not add up."""
        self.ensure_one()
        note = "\n".join(self._discrepancies())
        if note == (self.discrepancy_note or "") and self.discrepancy == bool(note):
            # Nothing new (a rescue session closed, a run again): said already.
            return
        self.write({"discrepancy": bool(note), "discrepancy_note": note})
        if note:
            self._notify_manager(note)

    def _discrepancies(self):
        """Sentences saying what does not add up on this day (hook)."""
        self.ensure_one()
        problems = []
        currency = self.currency_id
        if self.session_id and not currency.is_zero(self.cash_difference):
            problems.append(
                _(
                    "Cash counted %(counted)s, expected %(expected)s: difference "
                    "%(difference)s.",
                    counted=self.cash_counted,
                    expected=self.cash_expected,
                    difference=self.cash_difference,
                )
            )
        return problems

    def _notify_manager(self, note):
        user = self.store_id.pos_manager_id or self.backend_id.user_id or self.env.user
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        existing = self.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type and a.user_id == user
        )
        if existing:
            existing[:1].note = note
            return
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=user.id,
            summary=_("Store day %s does not add up", self.display_name),
            note=note,
        )
