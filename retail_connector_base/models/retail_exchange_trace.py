"""Traceability of exchanges: one correlation id from event to outbound calls.

An inbound exchange gets its correlation id when it is stored: the id of the
earlier exchanges of the same channel record (same connection, external id
and kind of topic, ``order.*`` say) when there are, else a new one. So every
version of a channel order shares one id. Processing runs with the id in the
context; the records it makes remember it (``retail.correlated.mixin``) and
the outbound calls later made about them (shipment, cancellation, refund)
inherit it. *Trace* lists the chain, oldest first.

The same notion of "the same channel record" gives the previous version of
an inbound payload, compared field by field on the exchange form.
"""

import uuid

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import payload_diff, payload_view
from .retail_correlated_mixin import CONTEXT_KEY

# At most this many changes are listed on the exchange form.
MAX_CHANGES_SHOWN = 200


def new_correlation_id():
    return uuid.uuid4().hex


def topic_kind(topic):
    """The kind of record a topic is about: ``order`` for ``order.updated``."""
    return (topic or "").partition(".")[0]


class RetailExchange(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.exchange"  # pylint: disable=consider-merging-classes-inherited

    correlation_id = fields.Char(
        string="Correlation ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Shared by the inbound events of one channel record, their "
        "processing and the outbound calls made about the records they "
        "produced: Trace lists them all.",
    )
    payload_readable = fields.Text(
        string="Payload (readable)",
        compute="_compute_payload_readable",
        help="The payload as indented JSON, credentials and tokens replaced by ***.",
    )
    previous_exchange_id = fields.Many2one(
        "retail.exchange",
        string="Previous Version",
        compute="_compute_payload_changes",
        help="The previous inbound event of the same channel record.",
    )
    payload_changes = fields.Text(
        string="Changes",
        compute="_compute_payload_changes",
        help="What the channel changed since the previous version, field by field.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("correlation_id"):
                continue
            correlation = None
            if vals.get("direction", "inbound") == "inbound" and vals.get(
                "external_id"
            ):
                self.flush_model()
                self.env.cr.execute(
                    SQL(
                        "SELECT %s",
                        self._earlier_correlation_sql(
                            vals["backend_id"], vals.get("topic"), vals["external_id"]
                        ),
                    )
                )
                correlation = self.env.cr.fetchone()[0]
            vals["correlation_id"] = (
                correlation or self.env.context.get(CONTEXT_KEY) or new_correlation_id()
            )
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # The same channel record
    # ------------------------------------------------------------------
    @api.model
    def _earlier_correlation_sql(self, backend_id, topic, external_id):
        """SQL: the correlation id of the first inbound exchange of this
        channel record (NULL when none). Used inside the webhook's insert."""
        return SQL(
            """(SELECT earlier.correlation_id FROM retail_exchange earlier
                 WHERE earlier.backend_id = %(backend)s
                   AND earlier.direction = 'inbound'
                   AND earlier.external_id = %(external_id)s
                   AND split_part(earlier.topic, '.', 1) = %(kind)s
                   AND earlier.correlation_id IS NOT NULL
              ORDER BY earlier.id LIMIT 1)""",
            backend=backend_id,
            external_id=external_id,
            kind=topic_kind(topic),
        )

    def _same_record_domain(self):
        """Domain: the inbound exchanges of this exchange's channel record."""
        self.ensure_one()
        kind = topic_kind(self.topic)
        pattern = kind.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [
            ("backend_id", "=", self.backend_id.id),
            ("direction", "=", "inbound"),
            ("external_id", "=", self.external_id),
            "|",
            ("topic", "=", kind),
            ("topic", "=like", f"{pattern}.%"),
        ]

    # ------------------------------------------------------------------
    # Readable payload and changes
    # ------------------------------------------------------------------
    @api.depends("payload")
    def _compute_payload_readable(self):
        for exchange in self:
            exchange.payload_readable = payload_view.readable_payload(
                exchange.payload, exchange._sensitive_keys()
            )

    def _sensitive_keys(self):
        """The channel's own sensitive names (its signature or token headers)."""
        backend = self.backend_id
        return backend._channel_sensitive_headers() if backend.channel else ()

    @api.depends("payload", "direction", "external_id", "topic", "backend_id")
    def _compute_payload_changes(self):
        for exchange in self:
            previous = exchange.browse()
            if exchange.id and exchange.direction == "inbound" and exchange.external_id:
                previous = exchange.search(
                    [*exchange._same_record_domain(), ("id", "<", exchange.id)],
                    order="id desc",
                    limit=1,
                )
            exchange.previous_exchange_id = previous
            exchange.payload_changes = (
                exchange._payload_changes_since(previous) if previous else False
            )

    def _payload_changes_since(self, previous):
        changes = payload_diff.diff_payloads(
            previous.payload, self.payload, self._sensitive_keys()
        )
        if changes is None:
            return _("One of the payloads is not JSON: no field to compare.")
        if not changes:
            return _("Same payload as the previous version.")
        text = payload_diff.format_changes(changes[:MAX_CHANGES_SHOWN])
        if len(changes) > MAX_CHANGES_SHOWN:
            text += "\n" + _("… and %s more changes.", len(changes) - MAX_CHANGES_SHOWN)
        return text

    # ------------------------------------------------------------------
    # Correlation through processing and outbound calls
    # ------------------------------------------------------------------
    def _process(self):
        # What processing creates (order, transfers, invoices) remembers
        # which exchange made it.
        if self.correlation_id and (
            self.env.context.get(CONTEXT_KEY) != self.correlation_id
        ):
            return self.with_context(**{CONTEXT_KEY: self.correlation_id})._process()
        return super()._process()

    def _mark_done(self, record=None, result=None):
        done = super()._mark_done(record, result)
        # A record made before correlation ids existed joins the chain of
        # the first exchange applied to it since.
        if (
            record
            and self.correlation_id
            and "retail_correlation_id" in record._fields
            and not record.retail_correlation_id
        ):
            record.sudo().retail_correlation_id = self.correlation_id
        return done

    @api.model
    def _correlation_for(self, record):
        """The correlation id an outbound call about `record` carries, or False.

        The record's own chain (an exchange's id, or what a correlated record
        says), else the exchange being processed; a call attributable to
        neither (a batched stock push) starts a chain of its own.
        """
        record = record[:1] if record else record
        if record and record._name == self._name:
            return record.correlation_id or False
        getter = getattr(record, "_retail_trace_correlation", None) if record else None
        return (getter and getter()) or self.env.context.get(CONTEXT_KEY) or False

    # ------------------------------------------------------------------
    # Trace
    # ------------------------------------------------------------------
    @api.model
    def _trace_action(self, correlation_id, title):
        """The window listing the chain of `correlation_id`, oldest first."""
        return {
            "type": "ir.actions.act_window",
            "name": _("Trace of %s", title),
            "res_model": "retail.exchange",
            "view_mode": "list,form",
            "views": [
                (
                    self.env.ref(
                        "retail_connector_base.retail_exchange_view_list_trace"
                    ).id,
                    "list",
                ),
                (False, "form"),
            ],
            "domain": [("correlation_id", "=", correlation_id)],
            "context": {"create": False},
            "target": "current",
        }

    def action_open_trace(self):
        self.ensure_one()
        if not self.correlation_id:
            raise UserError(_("This exchange has no correlation id."))
        return self._trace_action(self.correlation_id, self.display_title)
