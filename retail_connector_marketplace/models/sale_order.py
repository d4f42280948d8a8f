"""Marketplace orders: the Mirakl state, the acceptance decision per line."""

import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..tools import api as mirakl_api
from ..tools import mappers


class SaleOrder(models.Model):
    _inherit = "sale.order"

    mirakl_state = fields.Char(
        string="Marketplace State",
        readonly=True,
        copy=False,
        help="The order's state on the marketplace, as last read.",
    )
    mirakl_can_cancel = fields.Boolean(readonly=True, copy=False)
    mirakl_payload = fields.Text(
        readonly=True,
        copy=False,
        help="The marketplace's order as last applied (JSON).",
    )
    mirakl_acceptance_state = fields.Selection(
        const.ACCEPTANCE_STATES,
        string="Acceptance",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
    )
    mirakl_decision_sent_at = fields.Datetime(
        string="Decision Sent", readonly=True, copy=False
    )
    mirakl_is_marketplace = fields.Boolean(compute="_compute_mirakl_is_marketplace")

    @api.depends("retail_backend_id.channel")
    def _compute_mirakl_is_marketplace(self):
        for order in self:
            order.mirakl_is_marketplace = (
                order.retail_backend_id.channel == const.CHANNEL
            )

    def _mirakl_order(self):
        """The marketplace's order as last applied (a dict)."""
        self.ensure_one()
        return json.loads(self.mirakl_payload or "{}")

    def _mirakl_check_waiting(self):
        for order in self:
            if (
                not order.mirakl_is_marketplace
                or order.mirakl_acceptance_state != "waiting"
                or order.mirakl_state != mirakl_api.WAITING_ACCEPTANCE
            ):
                raise UserError(
                    _("%s is not waiting for an acceptance decision.", order.name)
                )

    def action_mirakl_accept(self):
        """Accept every line on the marketplace (a person's decision)."""
        self._mirakl_check_waiting()
        for order in self:
            order.retail_backend_id._mirakl_record_decision(
                order,
                dict.fromkeys(order._mirakl_waiting_line_ids(), True),
                _("by %s", self.env.user.name),
            )
        return True

    def action_mirakl_refuse(self):
        """Refuse every line on the marketplace (a person's decision)."""
        self._mirakl_check_waiting()
        for order in self:
            order.retail_backend_id._mirakl_record_decision(
                order,
                dict.fromkeys(order._mirakl_waiting_line_ids(), False),
                _("by %s", self.env.user.name),
            )
        return True

    def action_mirakl_decide_by_stock(self):
        """Accept what the warehouse has free, refuse the rest."""
        self._mirakl_check_waiting()
        for order in self:
            order.retail_backend_id._mirakl_decide(order)
        return True

    def _mirakl_waiting_line_ids(self):
        self.ensure_one()
        return [line_id for line_id, _sku, _qty in self._mirakl_acceptance_lines()]

    def _mirakl_acceptance_lines(self):
        """``[(order line id, offer sku, quantity)]`` awaiting a decision."""
        return mappers.acceptance_lines(self._mirakl_order())


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    mirakl_acceptance = fields.Selection(
        [("accepted", "Accepted"), ("refused", "Refused")],
        string="Marketplace Decision",
        readonly=True,
        copy=False,
    )
