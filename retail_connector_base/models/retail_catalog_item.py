from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import const


class RetailCatalogItem(models.Model):
    """A product of the channel's catalog, as found by the last catalog link.

    The ones without an Odoo product are the work list: give them a SKU on
    the channel, create the Odoo product or pick it here and press Link.
    """

    _name = "retail.catalog.item"
    _inherit = "retail.connection.record"
    _description = "Retail Channel Product"
    _order = "backend_id, state, sku, id"
    _rec_name = "name"

    external_id = fields.Char(string="Channel ID", required=True)
    external_parent_id = fields.Char(string="Channel Parent ID")
    sku = fields.Char(string="Channel SKU")
    name = fields.Char()
    product_type = fields.Char(string="Channel Type")
    product_id = fields.Many2one("product.product", string="Odoo Product")
    state = fields.Selection(const.CATALOG_STATES, required=True, index=True)
    note = fields.Char(string="Why Not Linked")

    def action_link(self):
        """Bind the chosen Odoo products to these channel products."""
        for item in self:
            if not item.product_id:
                raise UserError(_("Choose the Odoo product of %s first.", item.name))
            item.backend_id._bind_product(
                item.product_id,
                item.external_id,
                sku=item.sku,
                parent_id=item.external_parent_id,
            )
            item.write({"state": "matched", "note": False})
        return True
