from odoo import fields, models

from ..tools import const as api_const


class RetailStatusMapping(models.Model):
    _inherit = "retail.status.mapping"

    # A refunded store order stays a confirmed sale; its refunds become credit
    # notes on top of it (see tools/mappers.map_status).
    target = fields.Selection(
        selection_add=[
            (api_const.REFUND_HANDLING, "Refund handling (order stays confirmed)")
        ],
        ondelete={api_const.REFUND_HANDLING: "cascade"},
    )
