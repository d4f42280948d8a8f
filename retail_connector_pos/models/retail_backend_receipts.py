"""Square sales as receipts: mapping, catalog, reconciliation, stock.

Payment, refund and order events name a Square order: the job fetches it
with its payments and refunds and maps it to a ``receipts.Receipt``, booked
by the receipt processor. A return at the till is a new order pointing to
the sale it returns: the sale is booked first when Odoo does not have it.
The reconciliation stream reads orders and payments changed since the last
run and feeds what Odoo does not show through the same exchange path.
"""

import dataclasses
import datetime as dt
import json

from odoo import _, models

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.services.errors import RetailBusinessError
from odoo.addons.retail_connector_base.tools import canonical

from .. import const
from ..services.receipt_processor import ReceiptProcessor
from ..tools import receipts, square


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _canonical_processors(self):
        processors = super()._canonical_processors()
        if self.channel == const.CHANNEL:
            processors = {**processors, receipts.Receipt: ReceiptProcessor}
        return processors

    # ------------------------------------------------------------------
    # Stores and products
    # ------------------------------------------------------------------
    def _pos_store(self, location_id):
        """The store of a Square location, with its point of sale."""
        self.ensure_one()
        store = self.location_mapping_ids.filtered(
            lambda s: s.location_code == location_id
        )
        if not store or not store.pos_config_id:
            raise RetailBusinessError(
                _(
                    "Square location %(location)s is not a store of %(backend)s with "
                    "a point of sale: map it on the Stores tab, then press Retry.",
                    location=location_id,
                    backend=self.name,
                ),
                cause_kind="unknown_location",
                cause_value=location_id,
            )
        return store[:1]

    def _guided_fix_models(self):
        return {
            **super()._guided_fix_models(),
            "unknown_payment_method": "retail.map.payment.method.wizard",
        }

    def _location_mapped(self, mapping):
        """A Square location mapped by Map Location becomes a store with its
        point of sale (made as the Stores tab's button makes it)."""
        result = super()._location_mapped(mapping)
        if self.channel == const.CHANNEL and not mapping.pos_config_id:
            mapping.action_create_pos_config()
        return result

    def _square_binding(self, catalog_object_id):
        if not catalog_object_id:
            return self.env["retail.product.binding"]
        return (
            self.env["retail.product.binding"]
            .sudo()
            .search(
                [("backend_id", "=", self.id), ("external_id", "=", catalog_object_id)],
                limit=1,
            )
        )

    def _square_bind(self, product, catalog_object_id, sku):
        Binding = self.env["retail.product.binding"].sudo()
        if Binding.search_count(
            [
                ("backend_id", "=", self.id),
                "|",
                ("external_id", "=", catalog_object_id),
                ("product_id", "=", product.id),
            ]
        ):
            return
        self._bind_product(product, catalog_object_id, sku=sku)

    def _pos_custom_amount_product(self):
        return self.env.ref("retail_connector_pos.product_custom_amount")

    def _catalog_read(self):
        if self.channel != const.CHANNEL:
            return super()._catalog_read()
        client = self._square_client()
        entries, cursor = [], None
        while True:
            objects, cursor = self._channel_call(client.catalog, cursor)
            for item in objects:
                data = item.get("item_data") or {}
                for variation in data.get("variations") or []:
                    vdata = variation.get("item_variation_data") or {}
                    name = data.get("name") or ""
                    if vdata.get("name"):
                        name = f"{name} ({vdata['name']})"
                    entries.append(
                        {
                            "external_id": variation.get("id") or "",
                            "sku": vdata.get("sku") or "",
                            "name": name,
                            "parent_id": item.get("id") or "",
                            "type": "variation",
                        }
                    )
            if not cursor:
                return entries

    def _square_skus(self, client, catalog_ids):
        """``{catalog object id: SKU}``: from the bindings, else the catalog."""
        bindings = (
            self.env["retail.product.binding"]
            .sudo()
            .search(
                [("backend_id", "=", self.id), ("external_id", "in", list(catalog_ids))]
            )
        )
        skus = {b.external_id: b.external_sku or "" for b in bindings}
        if set(catalog_ids) - set(skus):
            for entry in self._catalog_read():
                skus.setdefault(entry["external_id"], entry["sku"])
        return skus

    # ------------------------------------------------------------------
    # Mapping
    # ------------------------------------------------------------------
    def _map_inbound(self, exchange):
        if self.channel != const.CHANNEL:
            return super()._map_inbound(exchange)
        topic = exchange.topic or ""
        if topic.startswith(("payment.", "refund.", "order.")):
            order_id = exchange.external_id
            if not order_id:
                raise canonical.CanonicalError(
                    "order_id", f"the {topic} event names no order"
                )
            if self.env["pos.order"].sudo()._retail_find(self, [order_id]):
                # A booked receipt is final: nothing to fetch.
                return None
            client = self._square_client()
            return self._square_receipts(
                client, self._square_fetch_order(client, order_id)
            )
        if topic.startswith("inventory."):
            # Odoo is the system of record of the stores' stock.
            return None
        return self._square_map_other(exchange, topic)

    def _square_map_other(self, exchange, topic):
        """Events other than sales (payouts…): extended by their files."""
        raise canonical.CanonicalError(
            "type", f"{topic!r} is not a Square event this connection handles"
        )

    def _square_fetch_order(self, client, order_id):
        return self._channel_call(client.order, order_id)

    def _square_receipts(self, client, order, depth=0):
        """The receipt of `order`, after the sales it returns not booked yet."""
        store = self._pos_store(order.get("location_id"))
        location = {
            "id": store.location_code,
            "timezone": store.pos_timezone or "UTC",
            "currency": store.pos_currency_code or "",
        }
        payment_ids = [
            tender.get("payment_id") or tender.get("id")
            for tender in order.get("tenders") or []
        ]
        refunds = [
            self._channel_call(client.refund, refund["id"])
            for refund in order.get("refunds") or []
            if refund.get("id")
        ]
        payment_ids += [r.get("payment_id") for r in refunds if r.get("payment_id")]
        payments = [
            self._channel_call(client.payment, payment_id)
            for payment_id in dict.fromkeys(filter(None, payment_ids))
        ]
        receipt = receipts.receipt_from_order(order, payments, location, refunds)
        if receipt is None:
            return []
        catalog_ids = {line.catalog_object_id for line in receipt.lines} - {""}
        if catalog_ids:
            skus = self._square_skus(client, catalog_ids)
            receipt = dataclasses.replace(
                receipt,
                lines=tuple(
                    dataclasses.replace(line, sku=skus.get(line.catalog_object_id, ""))
                    for line in receipt.lines
                ),
            )
        sources = []
        if depth == 0:
            wanted = {ret.source_order_id for ret in receipt.returns} - {""}
            booked = set(
                self.env["pos.order"]
                .sudo()
                ._retail_find(self, wanted)
                .mapped("retail_external_id")
            )
            for source_id in sorted(wanted - booked):
                source = self._square_fetch_order(client, source_id)
                sources += self._square_receipts(client, source, depth=1)
        return [*sources, receipt]

    # ------------------------------------------------------------------
    # Reconciliation (the base's orders stream)
    # ------------------------------------------------------------------
    def _poll_streams(self):
        if self.channel != const.CHANNEL:
            return super()._poll_streams()
        return {base_const.POLL_STREAM_ORDERS: _("Receipts (orders and payments)")}

    def _poll(self, stream, since, source):
        if self.channel != const.CHANNEL or stream != base_const.POLL_STREAM_ORDERS:
            return super()._poll(stream, since, source)
        client = self._square_client()
        # Open-ended: Square's times have milliseconds, a window ending at
        # this second would miss what changed within it.
        end = None
        stores = self.location_mapping_ids.filtered(
            lambda s: s.active and s.pos_config_id
        )
        codes = stores.mapped("location_code")
        seen, fed = set(), 0
        for start in range(0, len(codes), square.SEARCH_LOCATIONS_MAX):
            chunk = codes[start : start + square.SEARCH_LOCATIONS_MAX]
            cursor = None
            while True:
                orders, cursor = self._channel_call(
                    client.search_orders, chunk, since, end, cursor
                )
                for order in orders:
                    seen.add(order.get("id"))
                    fed += self._square_feed(
                        order.get("id"), order.get("updated_at"), source
                    )
                if not cursor:
                    break
        for code in codes:
            cursor = None
            while True:
                payments, cursor = self._channel_call(
                    client.payments, code, since, end, cursor
                )
                for payment in payments:
                    order_id = payment.get("order_id")
                    if order_id and order_id not in seen:
                        seen.add(order_id)
                        fed += self._square_feed(
                            order_id, payment.get("updated_at"), source
                        )
                if not cursor:
                    break
        return _(
            "%(seen)s Square orders read, %(fed)s not in Odoo fed.",
            seen=len(seen),
            fed=fed,
        )

    def _square_feed(self, order_id, updated_at, source):
        """Feed an order Odoo has not booked through the exchange path."""
        if not order_id or self.env["pos.order"].sudo()._retail_find(self, [order_id]):
            return 0
        try:
            modified = canonical.parse_datetime(updated_at, "updated_at")
        except canonical.CanonicalError:
            modified = None
        payload = {"type": "order.updated", "data": {"id": order_id}}
        raw_body = json.dumps(payload, separators=(",", ":")).encode()
        return int(
            self._poll_store(
                "order.updated",
                raw_body,
                dedup_key=f"{base_const.POLL_DEDUP_PREFIX}:{order_id}:{modified or ''}",
                external_id=order_id,
                occurred_at=modified,
                source=source,
            )
        )

    # ------------------------------------------------------------------
    # Stock out: Odoo's counts pushed to the stores
    # ------------------------------------------------------------------
    def _export_stock(self, items, location=None):
        if self.channel != const.CHANNEL:
            return super()._export_stock(items, location=location)
        stores = location or self.location_mapping_ids.filtered("active")
        counts, owners = [], []
        for store in stores:
            for binding, quantity in items:
                counts.append(
                    (store.location_code, binding.external_id, max(0, quantity))
                )
                owners.append(binding.id)
        errors = {}
        client = self._square_client()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for start in range(0, len(counts), 100):
            refused = client.set_counts(counts[start : start + 100], now)
            for index, detail in refused.items():
                errors[owners[start + index]] = detail
        return errors
