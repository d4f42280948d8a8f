"""A store's business day in Odoo's point of sale: its session(s)."""

from odoo import fields, models
from odoo.tools import SQL


class PosSession(models.Model):
    _inherit = "pos.session"

    retail_day_id = fields.Many2one(
        "retail.pos.day",
        string="Store Day",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )

    def _retail_hold_open(self):
        """Keep this session open until the booking transaction ends.

        A shared lock: bookings run side by side, while a closing (which
        first marks the session ``closing_control`` in a transaction of its
        own) waits for them. Returns whether the session still takes orders;
        a closing committed after this transaction began raises a
        serialization failure, and the booking is retried.
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL("SELECT state FROM pos_session WHERE id = %s FOR SHARE", self.id)
        )
        row = self.env.cr.fetchone()
        return bool(row) and row[0] == "opened"
