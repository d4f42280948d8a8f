"""The Loop returns platform as a channel: signed webhooks, subscriptions.

Loop signs the raw body (base64 HMAC-SHA256 in ``X-Loop-Signature``) and
sends no event id: a delivery is known by the digest of its body. Returns
and labels become canonical records applied by the returns processors; an
unknown state or outcome fails the exchange for a person to read.
"""

import json

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.services.errors import WebhookRejected
from odoo.addons.retail_connector_base.tools import canonical
from odoo.addons.retail_connector_base.utils import secret_field, secret_set_field

from .. import const
from ..tools import loop
from ..tools.loop_client import LoopClient


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    channel = fields.Selection(
        selection_add=[(const.CHANNEL, "Loop Returns")],
        ondelete={const.CHANNEL: "cascade"},
    )
    loop_api_url = fields.Char(
        string="Loop API URL",
        default="https://api.loopreturns.com",
        help="Loop's API; a sandbox's address in tests.",
    )
    loop_api_key = secret_field(
        const.SECRET_API_KEY,
        string="Loop API Key",
        help="Loop admin › Developers › API key with the Webhooks scope. "
        "Write-only: stored encrypted, never shown again.",
    )
    loop_api_key_set = secret_set_field(const.SECRET_API_KEY)
    loop_restock = fields.Selection(
        [
            ("odoo", "Odoo decides (after inspection)"),
            ("platform", "Loop decides: restock what it asks"),
        ],
        string="Restock",
        default="odoo",
        help="What a restock request of Loop does: noted on the return, or the "
        "received units of the return put back in stock at once.",
    )

    # ------------------------------------------------------------------
    # The channel contract
    # ------------------------------------------------------------------
    def _channel_features(self):
        if self.channel != const.CHANNEL:
            return super()._channel_features()
        return frozenset(
            {
                base_const.FEATURE_WEBHOOKS,
                base_const.FEATURE_WEBHOOK_SUBSCRIPTION,
                base_const.FEATURE_RETURNS,
            }
        )

    def _channel_sensitive_headers(self):
        if self.channel != const.CHANNEL:
            return super()._channel_sensitive_headers()
        return frozenset({loop.SIGNATURE_HEADER})

    def _channel_check_ready(self):
        if self.channel != const.CHANNEL:
            return super()._channel_check_ready()
        if not self.return_storefront_ids:
            raise UserError(
                _(
                    "Choose the connections whose orders “%s” returns (Orders Sold "
                    "By) before activating it.",
                    self.name,
                )
            )

    def _loop_client(self):
        self.ensure_one()
        key = self._get_secret(const.SECRET_API_KEY)
        if not key or not self.loop_api_url:
            raise UserError(_("Set the Loop API URL and key of “%s” first.", self.name))
        http = self._http_client(
            self.loop_api_url, headers={"X-Authorization": key}, secrets=(key,)
        )
        return LoopClient(http)

    # Inbound ----------------------------------------------------------
    def _webhook_verify(self, delivery):
        if self.channel != const.CHANNEL:
            return super()._webhook_verify(delivery)
        secret = self._webhook_secret_for_verification()
        header = delivery.headers.get(loop.SIGNATURE_HEADER) or ""
        if not header:
            raise WebhookRejected(401, f"missing {loop.SIGNATURE_HEADER} header")
        if not loop.verify_signature(secret, delivery.raw_body, header):
            raise WebhookRejected(401, "signature does not match the body")

    def _webhook_parse(self, delivery):
        if self.channel != const.CHANNEL:
            return super()._webhook_parse(delivery)
        # The topic is Loop's trigger (return.created, label.updated…).
        return loop.webhook_event(delivery.raw_body)

    def _map_inbound(self, exchange):
        if self.channel != const.CHANNEL:
            return super()._map_inbound(exchange)
        payload = json.loads(exchange.payload)
        trigger = exchange.topic or ""
        if trigger.startswith("return."):
            return loop.return_to_canonical(payload)
        if trigger.startswith("label."):
            return loop.label_to_canonical(payload)
        if trigger == "restock.requested":
            return self._loop_restock_requested(payload)
        raise canonical.CanonicalError(
            "trigger", f"{trigger!r} is not a Loop trigger this connection handles"
        )

    def _loop_restock_requested(self, payload):
        """Loop asks to restock a return's units: per the connection."""
        request = loop.restock_to_canonical(payload)
        batch = self.env["rma.batch"]._retail_find(self, request.return_external_id)
        if not batch:
            raise canonical.CanonicalError(
                "return_id",
                f"return {request.return_external_id} is not in Odoo: press Retry "
                "once it is",
            )
        if self.loop_restock != "platform":
            batch.message_post(
                body=_("Loop asks to restock this return; Odoo decides at inspection.")
            )
            return None
        # Units received and not inspected yet, refunded or not.
        moved = batch.rma_ids._retail_put_back_in_stock()
        batch.message_post(
            body=_("Restocked as Loop asked: %s units back in stock.", moved)
        )
        return None

    def _loop_close_return_job(self, batch_id):
        """Job: close the return on Loop once its refund has left Odoo."""
        self.ensure_one()
        batch = self.env["rma.batch"].browse(batch_id).exists()
        if not batch:
            return _("Nothing to do: the return is gone.")
        note = batch.retail_refund_id
        if not note and batch._loop_money_to_refund():
            return _("Nothing to do: the return is not refunded yet.")
        if (
            note
            and not note.retail_external_refund_id
            and not (batch.retail_refund_by_hand)
        ):
            raise RetryableJobError(
                _("The refund has not reached the channel yet."), seconds=60
            )
        refunds = []
        if note.retail_external_refund_id:
            refunds.append(
                {
                    "gateway": batch.retail_sale_backend_id.channel or "odoo",
                    "amount": f"{note.amount_total:.2f}",
                    "currency": note.currency_id.name,
                    "provider_refund_id": note.retail_external_refund_id,
                }
            )
        payload = {"return_id": batch.retail_external_id, "refunds": refunds}
        replay = self._outbound_replay("_loop_close_return_job", batch_id)
        with replay._outbound_call(
            "return.close", payload, external_id=batch.retail_external_id, record=batch
        ):
            replay._channel_call(
                self._loop_client().close_return, batch.retail_external_id, refunds
            )
        return _("Closed on Loop.")

    # Subscriptions ----------------------------------------------------
    def _webhook_subscribe(self, secret):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscribe(secret)
        client = self._loop_client()
        existing = {
            (row.get("topic"), row.get("trigger")): row
            for row in self._channel_call(client.webhooks)
            if row.get("url") == self.webhook_url
        }
        created = reactivated = 0
        for topic, trigger in loop.SUBSCRIPTIONS:
            row = existing.get((topic, trigger))
            if not row:
                body = loop.subscription_body(topic, trigger, self.webhook_url)
                self._channel_call(client.subscribe, body)
                created += 1
            elif row.get("status") != "active":
                self._channel_call(client.set_status, row["id"], "active")
                reactivated += 1
        return _(
            "%(created)s subscriptions created and %(again)s re-activated on Loop, "
            "delivering to %(url)s. Set the same webhook secret in Loop.",
            created=created,
            again=reactivated,
            url=self.webhook_url,
        )

    def _webhook_subscriptions_read(self):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscriptions_read()
        return [
            {
                "external_id": str(row.get("id")),
                "topic": f"{row.get('topic')}/{row.get('trigger')}",
                "status": "active" if row.get("status") == "active" else "disabled",
                "delivery_url": row.get("url") or "",
                "name": row.get("trigger") or "",
            }
            for row in self._channel_call(self._loop_client().webhooks)
        ]

    def _webhook_subscription_set_active(self, row):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscription_set_active(row)
        self._channel_call(self._loop_client().set_status, row.external_id, "active")

    def _webhook_subscription_delete(self, row):
        if self.channel != const.CHANNEL:
            return super()._webhook_subscription_delete(row)
        self._channel_call(self._loop_client().delete, row.external_id)
