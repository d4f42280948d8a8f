from odoo import _, api, fields, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "retail.correlated.mixin"]

    retail_backend_id = fields.Many2one(
        "retail.backend",
        string="Channel Connection",
        readonly=True,
        copy=False,
        index=True,
        ondelete="restrict",
    )
    retail_external_id = fields.Char(
        string="Channel Order ID", readonly=True, copy=False, index=True
    )
    retail_updated_at = fields.Datetime(
        string="Channel Last Update",
        readonly=True,
        copy=False,
        help="Channel modification time of the last applied event; older events "
        "are ignored.",
    )
    retail_channel_total = fields.Monetary(
        string="Channel Total", readonly=True, copy=False
    )
    retail_payment_method = fields.Char(
        string="Channel Payment Method", readonly=True, copy=False
    )
    retail_payment_reference = fields.Char(
        string="Channel Payment Reference", readonly=True, copy=False
    )
    retail_exchange_ids = fields.One2many(
        "retail.exchange",
        compute="_compute_retail_exchange_ids",
        string="Channel Exchanges",
    )
    retail_exchange_count = fields.Integer(compute="_compute_retail_exchange_ids")
    retail_commission = fields.Monetary(
        string="Channel Commission",
        compute="_compute_retail_commission",
        store=True,
        help="What the channel keeps of this order (tax excluded).",
    )
    retail_net_after_commission = fields.Monetary(
        string="Net after Commission",
        compute="_compute_retail_commission",
        store=True,
        help="Untaxed amount of the order less the channel's commission.",
    )

    _sql_constraints = [
        (
            "retail_external_uniq",
            "unique(retail_backend_id, retail_external_id)",
            "A channel order is imported once per connection.",
        ),
    ]

    def _compute_retail_exchange_ids(self):
        for order in self:
            if order.retail_backend_id and order.retail_external_id:
                exchanges = self.env["retail.exchange"].search(
                    [
                        ("backend_id", "=", order.retail_backend_id.id),
                        ("external_id", "=", order.retail_external_id),
                    ]
                )
            else:
                exchanges = self.env["retail.exchange"]
            order.retail_exchange_ids = exchanges
            order.retail_exchange_count = len(exchanges)

    @api.depends("order_line.retail_commission", "amount_untaxed")
    def _compute_retail_commission(self):
        for order in self:
            commission = sum(order.order_line.mapped("retail_commission"))
            order.retail_commission = commission
            order.retail_net_after_commission = order.amount_untaxed - commission

    def _action_cancel(self):
        result = super()._action_cancel()
        # Cancellations the channel made itself arrive as events and are
        # applied with this context key: they are never sent back.
        if not self.env.context.get("retail_from_channel"):
            self._retail_enqueue_cancel_exports()
        return result

    def _retail_enqueue_cancel_exports(self):
        """Queue one job per cancelled channel order telling its channel."""
        for order in self.filtered(lambda o: o.state == "cancel"):
            order.retail_backend_id._enqueue_export(
                "_export_order_cancel_job",
                order,
                "cancel",
                _("Cancel %s on the channel", order.name),
            )

    def action_view_retail_exchanges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_base.action_retail_exchange"
        )
        action["domain"] = [("id", "in", self.retail_exchange_ids.ids)]
        action["context"] = {}
        return action


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    retail_external_line_id = fields.Char(
        string="Channel Line ID", readonly=True, copy=False
    )
    retail_commission = fields.Monetary(
        string="Channel Commission",
        readonly=True,
        copy=False,
        help="What the channel keeps of this line (tax excluded), as it said.",
    )
