from odoo import api, models


class ProductPricelistItem(models.Model):
    _inherit = "product.pricelist.item"

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        self.env["retail.backend"]._notify_pricelist_change(items.pricelist_id)
        return items

    def write(self, vals):
        pricelists = self.pricelist_id
        result = super().write(vals)
        self.env["retail.backend"]._notify_pricelist_change(
            pricelists | self.pricelist_id
        )
        return result

    def unlink(self):
        pricelists = self.pricelist_id
        result = super().unlink()
        self.env["retail.backend"]._notify_pricelist_change(pricelists)
        return result
