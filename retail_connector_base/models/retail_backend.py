import logging
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .. import const
from ..services.stock_export import StockExporter
from ..tools import circuit_breaker, http_client
from ..tools.crypto import EncryptionKeyMissing
from ..utils import get_encryption_key, secret_field, secret_set_field

_logger = logging.getLogger(__name__)


class RetailBackend(models.Model):
    """A connection to one sales channel (a store, a marketplace, a POS…).

    Channel addons add their code to ``channel``, declare their features and
    override the hooks of the channel contract behind a guard, like Odoo's
    payment providers (see retail_backend_channel.py and readme/DEVELOP.md).
    """

    _name = "retail.backend"
    _description = "Retail Channel Connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    channel = fields.Selection(
        selection=[("generic", "Generic (canonical events)")],
        required=True,
        default="generic",
        tracking=True,
        help="The kind of system this connection talks to.",
    )
    state = fields.Selection(
        const.BACKEND_STATES,
        required=True,
        default="draft",
        tracking=True,
        copy=False,
        help="Draft: being configured. Active: events are processed. "
        "Paused: events are stored and wait until the connection is resumed.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
        help="Orders are delivered from this warehouse and its stock is what the "
        "channel is told is available.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        help="Pricelist of the channel's orders (its currency must match the "
        "orders'). Leave empty to pick a pricelist by the order currency.",
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", check_company=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        help="Gets an activity when exchanges need attention.",
    )
    shipping_product_id = fields.Many2one(
        "product.product",
        required=True,
        default=lambda self: self.env.ref(
            "retail_connector_base.product_channel_shipping", raise_if_not_found=False
        ),
        help="Product of the delivery line of channel orders.",
    )
    fee_product_id = fields.Many2one(
        "product.product",
        required=True,
        default=lambda self: self.env.ref(
            "retail_connector_base.product_channel_fee", raise_if_not_found=False
        ),
        help="Product of the fee lines of channel orders (gift wrap, handling…).",
    )

    # Webhook intake ------------------------------------------------------
    webhook_token = fields.Char(
        copy=False,
        groups="retail_connector_base.group_retail_manager",
        default=lambda self: secrets.token_urlsafe(32),
        index="btree_not_null",
    )
    webhook_url = fields.Char(
        compute="_compute_webhook_url",
        compute_sudo=True,
        help="Give this address to the channel. It contains a secret token: "
        "regenerate it if it leaked.",
    )
    webhook_secret = secret_field(
        "webhook_secret",
        help="Shared secret the channel signs its deliveries with. Write-only: it "
        "is stored encrypted and never shown again.",
    )
    webhook_secret_set = secret_set_field("webhook_secret")
    max_body_bytes = fields.Integer(
        string="Max. Body Size (bytes)",
        default=const.DEFAULT_MAX_BODY_BYTES,
        help="Larger deliveries are refused with HTTP 413.",
    )

    # Outbound -----------------------------------------------------------
    outbound_url = fields.Char(
        string="Push URL",
        help="Generic channel: signed stock.updated and order.shipped events are "
        "POSTed to this URL.",
    )
    rate_limit = fields.Float(
        string="Rate Limit (requests/s)",
        default=const.DEFAULT_RATE_LIMIT,
        help="Maximum outbound calls per second per server process; 0 = unlimited.",
    )
    request_timeout = fields.Integer(string="Request Timeout (s)", default=30)
    max_retries = fields.Integer(
        default=const.DEFAULT_MAX_RETRIES,
        help="Technical failures are retried with a growing delay this many times "
        "before the exchange is marked failed.",
    )
    breaker_threshold = fields.Integer(
        string="Circuit Breaker Threshold",
        default=const.DEFAULT_BREAKER_THRESHOLD,
        help="Consecutive failed calls that pause outbound calls.",
    )
    breaker_cooldown = fields.Integer(
        string="Circuit Breaker Cool-down (s)", default=const.DEFAULT_BREAKER_COOLDOWN
    )
    circuit_state = fields.Selection(
        [
            (circuit_breaker.CLOSED, "Closed (calls flow)"),
            (circuit_breaker.OPEN, "Open (calls paused)"),
            (circuit_breaker.HALF_OPEN, "Half-open (probing)"),
        ],
        default=circuit_breaker.CLOSED,
        readonly=True,
        copy=False,
    )
    circuit_failures = fields.Integer(readonly=True, copy=False)
    circuit_opened_at = fields.Datetime(readonly=True, copy=False)

    # Order settings -----------------------------------------------------
    auto_confirm = fields.Boolean(
        string="Confirm Orders",
        default=True,
        help="Confirm paid channel orders so that stock is reserved at once.",
    )
    total_tolerance = fields.Float(
        default=const.DEFAULT_TOTAL_TOLERANCE,
        help="Largest accepted difference between the channel's order total and "
        "Odoo's, in the order currency.",
    )

    # Stock settings -----------------------------------------------------
    export_stock = fields.Boolean(
        string="Push Stock", default=True, help="Push available quantities."
    )
    stock_buffer = fields.Float(
        string="Safety Buffer",
        default=0.0,
        help="Quantity held back from the channel for every product.",
    )
    stock_export_delay = fields.Integer(
        string="Stock Push Delay (s)",
        default=const.DEFAULT_STOCK_EXPORT_DELAY,
        help="Stock changes within this delay are pushed together.",
    )

    # Polling and housekeeping -------------------------------------------
    poll_interval = fields.Integer(
        string="Polling Interval (min)",
        default=15,
        help="Each stream of the connection is polled at most this often (the "
        "channel's own limits permitting).",
    )
    reread_window = fields.Integer(
        string="Re-read Window (min)",
        default=60,
        help="Reconciliation re-reads this much before the checkpoint to catch "
        "late writes; duplicates are harmless.",
    )
    purge_days = fields.Integer(
        string="Keep Done Exchanges (days)", default=const.DEFAULT_PURGE_DAYS
    )

    # Health -------------------------------------------------------------
    # Derived from the exchanges rather than written on every event: jobs of
    # one connection run in parallel and must not all update its row.
    last_success_at = fields.Datetime(
        string="Last Successful Sync", compute="_compute_health"
    )
    last_error = fields.Text(compute="_compute_health")
    exchange_ids = fields.One2many("retail.exchange", "backend_id")
    orders_today_count = fields.Integer(compute="_compute_dashboard")
    exchange_waiting_count = fields.Integer(compute="_compute_dashboard")
    exchange_failed_count = fields.Integer(compute="_compute_dashboard")
    stock_push_lag = fields.Integer(
        string="Stock Push Lag (s)",
        compute="_compute_dashboard",
        help="Age of the oldest stock change not yet pushed.",
    )

    _sql_constraints = [
        (
            "webhook_token_uniq",
            "unique(webhook_token)",
            "Webhook tokens must be unique.",
        ),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        for backend in self:
            if backend.webhook_token:
                backend.webhook_url = (
                    f"{backend.get_base_url()}/retail/webhook/{backend.webhook_token}"
                )
            else:
                backend.webhook_url = False

    def _compute_dashboard(self):
        today = fields.Datetime.to_datetime(fields.Date.context_today(self))
        # Users of the exception queue need not have sales rights to see counts.
        orders = dict(
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [("retail_backend_id", "in", self.ids), ("date_order", ">=", today)],
                ["retail_backend_id"],
                ["__count"],
            )
        )
        exchanges = {
            (backend, state): count
            for backend, state, count in self.env["retail.exchange"]._read_group(
                [
                    ("backend_id", "in", self.ids),
                    ("state", "in", ("received", "queued", "failed")),
                ],
                ["backend_id", "state"],
                ["__count"],
            )
        }
        lags = dict(
            self.env["retail.product.binding"]._read_group(
                [
                    ("backend_id", "in", self.ids),
                    ("stock_export_pending", "=", True),
                ],
                ["backend_id"],
                ["stock_pending_since:min"],
            )
        )
        now = fields.Datetime.now()
        for backend in self:
            backend.orders_today_count = orders.get(backend, 0)
            backend.exchange_waiting_count = exchanges.get(
                (backend, "received"), 0
            ) + exchanges.get((backend, "queued"), 0)
            backend.exchange_failed_count = exchanges.get((backend, "failed"), 0)
            oldest = lags.get(backend)
            backend.stock_push_lag = (
                int((now - oldest).total_seconds()) if oldest else 0
            )

    def _compute_health(self):
        Exchange = self.env["retail.exchange"].sudo()
        last_done = dict(
            Exchange._read_group(
                [("backend_id", "in", self.ids), ("state", "=", "done")],
                ["backend_id"],
                ["done_at:max"],
            )
        )
        for backend in self:
            backend.last_success_at = last_done.get(backend, False)
            failed = Exchange.search(
                [("backend_id", "=", backend.id), ("state", "=", "failed")],
                order="write_date desc, id desc",
                limit=1,
            )
            backend.last_error = failed.error or False

    # ------------------------------------------------------------------
    # Credentials
    # ------------------------------------------------------------------
    def _valid_field_parameter(self, field, name):
        # The credential fields of utils.secret_field and secret_set_field.
        return name in (
            "retail_secret",
            "retail_secret_set",
        ) or super()._valid_field_parameter(field, name)

    def _check_credential_access(self):
        if not self.env.su and not self.env.user.has_group(
            "retail_connector_base.group_retail_manager"
        ):
            raise AccessError(
                _("Only Retail Connector managers can set connection credentials.")
            )

    def _set_secret(self, name, value):
        """Store credential `name` encrypted (managers only)."""
        self.ensure_one()
        self._check_credential_access()
        try:
            self.env["retail.backend.secret"]._store(self, name, value)
        except EncryptionKeyMissing as exc:
            raise UserError(str(exc)) from exc
        self.message_post(body=_("Credential “%s” was changed.", name))

    def _get_secret(self, name):
        """Return credential `name` in clear, for server-side use only."""
        self.ensure_one()
        return self.env["retail.backend.secret"]._read_clear(self, name)

    def _demo_set_secret(self):
        """Demo data: sign with "demo-secret" when this server has a key.

        The secret is encrypted with a key that lives outside the database, so
        demo data cannot hold it; without a key the demo connection simply
        stays without secret (its webhook answers 503 until one is set).
        """
        try:
            get_encryption_key()
        except (EncryptionKeyMissing, ValueError) as exc:
            _logger.info("Demo connection left without webhook secret: %s", exc)
            return
        for backend in self:
            backend._set_secret("webhook_secret", "demo-secret")

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_activate(self):
        for backend in self:
            backend._channel_check_ready()
        self.write({"state": "active"})
        self._enqueue_waiting_exchanges()

    def action_pause(self):
        self.write({"state": "paused"})

    def action_resume(self):
        for backend in self:
            backend._channel_check_ready()
        self.write({"state": "active"})
        self._enqueue_waiting_exchanges()

    def action_regenerate_token(self):
        for backend in self:
            backend.sudo().webhook_token = secrets.token_urlsafe(32)
            backend.message_post(
                body=_(
                    "The webhook URL was regenerated: update it on the channel side."
                )
            )

    def action_reset_circuit(self):
        self.write(
            {
                "circuit_state": circuit_breaker.CLOSED,
                "circuit_failures": 0,
                "circuit_opened_at": False,
            }
        )

    def action_test_connection(self):
        """Check the channel answers with our credentials and say so."""
        self.ensure_one()
        if not self._channel_supports(const.FEATURE_CONNECTION_TEST):
            raise self._channel_unsupported(const.FEATURE_CONNECTION_TEST)
        try:
            message = self._test_connection()
        except http_client.ChannelHttpError as exc:
            raise UserError(_("Connection failed: %s", exc)) from exc
        return self._notification(_("Connection works"), message)

    @staticmethod
    def _notification(title, message, kind="success", sticky=False):
        """A client action showing `message`, then reloading the form so it
        shows what the action changed."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": sticky,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_open_exchanges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_base.action_retail_exchange"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"search_default_needs_attention": 0}
        return action

    def action_open_failures(self):
        action = self.action_open_exchanges()
        action["context"] = {"search_default_needs_attention": 1}
        return action

    def action_open_waiting(self):
        action = self.action_open_exchanges()
        action["domain"] += [("state", "in", const.EXCHANGE_OPEN_STATES)]
        return action

    def action_open_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action["domain"] = [("retail_backend_id", "=", self.id)]
        action["context"] = {}
        return action

    def _notify_attention_needed(self):
        """Keep one open activity per connection while business failures wait."""
        activity_type = self.env.ref(
            "retail_connector_base.mail_activity_retail_failure",
            raise_if_not_found=False,
        )
        if not activity_type:
            return
        for backend in self.sudo():
            user = backend.user_id or self.env.ref("base.user_admin")
            existing = backend.activity_ids.filtered(
                lambda a, atype=activity_type: a.activity_type_id == atype
            )
            if existing:
                continue
            backend.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=user.id,
                summary=_("Retail exchanges need attention"),
                note=_(
                    "Some events of %s could not be applied. Open the exception "
                    "queue, fix the cause and press Retry.",
                    backend.name,
                ),
            )

    def _close_attention_activity(self):
        """Mark the attention activity done once nothing fails any more."""
        activity_type = self.env.ref(
            "retail_connector_base.mail_activity_retail_failure",
            raise_if_not_found=False,
        )
        if not activity_type:
            return
        for backend in self.sudo():
            if backend.exchange_failed_count:
                continue
            backend.activity_ids.filtered(
                lambda a, atype=activity_type: a.activity_type_id == atype
            ).action_feedback(feedback=_("No exchange needs attention any more."))

    # ------------------------------------------------------------------
    # Housekeeping crons
    # ------------------------------------------------------------------
    @api.model
    def _cron_reconcile(self):
        """Entry point of the polling cron of earlier versions (kept: cron
        records are not updated)."""
        self._cron_poll()

    @api.model
    def _cron_purge_exchanges(self):
        """Delete done and ignored exchanges older than each connection keeps."""
        for backend in self.with_context(active_test=False).search([]):
            limit = fields.Datetime.now() - timedelta(days=backend.purge_days or 30)
            old = self.env["retail.exchange"].search(
                [
                    ("backend_id", "=", backend.id),
                    ("state", "in", ("done", "ignored")),
                    ("received_at", "<", limit),
                ],
                limit=10000,
            )
            old.unlink()

    @api.model
    def _cron_requeue_orphans(self):
        """Queue again what waits with no job: exchanges whose job vanished
        (deleted, or never stored), and pushes left pending."""
        self.env["retail.exchange"]._requeue_orphans()
        self.search([("state", "=", "active")])._requeue_forgotten_exports()

    def _requeue_forgotten_exports(self):
        """Queue the push jobs of bindings left pending with no job (hook)."""
        for backend in self:
            StockExporter(self.env, backend).requeue_forgotten()
