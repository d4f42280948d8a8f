"""Return policies of a connection, and the canonical returns they govern.

Any connection whose channel brings returns (feature ``returns``) has them:
the return window, automatic approval, when the refund leaves, and how its
reason codes read in Odoo. A canonical ``Return`` is applied by the
``ReturnProcessor`` as one RMA batch of OCA RMAs on the original sale order.
"""

from odoo import fields, models

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.tools import canonical_return

from .. import const
from ..services.return_processor import LabelProcessor, ReturnProcessor


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    return_storefront_ids = fields.Many2many(
        "retail.backend",
        "retail_backend_return_storefront_rel",
        "returns_backend_id",
        "storefront_backend_id",
        string="Orders Sold By",
        help="The connections whose orders this channel's returns refer to (the "
        "storefront of a returns platform). The refund goes back through the "
        "connection that sold the order.",
    )
    return_window_days = fields.Integer(
        string="Return Window (days)",
        default=30,
        help="A return requested later than this after the order waits for a "
        "person's approval. 0: no limit.",
    )
    return_auto_approve = fields.Boolean(
        string="Approve Returns Automatically",
        default=True,
        help="Returns within the window are approved at once: the receipt is "
        "created and the goods expected.",
    )
    return_refund_when = fields.Selection(
        const.REFUND_WHEN,
        string="Refund",
        default=const.DEFAULT_REFUND_WHEN,
        help="When the money leaves. A refund never goes out before the goods "
        "are back unless this says 'On approval'.",
    )
    return_reason_ids = fields.One2many(
        "retail.return.reason", "backend_id", string="Return Reasons"
    )
    return_stuck_days = fields.Integer(
        string="Flag Returns Stalled After (days)",
        default=14,
        help="A channel return not refunded this long after its request gets an "
        "activity for the connection's responsible. 0: never.",
    )
    return_default_reason_id = fields.Many2one(
        "rma.reason",
        string="Default Return Reason",
        help="For a reason code no line of the table maps.",
    )

    def _return_operation(self):
        """The RMA operation of this connection's refund policy."""
        self.ensure_one()
        return self.env.ref(const.OPERATION_BY_POLICY[self._return_policy()])

    def _return_policy(self):
        """When the money of this connection's returns leaves (a cleared
        setting reads as the default)."""
        return self.return_refund_when or const.DEFAULT_REFUND_WHEN

    def _return_reason(self, code):
        """The RMA reason a channel reason code reads as (may be empty)."""
        self.ensure_one()
        mapping = self.return_reason_ids.filtered(lambda r: r.channel_code == code)
        return mapping[:1].reason_id or self.return_default_reason_id

    def _canonical_processors(self):
        processors = super()._canonical_processors()
        if self._channel_supports(base_const.FEATURE_RETURNS):
            processors.update(
                {
                    canonical_return.Return: ReturnProcessor,
                    canonical_return.LabelEvent: LabelProcessor,
                }
            )
        return processors
