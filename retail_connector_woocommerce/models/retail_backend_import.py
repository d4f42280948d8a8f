"""WooCommerce orders in: webhook events mapped, reconciliation and imports."""

import dataclasses

from odoo import _, models

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.tools import canonical, inbound

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
        order = mappers.order_to_canonical(payload, self._status_mapping())
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
        order = mappers.order_to_canonical(data, self._status_mapping())
        # The topic is authoritative, whatever the mapping says of "trash".
        return dataclasses.replace(order, status="cancelled")

    def _woocommerce_new_refunds(self, order, payload):
        """Canonical refunds (with their lines) not yet turned into credit notes.

        An order event lists refunds by id only; each new one is read from the
        store for its lines, oldest first.
        """
        todo = self._order_new_refunds(order)
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
    def _poll_streams(self):
        if self.channel != const.CHANNEL:
            return super()._poll_streams()
        return {base_const.POLL_STREAM_ORDERS: _("Orders")}

    def _poll(self, stream, since, source):
        if self.channel != const.CHANNEL:
            return super()._poll(stream, since, source)
        read, fed = self._woocommerce_import_orders(since, source=source)
        if source != "reconciliation":
            return _("%(read)s orders read, %(fed)s queued.", read=read, fed=fed)
        # WooCommerce disables a webhook after failed deliveries and never
        # retries: the reconciliation turns ours back on.
        reenabled = self._webhook_subscriptions_reenable()
        return _(
            "%(read)s orders read since %(since)s, %(fed)s queued; %(hooks)s "
            "webhooks re-activated.",
            read=read,
            since=since,
            fed=fed,
            hooks=reenabled,
        )

    def _woocommerce_import_orders(self, modified_after, source="reconciliation"):
        """Feed every order modified after `modified_after`; return (read, fed)."""
        self.ensure_one()
        client = self._woocommerce_client()
        mapping = self._status_mapping()
        read = fed = 0
        for payload in client.iter_orders(modified_after=modified_after):
            read += 1
            if payload.get("status") in const.SKIPPED_ORDER_STATUSES:
                continue
            fed += bool(
                self._poll_feed_order(
                    payload,
                    external_id=payload.get("id"),
                    modified=self._woocommerce_modified_at(payload),
                    source=source,
                    to_canonical=lambda data: mappers.order_to_canonical(data, mapping),
                )
            )
        return read, fed
