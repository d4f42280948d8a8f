from odoo import fields, models


class RetailConnectionRecord(models.AbstractModel):
    """A record that belongs to one connection, and so to its company.

    Mappings, mirrors and checkpoints of a connection inherit it: deleted
    with their connection, seen by the users of its company (the record
    rules filter on ``company_id``).
    """

    _name = "retail.connection.record"
    _description = "Record of a Retail Channel Connection"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
