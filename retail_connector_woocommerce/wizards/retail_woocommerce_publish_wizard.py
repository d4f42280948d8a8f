from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.tools import http_client


class RetailWoocommercePublishWizard(models.TransientModel):
    """Create or update a product template on a WooCommerce store.

    A template with variants becomes a variable product with its attributes
    and one variation per variant; every variant is bound to the store.
    """

    _name = "retail.woocommerce.publish.wizard"
    _description = "Publish a Product to WooCommerce"

    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", required=True, ondelete="cascade"
    )
    backend_id = fields.Many2one(
        "retail.backend",
        string="Store",
        required=True,
        domain=[("channel", "=", "woocommerce"), ("state", "!=", "paused")],
        default=lambda self: self._default_backend(),
    )
    status = fields.Selection(
        [("publish", "Published"), ("draft", "Draft"), ("private", "Private")],
        string="Store Status",
        required=True,
        default="publish",
    )

    @api.model
    def _default_backend(self):
        backends = self.env["retail.backend"].search(
            [("channel", "=", "woocommerce"), ("state", "=", "active")]
        )
        return backends if len(backends) == 1 else False

    def action_publish(self):
        """Send the product to the store and bind its variants."""
        self.ensure_one()
        self.backend_id._woocommerce_check_channel()
        try:
            message = self.backend_id._woocommerce_publish_template(
                self.product_tmpl_id, self.status
            )
        except http_client.ChannelHttpError as exc:
            raise UserError(_("The store answered: %s", exc)) from exc
        self.product_tmpl_id.message_post(body=message)
        return self.backend_id._notification(_("Published"), message)
