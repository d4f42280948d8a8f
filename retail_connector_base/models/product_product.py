from odoo import fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    retail_binding_ids = fields.One2many(
        "retail.product.binding", "product_id", string="Channel Bindings"
    )
