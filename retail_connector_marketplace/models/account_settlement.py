"""Settlement triggers on Odoo's accounting.

A posted invoice or credit note of a Mirakl order posts the transaction lines
that waited for it; a new bank statement line is matched with the payouts
waiting for their transfer. Neither may stop the accounting action itself:
what fails is left for the settlement cron and logged.
"""

import logging

from odoo import api, models

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


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        Document = self.env["retail.mirakl.document"].sudo()
        if Document.search_count([("state", "in", ("paid", "discrepancy"))], limit=1):
            try:
                with self.env.cr.savepoint():
                    Document._mirakl_match_statement_lines(lines)
            except Exception:
                _logger.exception("Mirakl payouts not matched with %s", lines.ids)
        return lines
