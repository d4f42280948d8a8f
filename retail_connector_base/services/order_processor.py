"""Apply a canonical Order to Odoo: exactly one sale order per channel order,
converging to the channel's latest state whatever the delivery order."""

from decimal import ROUND_HALF_UP, Decimal

from odoo import _
from odoo.tools import float_compare, float_round

from .errors import RetailBusinessError, RetailStaleEventError
from .locks import lock_or_retry
from .product_resolver import ProductResolver
from .refund_processor import RefundProcessor
from .tax_resolver import TaxResolver

CONFIRMED_STATUSES = ("confirmed", "completed")


def line_discount_percent(quantity, unit_price, discount):
    """Odoo's discount percentage for an amount off the whole line.

    Returns (percent, exact): `exact` is False when two decimals of percentage
    cannot reproduce the amount to the cent.
    """
    gross = quantity * unit_price
    if not discount or not gross:
        return 0.0, True
    percent = (discount / gross * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    reproduced = (gross * (1 - percent / 100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(percent), reproduced == (gross - discount).quantize(Decimal("0.01"))


class OrderProcessor:
    """Create, update, confirm or cancel the sale order of a channel order."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend
        self._route(backend.warehouse_id)

    def _route(self, warehouse):
        """Apply the next order from `warehouse`, in that warehouse's company."""
        self.warehouse = warehouse
        self.company = warehouse.company_id or self.backend.company_id
        self.products = ProductResolver(self.env, self.backend, self.company)
        self.taxes = TaxResolver(self.env, self.backend, self.company)
        self.SaleOrder = self.env["sale.order"].sudo().with_company(self.company)

    def shows(self, sale, order):
        """Whether `sale` shows the status, total and refunds of `order`.

        Only what applying the order would change: cancelled or not,
        confirmed when it should be, the channel total, every refund a credit
        note. A poller uses it when the channel's modification times are too
        coarse to tell a newer state from the one applied.
        """
        if (order.status == "cancelled") != (sale.state == "cancel"):
            return False
        if (
            order.status in CONFIRMED_STATUSES
            and self.backend.auto_confirm
            and sale.state in ("draft", "sent")
        ):
            return False
        if order.total is not None and sale.currency_id.compare_amounts(
            sale.retail_channel_total, float(order.total)
        ):
            return False
        if not order.refunds:
            return True
        known = RefundProcessor(self.env, self.backend).known(order.refunds)
        return known >= {refund.external_id for refund in order.refunds}

    def apply(self, order, exchange=None):
        """Apply `order`; return the sale order."""
        lock_or_retry(self.env, self.backend.id, "order", order.external_id)
        warehouse = self.backend._order_warehouse(order)
        if warehouse != self.warehouse:
            self._route(warehouse)
        sale = self.SaleOrder.search(
            [
                ("retail_backend_id", "=", self.backend.id),
                ("retail_external_id", "=", order.external_id),
            ],
            limit=1,
        )
        if sale and self._is_stale(sale, order):
            raise RetailStaleEventError(
                _(
                    "Older than the update already applied (%(event)s < %(applied)s): "
                    "nothing changed.",
                    event=order.updated_at,
                    applied=sale.retail_updated_at,
                )
            )
        if not sale:
            sale = self._create(order)
        elif sale.state == "cancel" and order.status == "cancelled":
            sale.retail_updated_at = order.updated_at
            self.backend._order_applied(sale, order, exchange)
            return sale
        else:
            self._update(sale, order)
        self._check_total(sale, order)
        self._apply_status(sale, order)
        if sale.state in ("draft", "sent", "cancel"):
            # A channel quotation holds stock without a move (see
            # _quantities_held_by_channel_quotations), and cancelling one
            # frees it: no stock move tells the other channels, so say it.
            self.env["retail.backend"]._notify_stock_change(sale.order_line.product_id)
        self.backend._order_applied(sale, order, exchange)
        return sale

    # ------------------------------------------------------------------
    def _is_stale(self, sale, order):
        return bool(
            order.updated_at
            and sale.retail_updated_at
            and order.updated_at < sale.retail_updated_at
        )

    def _pricelist(self, order):
        pricelist = self.backend.pricelist_id
        if (
            pricelist
            and pricelist.currency_id.name == order.currency
            and pricelist.company_id in (self.company, self.company.browse())
        ):
            return pricelist
        pricelist = self.env["product.pricelist"].search(
            [
                ("currency_id.name", "=", order.currency),
                ("company_id", "in", (False, self.company.id)),
            ],
            limit=1,
        )
        if not pricelist:
            raise RetailBusinessError(
                _(
                    "No pricelist in currency %(currency)s for company %(company)s: "
                    "create one (or set the connection's pricelist), then press "
                    "Retry.",
                    currency=order.currency,
                    company=self.company.name,
                ),
                cause_kind="no_pricelist",
                cause_value=order.currency,
            )
        return pricelist

    def _header_values(self, order, sale):
        # The customer policy is the channel's: see retail.backend._order_partners.
        customer, invoice, delivery = self.backend._order_partners(order)
        values = {
            "partner_id": customer.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": delivery.id,
            "pricelist_id": self._pricelist(order).id,
            "client_order_ref": order.name,
            "origin": f"{self.backend.name}: {order.name}",
            "note": order.note or False,
            "retail_updated_at": order.updated_at,
            "retail_channel_total": float(order.total)
            if order.total is not None
            else 0,
            "retail_payment_method": order.payment.method if order.payment else False,
            "retail_payment_reference": order.payment.reference
            if order.payment
            else False,
        }
        if order.ordered_at:
            values["date_order"] = order.ordered_at
            values["retail_ordered_at"] = order.ordered_at
        return self.backend._order_sale_values(values, order, sale)

    def _line_commands(self, sale, order):
        """Commands making the order lines match the channel's lines."""
        existing = {
            line.retail_external_line_id: line
            for line in sale.order_line
            if line.retail_external_line_id
        }
        commands, seen = [], set()
        for index, values in enumerate(self._line_values(order)):
            key = values["retail_external_line_id"] or f"#{index}"
            values["retail_external_line_id"] = key
            seen.add(key)
            line = existing.get(key)
            if line:
                if line.product_id.id == values["product_id"]:
                    # A confirmed line cannot change product; same product is
                    # left out so the write stays legal.
                    del values["product_id"]
                commands.append((1, line.id, values))
            else:
                commands.append((0, 0, values))
        for key, line in existing.items():
            if key in seen:
                continue
            if sale.state == "sale":
                commands.append((1, line.id, {"product_uom_qty": 0}))
            else:
                commands.append((2, line.id))
        return commands

    def _line_values(self, order):
        include = order.prices_include_tax
        self.products.prefetch(line.sku for line in order.lines)
        for line in order.lines:
            product = self.products.resolve(line.sku, line.name)
            percent, exact = line_discount_percent(
                line.quantity, line.unit_price, line.discount
            )
            price_unit = line.unit_price
            if not exact:
                # Two decimals of percentage cannot express this discount: put
                # the net price on the line instead, keeping the total exact.
                price_unit = (line.quantity * line.unit_price - line.discount) / (
                    line.quantity
                )
                percent = 0.0
            yield {
                "product_id": product.id,
                "name": line.name or product.display_name,
                "product_uom_qty": float(line.quantity),
                "price_unit": float(price_unit),
                "discount": percent,
                "tax_id": [(6, 0, self.taxes.resolve(line.tax_rate, include).ids)],
                "retail_external_line_id": line.external_id,
                "retail_commission": float(line.commission or 0),
            }
        for index, shipping in enumerate(order.shipping):
            yield {
                "product_id": self.backend.shipping_product_id.id,
                "name": shipping.name or shipping.code or _("Shipping"),
                "product_uom_qty": 1.0,
                "price_unit": float(shipping.amount),
                "discount": 0.0,
                "is_delivery": True,
                "tax_id": [(6, 0, self.taxes.resolve(shipping.tax_rate, include).ids)],
                "retail_external_line_id": f"shipping:{shipping.code or index}",
            }
        for index, fee in enumerate(order.fees):
            yield {
                "product_id": self.backend.fee_product_id.id,
                "name": fee.name or _("Fee"),
                "product_uom_qty": 1.0,
                "price_unit": float(fee.amount),
                "discount": 0.0,
                "tax_id": [(6, 0, self.taxes.resolve(fee.tax_rate, include).ids)],
                "retail_external_line_id": f"fee:{index}",
            }

    def _create(self, order):
        values = self._header_values(order, self.SaleOrder)
        values.update(
            retail_backend_id=self.backend.id,
            retail_external_id=order.external_id,
            company_id=self.company.id,
            warehouse_id=self.warehouse.id,
            team_id=self.backend.team_id.id or False,
            user_id=False,
        )
        sale = self.SaleOrder.with_context(tracking_disable=True).create(values)
        sale.order_line = self._line_commands(sale, order)
        return sale

    def _update(self, sale, order):
        values = self._header_values(order, sale)
        if sale.state == "sale":
            # Addresses and pricelist of a confirmed order are settled.
            for key in ("partner_id", "partner_invoice_id", "pricelist_id"):
                values.pop(key)
        if sale.state == "cancel" and order.status != "cancelled":
            sale.action_draft()
        sale.write(values)
        if sale.state in ("draft", "sent", "sale"):
            commands = self._line_commands(sale, order)
            if sale.state == "sale":
                commands = self._reduce_undelivered(sale, commands)
            sale.order_line = commands

    def _reduce_undelivered(self, sale, commands):
        """Apply the quantity decreases of a confirmed order to its deliveries.

        The channel reduced a line not shipped yet (a marketplace operator
        cancelled units): the pending delivery carries fewer units. Odoo's own
        procurement would keep the delivery and add a return of units that
        never left. Decreases below what is already delivered are left to
        Odoo, which refuses them. Returns the commands still to write.
        """
        remaining = []
        for command in commands:
            if command[0] != 1 or "product_uom_qty" not in command[2]:
                remaining.append(command)
                continue
            line = sale.order_line.browse(command[1])
            decrease = line.product_uom_qty - command[2]["product_uom_qty"]
            moves = line.move_ids.filtered(
                lambda m: (
                    m.state not in ("done", "cancel")
                    and m.location_dest_id.usage == "customer"
                )
            ).sorted("id", reverse=True)
            if decrease <= 0 or decrease > sum(moves.mapped("product_uom_qty")):
                remaining.append(command)
                continue
            for move in moves:
                if decrease <= 0:
                    break
                taken = min(decrease, move.product_uom_qty)
                decrease -= taken
                if taken == move.product_uom_qty:
                    move._action_cancel()
                else:
                    move.product_uom_qty -= taken
            values = dict(command[2])
            line.with_context(skip_procurement=True).write(
                {"product_uom_qty": values.pop("product_uom_qty")}
            )
            remaining.append((1, line.id, values))
        return remaining

    def _apply_status(self, sale, order):
        if order.status == "cancelled":
            if sale.state != "cancel":
                sale.with_context(disable_cancel_warning=True)._action_cancel()
            return
        if (
            order.status in CONFIRMED_STATUSES
            and self.backend.auto_confirm
            and sale.state in ("draft", "sent")
        ):
            sale.action_confirm()

    def _check_total(self, sale, order):
        if order.total is None:
            return
        currency = sale.currency_id
        tolerance = self.backend.total_tolerance
        difference = float_round(
            abs(sale.amount_total - float(order.total)),
            precision_rounding=currency.rounding,
        )
        if (
            float_compare(difference, tolerance, precision_rounding=currency.rounding)
            > 0
        ):
            channel_total = f"{order.total:f}"
            odoo_total = "%.2f" % sale.amount_total
            gap, allowed = "%.2f" % difference, "%.2f" % tolerance
            raise RetailBusinessError(
                _(
                    "Order total mismatch: the channel says %(channel)s %(currency)s, "
                    "Odoo computes %(odoo)s %(currency)s (difference %(diff)s, "
                    "tolerance %(tolerance)s). Check the tax mappings and prices, "
                    "then press Retry.",
                    channel=channel_total,
                    odoo=odoo_total,
                    currency=order.currency,
                    diff=gap,
                    tolerance=allowed,
                )
            )
        sale.retail_channel_total = float(order.total)
