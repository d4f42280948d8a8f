"""Cancelling a channel order in Odoo cancels it on the channel.

Cancellations the channel made itself arrive as events and are applied with
the ``retail_from_channel`` context key, so they are never sent back.
"""

from odoo import _, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

from .. import const
from ..tools import http_client


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_cancel(self):
        result = super()._action_cancel()
        if not self.env.context.get("retail_from_channel"):
            self._retail_enqueue_cancel_exports()
        return result

    def _retail_enqueue_cancel_exports(self):
        """Queue one job per cancelled channel order telling its channel."""
        for order in self:
            backend = order.retail_backend_id
            if order.state != "cancel" or not backend or backend.state != "active":
                continue
            backend.with_delay(
                channel=const.JOB_CHANNEL_OUTBOUND,
                identity_key=f"retail-cancel-{order.id}",
                description=_("Cancel %s on the channel", order.name),
            )._export_order_cancel_job(order.id)


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    def _process_inbound_exchange(self, exchange):
        # What the channel did itself (a cancellation, say) must not be
        # exported back to it.
        return super(
            RetailBackend, self.with_context(retail_from_channel=True)
        )._process_inbound_exchange(exchange)

    def _export_order_cancel_job(self, order_id):
        """Job: cancel on the channel an order cancelled in Odoo."""
        self.ensure_one()
        order = self.env["sale.order"].browse(order_id).exists()
        if not order or order.state != "cancel" or order.retail_backend_id != self:
            return _("Nothing to do: the order is not cancelled any more.")
        try:
            result = self._export_order_cancel(order)
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
            return self._retail_refused(order, exc)
        except UserError as exc:
            return self._retail_refused(order, exc)
        return result or _("Nothing to send for this channel.")

    def _retail_refused(self, record, error):
        """Say on `record` that the channel refused an export; return the text.

        The job ends without raising so that the failed outbound exchange
        recorded by the channel hook stays in the exception queue.
        """
        message = _(
            "The channel refused it: %s", error.args[0] if error.args else error
        )
        record.message_post(body=message)
        return message

    def _export_order_cancel(self, order):
        """Cancel `order` on the channel (hook); return a summary."""
        self.ensure_one()
        if self.channel != "generic":
            return None
        self._generic_post_event(
            "order.cancelled",
            {
                "external_id": order.retail_external_id,
                "name": order.client_order_ref or order.name,
            },
            external_id=order.retail_external_id,
            record=order,
        )
        return _("Cancellation of %s pushed.", order.name)
