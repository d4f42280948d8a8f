"""Apply a canonical Return to Odoo: one RMA batch of OCA RMAs, once.

The return refers to an order of another connection (the storefront that
sold it): the batch is made on that sale order, one RMA per order line with
as many units as the channel returns, each from the line's delivery. The
connection's policy approves it (or leaves it for a person) and says when
the refund leaves; the refund itself goes back through the connection that
sold the order (see rma.batch._retail_refund).
"""

from collections import OrderedDict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import _, fields

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.retail_connector_base.services.errors import RetailBusinessError
from odoo.addons.retail_connector_base.services.locks import lock_or_retry

CLOSED_STATES = ("cancelled", "expired")


class ReturnProcessor:
    """Create or update the RMA batch of a channel return."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend
        self.Batch = env["rma.batch"].sudo()

    def apply(self, ret, exchange=None):
        """Apply canonical return `ret`; return its RMA batch."""
        lock_or_retry(self.env, self.backend.id, "return", ret.external_id)
        batch = self.Batch._retail_find(self.backend, ret.external_id)
        if batch and ret.updated_at and batch.retail_updated_at:
            if ret.updated_at < batch.retail_updated_at:
                return batch  # older than what Odoo shows
        sale = self._sale_order(ret)
        if not batch:
            batch = self._create(ret, sale)
        elif batch.state == "draft":
            batch.rma_ids.unlink()
            self._add_rmas(batch, ret, sale)
        batch.write(
            {
                "retail_status": ret.status,
                "retail_updated_at": ret.updated_at or fields.Datetime.now(),
                "retail_note": ret.note or False,
            }
        )
        self._apply_status(batch, ret, sale)
        return batch

    # ------------------------------------------------------------------
    def _sale_order(self, ret):
        storefronts = self.backend.return_storefront_ids or self.backend
        sale = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("retail_backend_id", "in", storefronts.ids),
                    ("retail_external_id", "=", ret.order_external_id),
                ],
                limit=1,
            )
        )
        if not sale:
            raise RetailBusinessError(
                _(
                    "Return %(ret)s is for order %(order)s (%(name)s), which is not "
                    "in Odoo under %(storefronts)s: import the order (or add its "
                    "connection to Orders Sold By), then press Retry.",
                    ret=ret.external_id,
                    order=ret.order_external_id,
                    name=ret.order_name or "?",
                    storefronts=", ".join(storefronts.mapped("name")),
                )
            )
        if sale.state != "sale":
            raise RetailBusinessError(
                _(
                    "Return %(ret)s is for order %(order)s, which is not a confirmed "
                    "sale order in Odoo: confirm or deliver it, then press Retry.",
                    ret=ret.external_id,
                    order=sale.name,
                )
            )
        return sale

    def _create(self, ret, sale):
        batch = self.Batch.create(
            {
                "partner_id": sale.partner_id.id,
                "company_id": sale.company_id.id,
                "retail_backend_id": self.backend.id,
                "retail_external_id": ret.external_id,
                "retail_order_id": sale.id,
                "operation_id": self.backend._return_operation().id,
                "location_id": sale.warehouse_id.rma_loc_id.id or False,
                "retail_requested_at": ret.created_at or fields.Datetime.now(),
            }
        )
        self._add_rmas(batch, ret, sale)
        return batch

    def _units_by_sale_line(self, ret, sale):
        """``{(sale line, outcome, exchange SKU): [return lines]}``: the units
        of one order line the customer wants the same thing for make one
        RMA (two mugs back, one refunded and one exchanged: two RMAs)."""
        by_line = OrderedDict()
        for index, line in enumerate(ret.lines):
            sale_line = (
                sale.order_line.filtered(
                    lambda sl, line=line: (
                        line.order_line_external_id
                        and sl.retail_external_line_id == line.order_line_external_id
                    )
                )[:1]
                or sale.order_line.filtered(
                    lambda sl, line=line: (
                        line.sku and sl.product_id.default_code == line.sku
                    )
                )[:1]
            )
            if not sale_line:
                raise RetailBusinessError(
                    _(
                        "lines[%(index)s]: the returned item %(sku)s (order line "
                        "%(line)s) is not on order %(order)s.",
                        index=index,
                        sku=line.sku or "?",
                        line=line.order_line_external_id or "?",
                        order=sale.name,
                    )
                )
            key = (sale_line, line.outcome, line.exchange_sku or "")
            by_line.setdefault(key, []).append(line)
        return by_line

    def _add_rmas(self, batch, ret, sale):
        groups = self._units_by_sale_line(ret, sale)
        returned = {}
        for (sale_line, _outcome, _sku), units in groups.items():
            returned[sale_line] = returned.get(sale_line, 0.0) + sum(
                float(unit.quantity) for unit in units
            )
        for sale_line, quantity in returned.items():
            done = sum(self._delivered(sale_line).mapped("quantity"))
            if done < quantity:
                raise RetailBusinessError(
                    _(
                        "%(qty)s × %(product)s are returned but only %(done)s were "
                        "delivered on %(order)s: deliver the order first, then "
                        "press Retry.",
                        qty=quantity,
                        product=sale_line.product_id.display_name,
                        done=done,
                        order=sale.name,
                    )
                )
        values = []
        for (sale_line, _outcome, _sku), units in groups.items():
            quantity = sum(float(unit.quantity) for unit in units)
            delivered = self._delivered(sale_line)
            first = units[0]
            reason = self.backend._return_reason(first.reason)
            values.append(
                {
                    "batch_id": batch.id,
                    "partner_id": sale.partner_id.id,
                    "partner_invoice_id": sale.partner_invoice_id.id,
                    "partner_shipping_id": sale.partner_shipping_id.id,
                    "order_id": sale.id,
                    "move_id": delivered[:1].id,
                    "product_id": sale_line.product_id.id,
                    "product_uom_qty": quantity,
                    "product_uom": sale_line.product_uom.id,
                    "company_id": sale.company_id.id,
                    "location_id": sale.warehouse_id.rma_loc_id.id or False,
                    "operation_id": batch.operation_id.id,
                    "reason_id": reason.id or False,
                    "origin": f"{self.backend.name}: {ret.external_id}",
                    "description": self._description(units),
                    "retail_outcome": first.outcome,
                    "retail_exchange_sku": first.exchange_sku or False,
                    "retail_unit_ids": " ".join(u.external_id for u in units),
                }
            )
        return self.env["rma"].sudo().create(values)

    @staticmethod
    def _delivered(sale_line):
        return sale_line.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        )

    @staticmethod
    def _description(units):
        items = Markup("").join(
            Markup("<li>%s%s</li>")
            % (
                escape(unit.reason_label or unit.reason or _("No reason given")),
                Markup(": %s") % escape(unit.comment) if unit.comment else "",
            )
            for unit in units
        )
        return Markup("<ul>%s</ul>") % items

    def _apply_status(self, batch, ret, sale):
        if ret.status in CLOSED_STATES:
            if batch.state != "cancelled" and not any(
                rma.state in ("received", "refunded") for rma in batch.rma_ids
            ):
                batch.rma_ids.action_cancel()
                batch.state = "cancelled"
            return
        if batch.state != "draft":
            return
        if ret.status == "review":
            batch.message_post(body=_("The channel flags this return for review."))
            return
        window = self.backend.return_window_days
        requested = ret.created_at or fields.Datetime.now()
        if window and sale.date_order + timedelta(days=window) < requested:
            batch.message_post(
                body=_(
                    "Requested %(days)s days after the order, outside the %(window)s "
                    "days return window: approve or cancel it.",
                    days=(requested - sale.date_order).days,
                    window=window,
                )
            )
            return
        if self.backend.return_auto_approve:
            batch.rma_ids.action_confirm()
            batch.state = "confirmed"


class LabelProcessor:
    """Put a return label's carrier and tracking on the return receipt."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend

    def apply(self, label, exchange=None):
        batch = (
            self.env["rma.batch"]
            .sudo()
            ._retail_find(self.backend, label.return_external_id)
        )
        if not batch:
            # Loop sends a label and its return at the same moment: the return
            # is most likely being applied right now. Try again shortly.
            raise RetryableJobError(
                _(
                    "A label of return %s arrived before the return; trying again.",
                    label.return_external_id,
                ),
                seconds=30,
            )
        receipts = batch.rma_ids.reception_move_id.picking_id.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        values = {"carrier_tracking_ref": label.tracking_number or False}
        if label.status == "delivered":
            # The parcel is at the warehouse: expected today.
            values["scheduled_date"] = fields.Datetime.now()
        receipts.write(values)
        batch.message_post(
            body=_(
                "Return label %(carrier)s %(tracking)s: %(status)s",
                carrier=label.carrier or "",
                tracking=label.tracking_number or "",
                status=label.status or "?",
            )
        )
        return batch
