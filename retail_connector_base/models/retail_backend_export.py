"""What Odoo tells the channels: stock, shipments, cancellations, refunds.

The jobs live here; each channel implements the hooks of the channel
contract (``_export_stock``, ``_export_shipment``, ``_export_order_cancel``,
``_export_refund``) and declares them in ``_channel_features``. A connection
whose channel lacks a feature gets no job for it.
"""

from odoo import _, api, models
from odoo.exceptions import UserError

from .. import const
from ..services.errors import ChannelFeatureMissing
from ..services.locks import lock_or_retry
from ..services.stock_export import StockExporter
from ..tools import canonical, http_client

# The feature each kind of export needs (``_enqueue_export``'s `kind`).
EXPORT_FEATURES = {
    "shipment": const.FEATURE_SHIPMENT_EXPORT,
    "cancel": const.FEATURE_CANCEL_EXPORT,
    "refund": const.FEATURE_REFUND_EXPORT,
}


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    def _enqueue_export(self, job_method, record, kind, description):
        """Queue ``job_method(record.id)`` on the outbound job channel.

        Its identity key ``retail-<kind>-<record id>`` makes it one job per
        record while it waits. No connection, one not active, or one whose
        channel does not support this kind of export queues nothing.
        """
        if not self or self.state != "active":
            return
        if not self._channel_supports(EXPORT_FEATURES[kind]):
            return
        delayed = self.with_delay(
            channel=const.JOB_CHANNEL_OUTBOUND,
            identity_key=f"retail-{kind}-{record.id}",
            description=description,
        )
        getattr(delayed, job_method)(record.id)

    def _retail_export(self, record, hook):
        """Call the channel hook ``hook(record)``; return (result, refusal).

        A failure that may pass postpones the job. A refusal by the channel
        (any other ChannelHttpError, or a UserError) is said on `record` and
        its text returned; the job then ends without raising, so that the
        failed outbound exchange recorded by the hook stays in the exception
        queue.
        """
        try:
            return hook(record), None
        except ChannelFeatureMissing:
            # A channel declaring a feature it does not implement: the job
            # fails loudly rather than telling the record "refused".
            raise
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise self._retry_later(exc) from exc
            return None, self._retail_refused(record, exc)
        except UserError as exc:
            return None, self._retail_refused(record, exc)

    def _retail_refused(self, record, error):
        """Say on `record` that the channel refused an export; return the text."""
        message = _(
            "The channel refused it: %s", error.args[0] if error.args else error
        )
        record.message_post(body=message)
        return message

    # ------------------------------------------------------------------
    # Cancellations
    # ------------------------------------------------------------------
    def _export_order_cancel_job(self, order_id):
        """Job: cancel on the channel an order cancelled in Odoo."""
        self.ensure_one()
        order = self.env["sale.order"].browse(order_id).exists()
        if not order or order.state != "cancel" or order.retail_backend_id != self:
            return _("Nothing to do: the order is not cancelled any more.")
        skipped = self._feature_skip_reason(const.FEATURE_CANCEL_EXPORT)
        if skipped:
            return skipped
        replay = self._outbound_replay("_export_order_cancel_job", order_id)
        result, refused = replay._retail_export(order, replay._export_order_cancel)
        return refused or result or _("Nothing to send for this channel.")

    # ------------------------------------------------------------------
    # Refunds
    # ------------------------------------------------------------------
    def _export_refund_job(self, move_id):
        """Job: refund a posted credit note on its order's channel."""
        self.ensure_one()
        move = self.env["account.move"].browse(move_id).exists()
        if not move or move.state != "posted" or move.move_type != "out_refund":
            return _("Nothing to do: the credit note is not posted.")
        if move.retail_external_refund_id:
            return _(
                "Nothing to do: already refunded on the channel (%s).",
                move.retail_external_refund_id,
            )
        order = move._retail_channel_order()
        if order.retail_backend_id != self:
            return _("Nothing to do: the credit note is not for this connection.")
        skipped = self._feature_skip_reason(const.FEATURE_REFUND_EXPORT)
        if skipped:
            return skipped
        # The same lock as the processor of the channel's refunds: the refund
        # created here comes back in the channel's order events, and must be
        # recognised as this credit note, not become a second one.
        lock_or_retry(self.env, self.id, "refund", order.retail_external_id)
        replay = self._outbound_replay("_export_refund_job", move_id)
        external_id, refused = replay._retail_export(move, replay._export_refund)
        if refused:
            return refused
        refs = canonical.channel_ids(external_id)
        if not refs:
            return _("Nothing to send for this channel.")
        move._retail_set_channel_refunds(self, refs)
        external_id = ", ".join(refs)
        message = _(
            "Refunded on %(backend)s (refund %(refund)s).",
            backend=self.name,
            refund=external_id,
        )
        move.message_post(body=message)
        return message

    # ------------------------------------------------------------------
    # Shipments
    # ------------------------------------------------------------------
    def _export_shipment_job(self, picking_id):
        """Job: tell the channel an order shipped."""
        self.ensure_one()
        picking = self.env["stock.picking"].browse(picking_id).exists()
        if not picking or picking.state != "done":
            return _("Nothing to do: the transfer is not done.")
        skipped = self._feature_skip_reason(const.FEATURE_SHIPMENT_EXPORT)
        if skipped:
            return skipped
        replay = self._outbound_replay("_export_shipment_job", picking_id)
        result, refused = replay._retail_export(picking, replay._export_shipment)
        return refused or result

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _get_available_quantities(self, products, warehouse=None):
        """Quantity each product can be sold for on this connection.

        Free quantity (on hand, not reserved) in `warehouse` (the connection's
        by default), minus what open channel quotations of that warehouse
        hold, minus the safety buffer, never negative, rounded down to units.
        """
        self.ensure_one()
        warehouse = warehouse or self.warehouse_id
        free = (
            products.with_company(warehouse.company_id)
            .with_context(warehouse_id=warehouse.id)
            .mapped(lambda p: (p.id, p.free_qty))
        )
        held = self._quantities_held_by_channel_quotations(products, warehouse)
        return {
            product_id: max(0, int(qty - held.get(product_id, 0) - self.stock_buffer))
            for product_id, qty in free
        }

    def _quantities_held_by_channel_quotations(self, products, warehouse=None):
        """Quantities of channel orders not confirmed yet, per product.

        A channel holds stock for orders it has not confirmed (WooCommerce's
        on-hold bank transfers, say) while Odoo keeps them as quotations that
        reserve nothing; pushing the free quantity alone would hand those units
        to the next buyer.
        """
        lines = (
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", products.ids),
                    ("order_id.retail_backend_id", "!=", False),
                    ("order_id.state", "in", ("draft", "sent")),
                    ("order_id.warehouse_id", "=", (warehouse or self.warehouse_id).id),
                ],
                ["product_id"],
                ["product_uom_qty:sum"],
            )
        )
        return {product.id: quantity for product, quantity in lines}

    @api.model
    def _notify_stock_change(self, products):
        """Schedule stock pushes of `products` on every connection selling them."""
        products = products.filtered(lambda p: p.is_storable)
        if not products:
            return
        backends = self.sudo().search(
            [("state", "=", "active"), ("export_stock", "=", True)]
        )
        for backend in backends:
            if backend._channel_supports(const.FEATURE_STOCK_EXPORT):
                backend._schedule_stock_export(products)

    def _stock_locations(self):
        """The channel locations stock is pushed for, or an empty recordset.

        Empty when the channel does not sell from several locations or none
        is mapped: the connection's warehouse is then pushed as one.
        """
        self.ensure_one()
        if not self._channel_supports(const.FEATURE_LOCATIONS):
            return self.env["retail.location.mapping"]
        return self.location_mapping_ids.filtered("active")

    def _schedule_stock_export(self, products):
        """Mark the bindings dirty and queue the coalesced job of the connection."""
        self.ensure_one()
        StockExporter(self.env, self).schedule(products)

    def _export_stock_job(self):
        """Job: push the pending stock of this connection (batched)."""
        self.ensure_one()
        skipped = self._feature_skip_reason(const.FEATURE_STOCK_EXPORT)
        if skipped:
            return skipped
        return StockExporter(
            self.env, self._outbound_replay("_retry_refused_stock_job")
        ).run()

    def _retry_refused_stock_job(self):
        """Job: push again the stock the channel refused (a person's Retry)."""
        self.ensure_one()
        StockExporter(self.env, self).mark_refused_pending()
        return self._export_stock_job()

    def action_push_all_stock(self):
        """Mark every bound product for a stock push (first setup, repairs)."""
        for backend in self:
            if not backend._channel_supports(const.FEATURE_STOCK_EXPORT):
                raise ChannelFeatureMissing(backend, const.FEATURE_STOCK_EXPORT)
            bindings = self.env["retail.product.binding"].search(
                [("backend_id", "=", backend.id)]
            )
            backend._schedule_stock_export(bindings.product_id)
        return True
