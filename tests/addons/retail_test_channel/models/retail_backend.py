"""A channel written from readme/DEVELOP.md alone, for the contract's tests.

It talks JSON over HTTP to a URL: webhooks carry a canonical order and a
shared token header; two streams (orders, notes) can be polled; stock and
shipments are POSTed. It implements nothing else, so the base's defaults
for cancellations, refunds and connection tests are exercised too.
"""

import hmac
import json

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from odoo.addons.retail_connector_base import const
from odoo.addons.retail_connector_base.services.errors import (
    PollContinues,
    RetailBusinessError,
    WebhookRejected,
)
from odoo.addons.retail_connector_base.tools import canonical, inbound
from odoo.addons.retail_connector_base.tools.call_schedule import CallScheduled

_lt = LazyTranslate(__name__)

CHANNEL = "echo"
TOKEN_HEADER = "X-Echo-Token"
# A failure cause of this channel's own: an order the channel holds.
ON_HOLD = "echo_on_hold"


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

    def _failure_kinds(self):
        return {
            **super()._failure_kinds(),
            ON_HOLD: (
                _lt("Order on hold"),
                _lt("The channel holds the order (a payment under review)."),
                _lt("Release it on the channel, then press Retry."),
            ),
        }

    def _channel_check_ready(self):
        if self.channel != CHANNEL:
            return super()._channel_check_ready()
        if not self.echo_url:
            raise UserError(_("Set the URL of “%s” first.", self.name))

    # Inbound ----------------------------------------------------------
    def _webhook_verify(self, delivery):
        if self.channel != CHANNEL:
            return super()._webhook_verify(delivery)
        secret = self._webhook_secret_for_verification()
        token = delivery.headers.get(TOKEN_HEADER) or ""
        if not hmac.compare_digest(token.encode(), secret.encode()):
            raise WebhookRejected(401, "bad token")

    def _webhook_parse(self, delivery):
        if self.channel != CHANNEL:
            return super()._webhook_parse(delivery)
        body = inbound.load_json_object(delivery.raw_body)
        order = body.get("order") if isinstance(body.get("order"), dict) else {}
        try:
            # When the order changed: a poll then recognises this state while
            # it still waits for its job (see _poll_feed_order).
            changed = canonical.parse_datetime(order.get("updated_at"), "updated_at")
        except canonical.CanonicalError as exc:
            raise inbound.MalformedPayload(str(exc)) from exc
        return inbound.InboundEvent(
            topic=str(body.get("topic") or "order.updated"),
            dedup_key=str(body.get("id") or inbound.body_digest(delivery.raw_body)),
            external_id=str(order.get("external_id") or ""),
            occurred_at=changed,
        )

    def _map_inbound(self, exchange):
        if self.channel != CHANNEL:
            return super()._map_inbound(exchange)
        body = inbound.load_json_object(exchange.payload.encode())
        if "order" in body:
            if body["order"].get("on_hold"):
                raise RetailBusinessError(
                    _("The channel holds this order."),
                    cause_kind=ON_HOLD,
                    cause_value=exchange.external_id,
                )
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
                channel=const.JOB_CHANNEL_OUTBOUND,
                identity_key=f"echo-refuse-{self.id}-{exchange.external_id}",
                description=_("Refuse order %s", exchange.external_id),
            )._echo_refuse_job(exchange.id)

    def _echo_refuse_job(self, exchange_id):
        """Job: tell the channel Odoo cannot take the order of an exchange.

        A refusal of the channel ends the job with its failed outbound
        exchange in the exception queue, for Retry.
        """
        self.ensure_one()
        exchange = self.env["retail.exchange"].browse(exchange_id).exists()
        if not exchange:
            return _("Nothing to do: the exchange is gone.")
        replay = self._outbound_replay("_echo_refuse_job", exchange_id)
        result, refused = replay._retail_export(exchange, replay._echo_send_refusal)
        return refused or result

    def _echo_send_refusal(self, exchange):
        data = {"order": exchange.external_id}
        with self._outbound_call("refusal", data, external_id=exchange.external_id):
            self._http_client(self.echo_url).post("/refusals", json=data)
        return _("Order %s refused.", exchange.external_id)

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
        return self._poll_store(
            "note.created",
            json.dumps(record).encode(),
            dedup_key=f"note:{record['id']}",
            external_id=str(record["id"]),
            source=source,
        )

    # Outbound ---------------------------------------------------------
    def _export_stock(self, items, location=None):
        if self.channel != CHANNEL:
            return super()._export_stock(items, location=location)
        data = [{"sku": b.external_sku, "quantity": qty} for b, qty in items]
        with self._outbound_call("stock", data) as exchange:
            answer = self._http_client(self.echo_url).post("/stock", json=data).json()
            exchange.result = _("%s quantities", len(data))
        # The items the channel refused, by binding.
        refused = answer.get("errors") or {}
        return {
            binding.id: refused[binding.external_sku]
            for binding, _quantity in items
            if binding.external_sku in refused
        }

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
