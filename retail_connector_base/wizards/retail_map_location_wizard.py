"""Map Location: the one-action fix of an order from an unknown channel location.

A channel selling from several places names the store or warehouse of each
order; one the connection's Locations tab does not map is a failure
(guessing would ship from the wrong place). The wizard proposes the
warehouses whose name or code is closest to the channel's location
(``tools.fix_proposals.rank_by_name``), adds the row and processes again
every order failed on it. A channel whose locations need more than a
warehouse (a store's point of sale) completes the row in
``retail.backend._location_mapped``.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.fix_proposals import rank_by_name


class RetailMapLocationWizard(models.TransientModel):
    _name = "retail.map.location.wizard"
    _inherit = "retail.guided.fix"
    _description = "Map a channel location to a warehouse"
    _failure_kind = "unknown_location"

    name = fields.Char(string="Channel Name", help="What the channel calls it.")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        help="Orders of this location are delivered from this warehouse; the "
        "closest name is proposed.",
    )

    @api.model
    def _fix_values(self, backend, value, exchange):
        warehouses = self.env["stock.warehouse"].search([])
        ranked = rank_by_name(
            value,
            [(w.id, f"{w.name} {w.code}") for w in warehouses],
        )
        best = ranked[0][0] if ranked and ranked[0][1] >= 0.5 else False
        return {"warehouse_id": best or backend.warehouse_id.id}

    def _fix_title(self):
        return _("Map Location %s", self.failure_value)

    def action_confirm(self):
        """Map the location to the warehouse and retry its failed orders."""
        self.ensure_one()
        if not self.warehouse_id:
            raise UserError(_("Pick the warehouse of %s.", self.failure_value))
        values = {"warehouse_id": self.warehouse_id.id, "active": True}
        if self.name:
            values["name"] = self.name
        row = self._save_answer(
            "retail.location.mapping",
            {"backend_id": self.backend_id.id, "location_code": self.failure_value},
            values,
        )
        self.backend_id._location_mapped(row)
        return self._retry_failed(
            _(
                "Location %(location)s mapped to %(warehouse)s",
                location=self.failure_value,
                warehouse=self.warehouse_id.display_name,
            )
        )
