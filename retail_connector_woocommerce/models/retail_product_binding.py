from odoo import fields, models


class RetailProductBinding(models.Model):
    _inherit = "retail.product.binding"

    woocommerce_price_pending = fields.Boolean(
        string="Price Push Pending", readonly=True, index=True
    )
    woocommerce_exported_price = fields.Float(
        string="Last Pushed Price", readonly=True, digits="Product Price"
    )
    woocommerce_price_exported_at = fields.Datetime(
        string="Last Price Push", readonly=True
    )
    woocommerce_price_error = fields.Char(string="Last Price Error", readonly=True)
