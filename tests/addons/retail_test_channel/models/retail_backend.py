"""A channel written from readme/DEVELOP.md alone, for the contract's tests.

It talks JSON over HTTP to a URL: webhooks carry a canonical order and a
shared token header; two streams (orders, notes) can be polled; stock and
shipments are POSTed. It implements nothing else, so the base's defaults
for cancellations, refunds and connection tests are exercised too.
"""

import json

from odoo import _, fields, models

from odoo.addons.retail_connector_base import const
from odoo.addons.retail_connector_base.services.errors import (
    PollContinues,
    WebhookRejected,
)
from odoo.addons.retail_connector_base.tools import canonical, inbound
from odoo.addons.retail_connector_base.tools.call_schedule import CallScheduled

CHANNEL = "echo"
TOKEN_HEADER = "X-Echo-Token"


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    channel = fields.Selection(
        selection_add=[(CHANNEL, "Echo (test channel)")],
        ondelete={CHANNEL: "cascade"},
    )
    echo_url = fields.Char()
    # Paging of the polled streams, and the channel's published frequency of
    # a page read (calls per hour; 0: none).
    echo_page_size = fields.Integer(default=50)
    echo_pages_per_hour = fields.Integer()

    def _channel_features(self):
        if self.channel != CHANNEL:
            return super()._channel_features()
        return frozenset(
            {
                const.FEATURE_WEBHOOKS,
                const.FEATURE_ORDERS,
                const.FEATURE_POLLING,
                const.FEATURE_STOCK_EXPORT,
                const.FEATURE_SHIPMENT_EXPORT,
            }
        )

    def _channel_sensitive_headers(self):
        if self.channel != CHANNEL:
            return super()._channel_sensitive_headers()
        return frozenset({TOKEN_HEADER})

    # Inbound ----------------------------------------------------------
    def _webhook_verify(self, delivery):
        if self.channel != CHANNEL:
            return super()._webhook_verify(delivery)
        secret = self._webhook_secret_for_verification()
        if not secret or delivery.headers.get(TOKEN_HEADER) != secret:
            raise WebhookRejected(401, "bad token")

    def _webhook_parse(self, delivery):
        if self.channel != CHANNEL:
            return super()._webhook_parse(delivery)
        body = inbound.load_json_object(delivery.raw_body)
        return inbound.InboundEvent(
            topic=str(body.get("topic") or "order.updated"),
            dedup_key=str(body.get("id") or inbound.body_digest(delivery.raw_body)),
            external_id=str((body.get("order") or {}).get("external_id") or ""),
        )

    def _map_inbound(self, exchange):
        if self.channel != CHANNEL:
            return super()._map_inbound(exchange)
        body = inbound.load_json_object(exchange.payload.encode())
        if "order" in body:
            return canonical.order_from_dict(body["order"])
        if "external_id" in body and "lines" in body:
            # A polled order: the payload is the order itself.
            return canonical.order_from_dict(body)
        return None

    def _inbound_failed(self, exchange):
        if self.channel != CHANNEL:
            return super()._inbound_failed(exchange)
        if exchange.error_category == "business" and exchange.external_id:
            # Refuse the order on the channel, once however often it fails.
            self.with_delay(
                identity_key=f"echo-refuse-{self.id}-{exchange.external_id}"
            )._echo_refuse_job(exchange.external_id)

    def _echo_refuse_job(self, external_id):
        """Job: tell the channel Odoo cannot take the order."""
        self.ensure_one()
        with self._outbound_call("refusal", {"order": external_id}):
            self._http_client(self.echo_url).post(
                "/refusals", json={"order": external_id}
            )
        return _("Order %s refused.", external_id)

    # Polling ----------------------------------------------------------
    def _poll_streams(self):
        if self.channel != CHANNEL:
            return super()._poll_streams()
        return {"orders": _("Orders"), "notes": _("Notes")}

    def _poll(self, stream, since, source):
        if self.channel != CHANNEL:
            return super()._poll(stream, since, source)
        client = self._http_client(self.echo_url)
        limits = ((self.echo_pages_per_hour, 3600),)
        offset = (self._poll_cursor() or {}).get("offset", 0)
        fed = 0
        while True:
            before = None
            if self.echo_pages_per_hour:
                before = self._call_schedule(f"GET /{stream}", limits, max_wait=0)
            params = {"since": since.isoformat(), "offset": offset}
            params["limit"] = self.echo_page_size
            try:
                page = client.get(
                    f"/{stream}", params=params, before_attempt=before
                ).json()
            except CallScheduled as wait:
                raise PollContinues(
                    {"offset": offset}, wait.wait, _("%s fed so far", fed)
                ) from wait
            for record in page:
                fed += self._poll_feed_record(stream, record, source)
            offset += len(page)
            if len(page) < self.echo_page_size:
                return _("%(stream)s: %(fed)s fed", stream=stream, fed=fed)

    def _poll_feed_record(self, stream, record, source):
        if stream == "orders":
            return self._poll_feed_order(
                record,
                external_id=record["external_id"],
                modified=canonical.parse_datetime(record["updated_at"], "updated_at"),
                source=source,
                to_canonical=canonical.order_from_dict,
            )
        event = inbound.InboundEvent(
            topic="note.created",
            dedup_key=f"note:{record['id']}",
            external_id=str(record["id"]),
        )
        raw = json.dumps(record).encode()
        return self._webhook_store(event, {}, raw) == "accepted"

    # Outbound ---------------------------------------------------------
    def _export_stock(self, items, location=None):
        if self.channel != CHANNEL:
            return super()._export_stock(items, location=location)
        data = [{"sku": b.external_sku, "quantity": qty} for b, qty in items]
        with self._outbound_call("stock", data) as exchange:
            self._http_client(self.echo_url).post("/stock", json=data)
            exchange.result = _("%s quantities", len(data))
        return {}

    def _export_shipment(self, picking):
        if self.channel != CHANNEL:
            return super()._export_shipment(picking)
        order = picking.sale_id
        data = {
            "order": order.retail_external_id,
            "tracking": picking.carrier_tracking_ref or "",
        }
        with self._outbound_call(
            "shipment", data, external_id=order.retail_external_id, record=picking
        ):
            self._http_client(self.echo_url).post("/shipments", json=data)
        return _("Shipment of %s sent.", order.name)
