from odoo import fields, models


class RetailReturnReason(models.Model):
    """A channel's return reason code, read as one of Odoo's RMA reasons."""

    _name = "retail.return.reason"
    _inherit = "retail.connection.record"
    _description = "Channel Return Reason"
    _order = "backend_id, channel_code"
    _rec_name = "channel_code"

    channel_code = fields.Char(string="Channel Reason", required=True)
    reason_id = fields.Many2one("rma.reason", string="RMA Reason", required=True)

    _sql_constraints = [
        (
            "backend_code_uniq",
            "unique(backend_id, channel_code)",
            "A channel reason is mapped once per connection.",
        ),
    ]
