"""Units a returns platform asks to restock go back to stock as inspected."""

from odoo import _, models


class Rma(models.Model):
    _inherit = "rma"  # pylint: disable=consider-merging-classes-inherited

    def _retail_put_back_in_stock(self):
        """Inspect every unit of these received RMAs not inspected yet as
        "as new, back to stock" (moving them there); return the units moved."""
        Inspection = self.env["retail.return.inspection"]
        moved = 0.0
        for rma in self:
            quantity = rma._retail_qty_to_inspect()
            if quantity <= 0:
                continue
            line = Inspection.create(
                {
                    "rma_id": rma.id,
                    "quantity": quantity,
                    "condition": "new",
                    "disposition": "stock",
                    "currency_id": rma._retail_currency().id,
                    "reason": _("Restocked as the returns platform asked"),
                }
            )
            line._carry_out()
            moved += quantity
        return moved
