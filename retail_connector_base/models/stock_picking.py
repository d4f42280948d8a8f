from odoo import _, models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "retail.correlated.mixin"]

    def _retail_trace_correlation(self):
        # A delivery confirmed by hand belongs to its channel order's chain.
        self.ensure_one()
        return self.retail_correlation_id or self.sale_id.retail_correlation_id or False

    def _action_done(self):
        result = super()._action_done()
        self._retail_enqueue_shipment_exports()
        return result

    def _retail_enqueue_shipment_exports(self):
        """Tell each channel its orders shipped, once per delivery."""
        for picking in self:
            if picking.state != "done" or picking.picking_type_code != "outgoing":
                continue
            picking.sale_id.retail_backend_id._enqueue_export(
                "_export_shipment_job",
                picking,
                "shipment",
                _("Push shipment %s", picking.name),
            )
