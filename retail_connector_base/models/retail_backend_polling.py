"""Polling: what a channel changed, read from a checkpoint per stream.

A channel that can be polled declares its streams (orders, transaction logs,
payouts…) in ``_poll_streams`` and implements ``_poll(stream, since,
source)``. The base keeps one checkpoint per connection and stream, starts
each run a re-read window before it, runs one job per connection and stream,
and moves the checkpoint to the run's start once the run succeeded. What a
poll reads goes through the same exchange path as a webhook delivery
(``_poll_feed_order``), so a state Odoo already shows is skipped and a
duplicate is a no-op.
"""

import hashlib
import json
import math
from datetime import timedelta

from odoo import _, api, fields, models

from .. import const
from ..services.errors import PollContinues
from ..tools import canonical, inbound

_RESUME_FIELDS = ("resume_cursor", "resume_since", "resume_started_at", "resume_source")


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    poll_stream_ids = fields.One2many(
        "retail.poll.stream", "backend_id", string="Polled Streams", readonly=True
    )
    import_checkpoint = fields.Datetime(
        compute="_compute_import_checkpoint",
        inverse="_inverse_import_checkpoint",
        help="Orders modified after this moment (minus the re-read window) are "
        "fetched by the next reconciliation.",
    )

    def _compute_import_checkpoint(self):
        for backend in self:
            backend.import_checkpoint = backend._poll_checkpoint(
                const.POLL_STREAM_ORDERS
            )

    def _inverse_import_checkpoint(self):
        for backend in self:
            # Set by hand, not a run: the stream stays due.
            backend._poll_stream_write(
                const.POLL_STREAM_ORDERS, {"checkpoint": backend.import_checkpoint}
            )

    # ------------------------------------------------------------------
    # The hooks
    # ------------------------------------------------------------------
    def _poll_streams(self):
        """``{stream code: label}`` of what this channel can be polled for (hook).

        Feature ``polling``. The stream ``orders`` (``const.POLL_STREAM_ORDERS``)
        is the one the "Import since…" wizard proposes first.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_POLLING)

    def _poll(self, stream, since, source):
        """Feed what the channel changed in `stream` after `since` (hook).

        Feature ``polling``. Runs in the stream's job. `source` is
        "reconciliation" (the cron) or "import" (a person's import); hand each
        record read to ``_poll_feed_order`` (or ``_poll_store`` for other
        resources, so that it is counted as polled). Return a summary; raise
        ChannelHttpError on failure (the job retries and the checkpoint
        stays). A channel that may read the next page only later raises
        ``PollContinues(cursor, wait)``: the run resumes in another job, where
        ``_poll_cursor()`` gives the cursor.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_POLLING)

    # ------------------------------------------------------------------
    # Checkpoints
    # ------------------------------------------------------------------
    def _poll_stream_record(self, stream):
        self.ensure_one()
        return (
            self.env["retail.poll.stream"]
            .sudo()
            .search([("backend_id", "=", self.id), ("stream", "=", stream)], limit=1)
        )

    def _poll_cursor(self):
        """Inside ``_poll``: where a paused run resumes (None: from `since`)."""
        return self.env.context.get("retail_poll_cursor")

    def _poll_checkpoint(self, stream):
        """The committed checkpoint of `stream`, or False before the first run."""
        if not self.id:
            return False
        return self._poll_stream_record(stream).checkpoint or False

    def _poll_set_checkpoint(self, stream, moment, result=None):
        """Move the checkpoint of `stream` to `moment` (naive UTC)."""
        self.ensure_one()
        values = {"checkpoint": moment, "last_run_at": fields.Datetime.now()}
        if result is not None:
            values["last_result"] = result
        self._poll_stream_write(stream, values)

    def _poll_stream_write(self, stream, values):
        """Write `values` on the stream's record, created the first time."""
        record = self._poll_stream_record(stream)
        if record:
            record.write(values)
        else:
            self.env["retail.poll.stream"].sudo().create(
                {"backend_id": self.id, "stream": stream, **values}
            )

    # ------------------------------------------------------------------
    # Crons and jobs
    # ------------------------------------------------------------------
    @api.model
    def _cron_poll(self, stream=None):
        """Queue one poll job per active connection and stream that is due.

        A stream is due when its last run is older than the connection's
        polling interval. One cron may poll every stream; a channel whose
        streams need their own rhythm adds a cron calling
        ``_cron_poll("<stream>")``.
        """
        now = fields.Datetime.now()
        for backend in self.search([("state", "=", "active")]):
            if not backend._channel_supports(const.FEATURE_POLLING):
                continue
            streams = backend._poll_streams()
            last_runs = {
                record.stream: record.last_run_at for record in backend.poll_stream_ids
            }
            # A little slack, so that a cron running every minute is not a
            # few seconds too early for a run it queued a minute ago.
            interval = timedelta(minutes=max(0, backend.poll_interval), seconds=-5)
            for code in [stream] if stream else list(streams):
                if code not in streams:
                    continue
                last_run = last_runs.get(code)
                if last_run and last_run + interval > now:
                    continue
                backend.with_delay(
                    channel=const.JOB_CHANNEL_BATCH,
                    identity_key=f"retail-poll-{backend.id}-{code}",
                    description=_(
                        "Poll %(stream)s of %(backend)s",
                        stream=streams[code],
                        backend=backend.name,
                    ),
                )._poll_job(code)

    def _poll_job(self, stream, since=None, source="reconciliation"):
        """Job: poll `stream` of this connection.

        Without `since` (the cron), the poll starts the re-read window before
        the checkpoint (or before now, the first time) to catch late writes,
        and on success the checkpoint moves to the moment this run started.
        With `since` (a person's import), it reads from there and sets the
        checkpoint only when the stream had none.
        """
        self.ensure_one()
        if not self._channel_supports(const.FEATURE_POLLING):
            return self._feature_skip_reason(const.FEATURE_POLLING)
        if stream not in self._poll_streams():
            return _("Nothing to do: this channel has no stream %s.", stream)
        started = fields.Datetime.now()
        record = self._poll_stream_record(stream)
        checkpoint = record.checkpoint or False
        poller = self
        if record.resume_cursor and (since is None or source == "resume"):
            # A paused run goes on where it stopped, as the run it was.
            since, started = record.resume_since, record.resume_started_at
            source = record.resume_source or "reconciliation"
            poller = self.with_context(
                retail_poll_cursor=json.loads(record.resume_cursor)
            )
        elif since is None:
            since = (checkpoint or started) - timedelta(
                minutes=max(0, self.reread_window)
            )
        elif isinstance(since, str):
            since = fields.Datetime.to_datetime(since)
        if source == "resume":
            return _("Nothing to do: the run was already finished.")
        try:
            summary = self._channel_call(poller._poll, stream, since, source)
        except PollContinues as paused:
            return self._poll_pause(stream, paused, since, started, source)
        if record.resume_cursor:
            record.sudo().write(dict.fromkeys(_RESUME_FIELDS, False))
        if source == "reconciliation" or not checkpoint:
            # The run's start, not its end: what changed while paging is
            # re-read by the next run.
            self._poll_set_checkpoint(stream, started, summary)
        return summary

    def _poll_pause(self, stream, paused, since, started, source):
        """Keep where a paused run stands and queue the job that resumes it."""
        values = {
            "resume_cursor": json.dumps(paused.cursor),
            "resume_since": since,
            "resume_started_at": started,
            "resume_source": source,
            "last_run_at": fields.Datetime.now(),
            "last_result": paused.summary or str(paused),
        }
        self._poll_stream_write(stream, values)
        label = self._poll_streams().get(stream, stream)
        wait = max(1, math.ceil(paused.wait))
        self.with_delay(
            channel=const.JOB_CHANNEL_BATCH,
            identity_key=f"retail-poll-{self.id}-{stream}",
            eta=wait,
            description=_(
                "Poll %(stream)s of %(backend)s (continued)",
                stream=label,
                backend=self.name,
            ),
        )._poll_job(stream, None, "resume")
        return _(
            "%(summary)s; continues in %(wait)s s",
            summary=str(paused),
            wait=wait,
        )

    # ------------------------------------------------------------------
    # Feeding what was polled through the exchange path
    # ------------------------------------------------------------------
    def _poll_feed_order(
        self,
        payload,
        *,
        external_id,
        modified=None,
        source="reconciliation",
        topic="order.updated",
        to_canonical=None,
    ):
        """Store a polled channel order as an inbound exchange and queue it.

        The same exchange and processing path as a webhook delivery. The
        dedup key is the order id, modification time and a digest of the
        order, so polling the same state twice stores it once; an order whose
        state Odoo already applied, or already received by webhook, is not
        stored at all. Returns True when a new exchange was stored.

        When the channel's modification times are coarse (whole seconds), a
        change made within the second of the state Odoo applied looks no
        newer than it. So when the sale order carries the polled order's very
        time, the order counts as applied only if the sale order shows it:
        `to_canonical(payload)` gives the canonical order to compare (without
        it, such an order is fed again; the processor makes that a no-op).
        """
        self.ensure_one()
        external_id = str(external_id or "")
        if not external_id:
            return False
        if modified and self._poll_order_known(
            payload, external_id, modified, to_canonical
        ):
            return False
        raw_body = json.dumps(payload, separators=(",", ":")).encode()
        digest = hashlib.sha256(raw_body).hexdigest()[:16]
        return self._poll_store(
            topic,
            raw_body,
            dedup_key=(
                f"{const.POLL_DEDUP_PREFIX}:{external_id}:{modified or ''}:{digest}"
            ),
            external_id=external_id,
            occurred_at=modified,
            source=source,
        )

    def _poll_store(
        self,
        topic,
        raw_body,
        *,
        dedup_key,
        external_id,
        occurred_at=None,
        source="reconciliation",
    ):
        """Store what a poll read as an inbound exchange and queue it, through
        the webhook's own path; True when it is new (not a duplicate).

        `raw_body` is the payload as the exchange keeps it (the bytes
        `_map_inbound` reads), `dedup_key` what makes the same state stored
        once (start it with ``const.POLL_DEDUP_PREFIX`` to tell polled states
        apart), `source` what read it (shown on the exchange, counted apart
        from webhooks in the KPIs).
        """
        self.ensure_one()
        event = inbound.InboundEvent(
            topic=topic,
            dedup_key=dedup_key,
            external_id=external_id,
            occurred_at=occurred_at,
        )
        headers = {const.POLLED_SOURCE_HEADER: source}
        return self._webhook_store(event, headers, raw_body) == "accepted"

    def _poll_order_known(self, payload, external_id, modified, to_canonical):
        """Whether Odoo applied, or holds waiting, this state of the order."""
        sale = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("retail_backend_id", "=", self.id),
                    ("retail_external_id", "=", external_id),
                ],
                limit=1,
            )
        )
        applied = sale.retail_updated_at
        same_second = bool(applied) and applied == modified
        if applied and applied > modified:
            return True
        if same_second and self._poll_sale_shows(sale, payload, to_canonical):
            return True
        received = [("occurred_at", ">=", modified)]
        if same_second:
            # What came of that second is applied and the sale order does not
            # show this state: only an event still waiting may.
            received = [
                "|",
                ("occurred_at", ">", modified),
                "&",
                ("occurred_at", "=", modified),
                ("state", "in", const.EXCHANGE_OPEN_STATES),
            ]
        return bool(
            self.env["retail.exchange"]
            .sudo()
            .search_count(
                [
                    ("backend_id", "=", self.id),
                    ("direction", "=", "inbound"),
                    ("external_id", "=", external_id),
                    ("topic", "=like", "order.%"),
                    *received,
                ],
                limit=1,
            )
        )

    def _poll_sale_shows(self, sale, payload, to_canonical):
        """Whether `sale` shows the polled order (False when it cannot tell)."""
        if not to_canonical:
            return False
        try:
            order = to_canonical(payload)
        except canonical.CanonicalError:
            # An order that cannot be mapped shows nothing: processing it
            # says why.
            return False
        return self._processor_for(order).shows(sale, order)

    def action_import_since(self):
        """Open the "Import since…" wizard of this connection."""
        self.ensure_one()
        if not self._channel_supports(const.FEATURE_POLLING):
            raise self._channel_unsupported(const.FEATURE_POLLING)
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Since…"),
            "res_model": "retail.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }
