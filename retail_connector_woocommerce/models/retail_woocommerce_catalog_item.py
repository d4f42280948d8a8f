from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import const


class RetailWoocommerceCatalogItem(models.Model):
    """A product or variation of the store, as found by the last catalog link.

    The ones without an Odoo product are the work list: give them a SKU in
    the store, create the Odoo product or pick it here and press Link.
    """

    _name = "retail.woocommerce.catalog.item"
    _description = "WooCommerce Store Product"
    _order = "backend_id, state, sku, id"
    _rec_name = "name"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(string="Store ID", required=True)
    external_parent_id = fields.Char(string="Store Parent ID")
    sku = fields.Char(string="Store SKU")
    name = fields.Char()
    product_type = fields.Char(string="Store Type")
    product_id = fields.Many2one("product.product", string="Odoo Product")
    state = fields.Selection(const.CATALOG_STATES, required=True, index=True)
    note = fields.Char(string="Why Not Linked")

    def action_link(self):
        """Bind the chosen Odoo products to these store products."""
        Binding = self.env["retail.product.binding"]
        for item in self:
            if not item.product_id:
                raise UserError(_("Choose the Odoo product of %s first.", item.name))
            existing = Binding.search(
                [
                    ("backend_id", "=", item.backend_id.id),
                    "|",
                    ("external_id", "=", item.external_id),
                    ("product_id", "=", item.product_id.id),
                ]
            )
            if existing:
                raise UserError(
                    _(
                        "%(product)s or store product %(store)s is already linked "
                        "on this connection.",
                        product=item.product_id.display_name,
                        store=item.external_id,
                    )
                )
            Binding.create(
                {
                    "backend_id": item.backend_id.id,
                    "product_id": item.product_id.id,
                    "external_id": item.external_id,
                    "external_parent_id": item.external_parent_id,
                    "external_sku": item.sku,
                    "sync_date": fields.Datetime.now(),
                }
            )
            item.write({"state": "matched", "note": False})
        return True
