import json
import logging
import secrets
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from .. import const
from ..services import registry
from ..services.errors import WebhookRejected
from ..services.stock_export import StockExporter
from ..tools import circuit_breaker, http_client, inbound, rate_limit, signatures
from ..tools.crypto import EncryptionKeyMissing, SecretDecryptError
from ..utils import get_encryption_key

_logger = logging.getLogger(__name__)


class RetailBackend(models.Model):
    """A connection to one sales channel (a store, a marketplace, a POS…).

    Channel addons add their code to ``channel`` and implement the
    ``_<channel>_*`` hooks behind a guard, like Odoo's payment providers.
    """

    _name = "retail.backend"
    _description = "Retail Channel Connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"

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
    webhook_secret = fields.Char(
        compute="_compute_webhook_secret",
        inverse="_inverse_webhook_secret",
        help="Shared secret the channel signs its deliveries with. Write-only: it "
        "is stored encrypted and never shown again.",
    )
    webhook_secret_set = fields.Boolean(compute="_compute_webhook_secret")
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
    import_checkpoint = fields.Datetime(
        copy=False,
        help="Orders modified after this moment (minus the re-read window) are "
        "fetched by the next reconciliation.",
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

    def _compute_webhook_secret(self):
        names = self.env["retail.backend.secret"]._names_set(self)
        for backend in self:
            backend.webhook_secret = False
            backend.webhook_secret_set = "webhook_secret" in names.get(
                backend.id, set()
            )

    def _inverse_webhook_secret(self):
        for backend in self:
            if backend.webhook_secret:
                backend._set_secret("webhook_secret", backend.webhook_secret)

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
            if not backend.webhook_secret_set and backend.channel == "generic":
                raise UserError(
                    _("Set the webhook secret of “%s” before activating it.")
                    % backend.name
                )
        self.write({"state": "active"})
        self._enqueue_waiting_exchanges()

    def action_pause(self):
        self.write({"state": "paused"})

    def action_resume(self):
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

    def action_push_all_stock(self):
        """Mark every bound product for a stock push (first setup, repairs)."""
        for backend in self:
            bindings = self.env["retail.product.binding"].search(
                [("backend_id", "=", backend.id)]
            )
            backend._schedule_stock_export(bindings.product_id)
        return True

    # ------------------------------------------------------------------
    # Webhook intake (called by the controller, hot path)
    # ------------------------------------------------------------------
    @api.model
    def _find_by_webhook_token(self, token):
        """Return the active connection owning `token`, or an empty recordset."""
        if not token or len(token) > 128:
            return self.browse()
        # Plain SQL: this runs before anything else on every delivery.
        self.flush_model(["webhook_token", "active"])
        self.env.cr.execute(
            SQL(
                "SELECT id, company_id FROM retail_backend "
                "WHERE webhook_token = %s AND active LIMIT 1",
                token,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return self.browse()
        # The delivery is handled in the connection's company; saying so up
        # front also spares a look-up of the public user's company.
        return self.sudo().with_context(allowed_company_ids=[row[1]]).browse(row[0])

    def _webhook_verify(self, headers, raw_body, now):
        """Verify the channel's signature over the raw body (hook).

        Raise WebhookRejected(401, reason) when it does not match.
        """
        self.ensure_one()
        if self.channel != "generic":
            raise WebhookRejected(400, "this connection does not accept webhooks")
        secret = self._webhook_secret_for_verification()
        try:
            signatures.verify_generic(
                secret,
                raw_body,
                headers.get(const.GENERIC_SIGNATURE_HEADER),
                now=now,
                tolerance=const.GENERIC_SIGNATURE_TOLERANCE,
            )
        except signatures.SignatureError as exc:
            raise WebhookRejected(401, str(exc)) from exc

    def _webhook_secret_for_verification(self, name="webhook_secret"):
        """The clear secret, or a 503 when this server cannot decrypt it.

        A 5xx (not 401) because the sender did nothing wrong: channels retry,
        and nothing is lost once the key is configured.
        """
        try:
            return self._get_secret(name)
        except (EncryptionKeyMissing, SecretDecryptError) as exc:
            _logger.error("Connection %s: %s", self.id, exc)
            raise WebhookRejected(
                503, "webhook secret unavailable on the server"
            ) from exc

    def _webhook_parse(self, headers, raw_body, form):
        """Turn a verified delivery into an InboundEvent (hook).

        Raise ``inbound.MalformedPayload`` for a body the channel never sends.
        """
        self.ensure_one()
        return inbound.parse_generic_event(raw_body)

    def _webhook_store(self, event, headers, raw_body):
        """Store a verified event exactly once and queue it.

        Returns "accepted" or "duplicate". A concurrent delivery of the same
        event waits on the unique index and then finds the row: duplicates are
        detected by PostgreSQL, not by a read-then-write race.
        """
        self.ensure_one()
        exchange = (
            self.env["retail.exchange"]
            .sudo()
            ._insert_inbound(self, event, headers, raw_body)
        )
        if not exchange:
            return "duplicate"
        if self.state == "active":
            exchange._enqueue_job(self, event.topic, event.external_id)
        return "accepted"

    # ------------------------------------------------------------------
    # Inbound processing (jobs)
    # ------------------------------------------------------------------
    def _map_inbound(self, exchange):
        """Return the canonical record(s) an exchange carries (hook).

        Return None when the topic has nothing to apply in Odoo.
        """
        self.ensure_one()
        if self.channel != "generic":
            raise UserError(_("Channel %s cannot map inbound events.", self.channel))
        if exchange.topic not in (
            "order.created",
            "order.updated",
            "order.cancelled",
        ):
            return None
        return inbound.generic_order_from_body(exchange.payload.encode())

    def _process_inbound_exchange(self, exchange):
        """Map the exchange and apply it to Odoo; return the record produced."""
        self.ensure_one()
        # What the channel did itself (a cancellation, say) must not be
        # exported back to it: see sale.order._action_cancel.
        backend = self.with_context(retail_from_channel=True)
        mapped = backend._map_inbound(exchange)
        if mapped is None:
            return None
        records = mapped if isinstance(mapped, list | tuple) else [mapped]
        result = None
        for record in records:
            processor = registry.processor_for(record)(backend.env, backend)
            result = processor.apply(record, exchange) or result
        return result

    def _enqueue_waiting_exchanges(self):
        """Queue the events stored while the connection was paused."""
        waiting = self.env["retail.exchange"].search(
            [
                ("backend_id", "in", self.filtered(lambda b: b.state == "active").ids),
                ("direction", "=", "inbound"),
                ("state", "=", "received"),
            ],
            order="id",
        )
        for exchange in waiting:
            exchange._enqueue_processing()

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
    # Outbound HTTP
    # ------------------------------------------------------------------
    def _breaker_state(self):
        return circuit_breaker.BreakerState(
            state=self.circuit_state or circuit_breaker.CLOSED,
            failures=self.circuit_failures,
            opened_at=self.circuit_opened_at.replace(tzinfo=UTC).timestamp()
            if self.circuit_opened_at
            else None,
        )

    def _store_breaker_state(self, state):
        """Persist the breaker in its own transaction.

        The job that observed the failure is about to roll back; the breaker
        must stay open for every other worker all the same.
        """
        opened_at = (
            datetime.fromtimestamp(state.opened_at, UTC).replace(tzinfo=None)
            if state.opened_at
            else None
        )
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "UPDATE retail_backend SET circuit_state=%s, circuit_failures=%s,"
                    " circuit_opened_at=%s WHERE id=%s",
                    state.state,
                    state.failures,
                    opened_at,
                    self.id,
                )
            )
        self.invalidate_recordset(
            ["circuit_state", "circuit_failures", "circuit_opened_at"]
        )

    def _circuit_open_now(self):
        """Whether the breaker is open or half-open, as last stored by anyone.

        Read in a cursor of its own: the breaker is written outside the job's
        transaction (see _store_breaker_state), whose snapshot cannot see it.
        """
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL("SELECT circuit_state FROM retail_backend WHERE id=%s", self.id)
            )
            row = cr.fetchone()
        stored = row[0] if row else self.circuit_state
        return (stored or circuit_breaker.CLOSED) != circuit_breaker.CLOSED

    def _retry_later(self, error):
        """The RetryableJobError that postpones a job after `error` (retryable).

        While the circuit breaker is open the channel is known to be down: a
        call it refused, or a failed trial call of a half-open circuit, does
        not use up one of the job's retries. Otherwise a long outage would
        exhaust them, and what waited would not be sent after recovery.
        Failures with the circuit closed count as usual, so a call that keeps
        failing on its own still ends as a failed job.
        """
        outage = isinstance(error, http_client.CircuitOpenError) or (
            self._circuit_open_now()
        )
        return RetryableJobError(
            str(error), seconds=error.retry_after, ignore_retry=outage
        )

    def _http_client(self, base_url, **kwargs):
        """Build the shared HTTP client for this connection.

        One client for all channels: timeouts, retries with Retry-After, the
        connection's rate limit and circuit breaker, secrets redacted.
        """
        self.ensure_one()
        backend = self

        class _Breaker:
            def before_request(self):
                allowed, state = circuit_breaker.allow_request(
                    backend._breaker_state(),
                    now=time.time(),
                    cooldown=backend.breaker_cooldown,
                )
                if not allowed:
                    wait = circuit_breaker.seconds_until_retry(
                        state, now=time.time(), cooldown=backend.breaker_cooldown
                    )
                    raise http_client.CircuitOpenError(retry_after=wait)
                if state != backend._breaker_state():
                    backend._store_breaker_state(state)

            def record_success(self):
                if backend.circuit_state != circuit_breaker.CLOSED or (
                    backend.circuit_failures
                ):
                    backend._store_breaker_state(
                        circuit_breaker.record_success(backend._breaker_state())
                    )

            def record_failure(self):
                backend._store_breaker_state(
                    circuit_breaker.record_failure(
                        backend._breaker_state(),
                        now=time.time(),
                        threshold=backend.breaker_threshold,
                    )
                )

        limiter = None
        if self.rate_limit > 0:
            limiter = rate_limit.bucket_for(
                ("retail.backend", self.env.cr.dbname, self.id),
                self.rate_limit,
                max(1, int(self.rate_limit)),
            )
        kwargs.setdefault("timeout", float(self.request_timeout or 30))
        return http_client.HttpClient(
            base_url, rate_limiter=limiter, breaker=_Breaker(), **kwargs
        )

    def _record_outbound(self, topic, payload, *, external_id="", record=None):
        """Create the outbound exchange that audits one call."""
        self.ensure_one()
        values = {
            "backend_id": self.id,
            "direction": "outbound",
            "topic": topic,
            "dedup_key": str(uuid.uuid4()),
            "external_id": external_id or "",
            "payload": payload
            if isinstance(payload, str)
            else json.dumps(payload, default=str),
            "state": "queued",
            "received_at": fields.Datetime.now(),
        }
        if record:
            values.update(res_model=record._name, res_id=record.id)
        return (
            self.env["retail.exchange"]
            .sudo()
            .with_context(mail_create_nolog=True, tracking_disable=True)
            .create(values)
        )

    @contextmanager
    def _outbound_call(self, topic, payload, *, external_id="", record=None):
        """Audit the outbound call made in the ``with`` block in one exchange.

        Yields the exchange (queued); the block may set its ``result``. A
        ChannelHttpError leaving the block marks the exchange failed and is
        raised again: technical when trying again may help, business when a
        person must look at it. A block that ends normally marks it done on
        `record`. Any other error leaves it queued: the job rolls it back.
        """
        exchange = self._record_outbound(
            topic, payload, external_id=external_id, record=record
        )
        try:
            yield exchange
        except http_client.ChannelHttpError as exc:
            exchange._mark_failed(
                "technical" if exc.retryable else "business", str(exc)
            )
            raise
        exchange._mark_done(record, result=exchange.result)

    def _generic_post_event(self, topic, data, *, external_id="", record=None):
        """POST one signed canonical event to the generic push URL."""
        self.ensure_one()
        if not self.outbound_url:
            raise UserError(_("Set the push URL of “%s” first.", self.name))
        event_id = str(uuid.uuid4())
        body = json.dumps(
            {
                "id": event_id,
                "topic": topic,
                "occurred_at": fields.Datetime.now().isoformat() + "Z",
                "data": data,
            },
            separators=(",", ":"),
            default=str,
        ).encode()
        with self._outbound_call(
            topic, body.decode(), external_id=external_id, record=record
        ) as exchange:
            secret = self._get_secret("webhook_secret")
            header = signatures.sign_generic(secret, body, int(time.time()))
            client = self._http_client(self.outbound_url, secrets=(secret,))
            result = client.request(
                "POST",
                self.outbound_url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    const.GENERIC_SIGNATURE_HEADER: header,
                },
            )
            exchange.result = _("HTTP %s", result.status)
        return result

    def _test_connection(self):
        """Make a cheap authenticated call; return a message for the user (hook)."""
        self.ensure_one()
        if self.channel != "generic":
            raise UserError(_("Channel %s has no connection test.", self.channel))
        result = self._generic_post_event("ping", {"connection": self.name})
        return _("The push URL answered HTTP %s.", result.status)

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _get_available_quantities(self, products):
        """Quantity each product can be sold for on this connection.

        Free quantity (on hand, not reserved) in the connection's warehouse,
        minus what open channel quotations hold, minus the safety buffer,
        never negative, rounded down to units.
        """
        self.ensure_one()
        free = products.with_context(warehouse_id=self.warehouse_id.id).mapped(
            lambda p: (p.id, p.free_qty)
        )
        held = self._quantities_held_by_channel_quotations(products)
        return {
            product_id: max(0, int(qty - held.get(product_id, 0) - self.stock_buffer))
            for product_id, qty in free
        }

    def _quantities_held_by_channel_quotations(self, products):
        """Quantities of channel orders not confirmed yet, per product.

        A channel holds stock for orders it has not confirmed (WooCommerce's
        on-hold bank transfers, say) while Odoo keeps them as quotations that
        reserve nothing; pushing the free quantity alone would hand those units
        to the next buyer.
        """
        lines = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", products.ids),
                    ("order_id.retail_backend_id", "!=", False),
                    ("order_id.state", "in", ("draft", "sent")),
                    ("order_id.warehouse_id", "=", self.warehouse_id.id),
                ],
                ["product_id"],
                ["product_uom_qty:sum"],
            )
        )
        return {product.id: quantity for product, quantity in lines}

    @api.model
    def _notify_stock_change(self, products):
        """Schedule stock pushes of `products` on every connection selling them."""
        products = products.filtered(lambda p: p.is_storable)
        if not products:
            return
        backends = self.sudo().search(
            [("state", "=", "active"), ("export_stock", "=", True)]
        )
        for backend in backends:
            backend._schedule_stock_export(products)

    def _schedule_stock_export(self, products):
        """Mark the bindings dirty and queue the coalesced job of the connection."""
        self.ensure_one()
        StockExporter(self.env, self).schedule(products)

    def _export_stock_job(self, product_id=None):
        """Job: push the pending stock of this connection (batched).

        ``product_id`` is only there for the jobs queued per product by
        earlier versions: a run pushes every pending binding.
        """
        self.ensure_one()
        return StockExporter(self.env, self).run()

    def _export_stock(self, items):
        """Send quantities to the channel (hook).

        `items` is a list of (binding, quantity). Return a dict binding id ->
        error message for the items the channel refused; raise
        ChannelHttpError for a failure of the whole call.
        """
        self.ensure_one()
        if self.channel != "generic":
            raise UserError(_("Channel %s cannot receive stock.", self.channel))
        data = {
            "items": [
                {"sku": binding.external_sku or binding.external_id, "quantity": qty}
                for binding, qty in items
            ]
        }
        self._generic_post_event("stock.updated", data)
        return {}

    # ------------------------------------------------------------------
    # Shipments
    # ------------------------------------------------------------------
    def _export_shipment_job(self, picking_id):
        """Job: tell the channel an order shipped."""
        self.ensure_one()
        picking = self.env["stock.picking"].browse(picking_id).exists()
        if not picking or picking.state != "done":
            return _("Nothing to do: the transfer is not done.")
        try:
            return self._export_shipment(picking)
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise self._retry_later(exc) from exc
            raise UserError(str(exc)) from exc

    def _export_shipment(self, picking):
        """Send a done delivery with its tracking to the channel (hook)."""
        self.ensure_one()
        if self.channel != "generic":
            return None
        order = picking.sale_id
        data = {
            "external_id": order.retail_external_id,
            "name": order.client_order_ref or order.name,
            "carrier": picking.carrier_id.name or "",
            "tracking_number": picking.carrier_tracking_ref or "",
            "tracking_url": picking.carrier_tracking_url or "",
            "shipped_at": (picking.date_done or fields.Datetime.now()).isoformat()
            + "Z",
            "lines": [
                {
                    "external_id": move.sale_line_id.retail_external_line_id or "",
                    "sku": move.product_id.default_code or "",
                    "quantity": str(move.quantity),
                }
                for move in picking.move_ids
                if move.sale_line_id
            ],
        }
        self._generic_post_event(
            "order.shipped",
            data,
            external_id=order.retail_external_id,
            record=picking,
        )
        return _("Shipment of %s pushed.", order.name)

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------
    @api.model
    def _cron_reconcile(self):
        """Poll every active connection for what its webhooks may have missed."""
        for backend in self.search([("state", "=", "active")]):
            backend.with_delay(
                channel=const.JOB_CHANNEL_BATCH,
                identity_key=f"retail-reconcile-{backend.id}",
                description=_("Reconcile %s", backend.name),
            )._reconcile_job()

    def _reconcile_job(self):
        """Job: poll the channel for what changed since the checkpoint.

        The poll starts the re-read window before the checkpoint (or before
        now, the first time) to catch late writes; on success the checkpoint
        moves to the moment this run started.
        """
        self.ensure_one()
        started = fields.Datetime.now()
        checkpoint = self.import_checkpoint or started
        since = checkpoint - timedelta(minutes=max(0, self.reread_window))
        try:
            # None from the base hook; channels that can be polled override it.
            summary = self._reconcile_since(since)  # pylint: disable=assignment-from-none
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise self._retry_later(exc) from exc
            raise UserError(str(exc)) from exc
        if summary is None:
            return _("Nothing to reconcile for this channel.")
        # The run's start, not its end: what changed while paging is re-read
        # by the next run.
        self.sudo().import_checkpoint = started
        return summary

    def _reconcile_since(self, since):
        """Feed what the channel changed after `since`; return a summary (hook).

        Return None when the channel cannot be polled: the checkpoint, which
        it does not use, is then left alone. The generic channel pushes only.
        """
        self.ensure_one()
        return None

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
