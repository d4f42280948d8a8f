"""Return rate by product and by reason, from channel orders and returns."""

from odoo import fields, models, tools


class RetailReturnReport(models.Model):
    """One row per storefront connection, product and reason: units sold on
    the channel's orders, units returned, and their rate."""

    _name = "retail.return.report"
    _description = "Channel Return Rates"
    _auto = False
    _order = "returned_qty desc"

    backend_id = fields.Many2one("retail.backend", string="Sold Through", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    reason_id = fields.Many2one("rma.reason", readonly=True)
    # A product's units sold stand on each of its reason rows: never add them.
    sold_qty = fields.Float(string="Units Sold", readonly=True, aggregator="max")
    returned_qty = fields.Float(string="Units Returned", readonly=True)
    # Per product, its reasons' rates add up to its return rate.
    return_rate = fields.Float(
        string="Return Rate (%)", readonly=True, aggregator="sum"
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS (
            WITH sold AS (
                SELECT so.retail_backend_id AS backend_id, so.company_id,
                       sol.product_id, SUM(sol.qty_delivered) AS qty
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE so.retail_backend_id IS NOT NULL AND so.state = 'sale'
                 GROUP BY so.retail_backend_id, so.company_id, sol.product_id
            ), returned AS (
                SELECT so.retail_backend_id AS backend_id, rma.product_id,
                       rma.reason_id, SUM(rma.product_uom_qty) AS qty
                  FROM rma
                  JOIN sale_order so ON so.id = rma.order_id
                 WHERE rma.batch_id IS NOT NULL AND rma.state != 'cancelled'
                   AND so.retail_backend_id IS NOT NULL
                 GROUP BY so.retail_backend_id, rma.product_id, rma.reason_id
            )
            SELECT row_number() OVER () AS id,
                   sold.backend_id, sold.company_id, sold.product_id,
                   returned.reason_id,
                   sold.qty AS sold_qty,
                   COALESCE(returned.qty, 0) AS returned_qty,
                   CASE WHEN sold.qty > 0
                        THEN 100.0 * COALESCE(returned.qty, 0) / sold.qty
                        ELSE 0 END AS return_rate
              FROM sold
              LEFT JOIN returned ON returned.backend_id = sold.backend_id
                                AND returned.product_id = sold.product_id
            )
            """
        )
