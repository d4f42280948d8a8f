from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    mirakl_refund_reason_id = fields.Many2one(
        "retail.mirakl.refund.reason",
        string="Marketplace Refund Reason",
        help="Sent with the refund of this credit note; empty: the connection's "
        "default reason.",
    )
    mirakl_refund_attempted_at = fields.Datetime(
        readonly=True,
        copy=False,
        help="When the refund was last sent to the marketplace.",
    )
