"""WooCommerce webhooks: registered on the store, verified and parsed here."""

from odoo import _, models

from odoo.addons.retail_connector_base.services.errors import WebhookRejected
from odoo.addons.retail_connector_base.tools import inbound, signatures

from .. import const
from ..tools import const as api_const
from ..tools import mappers


class RetailBackend(models.Model):
    # One file per job on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Webhooks on the store
    # ------------------------------------------------------------------
    def _webhook_subscribe(self, secret):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscribe(secret)
        created, updated = self._woocommerce_register_webhooks(secret)
        message = _(
            "%(created)s webhooks created and %(updated)s re-activated on the store, "
            "delivering to %(url)s.",
            created=created,
            updated=updated,
            url=self.webhook_url,
        )
        return message

    def _webhook_delivery_warning(self):
        if self.channel != const.CHANNEL:
            return super()._webhook_delivery_warning()
        return mappers.delivery_url_warning(self.webhook_url) or None

    def _woocommerce_register_webhooks(self, secret):
        """Make every topic of ``WEBHOOK_TOPICS`` deliver to this connection.

        Returns (created, re-activated). `secret` is the connection's webhook
        secret, given to the store.
        """
        self.ensure_one()
        client = self._woocommerce_client()
        url = self.webhook_url
        ours = {
            webhook.get("topic"): webhook
            for webhook in client.list_webhooks()
            if webhook.get("delivery_url") == url
        }
        created = updated = 0
        for topic in api_const.WEBHOOK_TOPICS:
            name = f"{api_const.WEBHOOK_NAME_PREFIX} {self.name} {topic}"
            webhook = ours.get(topic)
            if webhook:
                # The secret is write-only on the store: send ours again.
                client.update_webhook(
                    webhook["id"], {"status": "active", "secret": secret, "name": name}
                )
                updated += 1
            else:
                client.create_webhook(
                    topic=topic, delivery_url=url, secret=secret, name=name
                )
                created += 1
        self._woocommerce_refresh_webhooks(client)
        self.message_post(
            body=_(
                "Webhooks registered on the store: %(created)s created, %(updated)s "
                "re-activated.",
                created=created,
                updated=updated,
            )
        )
        return created, updated

    def action_woocommerce_refresh_webhooks(self):
        """Read the store's webhooks and their status again."""
        self._woocommerce_check_channel()
        for backend in self:
            backend._woocommerce_call(backend._woocommerce_refresh_webhooks)
        return True

    def _woocommerce_refresh_webhooks(self, client=None):
        """Mirror the store's webhooks in ``retail.woocommerce.webhook``."""
        self.ensure_one()
        client = client or self._woocommerce_client()
        remote = client.list_webhooks()
        Webhook = self.env["retail.woocommerce.webhook"].sudo()
        existing = {
            webhook.external_id: webhook
            for webhook in Webhook.search([("backend_id", "=", self.id)])
        }
        kept = Webhook
        for data in remote:
            values = {
                "backend_id": self.id,
                "external_id": int(data["id"]),
                "name": data.get("name") or "",
                "topic": data.get("topic") or "",
                "status": data.get("status")
                if data.get("status") in api_const.WEBHOOK_STATUSES
                else "disabled",
                "delivery_url": data.get("delivery_url") or "",
                "is_ours": data.get("delivery_url") == self.webhook_url,
                "date_modified": self._woocommerce_modified_at(data),
            }
            webhook = existing.get(values["external_id"])
            if webhook:
                webhook.write(values)
            else:
                webhook = Webhook.create(values)
            kept |= webhook
        (Webhook.browse([w.id for w in existing.values()]) - kept).unlink()
        return kept

    def action_woocommerce_reenable_webhooks(self):
        """Re-activate our webhooks the store disabled after failed deliveries."""
        self._woocommerce_check_channel()
        count = 0
        for backend in self:
            count += backend._woocommerce_call(backend._woocommerce_reenable_webhooks)
        return self._notification(
            _("Webhooks"), _("%s disabled webhooks re-activated.", count)
        )

    def _woocommerce_reenable_webhooks(self, client=None):
        """Set our webhooks the store disabled active again; return how many.

        Paused ones were paused by a person on the store and stay paused.
        """
        self.ensure_one()
        client = client or self._woocommerce_client()
        webhooks = self._woocommerce_refresh_webhooks(client).filtered(
            lambda w: w.is_ours and w.status == "disabled"
        )
        for webhook in webhooks:
            client.update_webhook(webhook.external_id, {"status": "active"})
            webhook.status = "active"
        if webhooks:
            self.message_post(
                body=_(
                    "Re-activated the store webhooks %s, which the store had "
                    "stopped after failed deliveries.",
                    ", ".join(webhooks.mapped("topic")),
                )
            )
        return len(webhooks)

    def action_woocommerce_remove_webhooks(self):
        """Delete from the store the webhooks delivering to this connection."""
        self._woocommerce_check_channel()
        for backend in self:
            backend._woocommerce_call(backend._woocommerce_remove_webhooks)
        return True

    def _woocommerce_remove_webhooks(self, client=None):
        self.ensure_one()
        client = client or self._woocommerce_client()
        webhooks = self._woocommerce_refresh_webhooks(client).filtered("is_ours")
        for webhook in webhooks:
            client.delete_webhook(webhook.external_id)
        webhooks.unlink()
        self.message_post(body=_("%s webhooks removed from the store.", len(webhooks)))
        return len(webhooks)

    # ------------------------------------------------------------------
    # Webhook intake (hot path)
    # ------------------------------------------------------------------
    @staticmethod
    def _woocommerce_is_ping(delivery, with_form=False):
        """Whether a delivery is the store's unsigned creation ping."""
        return mappers.is_creation_ping(
            delivery.headers, delivery.raw_body, delivery.form if with_form else None
        )

    def _webhook_verify(self, delivery):
        if self.channel != const.CHANNEL:
            return super()._webhook_verify(delivery)
        if self._woocommerce_is_ping(delivery):
            # The store's creation ping is unsigned; it is answered and never
            # stored, so it cannot change anything.
            return
        secret = self._webhook_secret_for_verification()
        try:
            mappers.verify_webhook(secret, delivery.raw_body, delivery.headers)
        except signatures.SignatureError as exc:
            raise WebhookRejected(401, str(exc)) from exc

    def _webhook_parse(self, delivery):
        if self.channel != const.CHANNEL:
            return super()._webhook_parse(delivery)
        if self._woocommerce_is_ping(delivery, with_form=True):
            webhook_id = mappers.ping_webhook_id(delivery.raw_body) or (
                delivery.form.get("webhook_id")
            )
            return inbound.InboundEvent(
                topic="ping", dedup_key=f"ping:{webhook_id}", is_ping=True
            )
        headers, raw_body = delivery.headers, delivery.raw_body
        try:
            topic, _resource, _event, payload = mappers.parse_webhook(headers, raw_body)
        except mappers.WebhookPayloadError as exc:
            raise inbound.MalformedPayload(str(exc)) from exc
        return inbound.InboundEvent(
            topic=topic[:255],
            dedup_key=mappers.webhook_dedup_key(headers, payload),
            external_id=str(payload.get("id") or "")[:255],
            occurred_at=self._woocommerce_modified_at(payload),
        )

    @staticmethod
    def _woocommerce_modified_at(payload):
        """The resource's modification time (naive UTC), if it says one."""
        return mappers.modified_at(payload)
