"""Units a returns platform asks to restock go back to stock as inspected."""

from odoo import _, models


class Rma(models.Model):
    _inherit = "rma"  # pylint: disable=consider-merging-classes-inherited

    def _retail_put_back_in_stock(self):
        """Inspect every unit of these received RMAs not inspected yet as
        "as new, back to stock" (moving them there), as the inspection wizard
        does; return the units moved."""
        values = [
            {
                "rma_id": rma.id,
                "quantity": rma._retail_qty_to_inspect(),
                "condition": "new",
                "disposition": "stock",
                "currency_id": rma._retail_currency().id,
                "reason": _("Restocked as the returns platform asked"),
            }
            for rma in self
            if rma._retail_qty_to_inspect() > 0
        ]
        if not values:
            return 0.0
        self.env["retail.return.inspection"].create(values)._carry_out()
        # The inspection done, a return whose policy waits for it is refunded.
        self.batch_id._retail_refund_after_inspection()
        return sum(value["quantity"] for value in values)
