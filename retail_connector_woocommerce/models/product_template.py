from odoo import _, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def action_retail_woocommerce_publish(self):
        """Open the wizard publishing this product on a WooCommerce store."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Publish to WooCommerce"),
            "res_model": "retail.woocommerce.publish.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_product_tmpl_id": self.id},
        }
