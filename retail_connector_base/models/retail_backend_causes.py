"""The connection's most frequent failure cause, fixable from the dashboard."""

from odoo import fields, models

from .retail_failure_cause import FAILURE_KINDS


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _failure_kinds(self):
        """``{kind: (label, what happened, what to do)}``: the causes a failed
        exchange may carry, each with its runbook.

        A channel addon adds a kind of its own with ``super()`` (texts marked
        with ``LazyTranslate`` or plain), raises it as a ``cause_kind``, and
        registers its guided fix in ``_guided_fix_models``. A cause of a kind
        not listed here is stored without its cause.
        """
        return dict(FAILURE_KINDS)

    failure_top_cause_id = fields.Many2one(
        "retail.failure.cause",
        string="Top Failure Cause",
        compute="_compute_failure_top_cause",
    )
    failure_top_cause = fields.Char(compute="_compute_failure_top_cause")

    def _compute_failure_top_cause(self):
        causes = self.env["retail.failure.cause"].search(
            [("backend_id", "in", self.ids)], order="exchange_count desc, id"
        )
        top = {}
        for cause in causes:
            top.setdefault(cause.backend_id.id, cause)
        for backend in self:
            cause = top.get(backend.id, causes.browse())
            backend.failure_top_cause_id = cause
            backend.failure_top_cause = cause.summary if cause else False

    def action_fix_top_cause(self):
        """The guided fix of the top cause (Map SKU, Map Tax…), else the
        cause with its failed exchanges and what to do."""
        self.ensure_one()
        cause = self.failure_top_cause_id
        if not cause:
            return self.action_open_failures()
        if cause.failure_kind in self._guided_fix_models() and cause.failure_value:
            return cause.action_guided_fix()
        return {
            "type": "ir.actions.act_window",
            "res_model": "retail.failure.cause",
            "res_id": cause.id,
            "view_mode": "form",
            "target": "current",
        }
