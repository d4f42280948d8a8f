"""Per order: what was invoiced, what Mirakl settled, the commission.

A SQL view over the Mirakl connections' sale orders and the transaction
lines of their orders (an order Odoo does not have still shows, settled but
not invoiced).
"""

from odoo import fields, models, tools

DISCREPANCIES = [
    ("not_invoiced", "Settled, not invoiced"),
    ("not_settled", "Invoiced, not settled after the cycle"),
    ("amount", "Amounts differ"),
]


class RetailMiraklSettlementOrder(models.Model):
    _name = "retail.mirakl.settlement.order"
    _description = "Mirakl Settlement per Order"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "mirakl_order_id"

    backend_id = fields.Many2one("retail.backend", string="Connection", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    mirakl_order_id = fields.Char(readonly=True)
    date = fields.Datetime(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    invoiced = fields.Monetary(readonly=True, help="Invoices minus credit notes.")
    settled = fields.Monetary(
        readonly=True, help="Order amounts minus refunds, as Mirakl settled them."
    )
    commission = fields.Monetary(readonly=True, help="Commissions and their VAT.")
    net = fields.Monetary(readonly=True, help="Settled plus commission.")
    difference = fields.Monetary(readonly=True, help="Invoiced minus settled.")
    waiting_count = fields.Integer(string="Lines Waiting", readonly=True)
    paid = fields.Boolean(string="Paid Out", readonly=True)
    discrepancy = fields.Selection(DISCREPANCIES, readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
CREATE OR REPLACE VIEW {self._table} AS (
WITH tx AS (
    SELECT t.backend_id, t.mirakl_order_id,
        MIN(t.id) AS first_id,
        MIN(t.date_created) AS date,
        MAX(t.currency_id) AS currency_id,
        SUM(CASE WHEN t.category = 'customer' THEN t.amount ELSE 0 END) AS settled,
        SUM(CASE WHEN t.category IN ('commission', 'operator_vat')
            THEN t.amount ELSE 0 END) AS commission,
        COUNT(*) FILTER (WHERE t.move_id IS NULL) AS waiting_count,
        BOOL_AND(t.payment_state = 'PAID') AS paid
    FROM retail_mirakl_transaction t
    WHERE t.mirakl_order_id IS NOT NULL
    GROUP BY t.backend_id, t.mirakl_order_id
), sale AS (
    SELECT so.id, so.retail_backend_id AS backend_id,
        so.retail_external_id AS mirakl_order_id, so.date_order, so.currency_id,
        so.company_id
    FROM sale_order so
    JOIN retail_backend b ON b.id = so.retail_backend_id AND b.channel = 'mirakl'
    WHERE so.state = 'sale'
), inv AS (
    SELECT x.sale_id, SUM(m.amount_total_in_currency_signed) AS invoiced,
        MAX(m.invoice_date) AS invoice_date
    FROM (
        SELECT DISTINCT sol.order_id AS sale_id, aml.move_id
        FROM sale_order_line_invoice_rel rel
        JOIN sale_order_line sol ON sol.id = rel.order_line_id
        JOIN account_move_line aml ON aml.id = rel.invoice_line_id
    ) x
    JOIN account_move m ON m.id = x.move_id
        AND m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund')
    GROUP BY x.sale_id
), cycle AS (
    SELECT backend_id, MAX(issue_date) AS last_issue
    FROM retail_mirakl_document GROUP BY backend_id
), joined AS (
    SELECT
        COALESCE(sale.id, -tx.first_id) AS id,
        COALESCE(sale.backend_id, tx.backend_id) AS backend_id,
        sale.id AS sale_order_id,
        COALESCE(sale.mirakl_order_id, tx.mirakl_order_id) AS mirakl_order_id,
        COALESCE(sale.date_order, tx.date) AS date,
        COALESCE(sale.currency_id, tx.currency_id) AS currency_id,
        COALESCE(inv.invoiced, 0) AS invoiced,
        COALESCE(tx.settled, 0) AS settled,
        COALESCE(tx.commission, 0) AS commission,
        COALESCE(tx.waiting_count, 0) AS waiting_count,
        COALESCE(tx.paid, FALSE) AS paid,
        inv.invoice_date
    FROM sale
    FULL OUTER JOIN tx ON tx.backend_id = sale.backend_id
        AND tx.mirakl_order_id = sale.mirakl_order_id
    LEFT JOIN inv ON inv.sale_id = sale.id
)
SELECT j.id, j.backend_id, b.company_id, j.sale_order_id, j.mirakl_order_id,
    j.date, j.currency_id, j.invoiced, j.settled, j.commission,
    j.settled + j.commission AS net,
    j.invoiced - j.settled AS difference,
    j.waiting_count, j.paid,
    CASE
        WHEN j.settled <> 0 AND j.invoiced = 0 THEN 'not_invoiced'
        WHEN j.invoiced <> 0 AND j.settled = 0 AND cycle.last_issue IS NOT NULL
            AND j.invoice_date < cycle.last_issue::date THEN 'not_settled'
        WHEN j.invoiced <> 0 AND j.settled <> 0
            AND ABS(j.invoiced - j.settled) > COALESCE(cur.rounding, 0.01)
            THEN 'amount'
    END AS discrepancy
FROM joined j
JOIN retail_backend b ON b.id = j.backend_id
LEFT JOIN res_currency cur ON cur.id = j.currency_id
LEFT JOIN cycle ON cycle.backend_id = j.backend_id
)
"""
        )
