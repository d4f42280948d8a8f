"""The generic channel: canonical events in, signed canonical events out.

A channel like any other, behind the same guards: any system can send signed
canonical order events to the webhook URL, and receives Odoo's stock,
shipment and cancellation events at its push URL (see readme/USAGE.md).
"""

import json
import time
import uuid

from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import const
from ..tools import inbound, signatures

CHANNEL = "generic"
ORDER_TOPICS = ("order.created", "order.updated", "order.cancelled")


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _channel_features(self):
        if self.channel != CHANNEL:
            return super()._channel_features()
        return frozenset(
            {
                const.FEATURE_WEBHOOKS,
                const.FEATURE_ORDERS,
                const.FEATURE_CONNECTION_TEST,
                const.FEATURE_STOCK_EXPORT,
                const.FEATURE_SHIPMENT_EXPORT,
                const.FEATURE_CANCEL_EXPORT,
                const.FEATURE_LOCATIONS,
            }
        )

    def _channel_sensitive_headers(self):
        if self.channel != CHANNEL:
            return super()._channel_sensitive_headers()
        return frozenset({const.GENERIC_SIGNATURE_HEADER})

    def _channel_check_ready(self):
        if self.channel != CHANNEL:
            return super()._channel_check_ready()
        if not self.webhook_secret_set:
            raise UserError(
                _("Set the webhook secret of “%s” before activating it.", self.name)
            )

    # ------------------------------------------------------------------
    # Inbound
    # ------------------------------------------------------------------
    def _webhook_verify(self, delivery):
        if self.channel != CHANNEL:
            return super()._webhook_verify(delivery)
        signatures.verify_generic(
            self._webhook_secret_for_verification(),
            delivery.raw_body,
            delivery.headers.get(const.GENERIC_SIGNATURE_HEADER),
            now=delivery.received_at,
            tolerance=const.GENERIC_SIGNATURE_TOLERANCE,
        )

    def _webhook_parse(self, delivery):
        if self.channel != CHANNEL:
            return super()._webhook_parse(delivery)
        return inbound.parse_generic_event(delivery.raw_body)

    def _map_inbound(self, exchange):
        if self.channel != CHANNEL:
            return super()._map_inbound(exchange)
        if exchange.topic not in ORDER_TOPICS:
            return None
        return inbound.generic_order_from_body(exchange.payload.encode())

    # ------------------------------------------------------------------
    # Outbound: signed canonical events POSTed to the push URL
    # ------------------------------------------------------------------
    def _generic_post_event(self, topic, data, *, external_id="", record=None):
        """POST one signed canonical event to the generic push URL."""
        self.ensure_one()
        if not self.outbound_url:
            raise UserError(_("Set the push URL of “%s” first.", self.name))
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "topic": topic,
                "occurred_at": fields.Datetime.now().isoformat() + "Z",
                "data": data,
            },
            separators=(",", ":"),
            default=str,
        ).encode()
        with self._outbound_call(
            topic, body.decode(), external_id=external_id, record=record
        ) as exchange:
            secret = self._get_secret("webhook_secret")
            header = signatures.sign_generic(secret, body, int(time.time()))
            client = self._http_client(self.outbound_url, secrets=(secret,))
            result = client.request(
                "POST",
                self.outbound_url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    const.GENERIC_SIGNATURE_HEADER: header,
                },
            )
            exchange.result = _("HTTP %s", result.status)
        return result

    def _test_connection(self):
        if self.channel != CHANNEL:
            return super()._test_connection()
        result = self._generic_post_event("ping", {"connection": self.name})
        return _("The push URL answered HTTP %s.", result.status)

    def _export_stock(self, items, location=None):
        if self.channel != CHANNEL:
            return super()._export_stock(items, location=location)
        data = {
            "items": [
                {"sku": binding.external_sku or binding.external_id, "quantity": qty}
                for binding, qty in items
            ]
        }
        if location:
            data["location"] = location.location_code
        self._generic_post_event("stock.updated", data)
        return {}

    def _export_shipment(self, picking):
        if self.channel != CHANNEL:
            return super()._export_shipment(picking)
        order = picking.sale_id
        data = {
            "external_id": order.retail_external_id,
            "name": order.client_order_ref or order.name,
            "carrier": picking.carrier_id.name or "",
            "tracking_number": picking.carrier_tracking_ref or "",
            "tracking_url": picking.carrier_tracking_url or "",
            "shipped_at": (picking.date_done or fields.Datetime.now()).isoformat()
            + "Z",
            "lines": [
                {
                    "external_id": move.sale_line_id.retail_external_line_id or "",
                    "sku": move.product_id.default_code or "",
                    "quantity": str(move.quantity),
                }
                for move in picking.move_ids
                if move.sale_line_id
            ],
        }
        self._generic_post_event(
            "order.shipped",
            data,
            external_id=order.retail_external_id,
            record=picking,
        )
        return _("Shipment of %s pushed.", order.name)

    def _export_order_cancel(self, order):
        if self.channel != CHANNEL:
            return super()._export_order_cancel(order)
        self._generic_post_event(
            "order.cancelled",
            {
                "external_id": order.retail_external_id,
                "name": order.client_order_ref or order.name,
            },
            external_id=order.retail_external_id,
            record=order,
        )
        return _("Cancellation of %s pushed.", order.name)
