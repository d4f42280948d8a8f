import json
import logging

import psycopg2
from psycopg2 import errorcodes

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index

from odoo.addons.queue_job.exception import RetryableJobError

from .. import const
from ..services.errors import RetailBusinessError, RetailStaleEventError
from ..tools import canonical, http_client
from ..tools.crypto import EncryptionKeyMissing, SecretDecryptError

_logger = logging.getLogger(__name__)

# Errors caused by concurrent transactions: try again, they will converge.
_CONCURRENCY_CODES = {
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.DEADLOCK_DETECTED,
    errorcodes.LOCK_NOT_AVAILABLE,
    errorcodes.UNIQUE_VIOLATION,
}


class RetailExchange(models.Model):
    """One inbound event or outbound call, with its raw payload and outcome.

    This is the audit trail and the exception queue: failed exchanges say why
    in plain words and can be retried or ignored.
    """

    _name = "retail.exchange"
    _description = "Retail Exchange (event or call)"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _rec_name = "display_title"

    display_title = fields.Char(
        string="Exchange", compute="_compute_display_title", store=True
    )
    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    channel = fields.Selection(related="backend_id.channel")
    direction = fields.Selection(const.DIRECTIONS, required=True, default="inbound")
    topic = fields.Char(required=True)
    dedup_key = fields.Char(
        string="Deduplication Key",
        required=True,
        help="Channel event or delivery id (else a digest of the body): a "
        "redelivery with the same key is not processed twice.",
    )
    external_id = fields.Char(string="External ID")
    state = fields.Selection(
        const.EXCHANGE_STATES,
        required=True,
        default="received",
        index=True,
        tracking=True,
    )
    error = fields.Text(readonly=True)
    error_category = fields.Selection(const.ERROR_CATEGORIES, readonly=True)
    failure_kind = fields.Selection(
        selection="_selection_failure_kind",
        string="Failure Cause",
        readonly=True,
        index="btree_not_null",
        help="The cause of the failure as data (an unknown SKU, a tax rate): "
        "failures are grouped by it and fixed once for all their exchanges.",
    )
    failure_value = fields.Char(readonly=True, index="btree_not_null")
    failure_runbook = fields.Html(
        string="Runbook", compute="_compute_failure_runbook", sanitize=False
    )
    result = fields.Char(readonly=True, help="What processing did.")
    payload = fields.Text(readonly=True, help="The raw body, exactly as received.")
    headers = fields.Text(readonly=True, help="Request headers, secrets redacted.")
    attempts = fields.Integer(readonly=True, default=0)
    received_at = fields.Datetime(
        readonly=True, default=fields.Datetime.now, index=True
    )
    occurred_at = fields.Datetime(
        readonly=True, help="When the channel says it happened."
    )
    done_at = fields.Datetime(readonly=True)
    res_model = fields.Char(string="Record Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", readonly=True
    )
    record_ref = fields.Reference(
        selection="_selection_record_ref",
        string="Record",
        compute="_compute_record_ref",
    )
    replay_method = fields.Char(
        readonly=True,
        copy=False,
        help="Outbound: the connection's job that makes this call again on Retry.",
    )
    replay_args = fields.Char(readonly=True, copy=False)
    job_uuid = fields.Char(readonly=True, copy=False, index="btree_not_null")
    job_id = fields.Many2one("queue.job", compute="_compute_job_id")
    job_state = fields.Char(compute="_compute_job_id")

    _sql_constraints = [
        (
            "dedup_uniq",
            "unique(backend_id, direction, dedup_key)",
            "An event is stored once per connection and direction.",
        ),
    ]

    # Indexes are few on purpose: every delivery inserts a row and updates
    # each of them. The unique index above serves the look-ups by
    # connection; this one the exchanges of one channel record (the
    # correlation id each delivery reads, a sale order's exchanges).
    _RECORD_INDEX = "retail_exchange_record_index"

    def init(self):
        result = super().init()
        create_index(
            self.env.cr,
            self._RECORD_INDEX,
            self._table,
            ["backend_id", "external_id", "id"],
            where="external_id IS NOT NULL",
        )
        return result

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("topic", "external_id")
    def _compute_display_title(self):
        for exchange in self:
            exchange.display_title = " ".join(
                part for part in (exchange.topic, exchange.external_id) if part
            )

    @api.model
    def _selection_failure_kind(self):
        # Imported here: that module defines a model, which must come after
        # this one (its SQL view reads this table's columns).
        from .retail_failure_cause import failure_kind_selection

        return failure_kind_selection(self.env)

    @api.depends("failure_kind")
    def _compute_failure_runbook(self):
        from .retail_failure_cause import failure_runbook

        for exchange in self:
            exchange.failure_runbook = failure_runbook(
                exchange.env, exchange.failure_kind
            )

    @api.model
    def _selection_record_ref(self):
        # Reading ir.model needs admin rights; the list of models is not secret.
        return [
            (model.model, model.name)
            for model in self.env["ir.model"].sudo().search([])
        ]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for exchange in self:
            if exchange.res_model and exchange.res_id:
                exchange.record_ref = f"{exchange.res_model},{exchange.res_id}"
            else:
                exchange.record_ref = False

    def _compute_job_id(self):
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [("uuid", "in", [uuid for uuid in self.mapped("job_uuid") if uuid])]
            )
        )
        by_uuid = {job.uuid: job for job in jobs}
        for exchange in self:
            job = by_uuid.get(exchange.job_uuid)
            exchange.job_id = job or False
            exchange.job_state = (
                dict(job._fields["state"]._description_selection(self.env)).get(
                    job.state
                )
                if job
                else False
            )

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    def _enqueue_processing(self):
        """Queue the processing job of each exchange and remember it."""
        self.flush_recordset()
        # Only what the job needs: the row also holds the (large) payload.
        self.fetch(["topic", "external_id", "backend_id", "company_id"])
        for exchange in self:
            exchange._enqueue_job(
                exchange.backend_id, exchange.topic, exchange.external_id
            )

    def _enqueue_job(self, backend, topic, external_id):
        """Queue the processing job of this exchange, of `backend`'s `topic`.

        The webhook's hot path knows the exchange's topic and external id from
        the event it just stored: given here, they cost no read.
        """
        self.ensure_one()
        job = self.with_delay(
            channel=const.JOB_CHANNEL_INBOUND,
            max_retries=backend.max_retries,
            description=self._job_description(backend, topic, external_id),
        )._process_job()
        self.env.cr.execute(
            SQL(
                "UPDATE retail_exchange SET state='queued', job_uuid=%s WHERE id=%s",
                job.uuid,
                self.id,
            )
        )
        self.invalidate_recordset(["state", "job_uuid"])

    def _process_job(self):
        """Job: apply the exchange to Odoo. Safe to run any number of times."""
        self.ensure_one()
        if self.state not in const.EXCHANGE_OPEN_STATES:
            return _("Nothing to do: the exchange is %s.", self.state)
        if self.backend_id.state == "paused":
            self.state = "received"
            return _("Connection paused: the event waits for it to resume.")
        return self._process()

    def _process(self):
        backend = self.backend_id
        try:
            with self.env.cr.savepoint():
                record = backend._process_inbound_exchange(self)
        except RetailStaleEventError as exc:
            self._mark_done(None, result=str(exc))
            return str(exc)
        except (RetailBusinessError, canonical.CanonicalError) as exc:
            self._mark_failed(
                "business",
                str(exc),
                cause=(
                    getattr(exc, "cause_kind", None),
                    getattr(exc, "cause_value", None),
                ),
            )
            return str(exc)
        except (UserError, ValidationError) as exc:
            self._mark_failed("business", exc.args[0] if exc.args else str(exc))
            return str(exc)
        except (EncryptionKeyMissing, SecretDecryptError) as exc:
            self._mark_failed("technical", str(exc))
            return str(exc)
        except http_client.ChannelHttpError as exc:
            if not exc.retryable:
                self._mark_failed("business", str(exc))
                return str(exc)
            raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
        except psycopg2.Error as exc:
            if exc.pgcode in _CONCURRENCY_CODES:
                # Another job applied the same external record meanwhile:
                # retry, it will now be seen and updated instead.
                raise RetryableJobError(
                    _("Concurrent update, retrying: %s", exc.pgerror or exc),
                    seconds=1,
                    ignore_retry=True,
                ) from exc
            raise
        except RetryableJobError:
            raise
        except Exception as exc:
            # Anything else is treated as transient and retried with backoff;
            # once retries are exhausted _on_job_failed shows it to a person.
            _logger.warning("Exchange %s: %s", self.id, exc, exc_info=True)
            raise RetryableJobError(str(exc)) from exc
        self._mark_done(record)
        return self.result

    def _on_job_failed(self, **failure):
        """queue_job hook: retries are exhausted, a person must look at it."""
        message = failure.get("exc_message") or failure.get("exc_name") or ""
        for exchange in self.exists():
            exchange._mark_failed(
                "technical",
                _(
                    "Gave up after %(n)s attempts: %(msg)s",
                    n=exchange.attempts,
                    msg=message,
                ),
            )

    def _mark_done(self, record=None, result=None):
        values = {
            "state": "done",
            "error": False,
            "error_category": False,
            "failure_kind": False,
            "failure_value": False,
            "done_at": fields.Datetime.now(),
            "attempts": self.attempts + 1,
            "result": result
            or (
                _("Applied to %s", record.display_name)
                if record
                else _("Nothing to apply.")
            ),
        }
        if record:
            values.update(res_model=record._name, res_id=record.id)
        self.write(values)

    def _mark_failed(self, category, message, cause=(None, None)):
        """Show the failure to a person; `cause` is (kind, value) when known."""
        kind, value = cause
        if kind not in self._fields["failure_kind"].get_values(self.env):
            kind = value = None
        self.write(
            {
                "state": "failed",
                "error": message,
                "error_category": category,
                "failure_kind": kind or False,
                "failure_value": str(value) if value else False,
                "attempts": self.attempts + 1,
            }
        )
        self.message_post(
            body=_(
                "Failed (%(category)s): %(message)s", category=category, message=message
            )
        )
        if category == "business" or self.direction == "inbound":
            self.backend_id._notify_attention_needed()
        if self.direction == "inbound":
            self.backend_id._inbound_failed(self)

    def _mark_items_refused(self, refusals):
        """The channel took these calls but refused items of them
        (``{item: reason}``): the calls it marked done fail (business) with
        the items listed, in the exception queue, and Retry replays them.
        A call refused as a whole is failed already and left as it is."""
        if not refusals:
            return
        message = _(
            "%(count)s refused: %(items)s",
            count=len(refusals),
            items="; ".join(f"{item}: {reason}" for item, reason in refusals.items()),
        )[:2000]
        for exchange in self.filtered(lambda e: e.state == "done"):
            exchange._mark_failed("business", message)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Process the selected exchanges again (after a fix).

        An inbound event is processed again; a refused outbound call is made
        again by the job that made it (its replay), reading Odoo's state as
        it is now.
        """
        outbound = self.filtered(
            lambda e: (
                e.direction == "outbound"
                and e.state in ("failed", "ignored")
                and e.replay_method
            )
        )
        inbound = self.filtered(
            lambda e: (
                e.direction == "inbound"
                and e.state in ("failed", "ignored", "received")
            )
        )
        if not inbound and not outbound:
            raise UserError(
                _(
                    "Only failed, ignored or waiting inbound events, and refused "
                    "outbound calls, can be retried."
                )
            )
        outbound._retry_outbound()
        for exchange in inbound:
            exchange.message_post(body=_("Retry requested by %s.", self.env.user.name))
        inbound.write({"error": False, "error_category": False})
        active = inbound.filtered(lambda e: e.backend_id.state == "active")
        (inbound - active).write({"state": "received"})
        active._enqueue_processing()
        return True

    def _retry_outbound(self):
        """Queue the replay job of each refused outbound call."""
        for exchange in self:
            exchange.message_post(body=_("Retry requested by %s.", self.env.user.name))
            backend = exchange.backend_id
            if backend.state != "active":
                raise UserError(
                    _("Activate or resume %s before retrying its calls.", backend.name)
                )
            job = exchange.with_delay(
                channel=const.JOB_CHANNEL_OUTBOUND,
                description=_(
                    "Retry %(topic)s on %(backend)s",
                    topic=exchange.topic,
                    backend=backend.name,
                ),
            )._replay_outbound_job()
            exchange.write(
                {
                    "state": "queued",
                    "error": False,
                    "error_category": False,
                    "job_uuid": job.uuid,
                }
            )

    def _replay_outbound_job(self):
        """Job: make a refused outbound call again, on this same exchange."""
        self.ensure_one()
        if self.state != "queued":
            return _("Nothing to do: the exchange is %s.", self.state)
        backend = self.backend_id.with_context(retail_retried_exchange_id=self.id)
        # Only job methods of the connection: the field is data, not code.
        method = self.replay_method or ""
        if not method.endswith("_job") or not callable(getattr(backend, method, None)):
            raise UserError(_("%s cannot be replayed.", method))
        args = json.loads(self.replay_args or "[]")
        summary = getattr(backend, method)(*args)
        if self.state == "queued":
            # The job found nothing left to send (already done meanwhile).
            self._mark_done(None, result=summary or _("Nothing left to send."))
        return summary

    def action_ignore(self):
        """Dismiss the selected exchanges: they will not be processed."""
        todo = self.filtered(lambda e: e.state in ("failed", "received", "queued"))
        for exchange in todo:
            exchange.message_post(body=_("Ignored by %s.", self.env.user.name))
        todo.write({"state": "ignored"})
        todo.backend_id._close_attention_activity()
        return True

    def action_guided_fix(self):
        """Open the guided fix of this exchange's failure cause."""
        self.ensure_one()
        if self.state != "failed" or not self.failure_kind:
            raise UserError(_("This exchange has no failure cause to fix."))
        return self.backend_id._open_guided_fix(
            self.failure_kind, self.failure_value, self
        )

    def action_open_record(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            raise UserError(_("This exchange produced no record."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    def action_open_job(self):
        self.ensure_one()
        if not self.job_id:
            raise UserError(_("No job is attached to this exchange."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "queue.job",
            "res_id": self.job_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "done":
            self.backend_id._close_attention_activity()
        return result

    @api.model
    def _requeue_orphans(self):
        """Queue again exchanges stuck in "queued" whose job is gone or done.

        Normally impossible (job and exchange commit together); this is the
        safety net that guarantees nothing waits forever.
        """
        self.env.cr.execute(
            SQL(
                """
                SELECT e.id FROM retail_exchange e
                JOIN retail_backend b ON b.id = e.backend_id
                LEFT JOIN queue_job j ON j.uuid = e.job_uuid
                WHERE e.state = 'queued' AND e.direction = 'inbound'
                  AND b.state = 'active'
                  AND e.write_date < now() at time zone 'UTC' - interval '10 minutes'
                  AND (j.id IS NULL OR j.state IN ('done', 'cancelled', 'failed'))
                LIMIT 1000
                """
            )
        )
        orphans = self.browse([row[0] for row in self.env.cr.fetchall()])
        orphans._enqueue_processing()
        return orphans
