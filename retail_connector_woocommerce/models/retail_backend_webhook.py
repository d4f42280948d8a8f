"""WooCommerce webhooks: registered on the store, verified and parsed here."""

from odoo import _, models

from odoo.addons.retail_connector_base.tools import inbound

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
        self._webhook_subscriptions_refresh()
        self.message_post(
            body=_(
                "Webhooks registered on the store: %(created)s created, %(updated)s "
                "re-activated.",
                created=created,
                updated=updated,
            )
        )
        return created, updated

    def _webhook_subscriptions_read(self):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscriptions_read()
        return [
            {
                "external_id": str(data["id"]),
                "name": data.get("name") or "",
                "topic": data.get("topic") or "",
                "status": data.get("status"),
                "delivery_url": data.get("delivery_url") or "",
                "date_modified": self._woocommerce_modified_at(data),
            }
            for data in self._woocommerce_client().list_webhooks()
        ]

    def _webhook_subscription_set_active(self, subscription):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscription_set_active(subscription)
        self._woocommerce_client().update_webhook(
            subscription.external_id, {"status": "active"}
        )

    def _webhook_subscription_delete(self, subscription):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscription_delete(subscription)
        self._woocommerce_client().delete_webhook(subscription.external_id)

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
        mappers.verify_webhook(
            self._webhook_secret_for_verification(), delivery.raw_body, delivery.headers
        )

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
