from odoo import fields, models


class RetailSkuMapping(models.Model):
    """A channel SKU that is not an Odoo internal reference or barcode.

    Back-office users add one to fix an "unknown SKU" failure, then Retry.
    """

    _name = "retail.sku.mapping"
    _description = "Retail SKU Mapping"
    _order = "sku"
    _rec_name = "sku"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        ondelete="cascade",
        help="Leave empty to use the mapping for every connection.",
    )
    company_id = fields.Many2one(
        "res.company", related="backend_id.company_id", store=True
    )
    sku = fields.Char(string="Channel SKU", required=True, index=True)
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "sku_uniq",
            "unique(backend_id, sku)",
            "A channel SKU is mapped once per connection.",
        ),
    ]
