"""OCA RMAs that know their channel return, and refund when its policy says."""

from odoo import fields, models


class Rma(models.Model):
    _inherit = "rma"  # pylint: disable=consider-merging-classes-inherited

    retail_backend_id = fields.Many2one(
        related="batch_id.retail_backend_id", store=True, string="Returns Channel"
    )
    retail_outcome = fields.Selection(
        [("refund", "Refund"), ("exchange", "Exchange"), ("credit", "Store credit")],
        string="Customer Wants",
        readonly=True,
        copy=False,
    )
    retail_exchange_sku = fields.Char(string="Exchange For", readonly=True, copy=False)
    retail_unit_ids = fields.Char(
        string="Channel Units",
        readonly=True,
        copy=False,
        help="The channel's ids of the returned units (one per unit).",
    )

    def _prepare_refund_vals(self, origin=False):
        vals = super()._prepare_refund_vals(origin=origin)
        order = self.order_id
        if self.retail_backend_id and order:
            # The channel refunds in the currency the customer paid in.
            vals["currency_id"] = order.currency_id.id
        return vals

    def action_confirm(self):
        result = super().action_confirm()
        self.batch_id._retail_refund_at("approval")._retail_refund()
        return result

    def update_received_state_on_reception(self):
        result = super().update_received_state_on_reception()
        batches = self.batch_id.filtered(
            lambda b: (
                b.retail_backend_id
                and all(rma.state == "received" for rma in b.rma_ids)
            )
        )
        batches._retail_refund_at("receipt")._retail_refund()
        return result
