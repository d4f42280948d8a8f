"""Inspection of returned goods: what came back, where it went, what it cost.

One ``retail.return.inspection`` line per inspected quantity of an RMA:
its condition, its disposition (back to stock, quarantine, scrap, back to the
vendor), the stock move or scrap that carried it out of the RMA location, and
the amount deducted from the refund for it, with the reason. The deductions
of an RMA become "Deduction: <reason>" lines of the credit note that refunds
it, when that credit note is made after the inspection.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

CONDITIONS = [
    ("new", "As new"),
    ("opened", "Opened"),
    ("damaged", "Damaged"),
]
DISPOSITIONS = [
    ("stock", "Back to stock"),
    ("quarantine", "Quarantine / refurbish"),
    ("scrap", "Scrap"),
    ("vendor", "Return to vendor"),
]
INSPECTION_STATES = [
    ("none", "Not received"),
    ("todo", "To inspect"),
    ("partial", "Partly inspected"),
    ("done", "Inspected"),
]


class RetailReturnInspection(models.Model):
    _name = "retail.return.inspection"
    _description = "Inspection of Returned Goods"
    _order = "date desc, id desc"

    rma_id = fields.Many2one(
        "rma", string="RMA", required=True, index=True, ondelete="cascade"
    )
    batch_id = fields.Many2one(
        related="rma_id.batch_id", store=True, index="btree_not_null"
    )
    company_id = fields.Many2one(related="rma_id.company_id", store=True)
    product_id = fields.Many2one(related="rma_id.product_id", store=True)
    product_uom = fields.Many2one(related="rma_id.product_uom")
    quantity = fields.Float(digits="Product Unit of Measure", required=True)
    condition = fields.Selection(CONDITIONS, required=True, default="new")
    disposition = fields.Selection(DISPOSITIONS, required=True, default="stock")
    location_dest_id = fields.Many2one(
        "stock.location", string="Sent To", readonly=True
    )
    move_id = fields.Many2one("stock.move", string="Stock Move", readonly=True)
    scrap_id = fields.Many2one("stock.scrap", readonly=True)
    currency_id = fields.Many2one("res.currency", required=True)
    deduction = fields.Monetary(
        string="Refund Deduction",
        help="Taken off the refund (tax included, as the customer sees it).",
    )
    reason = fields.Char(string="Deduction Reason")
    refund_line_id = fields.Many2one(
        "account.move.line", string="Credit Note Line", readonly=True, copy=False
    )
    user_id = fields.Many2one(
        "res.users", string="Inspector", required=True, default=lambda s: s.env.user
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)

    _sql_constraints = [
        ("quantity_positive", "CHECK(quantity > 0)", "Inspect a positive quantity."),
        (
            "deduction_positive",
            "CHECK(deduction IS NULL OR deduction >= 0)",
            "A deduction is a positive amount taken off the refund.",
        ),
    ]

    @api.constrains("quantity", "rma_id")
    def _check_quantity(self):
        precision = self.env["decimal.precision"].precision_get(
            "Product Unit of Measure"
        )
        for rma in self.rma_id:
            inspected = sum(rma.retail_inspection_ids.mapped("quantity"))
            if float_compare(inspected, rma.product_uom_qty, precision) > 0:
                raise ValidationError(
                    _(
                        "%(rma)s: %(inspected)s inspected, but only %(qty)s were "
                        "returned. Each unit is inspected once.",
                        rma=rma.name,
                        inspected=inspected,
                        qty=rma.product_uom_qty,
                    )
                )

    @api.constrains("deduction", "reason")
    def _check_reason(self):
        for line in self:
            if line.deduction and not (line.reason or "").strip():
                raise ValidationError(_("Say why the refund is reduced."))

    def _carry_out(self):
        """Move the inspected goods out of the RMA location, where the return
        receipt put them: an internal (or vendor) move done at once, or a scrap."""
        for line in self:
            rma = line.rma_id
            source = rma.reception_move_id.location_dest_id or rma.location_id
            if line.disposition == "scrap":
                line.scrap_id = line._scrap(source)
                line.location_dest_id = line.scrap_id.scrap_location_id
                continue
            line.location_dest_id = line._destination()
            line.move_id = line._move(source, line.location_dest_id)

    def _destination(self):
        self.ensure_one()
        rma = self.rma_id
        backend = rma.retail_backend_id
        warehouse = rma.warehouse_id or rma.reception_move_id.warehouse_id
        if self.disposition == "quarantine":
            return backend.return_quarantine_location_id or self._quarantine(warehouse)
        if self.disposition == "vendor":
            return backend.return_vendor_location_id or self.env.ref(
                "stock.stock_location_suppliers"
            )
        if not warehouse.lot_stock_id:
            raise UserError(_("%s: no warehouse to put the goods back in.", rma.name))
        return warehouse.lot_stock_id

    @api.model
    def _quarantine(self, warehouse):
        """The warehouse's 'Quarantine' location, created when first needed."""
        if not warehouse:
            raise UserError(_("No warehouse to quarantine the goods in."))
        Location = self.env["stock.location"].sudo()
        domain = [
            ("location_id", "=", warehouse.view_location_id.id),
            ("name", "=", "Quarantine"),
            ("usage", "=", "internal"),
        ]
        location = Location.search(domain, limit=1)
        if not location:
            location = Location.create(
                {
                    "name": "Quarantine",
                    "location_id": warehouse.view_location_id.id,
                    "usage": "internal",
                    "company_id": warehouse.company_id.id,
                }
            )
        return location.sudo(False)

    def _move(self, source, destination):
        self.ensure_one()
        rma = self.rma_id
        move = self.env["stock.move"].create(
            {
                "name": _("Inspection of %s", rma.name),
                "origin": rma.name,
                "company_id": rma.company_id.id,
                "product_id": rma.product_id.id,
                "product_uom": rma.product_uom.id,
                "product_uom_qty": self.quantity,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "partner_id": rma.partner_id.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        if (
            float_compare(
                move.quantity,
                self.quantity,
                precision_rounding=rma.product_uom.rounding,
            )
            < 0
        ):
            raise UserError(self._missing_message(source))
        move.picked = True
        move._action_done()
        return move

    def _scrap(self, source):
        self.ensure_one()
        rma = self.rma_id
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": rma.product_id.id,
                "product_uom_id": rma.product_uom.id,
                "scrap_qty": self.quantity,
                "location_id": source.id,
                "origin": rma.name,
                "company_id": rma.company_id.id,
            }
        )
        if not scrap.check_available_qty():
            raise UserError(self._missing_message(source))
        scrap.do_scrap()
        return scrap

    def _missing_message(self, source):
        return _(
            "%(rma)s: %(qty)s × %(product)s are not in %(location)s any more: "
            "were they moved without an inspection?",
            rma=self.rma_id.name,
            qty=self.quantity,
            product=self.product_id.display_name,
            location=source.display_name,
        )

    def _summary(self):
        """One readable line of this inspection (for the chatter)."""
        self.ensure_one()
        where = dict(DISPOSITIONS)[self.disposition]
        if self.scrap_id:
            where = _("scrapped (%s)", self.scrap_id.name)
        elif self.location_dest_id:
            where = f"{where}: {self.location_dest_id.display_name}"
        text = _(
            "%(qty)s × %(product)s, %(condition)s → %(where)s",
            qty=self.quantity,
            product=self.product_id.display_name,
            condition=dict(CONDITIONS)[self.condition].lower(),
            where=where,
        )
        if self.deduction:
            text += _(
                "; %(amount)s %(currency)s deducted: %(reason)s",
                amount=f"{self.deduction:.2f}",
                currency=self.currency_id.name,
                reason=self.reason,
            )
        return text


class Rma(models.Model):
    _inherit = "rma"

    retail_inspection_ids = fields.One2many(
        "retail.return.inspection", "rma_id", string="Inspections"
    )
    retail_inspected_qty = fields.Float(
        string="Inspected",
        digits="Product Unit of Measure",
        compute="_compute_retail_inspection_state",
        store=True,
    )
    retail_inspection_state = fields.Selection(
        INSPECTION_STATES,
        string="Inspection",
        compute="_compute_retail_inspection_state",
        store=True,
        index=True,
    )

    @api.depends(
        "state",
        "product_uom_qty",
        "reception_move_id.state",
        "retail_inspection_ids.quantity",
    )
    def _compute_retail_inspection_state(self):
        precision = self.env["decimal.precision"].precision_get(
            "Product Unit of Measure"
        )
        for rma in self:
            inspected = sum(rma.retail_inspection_ids.mapped("quantity"))
            rma.retail_inspected_qty = inspected
            if float_compare(inspected, rma.product_uom_qty, precision) >= 0:
                rma.retail_inspection_state = "done"
            elif rma.reception_move_id.state != "done" or rma.state == "cancelled":
                rma.retail_inspection_state = "none"
            else:
                rma.retail_inspection_state = "partial" if inspected else "todo"

    def _retail_currency(self):
        self.ensure_one()
        return self.order_id.currency_id or self.company_id.currency_id

    def _retail_unit_value(self):
        """What one unit refunds, tax included (the sale line's price)."""
        self.ensure_one()
        line = self._get_sale_line()
        if line and line.product_uom_qty:
            return line.price_total / line.product_uom_qty
        return self.product_id.lst_price

    def _retail_qty_to_inspect(self):
        self.ensure_one()
        if self.retail_inspection_state not in ("todo", "partial"):
            return 0.0
        return self.product_uom_qty - self.retail_inspected_qty

    def action_retail_inspect(self):
        """Open the inspection of these received RMAs."""
        return self.env["retail.return.inspection.wizard"]._action_open(self)

    def action_refund(self):
        result = super().action_refund()
        self._retail_add_deductions()
        return result

    def _retail_add_deductions(self):
        """Put the inspection deductions of these RMAs on their draft credit
        notes: one negative "Deduction: <reason>" line each, without tax."""
        pending = self.retail_inspection_ids.filtered(
            lambda i: (
                i.deduction
                and not i.refund_line_id
                and i.rma_id.refund_id.state == "draft"
            )
        )
        for inspection in pending:
            credit_line = inspection.rma_id.refund_line_id
            credit_note = credit_line.move_id
            credit_note.write(
                {
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "name": _("Deduction: %s", inspection.reason),
                                "quantity": 1.0,
                                "price_unit": -inspection.deduction,
                                "account_id": credit_line.account_id.id,
                                "tax_ids": [fields.Command.clear()],
                            }
                        )
                    ]
                }
            )
            inspection.refund_line_id = credit_note.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            ).sorted("id")[-1:]


class RmaBatch(models.Model):
    _inherit = "rma.batch"

    retail_inspection_ids = fields.One2many(
        "retail.return.inspection", "batch_id", string="Inspections"
    )
    retail_can_inspect = fields.Boolean(compute="_compute_retail_can_inspect")

    @api.depends("rma_ids.retail_inspection_state")
    def _compute_retail_can_inspect(self):
        for batch in self:
            batch.retail_can_inspect = any(
                rma.retail_inspection_state in ("todo", "partial")
                for rma in batch.rma_ids
            )

    def action_retail_inspect(self):
        return self.env["retail.return.inspection.wizard"]._action_open(self.rma_ids)

    def _retail_refund_after_inspection(self):
        """Refund the channel returns among these batches whose policy waits
        for the inspection, once every RMA of them is inspected."""
        done = self.filtered(
            lambda b: (
                b.retail_backend_id
                and not b.retail_refund_id
                and b.retail_backend_id._return_policy() == "inspection"
                and all(
                    rma.retail_inspection_state == "done"
                    for rma in b.rma_ids
                    if rma.state != "cancelled"
                )
            )
        )
        # As on receipt (where OCA rma refunds as superuser): the warehouse
        # user who inspects need not be allowed to post credit notes.
        done.sudo()._retail_refund()
        return done


class RetailBackend(models.Model):
    _inherit = "retail.backend"

    return_quarantine_location_id = fields.Many2one(
        "stock.location",
        string="Quarantine Location",
        domain="[('usage', '=', 'internal')]",
        help="Where inspected returns to refurbish go. Empty: a 'Quarantine' "
        "location of the receiving warehouse, created when first needed.",
    )
    return_vendor_location_id = fields.Many2one(
        "stock.location",
        string="Return to Vendor Location",
        help="Where inspected returns sent back to the vendor go. Empty: the "
        "Vendors location.",
    )
