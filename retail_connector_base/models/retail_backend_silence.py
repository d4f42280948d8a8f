"""Silence detection: a connection that stopped receiving its usual orders.

Every 15 minutes (``_cron_detect_silence``), the inbound order events of the
hour that just ended are compared, per active connection with webhooks, with
the same hour of the week in the past weeks (``tools/silence.py``: a Poisson
model learnt from the connection's own history). When far fewer arrived than
expected with high confidence, the connection is marked silent and repaired
at once: its reconciliation is queued for every polled stream, the webhooks
the channel disabled are re-activated, and one activity tells its
responsible user what was found and done. It goes back to normal when
events flow again.

What is counted: inbound exchanges whose topic starts with ``order.``
(webhook deliveries and polled orders alike; pings are never stored; product
and customer events follow the catalogue's rhythm, not the customers').
Hours of the week are taken in UTC, as a window of one hour sliding with
the cron: the last hour, and the same hour 1, 2, … weeks before.
"""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import const
from ..tools import http_client, silence

_logger = logging.getLogger(__name__)

WEEK = 7 * 24 * 3600
HOUR = 3600
# Past weeks read; exchanges purged earlier (Keep Done Exchanges) shorten it.
HISTORY_WEEKS = 8


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    silence_state = fields.Selection(
        [("normal", "Normal"), ("silent", "Silent")],
        string="Inbound Events",
        default="normal",
        required=True,
        readonly=True,
        copy=False,
        help="Silent: far fewer orders arrived in the last hour than this "
        "connection usually receives at this hour of the week.",
    )
    silence_since = fields.Datetime(readonly=True, copy=False)
    silence_note = fields.Text(readonly=True, copy=False)

    # ------------------------------------------------------------------
    # History
    # ------------------------------------------------------------------
    def _silence_history(self, now=None):
        """``{backend id: (past weeks' counts, count of the last hour)}``.

        One query over ``retail_exchange``: the connection's inbound
        ``order.*`` exchanges of the last `HISTORY_WEEKS` weeks, grouped by
        week (0: the hour that just ended; k: the same hour k weeks
        before). A past week counts only once the connection was receiving
        (its first event read is no later than that week's hour): a new
        connection has a short history, never a history of zeros.
        """
        now = now or fields.Datetime.now()
        result = {backend_id: ([], 0) for backend_id in self.ids}
        if not self.ids:
            return result
        age = SQL("EXTRACT(EPOCH FROM (%s - received_at))", now)
        self.env["retail.exchange"].flush_model(
            ["backend_id", "direction", "topic", "received_at"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT backend_id,
                       FLOOR(%(age)s / %(week)s)::int AS week,
                       COUNT(*) FILTER (WHERE MOD(%(age)s, %(week)s) < %(hour)s),
                       MIN(received_at)
                  FROM retail_exchange
                 WHERE backend_id IN %(ids)s
                   AND direction = 'inbound'
                   AND topic LIKE %(pattern)s
                   AND received_at <= %(now)s
                   AND received_at > %(oldest)s
              GROUP BY backend_id, week
                """,
                age=age,
                week=WEEK,
                hour=HOUR,
                ids=tuple(self.ids),
                pattern="order.%",
                now=now,
                oldest=now - timedelta(weeks=HISTORY_WEEKS, hours=1),
            )
        )
        counts, first = {}, {}
        for backend_id, week, count, earliest in rows:
            counts[backend_id, week] = count
            if backend_id not in first or earliest < first[backend_id]:
                first[backend_id] = earliest
        for backend_id in self.ids:
            start = first.get(backend_id)
            if not start:
                continue
            history = [
                counts.get((backend_id, week), 0)
                for week in range(1, HISTORY_WEEKS + 1)
                if start <= now - timedelta(weeks=week)
            ]
            result[backend_id] = (history, counts.get((backend_id, 0), 0))
        return result

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_detect_silence(self):
        """Mark silent, and repair, the connections that stopped receiving
        what they usually do at this hour; clear those that recovered."""
        now = fields.Datetime.now()
        backends = self.search([("state", "=", "active")]).filtered(
            lambda b: b._channel_supports(const.FEATURE_WEBHOOKS)
        )
        histories = backends._silence_history(now)
        for backend in backends:
            history, observed = histories[backend.id]
            verdict = silence.detect_silence(history, observed)
            if verdict.silent and backend.silence_state != "silent":
                backend._silence_start(verdict, now)
            elif not verdict.silent and backend.silence_state == "silent":
                backend._silence_end_if_flowing(now)

    def _silence_start(self, verdict, now):
        """Mark the connection silent, repair it and tell its responsible."""
        self.ensure_one()
        found = _(
            "%(observed)s orders received in the last hour, where the past "
            "%(weeks)s weeks brought %(expected)s on average at this hour of "
            "the week (so few happen by chance with probability %(probability)s).",
            observed=verdict.observed,
            weeks=verdict.weeks,
            expected=f"{verdict.expected:.1f}",
            probability=f"{verdict.probability:.1e}",
        )
        _logger.warning("Connection %s is silent: %s", self.id, found)
        done = self._silence_repair()
        note = "\n".join([found, *done])
        self.write(
            {"silence_state": "silent", "silence_since": now, "silence_note": note}
        )
        html = Markup("<br/>").join([found, *done])
        self.message_post(
            body=Markup("<p>%s</p><p>%s</p>") % (_("Connection silent."), html)
        )
        self._silence_activity(html)

    def _silence_repair(self):
        """Queue the reconciliation and re-activate disabled webhooks; return
        what was done, one line each."""
        self.ensure_one()
        done = []
        if self._channel_supports(const.FEATURE_POLLING):
            streams = self._poll_streams()
            for code, label in streams.items():
                self.with_delay(
                    channel=const.JOB_CHANNEL_BATCH,
                    identity_key=f"retail-poll-{self.id}-{code}",
                    description=_(
                        "Poll %(stream)s of %(backend)s",
                        stream=label,
                        backend=self.name,
                    ),
                )._poll_job(code)
            done.append(
                _(
                    "Reconciliation queued: %s.",
                    ", ".join(str(label) for label in streams.values()),
                )
            )
        else:
            done.append(_("The channel cannot be polled: nothing to reconcile."))
        if self._channel_supports(const.FEATURE_WEBHOOK_SUBSCRIPTION):
            try:
                with self.env.cr.savepoint():
                    count = self._webhook_subscriptions_reenable()
            except (http_client.ChannelHttpError, UserError) as exc:
                done.append(_("The channel's webhooks could not be read: %s", exc))
            else:
                done.append(
                    _("%s webhooks the channel had disabled re-activated.", count)
                    if count
                    else _("No webhook was disabled on the channel.")
                )
        return done

    def _silence_activity(self, note):
        """One activity per silence episode for the responsible user."""
        activity_type = self.env.ref(
            "retail_connector_base.mail_activity_retail_silence",
            raise_if_not_found=False,
        )
        if not activity_type:
            return
        backend = self.sudo()
        user = backend.user_id or self.env.ref("base.user_admin")
        backend.activity_schedule(
            activity_type_id=activity_type.id,
            user_id=user.id,
            summary=_("%s stopped receiving orders", backend.name),
            note=note,
        )

    def _silence_end_if_flowing(self, now):
        """Back to normal once an order event arrived since the silence."""
        self.ensure_one()
        arrived = (
            self.env["retail.exchange"]
            .sudo()
            .search_count(
                [
                    ("backend_id", "=", self.id),
                    ("direction", "=", "inbound"),
                    ("topic", "=like", "order.%"),
                    ("received_at", ">=", self.silence_since),
                    ("received_at", "<=", now),
                ],
                limit=1,
            )
        )
        if not arrived:
            return
        self.write({"silence_state": "normal", "silence_since": False})
        self.message_post(
            body=_("Orders are arriving again: connection back to normal.")
        )
        activity_type = self.env.ref(
            "retail_connector_base.mail_activity_retail_silence",
            raise_if_not_found=False,
        )
        if activity_type:
            self.sudo().activity_ids.filtered(
                lambda a: a.activity_type_id == activity_type
            ).action_feedback(feedback=_("Orders are arriving again."))
