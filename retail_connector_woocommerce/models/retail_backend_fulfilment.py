"""Shipments, cancellations and credit notes made in Odoo, sent to WooCommerce."""

from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.tools import canonical, http_client

from .. import const
from ..tools import const as api_const
from ..tools import mappers


class RetailBackend(models.Model):
    # One file per job on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Fulfilment, cancellation, refunds
    # ------------------------------------------------------------------
    def _export_shipment(self, picking):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_shipment(picking)
        order = picking.sale_id
        order_id = order.retail_external_id
        note = mappers.shipment_note(
            picking.carrier_id.name or "",
            picking.carrier_tracking_ref or "",
            picking.carrier_tracking_url or "",
        )
        # A partial delivery announces its parcel; the order is completed on
        # the store once nothing is left to ship.
        complete = not order.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
            )
        )
        client = self._woocommerce_client()
        with self._outbound_call(
            "order.completed" if complete else "order.shipped",
            {"status": "completed" if complete else None, "note": note},
            external_id=order_id,
            record=picking,
        ) as exchange:
            # Notes cannot be deduplicated by the store: a retried job must
            # not announce the same parcel twice.
            notes = client.request("GET", f"orders/{int(order_id)}/notes").json() or []
            if note not in {
                entry.get("note") for entry in notes if isinstance(entry, dict)
            }:
                client.add_order_note(order_id, note, customer_note=True)
            if complete and client.get_order(order_id).get("status") != "completed":
                client.update_order(order_id, {"status": "completed"})
            exchange.result = (
                _("Store order %s completed with the tracking note.", order_id)
                if complete
                else _("Tracking note added to store order %s.", order_id)
            )
        return exchange.result

    def _export_order_cancel(self, order):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_order_cancel(order)
        order_id = order.retail_external_id
        client = self._woocommerce_client()
        if client.get_order(order_id).get("status") in const.FINAL_ORDER_STATUSES:
            return _("Nothing to do: store order %s is already closed.", order_id)
        with self._outbound_call(
            "order.cancelled",
            {"status": "cancelled"},
            external_id=order_id,
            record=order,
        ) as exchange:
            client.update_order(order_id, {"status": "cancelled"})
            exchange.result = _("Store order %s cancelled.", order_id)
        return exchange.result

    def _export_refund(self, move):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_refund(move)
        order = move._retail_channel_order()
        order_id = order.retail_external_id
        client = self._woocommerce_client()
        # The reason starts with the credit note's number: a refund created by
        # an earlier attempt whose answer was lost is found, not made twice.
        for refund in client.list_refunds(order_id):
            if (refund.get("reason") or "").startswith(move.name):
                return str(refund["id"])
        store_order = client.get_order(order_id)
        payload = self._woocommerce_refund_payload(move, store_order)
        with self._outbound_call(
            "refund.created", payload, external_id=order_id, record=move
        ) as exchange:
            try:
                refund = client.create_refund(order_id, payload)
            except http_client.ChannelHttpError as exc:
                # The store says these before doing anything: retrying would
                # only be refused again, a person must look at them.
                if exc.code in (
                    api_const.ERROR_CANNOT_CREATE_REFUND,
                    api_const.ERROR_INVALID_REFUND,
                ):
                    exc.retryable = False
                raise
            exchange.result = _("Store refund %s created.", refund.get("id"))
        return str(refund["id"])

    def _woocommerce_refund_payload(self, move, store_order):
        """Body of the store refund of credit note `move`."""
        include_tax = bool(store_order.get("prices_include_tax"))
        lines, unmatched = [], False
        for line in move.invoice_line_ids.filtered(
            lambda item: item.display_type == "product"
        ):
            sale_lines = line.sale_line_ids.filtered(
                lambda s: (s.retail_external_line_id or "").isdigit()
            )
            if not line.sale_line_ids and line.price_subtotal:
                # A deduction or an adjustment of no order line.
                unmatched = True
            if not sale_lines or not line.quantity:
                continue
            lines.append(
                {
                    "line_external_id": sale_lines[0].retail_external_line_id,
                    "sku": line.product_id.default_code or "",
                    "quantity": line.quantity,
                    "amount": str(
                        line.price_total if include_tax else line.price_subtotal
                    ),
                }
            )
        if unmatched:
            # The store's line items must add up to the refund: with a part
            # no store line carries (a deduction), refund the amount alone.
            lines = []
        remaining = mappers.refundable_amount(store_order)
        amount = mappers.cents(move.amount_total)
        if amount > remaining:
            raise UserError(
                _(
                    "Credit note %(move)s (%(amount)s) is more than what is left to "
                    "refund on store order %(order)s (%(remaining)s).",
                    move=move.name,
                    amount=amount,
                    order=store_order.get("id"),
                    remaining=remaining,
                )
            )
        reason = move.name
        if move.ref:
            reason = f"{reason}: {move.ref}"
        try:
            return mappers.refund_payload(
                amount,
                reason,
                lines,
                api_refund=self.woocommerce_api_refund,
                # Odoo owns the stock and pushes absolute quantities: a
                # restock on the store would only be overwritten.
                api_restock=False,
                order=store_order,
            )
        except canonical.CanonicalError as exc:
            raise UserError(str(exc)) from exc
