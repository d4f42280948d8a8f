"""Inspect received returns, unit by unit, on a warehouse tablet.

The wizard lists one line per unit still to inspect (one line with the whole
quantity for fractional or very large quantities; lines may be split or added).
Confirming records a ``retail.return.inspection`` per line, moves the goods
out of the RMA location as each line says, writes a summary in the chatter
and, for channel returns refunded after inspection, sends the refund once
every RMA of the return is inspected.
"""

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..models.retail_return_inspection import CONDITIONS, DISPOSITIONS

# Above this many units an RMA is listed as one line to split, not per unit.
MAX_UNIT_LINES = 50


class RetailReturnInspectionWizard(models.TransientModel):
    _name = "retail.return.inspection.wizard"
    _description = "Inspect Returned Goods"

    rma_ids = fields.Many2many("rma", string="RMAs", readonly=True)
    line_ids = fields.One2many(
        "retail.return.inspection.wizard.line", "wizard_id", string="Units"
    )
    refund_gone = fields.Boolean(compute="_compute_refund_gone")

    @api.depends("rma_ids.refund_id")
    def _compute_refund_gone(self):
        for wizard in self:
            wizard.refund_gone = any(wizard.rma_ids.mapped("refund_id"))

    @api.model
    def _action_open(self, rmas):
        """The inspection of `rmas` (those received and not inspected)."""
        todo = rmas.filtered(lambda rma: rma._retail_qty_to_inspect() > 0)
        if not todo:
            raise UserError(
                _(
                    "Nothing to inspect: these returns are not received yet or "
                    "were inspected already."
                )
            )
        lines = []
        for rma in todo:
            quantity = rma._retail_qty_to_inspect()
            units = [quantity]
            if quantity == int(quantity) and quantity <= MAX_UNIT_LINES:
                units = [1.0] * int(quantity)
            lines += [
                fields.Command.create({"rma_id": rma.id, "quantity": unit})
                for unit in units
            ]
        wizard = self.create({"rma_ids": [fields.Command.set(todo.ids)]})
        wizard.line_ids = lines
        return {
            "type": "ir.actions.act_window",
            "name": _("Inspect Returns"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_confirm(self):
        self.ensure_one()
        lines = self.line_ids.filtered(
            lambda line: (
                not float_is_zero(
                    line.quantity, precision_rounding=line.rma_id.product_uom.rounding
                )
            )
        )
        if not lines:
            raise UserError(_("Inspect at least one unit."))
        self._check_lines(lines)
        inspections = self.env["retail.return.inspection"].create(
            [line._inspection_values() for line in lines]
        )
        inspections._carry_out()
        refunded = lines.rma_id.batch_id._retail_refund_after_inspection()
        self._post_summary(inspections, refunded)
        return {"type": "ir.actions.act_window_close"}

    def _check_lines(self, lines):
        for rma in lines.rma_id:
            rma_lines = lines.filtered(lambda line, rma=rma: line.rma_id == rma)
            rounding = rma.product_uom.rounding
            quantity = sum(rma_lines.mapped("quantity"))
            todo = rma._retail_qty_to_inspect()
            if float_compare(quantity, todo, precision_rounding=rounding) > 0:
                raise UserError(
                    _(
                        "%(rma)s: %(qty)s to inspect, but %(lines)s on the lines. "
                        "Units already inspected are not inspected again.",
                        rma=rma.name,
                        qty=todo,
                        lines=quantity,
                    )
                )
            deduction = sum(rma_lines.mapped("deduction"))
            if deduction and rma.retail_outcome in ("exchange", "credit"):
                raise UserError(
                    _(
                        "%(rma)s is not refunded in money (the customer wants "
                        "an exchange or store credit): no deduction on it.",
                        rma=rma.name,
                    )
                )
            if deduction and rma.refund_id:
                raise UserError(
                    _(
                        "%(rma)s was refunded already (%(note)s): the inspection "
                        "only moves the goods, it cannot reduce the refund.",
                        rma=rma.name,
                        note=rma.refund_id.name,
                    )
                )
            value = rma._retail_unit_value() * quantity
            currency = rma._retail_currency()
            if deduction and currency.compare_amounts(deduction, value) > 0:
                raise UserError(
                    _(
                        "%(rma)s: %(deduction)s deducted from a refund of "
                        "%(value)s for these units.",
                        rma=rma.name,
                        deduction=deduction,
                        value=round(value, 2),
                    )
                )

    def _post_summary(self, inspections, refunded):
        for record in inspections.batch_id or inspections.rma_id:
            mine = inspections.filtered(
                lambda i, record=record: record in (i.batch_id, i.rma_id)
            )
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                _("Inspection by %s:", self.env.user.name),
                Markup("").join(
                    Markup("<li>%s</li>") % escape(line._summary()) for line in mine
                ),
            )
            if record in refunded:
                body += Markup("<p>%s</p>") % _(
                    "Every unit is inspected: refunded on credit note %s.",
                    record.retail_refund_id.name,
                )
            record.message_post(body=body)


class RetailReturnInspectionWizardLine(models.TransientModel):
    _name = "retail.return.inspection.wizard.line"
    _description = "Inspect Returned Goods: Unit"

    wizard_id = fields.Many2one(
        "retail.return.inspection.wizard", required=True, ondelete="cascade"
    )
    rma_id = fields.Many2one("rma", string="RMA", required=True)
    product_id = fields.Many2one(related="rma_id.product_id")
    product_uom = fields.Many2one(related="rma_id.product_uom")
    quantity = fields.Float(digits="Product Unit of Measure", default=1.0)
    condition = fields.Selection(CONDITIONS, required=True, default="new")
    disposition = fields.Selection(DISPOSITIONS, required=True, default="stock")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    deduction = fields.Monetary(string="Refund Deduction")
    reason = fields.Char(string="Deduction Reason")
    refund_gone = fields.Boolean(compute="_compute_currency_id")

    @api.depends("rma_id")
    def _compute_currency_id(self):
        for line in self:
            line.currency_id = line.rma_id._retail_currency()
            line.refund_gone = bool(line.rma_id.refund_id) or (
                line.rma_id.retail_outcome in ("exchange", "credit")
            )

    @api.onchange("condition")
    def _onchange_condition(self):
        if self.condition == "damaged" and self.disposition == "stock":
            self.disposition = "quarantine"

    def _inspection_values(self):
        self.ensure_one()
        return {
            "rma_id": self.rma_id.id,
            "quantity": self.quantity,
            "condition": self.condition,
            "disposition": self.disposition,
            "currency_id": self.currency_id.id,
            "deduction": self.deduction,
            "reason": (self.reason or "").strip() or False,
        }
