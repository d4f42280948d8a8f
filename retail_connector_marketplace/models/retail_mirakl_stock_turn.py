from odoo import api, fields, models
from odoo.tools import SQL


class RetailMiraklStockTurn(models.Model):
    """Whose turn it is to promise a warehouse's stock to a marketplace.

    Accepting an order by stock reads what is free, then records the
    decision. Two decisions on one warehouse must not both read the last
    unit: each takes this warehouse's row and bumps it first. Odoo's
    transactions are REPEATABLE READ, so a decision whose snapshot predates
    another's commit fails to serialize on the bump and runs again (a job is
    retried, a button is retried by the server), seeing the other's lines.
    """

    _name = "retail.mirakl.stock.turn"
    _description = "Marketplace Acceptance Turn"

    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, ondelete="cascade", index=True
    )
    turn = fields.Integer(default=0)

    _sql_constraints = [
        ("warehouse_uniq", "unique(warehouse_id)", "One turn per warehouse."),
    ]

    @api.model
    def _take(self, warehouse):
        """Take `warehouse`'s turn until this transaction ends.

        A serialization failure here is the expected outcome of a concurrent
        decision (see the class): the job is retried, so it is not logged as
        an error.
        """
        self.env.cr.execute(
            SQL(
                "INSERT INTO retail_mirakl_stock_turn (warehouse_id, turn)"
                " VALUES (%s, 0) ON CONFLICT (warehouse_id) DO NOTHING",
                warehouse.id,
            ),
            log_exceptions=False,
        )
        self.env.cr.execute(
            SQL(
                "UPDATE retail_mirakl_stock_turn SET turn = turn + 1"
                " WHERE warehouse_id = %s",
                warehouse.id,
            ),
            log_exceptions=False,
        )
