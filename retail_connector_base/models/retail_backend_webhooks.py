"""Webhook subscriptions on the channel's side: registered, mirrored, repaired.

The channel implements ``_webhook_subscribe`` (and, to be mirrored,
``_webhook_subscriptions_read``, ``_webhook_subscription_set_active`` and
``_webhook_subscription_delete``); the base keeps ``retail.webhook.subscription``
in step, re-activates what the channel disabled and removes ours on demand.
"""

import secrets

from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import const
from ..tools import http_client


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    webhook_subscription_ids = fields.One2many(
        "retail.webhook.subscription", "backend_id", string="Channel Webhooks"
    )

    def _channel_ui_call(self, method, *args, **kwargs):
        """Run one user action against the channel; show its error as a message."""
        try:
            return method(*args, **kwargs)
        except http_client.ChannelHttpError as exc:
            raise UserError(_("The channel answered: %s", exc)) from exc

    def _check_webhook_subscription(self):
        for backend in self:
            if not backend._channel_supports(const.FEATURE_WEBHOOK_SUBSCRIPTION):
                raise backend._channel_unsupported(const.FEATURE_WEBHOOK_SUBSCRIPTION)

    def action_register_webhooks(self):
        """Make the channel deliver its events to this connection."""
        self.ensure_one()
        self._check_webhook_subscription()
        secret = self._get_secret("webhook_secret")
        if not secret:
            secret = secrets.token_urlsafe(32)
            self._set_secret("webhook_secret", secret)
            # The channel delivers the moment it has the secret: committed
            # first, or the first deliveries meet no secret and are refused
            # (a channel such as WooCommerce never sends them again).
            self.env.cr.commit()  # pylint: disable=invalid-commit
        message = self._channel_ui_call(self._webhook_subscribe, secret)
        # None from the base hook; a channel may warn about its delivery URL.
        warning = self._webhook_delivery_warning()  # pylint: disable=assignment-from-none
        if warning:
            message = f"{message} {warning}"
        return self._notification(
            _("Webhooks registered"),
            message,
            kind="warning" if warning else "success",
            sticky=bool(warning),
        )

    def action_refresh_webhooks(self):
        """Read the channel's webhook subscriptions and their status again."""
        self._check_webhook_subscription()
        for backend in self:
            backend._channel_ui_call(backend._webhook_subscriptions_refresh)
        return True

    def action_reenable_webhooks(self):
        """Re-activate our subscriptions the channel disabled after failures."""
        self._check_webhook_subscription()
        count = sum(
            backend._channel_ui_call(backend._webhook_subscriptions_reenable)
            for backend in self
        )
        return self._notification(
            _("Webhooks"), _("%s disabled webhooks re-activated.", count)
        )

    def action_remove_webhooks(self):
        """Delete from the channel the subscriptions delivering here."""
        self._check_webhook_subscription()
        for backend in self:
            backend._channel_ui_call(backend._webhook_subscriptions_remove)
        return True

    # ------------------------------------------------------------------
    # The mirror
    # ------------------------------------------------------------------
    def _webhook_subscriptions_refresh(self):
        """Mirror the channel's subscriptions; return the rows kept."""
        self.ensure_one()
        Subscription = self.env["retail.webhook.subscription"].sudo()
        existing = {
            row.external_id: row
            for row in Subscription.search([("backend_id", "=", self.id)])
        }
        statuses = dict(Subscription._fields["status"]._description_selection(self.env))
        kept = Subscription
        for data in self._webhook_subscriptions_read():
            values = {
                "backend_id": self.id,
                "external_id": str(data["external_id"]),
                "name": data.get("name") or "",
                "topic": data.get("topic") or "",
                # A status this version does not know reads as disabled: it
                # does not deliver, as far as Odoo can tell.
                "status": data.get("status")
                if data.get("status") in statuses
                else "disabled",
                "delivery_url": data.get("delivery_url") or "",
                "is_ours": data.get("delivery_url") == self.webhook_url,
                "date_modified": data.get("date_modified") or False,
            }
            row = existing.get(values["external_id"])
            if row:
                row.write(values)
            else:
                row = Subscription.create(values)
            kept |= row
        (Subscription.browse([r.id for r in existing.values()]) - kept).unlink()
        return kept

    def _webhook_subscriptions_reenable(self):
        """Set ours the channel disabled active again; return how many.

        Paused ones were paused by a person on the channel and stay paused.
        """
        self.ensure_one()
        disabled = self._webhook_subscriptions_refresh().filtered(
            lambda s: s.is_ours and s.status == "disabled"
        )
        for subscription in disabled:
            self._webhook_subscription_set_active(subscription)
            subscription.status = "active"
        if disabled:
            self.message_post(
                body=_(
                    "Re-activated the channel webhooks %s, which the channel had "
                    "stopped after failed deliveries.",
                    ", ".join(disabled.mapped("topic")),
                )
            )
        return len(disabled)

    def _webhook_subscriptions_remove(self):
        """Delete ours from the channel; return how many."""
        self.ensure_one()
        ours = self._webhook_subscriptions_refresh().filtered("is_ours")
        for subscription in ours:
            self._webhook_subscription_delete(subscription)
        ours.unlink()
        self.message_post(body=_("%s webhooks removed from the channel.", len(ours)))
        return len(ours)
