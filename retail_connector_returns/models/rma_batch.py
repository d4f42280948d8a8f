"""A channel return is one RMA batch: one reference, one credit note."""

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base import const as base_const


class RmaBatch(models.Model):
    _inherit = "rma.batch"  # pylint: disable=consider-merging-classes-inherited

    retail_backend_id = fields.Many2one(
        "retail.backend",
        string="Returns Channel",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    retail_external_id = fields.Char(
        string="Channel Return ID", readonly=True, copy=False, index=True
    )
    retail_order_id = fields.Many2one(
        "sale.order", string="Original Order", readonly=True, copy=False
    )
    retail_sale_backend_id = fields.Many2one(
        related="retail_order_id.retail_backend_id", string="Sold Through"
    )
    retail_status = fields.Char(string="Channel Status", readonly=True, copy=False)
    retail_updated_at = fields.Datetime(
        string="Channel Last Update", readonly=True, copy=False
    )
    retail_refund_id = fields.Many2one(
        "account.move", string="Credit Note", readonly=True, copy=False
    )
    retail_refund_by_hand = fields.Boolean(
        string="Refund by Hand",
        readonly=True,
        copy=False,
        help="The channel that sold the order takes no refunds from Odoo: the "
        "money must be given back there by a person.",
    )
    retail_note = fields.Text(string="Channel Note", readonly=True, copy=False)

    _sql_constraints = [
        (
            "retail_return_uniq",
            "unique(retail_backend_id, retail_external_id)",
            "A channel return is one RMA batch per connection.",
        ),
    ]

    def _retail_find(self, backend, external_id):
        """The RMA batch of a channel return of `backend` (or an empty one)."""
        return self.search(
            [
                ("retail_backend_id", "=", backend.id),
                ("retail_external_id", "=", str(external_id)),
            ],
            limit=1,
        )

    def _retail_refund_at(self, moment):
        """These batches whose connection lets the money leave at `moment`
        (approval, receipt or inspection)."""
        return self.filtered(
            lambda b: (
                b.retail_backend_id and b.retail_backend_id.return_refund_when == moment
            )
        )

    def _retail_refund(self):
        """One credit note for the RMAs of this channel return, posted.

        Posting it queues the refund on the channel that sold the order (the
        base's refund export), which records the channel's refund id on it:
        the money leaves once, however often this runs.
        """
        for batch in self:
            if batch.retail_refund_id:
                continue
            rmas = batch.rma_ids.filtered(
                lambda rma: (
                    rma.can_be_refunded
                    and not rma.refund_id
                    and rma._retail_refunds_money()
                )
            )
            if not rmas:
                continue
            rmas.action_refund()
            credit_note = rmas.refund_id[:1]
            if len(rmas.refund_id) > 1:
                raise UserError(
                    _(
                        "The RMAs of %s were refunded on several credit notes: "
                        "they must share one customer.",
                        batch.name,
                    )
                )
            credit_note.action_post()
            batch.retail_refund_id = credit_note
            sold_through = batch.retail_sale_backend_id
            if not sold_through._channel_supports(base_const.FEATURE_REFUND_EXPORT):
                batch.retail_refund_by_hand = True
                batch.message_post(
                    body=_(
                        "%(channel)s takes no refunds from Odoo: give the money "
                        "back there (credit note %(note)s).",
                        channel=sold_through.display_name or _("The channel"),
                        note=credit_note.name,
                    )
                )
                batch.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Refund by hand"),
                    user_id=(sold_through.user_id or self.env.user).id,
                )
