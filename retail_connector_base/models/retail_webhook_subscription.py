from odoo import _, fields, models
from odoo.exceptions import UserError

SUBSCRIPTION_STATUSES = [
    ("active", "Active"),
    ("paused", "Paused"),
    ("disabled", "Disabled"),
]


class RetailWebhookSubscription(models.Model):
    """A webhook subscription on the channel's side, as last read from it.

    Channels give up on failing deliveries in their own ways (WooCommerce
    disables a webhook after five failures and never retries), so the status
    is worth watching: the rows are refreshed from the channel and can
    re-activate or remove its subscriptions.
    """

    _name = "retail.webhook.subscription"
    _inherit = "retail.connection.record"
    _description = "Retail Webhook Subscription"
    _order = "backend_id, topic, external_id"

    external_id = fields.Char(string="Channel ID", required=True)
    name = fields.Char()
    topic = fields.Char(required=True)
    status = fields.Selection(SUBSCRIPTION_STATUSES, required=True)
    delivery_url = fields.Char(string="Delivery URL")
    is_ours = fields.Boolean(
        string="Delivers Here",
        help="The subscription delivers to this connection's webhook URL.",
    )
    date_modified = fields.Datetime(string="Changed on the Channel")

    _sql_constraints = [
        (
            "external_uniq",
            "unique(backend_id, external_id)",
            "A subscription is listed once per connection.",
        ),
    ]

    def action_reenable(self):
        """Set these subscriptions active again on the channel."""
        for subscription in self:
            backend = subscription.backend_id
            backend._channel_ui_call(
                backend._webhook_subscription_set_active, subscription
            )
            subscription.status = "active"
            backend.message_post(
                body=_("Webhook %s re-activated on the channel.", subscription.topic)
            )
        return True

    def action_remove(self):
        """Delete these subscriptions (ours only) from the channel."""
        foreign = self.filtered(lambda s: not s.is_ours)
        if foreign:
            raise UserError(
                _(
                    "Only webhooks delivering to this connection can be removed "
                    "from here: %s",
                    ", ".join(foreign.mapped("topic")),
                )
            )
        for subscription in self:
            backend = subscription.backend_id
            backend._channel_ui_call(backend._webhook_subscription_delete, subscription)
        self.unlink()
        return True
