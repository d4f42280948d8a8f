"""Settlement triggers on Odoo's accounting.

A posted invoice or credit note of a Mirakl order posts the transaction lines
that waited for it, without stopping the posting itself: what fails is left
for the settlement cron and logged. (A new bank statement line is matched
with the payouts waiting for it by the base's ``retail.payout.mixin``.)
"""

import logging

from odoo import models

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        customer_moves = posted.filtered(
            lambda m: m.move_type in ("out_invoice", "out_refund")
        )
        if customer_moves:
            customer_moves._mirakl_settle_waiting_lines()
        return posted

    def _mirakl_settle_waiting_lines(self):
        sales = self.sudo().line_ids.sale_line_ids.order_id.filtered(
            lambda s: s.retail_backend_id.channel == "mirakl"
        )
        if not sales:
            return
        Transaction = self.env["retail.mirakl.transaction"].sudo()
        waiting = Transaction.search(
            [
                ("move_id", "=", False),
                ("state", "=", "waiting"),
                "|",
                ("sale_order_id", "in", sales.ids),
                "&",
                ("backend_id", "in", sales.retail_backend_id.ids),
                (
                    "mirakl_order_id",
                    "in",
                    [s for s in sales.mapped("retail_external_id") if s],
                ),
            ]
        )
        if not waiting:
            return
        try:
            with self.env.cr.savepoint():
                waiting._mirakl_post()
        except Exception:
            _logger.exception(
                "Mirakl lines of %s not posted: the settlement cron retries",
                ", ".join(sales.mapped("name")),
            )
