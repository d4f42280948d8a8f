from odoo import fields, models


class RetailPartnerBinding(models.Model):
    """Link between an Odoo contact and a customer id on one connection."""

    _name = "retail.partner.binding"
    _description = "Retail Customer Binding"
    _order = "backend_id, external_id"
    _rec_name = "external_id"

    backend_id = fields.Many2one(
        "retail.backend", string="Connection", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True
    )
    external_id = fields.Char(string="External ID", required=True)
    sync_date = fields.Datetime(string="Last Synchronized")

    _sql_constraints = [
        (
            "backend_external_uniq",
            "unique(backend_id, external_id)",
            "A channel customer is bound once per connection.",
        ),
    ]
