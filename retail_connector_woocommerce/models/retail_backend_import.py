"""WooCommerce orders in: webhook events mapped, reconciliation and imports."""

import dataclasses
import hashlib
import json

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.services.order_processor import (
    OrderProcessor,
)
from odoo.addons.retail_connector_base.services.refund_processor import (
    RefundProcessor,
)
from odoo.addons.retail_connector_base.tools import canonical, http_client, inbound

from .. import const
from ..tools import client as wc_client
from ..tools import mappers


class RetailBackend(models.Model):
    # One file per job on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Inbound processing (jobs)
    # ------------------------------------------------------------------
    def _process_inbound_exchange(self, exchange):
        self.ensure_one()
        if self.channel == const.CHANNEL and exchange.topic.startswith("product."):
            return self._woocommerce_apply_product_event(exchange)
        return super()._process_inbound_exchange(exchange)

    @staticmethod
    def _woocommerce_payload(exchange):
        try:
            return inbound.load_json_object(exchange.payload.encode())
        except inbound.MalformedPayload as exc:
            raise canonical.CanonicalError("", str(exc)) from exc

    def _map_inbound(self, exchange):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._map_inbound(exchange)
        resource, _sep, event = exchange.topic.partition(".")
        if resource != "order":
            return None
        payload = self._woocommerce_payload(exchange)
        if event == "deleted":
            return self._woocommerce_map_deleted_order(payload)
        order = mappers.order_to_canonical(payload, self._woocommerce_status_mapping())
        return [order, *self._woocommerce_new_refunds(order, payload)]

    def _woocommerce_sale_order(self, order_id):
        return (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("retail_backend_id", "=", self.id),
                    ("retail_external_id", "=", str(order_id)),
                ],
                limit=1,
            )
        )

    def _woocommerce_map_deleted_order(self, payload):
        """``order.deleted`` carries only the id: the order went to the trash.

        The trashed order is read back and applied as a cancellation; an
        order never imported has nothing to cancel.
        """
        order_id = str(payload.get("id") or "")
        sale = self._woocommerce_sale_order(order_id)
        if not sale:
            return None
        try:
            data = self._woocommerce_client().get_order(order_id)
        except wc_client.WooCommerceError as exc:
            if exc.status not in (404, 410):
                raise
            # Deleted for good: there is no state left to read.
            if sale.state != "cancel":
                sale.with_context(disable_cancel_warning=True)._action_cancel()
            return None
        order = mappers.order_to_canonical(data, self._woocommerce_status_mapping())
        # The topic is authoritative, whatever the mapping says of "trash".
        return dataclasses.replace(order, status="cancelled")

    def _woocommerce_new_refunds(self, order, payload):
        """Canonical refunds (with their lines) not yet turned into credit notes.

        An order event lists refunds by id only; each new one is read from the
        store for its lines, oldest first.
        """
        if not order.refunds:
            return []
        known = RefundProcessor(self.env, self).known(order.refunds)
        todo = sorted(
            (refund for refund in order.refunds if refund.external_id not in known),
            key=lambda refund: (
                int(refund.external_id) if refund.external_id.isdigit() else 0
            ),
        )
        if not todo:
            return []
        client = self._woocommerce_client()
        include_tax = bool(payload.get("prices_include_tax"))
        return [
            mappers.refund_to_canonical(
                client.get_refund(order.external_id, refund.external_id),
                order.external_id,
                prices_include_tax=include_tax,
            )
            for refund in todo
        ]

    # ------------------------------------------------------------------
    # Polling: reconciliation and first imports
    # ------------------------------------------------------------------
    def _woocommerce_feed_order(self, payload, source="reconciliation"):
        """Store a polled order as an inbound exchange and queue it.

        The same exchange and processing path as a webhook delivery. The
        dedup key is the order id, modification time and a digest of the
        order, so polling the same state twice stores it once; an order whose
        state is already applied or already received by webhook is not stored
        at all. Returns True when a new exchange was stored.

        WooCommerce's modification times have whole seconds: a change made
        within the second of the state Odoo applied (a cancellation right
        after the payment) looks no newer than it. So when the sale order
        carries the polled order's very time, the order counts as applied only
        if the sale order shows its status, total and refunds.
        """
        self.ensure_one()
        order_id = str(payload.get("id") or "")
        if not order_id or payload.get("status") in const.SKIPPED_ORDER_STATUSES:
            return False
        modified = self._woocommerce_modified_at(payload)
        if modified:
            sale = self._woocommerce_sale_order(order_id)
            applied = sale.retail_updated_at
            same_second = bool(applied) and applied == modified
            if applied and applied > modified:
                return False
            if same_second and self._woocommerce_sale_shows(sale, payload):
                return False
            received = [("occurred_at", ">=", modified)]
            if same_second:
                # What came of that second is applied and the sale order does
                # not show this state: only an event still waiting may.
                received = [
                    "|",
                    ("occurred_at", ">", modified),
                    "&",
                    ("occurred_at", "=", modified),
                    ("state", "in", base_const.EXCHANGE_OPEN_STATES),
                ]
            Exchange = self.env["retail.exchange"].sudo()
            if Exchange.search_count(
                [
                    ("backend_id", "=", self.id),
                    ("direction", "=", "inbound"),
                    ("external_id", "=", order_id),
                    ("topic", "=like", "order.%"),
                    *received,
                ],
                limit=1,
            ):
                return False
        raw_body = json.dumps(payload, separators=(",", ":")).encode()
        digest = hashlib.sha256(raw_body).hexdigest()[:16]
        event = inbound.InboundEvent(
            topic="order.updated",
            dedup_key=f"{const.POLL_DEDUP_PREFIX}:{order_id}:{modified or ''}:{digest}",
            external_id=order_id,
            occurred_at=modified,
        )
        outcome = self._webhook_store(event, {"X-Retail-Source": source}, raw_body)
        return outcome == "accepted"

    def _woocommerce_sale_shows(self, sale, payload):
        """Whether ``sale`` shows the store order ``payload`` already.

        An order that cannot be mapped shows nothing (processing it says why).
        """
        try:
            order = mappers.order_to_canonical(
                payload, self._woocommerce_status_mapping()
            )
        except canonical.CanonicalError:
            return False
        return OrderProcessor(self.env, self).shows(sale, order)

    def _woocommerce_import_orders(self, modified_after, source="reconciliation"):
        """Feed every order modified after `modified_after`; return (read, fed)."""
        self.ensure_one()
        client = self._woocommerce_client()
        read = fed = 0
        for payload in client.iter_orders(modified_after=modified_after):
            read += 1
            fed += bool(self._woocommerce_feed_order(payload, source=source))
        return read, fed

    def _reconcile_since(self, since):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._reconcile_since(since)
        read, fed = self._woocommerce_import_orders(since)
        reenabled = self._woocommerce_reenable_webhooks()
        return _(
            "%(read)s orders read since %(since)s, %(fed)s queued; %(hooks)s "
            "webhooks re-activated.",
            read=read,
            since=since,
            fed=fed,
            hooks=reenabled,
        )

    def _woocommerce_import_orders_job(self, since):
        """Job: first import of the orders modified since `since`."""
        self.ensure_one()
        try:
            read, fed = self._woocommerce_import_orders(since, source="import")
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise self._retry_later(exc) from exc
            raise UserError(str(exc)) from exc
        if not self.import_checkpoint:
            self.sudo().import_checkpoint = fields.Datetime.now()
        return _("%(read)s orders read, %(fed)s queued.", read=read, fed=fed)

    def action_woocommerce_import_orders(self):
        """Open the "Import orders since…" wizard."""
        self.ensure_one()
        self._woocommerce_check_channel()
        return {
            "type": "ir.actions.act_window",
            "name": _("Import Orders"),
            "res_model": "retail.woocommerce.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }
