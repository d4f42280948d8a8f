"""Settings of a connection's exchanges and store credit."""

from odoo import Command, _, fields, models


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    return_credit_program_id = fields.Many2one(
        "loyalty.program",
        string="Store Credit eWallet",
        domain="[('program_type', '=', 'ewallet')]",
        help="The eWallet program (Loyalty app) the store credit of returns is "
        "put on: the customer's eWallet is credited with the value of the units "
        "returned for store credit. Empty: an eWallet program “Store credit” is "
        "created at the first store credit.",
    )

    return_exchange_credit_product_id = fields.Many2one(
        "product.product",
        string="Exchange Credit Product",
        domain="[('type', '=', 'service')]",
        help="The service product of the negative line that credits the returned "
        "value on an exchange order. Empty: a service “Exchange credit” is "
        "created at the first exchange.",
    )

    def _return_exchange_credit_product(self):
        """The product of an exchange order's credit line, created on demand."""
        self.ensure_one()
        if self.return_exchange_credit_product_id:
            return self.return_exchange_credit_product_id
        product = (
            self.env["product.product"]
            .sudo()
            .create(
                {
                    "name": _("Exchange credit"),
                    "type": "service",
                    "sale_ok": False,
                    "purchase_ok": False,
                    "invoice_policy": "order",
                    "list_price": 0.0,
                    "taxes_id": [Command.clear()],
                    "company_id": False,
                }
            )
        )
        self.sudo().return_exchange_credit_product_id = product
        return product

    def _return_credit_program(self, company):
        """The eWallet program store credit goes on, created on demand."""
        self.ensure_one()
        if self.return_credit_program_id:
            return self.return_credit_program_id
        Program = self.env["loyalty.program"].sudo()
        program = Program.search(
            [
                ("program_type", "=", "ewallet"),
                ("name", "=", _("Store credit")),
                ("company_id", "in", (False, company.id)),
            ],
            limit=1,
        )
        if not program:
            program = Program.with_context(default_program_type="ewallet").create(
                {
                    "name": _("Store credit"),
                    "program_type": "ewallet",
                    "company_id": company.id,
                }
            )
        self.sudo().return_credit_program_id = program
        return program
