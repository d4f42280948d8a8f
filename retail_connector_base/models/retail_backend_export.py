"""Cancellations and credit notes made in Odoo, exported to the channel.

The generic jobs live here; each channel implements the hooks
``_export_order_cancel(order)`` and ``_export_refund(move)``.
"""

from odoo import _, models
from odoo.exceptions import UserError

from .. import const
from ..services.locks import lock_or_retry
from ..tools import http_client


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    def _enqueue_export(self, job_method, record, kind, description):
        """Queue ``job_method(record.id)`` on the outbound job channel.

        Its identity key ``retail-<kind>-<record id>`` makes it one job per
        record while it waits. No connection, or one not active, queues
        nothing.
        """
        if not self or self.state != "active":
            return
        delayed = self.with_delay(
            channel=const.JOB_CHANNEL_OUTBOUND,
            identity_key=f"retail-{kind}-{record.id}",
            description=description,
        )
        getattr(delayed, job_method)(record.id)

    def _retail_export(self, record, hook):
        """Call the channel hook ``hook(record)``; return (result, refusal).

        A failure that may pass postpones the job. A refusal by the channel
        (any other ChannelHttpError, or a UserError) is said on `record` and
        its text returned; the job then ends without raising, so that the
        failed outbound exchange recorded by the hook stays in the exception
        queue.
        """
        try:
            return hook(record), None
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise self._retry_later(exc) from exc
            return None, self._retail_refused(record, exc)
        except UserError as exc:
            return None, self._retail_refused(record, exc)

    def _retail_refused(self, record, error):
        """Say on `record` that the channel refused an export; return the text."""
        message = _(
            "The channel refused it: %s", error.args[0] if error.args else error
        )
        record.message_post(body=message)
        return message

    # ------------------------------------------------------------------
    # Cancellations
    # ------------------------------------------------------------------
    def _export_order_cancel_job(self, order_id):
        """Job: cancel on the channel an order cancelled in Odoo."""
        self.ensure_one()
        order = self.env["sale.order"].browse(order_id).exists()
        if not order or order.state != "cancel" or order.retail_backend_id != self:
            return _("Nothing to do: the order is not cancelled any more.")
        result, refused = self._retail_export(order, self._export_order_cancel)
        return refused or result or _("Nothing to send for this channel.")

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

    # ------------------------------------------------------------------
    # Refunds
    # ------------------------------------------------------------------
    def _export_refund_job(self, move_id):
        """Job: refund a posted credit note on its order's channel."""
        self.ensure_one()
        move = self.env["account.move"].browse(move_id).exists()
        if not move or move.state != "posted" or move.move_type != "out_refund":
            return _("Nothing to do: the credit note is not posted.")
        if move.retail_external_refund_id:
            return _(
                "Nothing to do: already refunded on the channel (%s).",
                move.retail_external_refund_id,
            )
        order = move._retail_channel_order()
        if order.retail_backend_id != self:
            return _("Nothing to do: the credit note is not for this connection.")
        # The same lock as the processor of the channel's refunds: the refund
        # created here comes back in the channel's order events, and must be
        # recognised as this credit note, not become a second one.
        lock_or_retry(self.env, self.id, "refund", order.retail_external_id)
        external_id, refused = self._retail_export(move, self._export_refund)
        if refused:
            return refused
        if not external_id:
            return _("Nothing to send for this channel.")
        move.write(
            {"retail_backend_id": self.id, "retail_external_refund_id": external_id}
        )
        message = _(
            "Refunded on %(backend)s (refund %(refund)s).",
            backend=self.name,
            refund=external_id,
        )
        move.message_post(body=message)
        return message

    def _export_refund(self, move):
        """Refund credit note `move` on the channel (hook).

        Return the channel's refund id, or False when the channel takes no
        refunds (the generic channel does not).
        """
        self.ensure_one()
        return False
