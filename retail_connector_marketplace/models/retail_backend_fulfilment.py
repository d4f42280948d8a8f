"""Shipments (OR23, OR24), cancellations (OR29) and refunds (OR28).

Each is the base's export hook of the feature: the base queues the job,
audits the call and keeps a refused one for Retry. A refund is sent once:
the credit note keeps Mirakl's refund ids, and an attempt that may have
reached Mirakl before the job was lost is recognised on the next try.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.retail_connector_base.tools import canonical

from .. import const
from ..tools import mappers


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Shipments
    # ------------------------------------------------------------------
    def _export_shipment(self, picking):
        if self.channel != const.CHANNEL:
            return super()._export_shipment(picking)
        sale = picking.sale_id
        order_id = sale.retail_external_id
        client = self._mirakl_client()
        tracking = self._mirakl_tracking(picking)
        if tracking.get("tracking_number") or tracking.get("carrier_code"):
            with self._outbound_call(
                "order.tracking",
                dict(tracking, order_id=order_id),
                record=picking,
                external_id=order_id,
            ):
                client.tracking(order_id, tracking)
        open_deliveries = sale.picking_ids.filtered(
            lambda p: (
                p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
            )
        )
        if open_deliveries:
            return _(
                "Tracking sent; the order is marked shipped with its last delivery."
            )
        with self._outbound_call(
            "order.ship", {"order_id": order_id}, record=picking, external_id=order_id
        ):
            client.ship(order_id)
        return _(
            "Shipped on the marketplace (%s).",
            tracking.get("tracking_number") or _("no tracking"),
        )

    def _mirakl_tracking(self, picking):
        """The OR23 body of `picking`: its carrier's mapping, else its name."""
        mappings = self.mirakl_carrier_ids
        mapping = (
            mappings.filtered(
                lambda m: m.carrier_id and m.carrier_id == picking.carrier_id
            )[:1]
            or mappings.filtered(lambda m: not m.carrier_id)[:1]
        )
        if mapping:
            return mapping._tracking_values(picking)
        return {
            "carrier_name": picking.carrier_id.name or "",
            "carrier_url": picking.carrier_tracking_url or "",
            "tracking_number": picking.carrier_tracking_ref or "",
        }

    # ------------------------------------------------------------------
    # Cancellations
    # ------------------------------------------------------------------
    def _export_order_cancel(self, order):
        if self.channel != const.CHANNEL:
            return super()._export_order_cancel(order)
        order_id = order.retail_external_id
        with self._outbound_call(
            "order.cancel", {"order_id": order_id}, record=order, external_id=order_id
        ):
            if not order.mirakl_can_cancel:
                raise UserError(
                    _(
                        "The marketplace does not let the shop cancel %(order)s any "
                        "more (its can_cancel is false, state %(state)s): ask the "
                        "operator, or refund it instead.",
                        order=order_id,
                        state=order.mirakl_state or "?",
                    )
                )
            self._mirakl_client().cancel(order_id)
        return _("Cancelled on the marketplace.")

    # ------------------------------------------------------------------
    # Refunds
    # ------------------------------------------------------------------
    def _export_refund(self, move):
        if self.channel != const.CHANNEL:
            return super()._export_refund(move)
        sale = move._retail_channel_order()
        order = sale._mirakl_order()
        order_id = sale.retail_external_id
        requests = self._mirakl_refund_requests(move, sale, order)
        client = self._mirakl_client()
        with self._outbound_call(
            "order.refund", {"refunds": requests}, record=move, external_id=order_id
        ) as exchange:
            if move.mirakl_refund_attempted_at:
                # An earlier attempt may have reached Mirakl before its job
                # was lost: its refunds are then on the order already.
                earlier = self._mirakl_refunds_sent(
                    client.order(order_id), requests, move.mirakl_refund_attempted_at
                )
                if earlier:
                    exchange.result = _("Already refunded: %s", ", ".join(earlier))
                    return earlier
            self._mirakl_mark_refund_attempt(move)
            refunds = client.refund(requests)
            ids = [str(refund.get("refund_id") or "") for refund in refunds]
            if not ids or not all(ids):
                raise UserError(_("Mirakl answered without refund ids: %s", refunds))
            exchange.result = _("Refunds %s", ", ".join(ids))
        return ids

    def _mirakl_refund_requests(self, move, sale, order):
        """The OR28 refunds of credit note `move`, one per Mirakl line."""
        taxes_included = order.get("order_tax_mode") == "TAX_INCLUDED"
        lines = {
            str(line.get("order_line_id")): line
            for line in order.get("order_lines") or []
        }
        amount_field = "price_total" if taxes_included else "price_subtotal"
        refunds, shipping = {}, Decimal(0)
        for invoice_line in move.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        ):
            sale_line = invoice_line.sale_line_ids[:1]
            amount = Decimal(str(invoice_line[amount_field]))
            line_id = sale_line.retail_external_line_id or ""
            if line_id in lines:
                entry = refunds.setdefault(
                    line_id,
                    {
                        "order_line_id": line_id,
                        "amount": Decimal(0),
                        "quantity": 0,
                        "shipping_amount": Decimal(0),
                    },
                )
                entry["amount"] += amount
                entry["quantity"] += int(invoice_line.quantity)
            elif (
                sale_line.is_delivery
                or invoice_line.product_id == self.shipping_product_id
            ):
                shipping += amount
            else:
                raise UserError(
                    _(
                        "Credit note line “%(line)s” is not a line of marketplace "
                        "order %(order)s: Mirakl refunds order lines and their "
                        "shipping only.",
                        line=invoice_line.name,
                        order=sale.retail_external_id,
                    )
                )
        # Shipping goes back on the lines that carried it, up to their share.
        for line_id, line in lines.items():
            if shipping <= 0:
                break
            line_shipping = Decimal(str(line.get("shipping_price") or 0))
            if line_shipping <= 0:
                continue
            part = min(shipping, line_shipping)
            entry = refunds.setdefault(
                line_id,
                {
                    "order_line_id": line_id,
                    "amount": Decimal(0),
                    "quantity": 0,
                    "shipping_amount": Decimal(0),
                },
            )
            entry["shipping_amount"] += part
            shipping -= part
        if shipping > Decimal("0.005"):
            raise UserError(
                _(
                    "The credit note refunds %(amount)s more shipping than order "
                    "%(order)s was charged.",
                    amount=shipping,
                    order=sale.retail_external_id,
                )
            )
        for line_id, entry in refunds.items():
            entry["taxes"] = mappers.line_taxes_for_amount(
                lines[line_id], entry["amount"]
            )
            entry["shipping_taxes"] = mappers.shipping_taxes_for_amount(
                lines[line_id], entry["shipping_amount"]
            )
        reason = (
            move.mirakl_refund_reason_id
            or self.mirakl_refund_reason_ids.filtered("is_default")[:1]
        )
        return mappers.refund_requests(
            refunds.values(),
            currency=order.get("currency_iso_code") or move.currency_id.name,
            reason_code=reason.code or "",
            taxes_included=taxes_included,
        )

    def _mirakl_mark_refund_attempt(self, move):
        """Remember, whatever becomes of this job, that OR28 is about to go."""
        moment = fields.Datetime.now()
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "UPDATE account_move SET mirakl_refund_attempted_at = %s"
                    " WHERE id = %s",
                    moment,
                    move.id,
                )
            )
        move.invalidate_recordset(["mirakl_refund_attempted_at"])

    def _mirakl_refunds_sent(self, order, requests, since):
        """Ids of refunds on `order` matching `requests`, made since `since`."""
        if not order:
            return []
        since = since - timedelta(minutes=5)
        lines = {
            str(line.get("order_line_id")): line
            for line in order.get("order_lines") or []
        }
        found = []
        for request in requests:
            line = lines.get(request["order_line_id"]) or {}
            for refund in line.get("refunds") or []:
                if (
                    self._mirakl_refund_time(refund) >= since
                    and Decimal(str(refund.get("amount") or 0))
                    == Decimal(str(request["amount"]))
                    and str(refund.get("id")) not in found
                ):
                    found.append(str(refund.get("id")))
                    break
        return found if len(found) == len(requests) else []

    @staticmethod
    def _mirakl_refund_time(refund):
        try:
            moment = canonical.parse_datetime(
                refund.get("created_date"), "created_date"
            )
        except canonical.CanonicalError:
            moment = None
        return moment or datetime.min
