"""What an RMA of a channel return gives back: money, an exchange, store credit.

Only refund units, and the difference of an exchange for a cheaper variant,
are money on the batch's credit note; store credit goes on an eWallet and an
exchange is a sale order (see rma_batch_outcome.py).
"""

from odoo import _, fields, models


class Rma(models.Model):
    _inherit = "rma"  # pylint: disable=consider-merging-classes-inherited

    retail_exchange_order_id = fields.Many2one(
        "sale.order",
        string="Exchange Order",
        readonly=True,
        copy=False,
        help="The sale order that ships the variant the customer exchanges for.",
    )
    retail_exchange_refund_unit = fields.Float(
        string="Exchange Difference Refunded (unit)",
        digits="Product Price",
        readonly=True,
        copy=False,
        help="The exchange variant costs less than the returned item: this "
        "difference per unit, before tax, is refunded on the return's credit note.",
    )

    def _retail_refunds_money(self):
        """Whether this RMA is a line of its channel return's credit note:
        a refund, or an exchange for a cheaper variant (its difference).
        Store credit never is."""
        self.ensure_one()
        if self.retail_outcome == "credit":
            return False
        if self.retail_outcome == "exchange":
            return bool(
                self.retail_exchange_order_id and self.retail_exchange_refund_unit > 0
            )
        return True

    def _retail_sale_line(self):
        self.ensure_one()
        return self._get_sale_line()

    def _retail_returned_unit_price(self):
        """The price of one returned unit as sold (after discount), in the
        terms of its order line (before tax for tax-excluded prices)."""
        line = self._retail_sale_line()
        return line.price_unit * (1 - (line.discount or 0.0) / 100.0)

    def _retail_returned_value(self):
        """What the returned units cost the customer, taxes included."""
        line = self._retail_sale_line()
        if not line.product_uom_qty:
            return 0.0
        value = line.price_total / line.product_uom_qty * self.product_uom_qty
        return line.currency_id.round(value)

    def _prepare_refund_line_vals(self):
        vals = super()._prepare_refund_line_vals()
        if self.retail_outcome == "exchange" and self.retail_exchange_refund_unit > 0:
            vals.update(
                {
                    "name": _(
                        "Exchange difference: %(product)s for %(variant)s",
                        product=self.product_id.display_name,
                        variant=self.retail_exchange_order_id.order_line.filtered(
                            lambda line: line.retail_exchange_rma_id == self
                        )[:1].product_id.display_name
                        or self.retail_exchange_sku,
                    ),
                    "price_unit": self.retail_exchange_refund_unit,
                    "discount": 0.0,
                }
            )
        return vals


class SaleOrder(models.Model):
    _inherit = "sale.order"

    retail_exchange_batch_id = fields.Many2one(
        "rma.batch",
        string="Exchange for Return",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The channel return whose exchanged units this order ships.",
    )


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    retail_exchange_rma_id = fields.Many2one(
        "rma", string="Exchange for RMA", readonly=True, copy=False
    )
