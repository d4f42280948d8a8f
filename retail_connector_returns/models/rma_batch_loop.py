"""A Loop return is closed on the platform once its outcome is settled:
its money refunded on the storefront, or its exchange and store credit made."""

from odoo import _, models

from odoo.addons.retail_connector_base import const as base_const

from .. import const


class RmaBatch(models.Model):
    _inherit = "rma.batch"  # pylint: disable=consider-merging-classes-inherited

    def _loop_money_to_refund(self):
        """Whether some unit of this return is given back in money."""
        self.ensure_one()
        return any(
            rma._retail_refunds_money()
            for rma in self.rma_ids.filtered(lambda r: r.state != "cancelled")
        )

    def _retail_refund(self):
        result = super()._retail_refund()
        for batch in self.filtered(
            lambda b: (
                b.retail_backend_id.channel == const.CHANNEL
                and not b.retail_outcome_error
                and (b.retail_refund_id or not b._loop_money_to_refund())
            )
        ):
            batch.retail_backend_id.with_delay(
                channel=base_const.JOB_CHANNEL_OUTBOUND,
                identity_key=f"loop-close-{batch.id}",
                description=_("Close return %s on Loop", batch.retail_external_id),
            )._loop_close_return_job(batch.id)
        return result
