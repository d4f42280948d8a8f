"""A Loop return is closed on the platform once its money has left."""

from odoo import _, models

from odoo.addons.retail_connector_base import const as base_const

from .. import const


class RmaBatch(models.Model):
    _inherit = "rma.batch"  # pylint: disable=consider-merging-classes-inherited

    def _retail_refund(self):
        result = super()._retail_refund()
        for batch in self.filtered(
            lambda b: (
                b.retail_backend_id.channel == const.CHANNEL and b.retail_refund_id
            )
        ):
            batch.retail_backend_id.with_delay(
                channel=base_const.JOB_CHANNEL_OUTBOUND,
                identity_key=f"loop-close-{batch.id}",
                description=_("Close return %s on Loop", batch.retail_external_id),
            )._loop_close_return_job(batch.id)
        return result
