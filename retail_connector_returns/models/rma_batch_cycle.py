"""How long channel returns take, and the ones that stall."""

from datetime import timedelta

from odoo import _, api, fields, models


class RmaBatch(models.Model):
    _inherit = "rma.batch"  # pylint: disable=consider-merging-classes-inherited

    retail_requested_at = fields.Datetime(
        string="Requested On",
        readonly=True,
        copy=False,
        help="When the customer asked for the return on the channel.",
    )
    retail_refunded_at = fields.Datetime(
        string="Refunded On",
        compute="_compute_retail_cycle",
        store=True,
        help="When its credit note was posted.",
    )
    retail_cycle_days = fields.Float(
        string="Days to Refund",
        compute="_compute_retail_cycle",
        store=True,
        aggregator="avg",
        help="From the request on the channel to the credit note.",
    )
    retail_stuck_notified = fields.Boolean(readonly=True, copy=False)

    @api.depends(
        "retail_requested_at", "retail_refund_id.state", "retail_refund_id.date"
    )
    def _compute_retail_cycle(self):
        for batch in self:
            note = batch.retail_refund_id
            refunded = note.create_date if note.state == "posted" else False
            batch.retail_refunded_at = refunded
            start = batch.retail_requested_at or batch.create_date
            batch.retail_cycle_days = (
                (refunded - start).total_seconds() / 86400
                if refunded and start
                else 0.0
            )

    @api.model
    def _cron_retail_stuck_returns(self):
        """An activity for each channel return stalled past its connection's age."""
        now = fields.Datetime.now()
        batches = self.search(
            [
                ("retail_backend_id", "!=", False),
                ("state", "not in", ("cancelled",)),
                ("retail_refund_id", "=", False),
                ("retail_stuck_notified", "=", False),
            ]
        )
        for batch in batches:
            backend = batch.retail_backend_id
            age = backend.return_stuck_days
            start = batch.retail_requested_at or batch.create_date
            if not age or start + timedelta(days=age) > now:
                continue
            batch.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Return stalled for %s days", (now - start).days),
                note=_(
                    "Requested on %(date)s and not refunded yet: check where it "
                    "stands (receipt, inspection, exchange).",
                    date=start,
                ),
                user_id=(backend.user_id or self.env.ref("base.user_admin")).id,
            )
            batch.retail_stuck_notified = True
