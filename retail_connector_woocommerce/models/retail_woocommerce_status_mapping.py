from odoo import fields, models

from .. import const
from ..tools import const as api_const


class RetailWoocommerceStatusMapping(models.Model):
    """What a WooCommerce order status means for the Odoo sale order.

    One table per connection, seeded with the defaults; change a row to make,
    say, on-hold orders confirmed sales instead of quotations.
    """

    _name = "retail.woocommerce.status.mapping"
    _description = "WooCommerce Order Status Mapping"
    _order = "backend_id, woocommerce_status"
    _rec_name = "woocommerce_status"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    woocommerce_status = fields.Selection(
        [(status, status) for status in api_const.ORDER_STATUSES],
        string="WooCommerce Status",
        required=True,
    )
    target = fields.Selection(
        const.STATUS_TARGETS,
        string="In Odoo",
        required=True,
        help="Quotation: the order waits (e.g. unpaid). Confirmed: stock is "
        "reserved. Cancelled: the sale order is cancelled. Refund handling: the "
        "order stays confirmed and its refunds become credit notes.",
    )

    _sql_constraints = [
        (
            "status_uniq",
            "unique(backend_id, woocommerce_status)",
            "A WooCommerce status is mapped once per connection.",
        ),
    ]
