from odoo import models


class ProductTemplateAttributeValue(models.Model):
    _inherit = "product.template.attribute.value"

    def write(self, vals):
        result = super().write(vals)
        if "price_extra" in vals:
            self.env["retail.backend"]._notify_price_change(
                self.ptav_product_variant_ids
            )
        return result
