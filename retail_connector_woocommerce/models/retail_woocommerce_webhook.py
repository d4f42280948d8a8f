from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import const


class RetailWoocommerceWebhook(models.Model):
    """A webhook of the store, as last read from it.

    WooCommerce never retries a failed delivery and disables a webhook after
    repeated failures, so its status is worth watching; the rows are refreshed
    from the store and can re-activate or remove the store's webhooks.
    """

    _name = "retail.woocommerce.webhook"
    _description = "WooCommerce Store Webhook"
    _order = "backend_id, topic, external_id"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Integer(string="Store Webhook ID", required=True)
    name = fields.Char()
    topic = fields.Char(required=True)
    status = fields.Selection(const.WEBHOOK_STATUSES, required=True)
    delivery_url = fields.Char(string="Delivery URL")
    is_ours = fields.Boolean(
        string="Delivers Here",
        help="The webhook delivers to this connection's webhook URL.",
    )
    date_modified = fields.Datetime(string="Changed on the Store")

    _sql_constraints = [
        (
            "external_uniq",
            "unique(backend_id, external_id)",
            "A store webhook is listed once per connection.",
        ),
    ]

    def action_reenable(self):
        """Set these webhooks active again on the store."""
        for webhook in self:
            backend = webhook.backend_id
            data = backend._woocommerce_call(
                backend._woocommerce_client().update_webhook,
                webhook.external_id,
                {"status": "active"},
            )
            webhook.status = data.get("status") or "active"
            backend.message_post(
                body=_("Store webhook %s re-activated.", webhook.topic)
            )
        return True

    def action_remove(self):
        """Delete these webhooks (ours only) from the store."""
        foreign = self.filtered(lambda w: not w.is_ours)
        if foreign:
            raise UserError(
                _(
                    "Only webhooks delivering to this connection can be removed "
                    "from here: %s",
                    ", ".join(foreign.mapped("topic")),
                )
            )
        for webhook in self:
            backend = webhook.backend_id
            backend._woocommerce_call(
                backend._woocommerce_client().delete_webhook, webhook.external_id
            )
        self.unlink()
        return True
