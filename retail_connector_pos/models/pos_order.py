"""A POS order booked from a channel's receipt."""

from odoo import api, fields, models


class PosOrder(models.Model):
    _inherit = "pos.order"

    retail_backend_id = fields.Many2one(
        "retail.backend", string="Connection", readonly=True, index="btree_not_null"
    )
    retail_external_id = fields.Char(
        string="Channel Receipt", readonly=True, copy=False, index="btree_not_null"
    )
    retail_updated_at = fields.Datetime(string="Channel Updated", readonly=True)
    retail_business_date = fields.Date(string="Business Day", readonly=True)
    retail_device_time = fields.Datetime(
        string="Rung Up At",
        readonly=True,
        help="When the sale was made on the till (the device's clock for a "
        "sale made offline).",
    )
    retail_offline = fields.Boolean(string="Made Offline", readonly=True)
    retail_late = fields.Boolean(
        string="Arrived Late",
        readonly=True,
        help="Booked after its day was closed, in a rescue session of that day.",
    )

    _sql_constraints = [
        (
            "retail_receipt_uniq",
            "unique(retail_backend_id, retail_external_id)",
            "A channel receipt is booked once per connection.",
        ),
    ]

    @api.model
    def _retail_find(self, backend, external_ids):
        return self.search(
            [
                ("retail_backend_id", "=", backend.id),
                ("retail_external_id", "in", list(external_ids)),
            ]
        )


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    retail_line_uid = fields.Char(string="Channel Line", readonly=True, copy=False)
