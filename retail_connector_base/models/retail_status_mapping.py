from odoo import fields, models

# What a channel's order status can mean for the sale order: the canonical
# statuses. A channel adds targets of its own with selection_add.
STATUS_TARGETS = [
    ("pending", "Quotation"),
    ("confirmed", "Confirmed order"),
    ("completed", "Confirmed order (already completed)"),
    ("cancelled", "Cancelled"),
]


class RetailStatusMapping(models.Model):
    """What one of the channel's order statuses means for the sale order.

    One table per connection, seeded with the channel's defaults
    (``retail.backend._channel_default_status_mapping``); change a row to
    make, say, on-hold orders confirmed sales instead of quotations.
    """

    _name = "retail.status.mapping"
    _inherit = "retail.connection.record"
    _description = "Retail Order Status Mapping"
    _order = "backend_id, channel_status"
    _rec_name = "channel_status"

    channel = fields.Selection(related="backend_id.channel")
    channel_status = fields.Char(
        required=True,
        help="The order status exactly as the channel sends it.",
    )
    target = fields.Selection(
        STATUS_TARGETS,
        string="In Odoo",
        required=True,
        help="Quotation: the order waits (e.g. unpaid). Confirmed: stock is "
        "reserved. Cancelled: the sale order is cancelled.",
    )

    _sql_constraints = [
        (
            "status_uniq",
            "unique(backend_id, channel_status)",
            "A channel status is mapped once per connection.",
        ),
    ]
