from odoo import fields, models


class RetailProductBinding(models.Model):
    """Link between an Odoo product and its id on one channel connection.

    Also carries the stock and price push state: a binding marked pending is
    pushed by the next export job of its connection.
    """

    _name = "retail.product.binding"
    _description = "Retail Product Binding"
    _order = "backend_id, external_sku, id"
    _rec_name = "external_sku"

    backend_id = fields.Many2one(
        "retail.backend", string="Connection", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True
    )
    external_id = fields.Char(
        string="External ID",
        required=True,
        help="The product's id on the channel (the SKU when the channel has no "
        "ids of its own).",
    )
    external_parent_id = fields.Char(
        string="External Parent ID",
        help="Id of the parent product on the channel, for variations.",
    )
    external_sku = fields.Char(string="Channel SKU")
    sync_date = fields.Datetime(string="Last Synchronized")
    stock_export_pending = fields.Boolean(readonly=True, index=True)
    stock_pending_since = fields.Datetime(readonly=True)
    last_exported_qty = fields.Float(string="Last Pushed Quantity", readonly=True)
    last_export_at = fields.Datetime(string="Last Stock Push", readonly=True)
    last_export_error = fields.Char(string="Last Push Error", readonly=True)
    price_export_pending = fields.Boolean(
        string="Price Push Pending", readonly=True, index=True
    )
    last_exported_price = fields.Float(
        string="Last Pushed Price", readonly=True, digits="Product Price"
    )
    price_exported_at = fields.Datetime(string="Last Price Push", readonly=True)
    last_price_error = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "backend_external_uniq",
            "unique(backend_id, external_id)",
            "A channel product is bound once per connection.",
        ),
        (
            "backend_product_uniq",
            "unique(backend_id, product_id)",
            "A product is bound once per connection.",
        ),
    ]
