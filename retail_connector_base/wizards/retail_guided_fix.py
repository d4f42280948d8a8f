"""Guided fixes: one wizard per failure kind, one contract for all of them.

A failure with a cause (``failure_kind`` + ``failure_value`` on the failed
exchange) is fixed from the exchange, from its line in Failures by Cause, or
from the dashboard card's top cause. Each fix is a wizard inheriting
``retail.guided.fix``: it proposes what the value at fault most likely
stands for, records the chosen answer (a mapping, a pricelist…) and processes
again every exchange of the connection failed on the same cause.

Which wizard fixes which kind is ``retail.backend._guided_fix_models()``: a
channel addon that raises a kind of its own (or fixes a base kind its own
way) registers its wizard there.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class RetailGuidedFix(models.AbstractModel):
    _name = "retail.guided.fix"
    _description = "Guided fix of a failure cause"

    # The failure kind the wizard fixes (set by each wizard).
    _failure_kind = None

    backend_id = fields.Many2one(
        "retail.backend", string="Connection", required=True, readonly=True
    )
    failure_value = fields.Char(string="Value at Fault", required=True, readonly=True)
    failed_count = fields.Integer(
        string="Failed Exchanges", compute="_compute_failed_count"
    )

    @api.depends("backend_id", "failure_value")
    def _compute_failed_count(self):
        for wizard in self:
            wizard.failed_count = len(wizard._failed_exchanges())

    def _failed_exchanges(self):
        """Every failed exchange of the connection with this cause."""
        self.ensure_one()
        if not self.backend_id or not self.failure_value:
            return self.env["retail.exchange"]
        return self.backend_id._failed_exchanges_of(
            self._failure_kind, self.failure_value
        )

    @api.model
    def _open_for(self, backend, value, exchange=None):
        """Create the wizard for `value` on `backend` and open it."""
        wizard = self.create(
            {
                "backend_id": backend.id,
                "failure_value": value,
                **self._fix_values(backend, value, exchange),
            }
        )
        wizard._after_open()
        return {
            "type": "ir.actions.act_window",
            "name": wizard._fix_title(),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _fix_values(self, backend, value, exchange):
        """Extra values of the wizard (its proposals…) (hook)."""
        return {}

    def _after_open(self):
        """Preselect the best proposal once the wizard exists (hook)."""

    def _fix_title(self):
        return self._description

    def _save_answer(self, model, key, values):
        """The row of `model` matching `key` (archived too) given `values`,
        or a new one: the mapping the fix records."""
        Model = self.env[model].with_context(active_test=False)
        row = Model.search([(name, "=", value) for name, value in key.items()], limit=1)
        if row:
            row.write(values)
        else:
            row = Model.create({**key, **values})
        return row

    def _retry_failed(self, message):
        """Process again every exchange failed on the cause; say so."""
        self.ensure_one()
        exchanges = self._failed_exchanges()
        if exchanges:
            exchanges.action_retry()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(fix)s: %(count)s failed exchanges are processed again.",
                    fix=message,
                    count=len(exchanges),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    def _guided_fix_models(self):
        """``{failure kind: wizard model}`` of the fixes offered (hook)."""
        return {
            "unknown_sku": "retail.map.sku.wizard",
            "unknown_tax_rate": "retail.map.tax.wizard",
            "unknown_status": "retail.map.status.wizard",
            "no_pricelist": "retail.fix.pricelist.wizard",
            "unknown_location": "retail.map.location.wizard",
        }

    def _failed_exchanges_of(self, kind, value):
        """The connection's failed exchanges of cause (`kind`, `value`)."""
        self.ensure_one()
        return self.env["retail.exchange"].search(
            [
                ("backend_id", "=", self.id),
                ("state", "=", "failed"),
                ("failure_kind", "=", kind),
                ("failure_value", "=", value),
            ]
        )

    def _companies(self):
        """The connection's company and those of its locations (a franchise
        store's): the companies its orders may be booked in."""
        self.ensure_one()
        return self.company_id | self.location_mapping_ids.company_id

    def _open_guided_fix(self, kind, value, exchange=None):
        """The fix of cause (`kind`, `value`) on this connection, opened."""
        self.ensure_one()
        model = self._guided_fix_models().get(kind)
        if not model or not value:
            raise UserError(_("This failure has no guided fix: see What to do."))
        return self.env[model]._open_for(self, value, exchange)

    def _location_mapped(self, mapping):
        """Complete a location row the Map Location fix just made (hook).

        A channel whose locations need more than a warehouse (a store's
        point of sale) fills in the rest here.
        """
        self.ensure_one()
