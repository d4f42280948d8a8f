"""Map Status: the one-action fix of an order status without mapping.

A channel that lets shops add their own statuses (WooCommerce plug-ins add
``awaiting-shipment``, ``partial-payment``…) sends one the connection's
status table does not know. The wizard proposes what it means
(``tools.fix_proposals.rank_status_targets``: the target of a close known
status, then the status's words), adds the row to the connection's status
mapping and processes again every order failed on it.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.fix_proposals import rank_status_targets

REASONS = [
    ("similar", "Like a mapped status"),
    ("words", "Its words say so"),
    ("other", "Other"),
]


class RetailMapStatusWizard(models.TransientModel):
    _name = "retail.map.status.wizard"
    _inherit = "retail.guided.fix"
    _description = "Map a channel order status"
    _failure_kind = "unknown_status"

    target = fields.Selection(
        selection="_selection_target",
        string="In Odoo",
        help="What orders in this status become: the proposal first.",
    )
    proposed_target = fields.Selection(selection="_selection_target", readonly=True)
    proposal_reason = fields.Selection(REASONS, readonly=True)

    @api.model
    def _selection_target(self):
        return (
            self.env["retail.status.mapping"]
            ._fields["target"]
            ._description_selection(self.env)
        )

    @api.model
    def _fix_values(self, backend, value, exchange):
        targets = [key for key, _label in self._selection_target()]
        ranked = rank_status_targets(value, backend._status_mapping(), targets)
        target, reason = ranked[0] if ranked else (False, False)
        return {"target": target, "proposed_target": target, "proposal_reason": reason}

    def _fix_title(self):
        return _("Map Status %s", self.failure_value)

    def action_confirm(self):
        """Add the status to the connection's mapping and retry its orders."""
        self.ensure_one()
        if not self.target:
            raise UserError(_("Say what status %s means in Odoo.", self.failure_value))
        if not self.backend_id.status_mapping_ids:
            # The connection still reads its channel's defaults: make the
            # table its own first, so the new row does not hide the others.
            self.backend_id._seed_status_mapping()
        self._save_answer(
            "retail.status.mapping",
            {"backend_id": self.backend_id.id, "channel_status": self.failure_value},
            {"target": self.target},
        )
        labels = dict(self._selection_target())
        return self._retry_failed(
            _(
                "Status %(status)s mapped to %(target)s",
                status=self.failure_value,
                target=labels.get(self.target, self.target),
            )
        )
