"""Records made by a channel exchange remember its correlation id.

Processing an inbound exchange runs with ``retail_correlation_id`` in the
context (see retail_exchange_trace.py): the sale orders, transfers and
invoices it creates keep that id, the outbound calls made later about them
inherit it, and their *Trace* button lists the whole chain.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# The context key carrying the correlation id of the exchange being processed.
CONTEXT_KEY = "retail_correlation_id"


class RetailCorrelatedMixin(models.AbstractModel):
    """A record that channel exchanges make or follow (order, transfer, invoice)."""

    _name = "retail.correlated.mixin"
    _description = "Retail Correlated Record (made or followed by exchanges)"

    retail_correlation_id = fields.Char(
        string="Channel Correlation ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The correlation id of the channel exchange that made this record: "
        "every exchange about it carries the same id (Trace button).",
    )
    retail_trace_available = fields.Boolean(compute="_compute_retail_trace_available")

    @api.model_create_multi
    def create(self, vals_list):
        correlation = self.env.context.get(CONTEXT_KEY)
        if correlation:
            for vals in vals_list:
                vals.setdefault("retail_correlation_id", correlation)
        return super().create(vals_list)

    def _compute_retail_trace_available(self):
        for record in self:
            record.retail_trace_available = bool(record._retail_trace_correlation())

    def _retail_trace_correlation(self):
        """The correlation id whose chain this record belongs to, or False.

        Its own; models whose records can be made by hand (a transfer, a
        credit note) fall back to their channel order's.
        """
        self.ensure_one()
        return self.retail_correlation_id or False

    def action_retail_trace(self):
        """Open the exchanges that made or followed this record, oldest first."""
        self.ensure_one()
        correlation = self._retail_trace_correlation()
        if not correlation:
            raise UserError(
                _("No channel exchange made or followed %s.", self.display_name)
            )
        return self.env["retail.exchange"]._trace_action(correlation, self.display_name)
