"""Credit notes of channel orders: refunded on the channel, exactly once.

A posted credit note of a channel order queues a refund export (see
retail_backend_export.py); the channel's refund id is then stored on it, and a
unique index on (connection, refund id) makes sure a channel refund is never
turned into a second credit note, nor a credit note refunded twice.
"""

from odoo import _, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "retail.correlated.mixin"]

    retail_backend_id = fields.Many2one(
        "retail.backend",
        string="Channel Connection",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    retail_external_refund_id = fields.Char(
        string="Channel Refund ID",
        readonly=True,
        copy=False,
        help="Id of the refund on the channel: set once the credit note was "
        "refunded there, or when it was created from the channel's refund.",
    )
    retail_more_refund_ids = fields.Char(
        string="More Channel Refund IDs",
        readonly=True,
        copy=False,
        help="When the channel made several refunds of this credit note (one per "
        "line, say): the ids after the first, separated by spaces.",
    )
    retail_refund_exportable = fields.Boolean(
        compute="_compute_retail_refund_exportable"
    )

    _sql_constraints = [
        (
            "retail_refund_uniq",
            "unique(retail_backend_id, retail_external_refund_id)",
            "A channel refund is one credit note per connection.",
        ),
    ]

    def _compute_retail_refund_exportable(self):
        for move in self:
            move.retail_refund_exportable = bool(
                move.move_type == "out_refund"
                and move.state == "posted"
                and not move.retail_external_refund_id
                and move._retail_channel_order()
            )

    def _retail_covering_refunds(self, backend, external_ids):
        """``{channel refund id: credit note}`` for the ids of `external_ids`
        that credit notes of `backend` already stand for."""
        external_ids = [str(ref) for ref in external_ids if ref]
        if not external_ids:
            return {}
        domain = [("retail_external_refund_id", "in", external_ids)]
        for ref in external_ids:
            domain = ["|", *domain, ("retail_more_refund_ids", "like", f" {ref} ")]
        moves = self.sudo().search([("retail_backend_id", "=", backend.id), *domain])
        covering = {}
        for move in moves:
            refs = [move.retail_external_refund_id]
            refs += (move.retail_more_refund_ids or "").split()
            covering.update(dict.fromkeys(set(refs) & set(external_ids), move))
        return covering

    def _retail_set_channel_refunds(self, backend, external_ids):
        """Store the channel refund id(s) this credit note stands for."""
        self.ensure_one()
        first, *more = [str(ref) for ref in external_ids]
        self.write(
            {
                "retail_backend_id": backend.id,
                "retail_external_refund_id": first,
                "retail_more_refund_ids": f" {' '.join(more)} " if more else False,
            }
        )

    def _retail_channel_order(self):
        """The channel sale order this credit note refunds (or an empty one)."""
        self.ensure_one()
        orders = (
            self.invoice_line_ids.sale_line_ids.order_id
            | self.reversed_entry_id.invoice_line_ids.sale_line_ids.order_id
        )
        return orders.filtered("retail_backend_id")[:1]

    def _retail_trace_correlation(self):
        # A credit note made by hand belongs to its channel order's chain.
        self.ensure_one()
        if self.retail_correlation_id:
            return self.retail_correlation_id
        return self._retail_channel_order().retail_correlation_id or False

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._retail_enqueue_refund_exports()
        return posted

    def _retail_enqueue_refund_exports(self):
        """Queue the channel refund of posted credit notes of channel orders."""
        for move in self:
            if (
                move.move_type != "out_refund"
                or move.state != "posted"
                or move.retail_external_refund_id
            ):
                continue
            move._retail_channel_order().retail_backend_id._enqueue_export(
                "_export_refund_job",
                move,
                "refund",
                _("Refund %s on the channel", move.name),
            )

    def action_retail_export_refund(self):
        """Try the channel refund of these credit notes again (after a fix)."""
        todo = self.filtered("retail_refund_exportable")
        if not todo:
            raise UserError(
                _("Only posted credit notes of channel orders not refunded yet.")
            )
        todo._retail_enqueue_refund_exports()
        return True
