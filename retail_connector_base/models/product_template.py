from odoo import models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def write(self, vals):
        result = super().write(vals)
        if "list_price" in vals:
            self.env["retail.backend"]._notify_price_change(self.product_variant_ids)
        return result
