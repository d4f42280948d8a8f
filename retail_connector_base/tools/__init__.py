"""Pure helpers of the base addon: no Odoo, no ORM, unit-tested with pytest."""
