from odoo import _, models

from .. import const


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        result = super()._action_done()
        self._retail_enqueue_shipment_exports()
        return result

    def _retail_enqueue_shipment_exports(self):
        """Tell each channel its orders shipped, once per delivery."""
        for picking in self:
            order = picking.sale_id
            backend = order.retail_backend_id
            if (
                picking.state != "done"
                or picking.picking_type_code != "outgoing"
                or not backend
                or backend.state != "active"
            ):
                continue
            backend.with_delay(
                channel=const.JOB_CHANNEL_OUTBOUND,
                identity_key=f"retail-shipment-{picking.id}",
                description=_("Push shipment %s", picking.name),
            )._export_shipment_job(picking.id)
