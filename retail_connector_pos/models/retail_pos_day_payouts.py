"""A store day's card payouts: matched with the bank or not."""

import logging

from odoo import _, api, fields, models

_logger = logging.getLogger(__name__)


class RetailPosDay(models.Model):
    _inherit = "retail.pos.day"  # pylint: disable=consider-merging-classes-inherited

    payout_ids = fields.Many2many(
        "retail.pos.payout",
        "retail_pos_payout_day_rel",
        "day_id",
        "payout_id",
        string="Card Payouts",
        readonly=True,
        help="The Square payouts settling this day's card sales.",
    )
    payout_state = fields.Selection(
        [
            ("none", "None Yet"),
            ("waiting", "Not Matched"),
            ("matched", "All Matched"),
        ],
        string="Payouts",
        compute="_compute_payout_figures",
    )
    payout_net = fields.Monetary(
        compute="_compute_payout_figures",
        string="Paid Out",
        help="What the day's card payouts brought to the bank.",
    )
    payout_fees = fields.Monetary(compute="_compute_payout_figures", string="Fees")

    @api.depends("payout_ids.state", "payout_ids.net")
    def _compute_payout_figures(self):
        for day in self:
            payouts = day.payout_ids
            day.payout_net = sum(payouts.mapped("net"))
            day.payout_fees = sum(payouts.mapped("fees"))
            if not payouts:
                day.payout_state = "none"
            elif all(p.state == "matched" for p in payouts):
                day.payout_state = "matched"
            else:
                day.payout_state = "waiting"

    def _close(self):
        result = super()._close()
        # Payouts that waited for this day's closing; they may not stop it.
        waiting = self.payout_ids.filtered(
            lambda p: p.status == "PAID" and not p.statement_line_id
        )
        if waiting:
            try:
                with self.env.cr.savepoint():
                    waiting._payout_match_bank()
            except Exception:
                _logger.exception("Payouts of %s not matched at closing", self.ids)
        return result

    def _discrepancies(self):
        problems = super()._discrepancies()
        for payout in self.payout_ids.filtered("overdue"):
            problems.append(
                _(
                    "Card payout %(payout)s (due %(date)s, %(net)s) is not matched "
                    "with the bank: %(why)s",
                    payout=payout.end_to_end_id or payout.name,
                    date=payout.arrival_date,
                    net=payout.net,
                    why=payout.match_note or "",
                )
            )
        return problems

    def action_open_payouts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_pos.action_retail_pos_payout"
        )
        action["domain"] = [("id", "in", self.payout_ids.ids)]
        return action
