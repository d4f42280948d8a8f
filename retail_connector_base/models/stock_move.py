from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _retail_notify_stock_change(self):
        self.env["retail.backend"]._notify_stock_change(self.product_id)

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        moves._retail_notify_stock_change()
        return moves

    def _action_assign(self, force_qty=False):
        result = super()._action_assign(force_qty=force_qty)
        # Reservations change the free quantity the channels may sell.
        self._retail_notify_stock_change()
        return result

    def _do_unreserve(self):
        result = super()._do_unreserve()
        self._retail_notify_stock_change()
        return result
