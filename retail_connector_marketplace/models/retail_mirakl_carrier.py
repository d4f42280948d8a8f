from odoo import api, fields, models


class RetailMiraklCarrier(models.Model):
    """How a shipment by one Odoo carrier is told to the marketplace (OR23)."""

    _name = "retail.mirakl.carrier"
    _inherit = "retail.connection.record"
    _description = "Mirakl Carrier Mapping"
    _order = "backend_id, carrier_id"

    carrier_id = fields.Many2one(
        "delivery.carrier",
        string="Odoo Carrier",
        help="Empty: any carrier not mapped otherwise.",
    )
    mirakl_code = fields.Char(
        string="Mirakl Carrier Code",
        help="A carrier registered on the marketplace. Empty: the free name and "
        "tracking URL below are sent instead.",
    )
    carrier_name = fields.Char()
    tracking_url = fields.Char(
        string="Tracking URL",
        help="For a carrier the marketplace does not know; {tracking} is "
        "replaced by the tracking number.",
    )

    _sql_constraints = [
        (
            "backend_carrier_uniq",
            "unique(backend_id, carrier_id)",
            "A carrier is mapped once per connection.",
        ),
    ]

    @api.depends("carrier_id", "mirakl_code", "carrier_name")
    def _compute_display_name(self):
        for record in self:
            record.display_name = (
                record.mirakl_code or record.carrier_name or record.carrier_id.name
            )

    def _tracking_values(self, picking):
        """The OR23 body for `picking` shipped with this mapping."""
        self.ensure_one()
        number = picking.carrier_tracking_ref or ""
        if self.mirakl_code:
            return {"carrier_code": self.mirakl_code, "tracking_number": number}
        url = (self.tracking_url or "").replace("{tracking}", number)
        return {
            "carrier_name": self.carrier_name or picking.carrier_id.name or "",
            "carrier_url": url,
            "tracking_number": number,
        }


class RetailMiraklRefundReason(models.Model):
    """A refund reason code of the marketplace, as sent with a refund (OR28)."""

    _name = "retail.mirakl.refund.reason"
    _inherit = "retail.connection.record"
    _description = "Mirakl Refund Reason"
    _order = "backend_id, sequence, id"

    sequence = fields.Integer(default=10)
    code = fields.Char(string="Mirakl Reason Code", required=True)
    name = fields.Char(string="Label", required=True)
    is_default = fields.Boolean(
        string="Default",
        help="Sent for a credit note that names no reason of its own.",
    )

    _sql_constraints = [
        (
            "backend_code_uniq",
            "unique(backend_id, code)",
            "A reason code is listed once per connection.",
        ),
    ]
