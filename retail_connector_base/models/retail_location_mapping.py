from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class RetailLocationMapping(models.Model):
    """One of the channel's stores or warehouses, and the Odoo warehouse it is.

    A connection selling from several places (a marketplace's warehouse
    codes, the stores of a POS) maps each of the channel's location codes to
    a warehouse, possibly of another company (a franchise store). Orders that
    name a location are delivered from its warehouse, in its company; stock
    is pushed per location from its warehouse. Without a mapping, everything
    goes through the connection's warehouse.
    """

    _name = "retail.location.mapping"
    _description = "Retail Channel Location"
    _order = "backend_id, sequence, id"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    location_code = fields.Char(
        string="Channel Location",
        required=True,
        help="The channel's code of the store or warehouse, as it sends it.",
    )
    name = fields.Char(help="What the channel calls it, for people.")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        help="Orders of this location are delivered from this warehouse, and its "
        "stock is what the channel is told is available there.",
    )
    company_id = fields.Many2one(
        related="warehouse_id.company_id", store=True, index=True
    )

    _sql_constraints = [
        (
            "backend_location_uniq",
            "unique(backend_id, location_code)",
            "A channel location is mapped once per connection.",
        ),
    ]

    @api.depends("location_code", "name", "warehouse_id")
    def _compute_display_name(self):
        for mapping in self:
            label = mapping.name or mapping.location_code
            mapping.display_name = f"{label} → {mapping.warehouse_id.name or ''}"

    @api.constrains("location_code")
    def _check_location_code(self):
        for mapping in self:
            if not (mapping.location_code or "").strip():
                raise ValidationError(_("A channel location needs its code."))
