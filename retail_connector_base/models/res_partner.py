from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    retail_binding_ids = fields.One2many(
        "retail.partner.binding", "partner_id", string="Channel Bindings"
    )
