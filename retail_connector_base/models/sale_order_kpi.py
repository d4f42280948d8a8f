"""When a channel order was placed, and when Odoo confirmed it.

Odoo moves ``date_order`` to the confirmation time, so the channel's order
time is kept apart: their difference is the order completion lag of the
daily KPIs (``retail.kpi.daily``).
"""

from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    retail_ordered_at = fields.Datetime(
        string="Ordered on the Channel",
        readonly=True,
        copy=False,
        help="When the customer placed the order, as the channel says.",
    )
    retail_confirmed_at = fields.Datetime(
        string="Confirmed in Odoo",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    def _action_confirm(self):
        result = super()._action_confirm()
        # The first confirmation only: a quotation set back to draft and
        # confirmed again was complete the first time.
        self.filtered(
            lambda order: order.retail_backend_id and not order.retail_confirmed_at
        ).write({"retail_confirmed_at": fields.Datetime.now()})
        return result
