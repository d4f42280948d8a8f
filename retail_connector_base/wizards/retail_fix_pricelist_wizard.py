"""Set Pricelist: the one-action fix of an order in a currency without pricelist.

An order's sale order needs a pricelist in the order's currency. When the
company has none (a shop that starts selling in a second currency), the
wizard proposes the archived pricelists in that currency (restored on
confirm) or makes a new one named after the connection; the currency is
activated if it was not. Every order failed on that currency is processed
again.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class RetailFixPricelistWizard(models.TransientModel):
    _name = "retail.fix.pricelist.wizard"
    _inherit = "retail.guided.fix"
    _description = "Give a channel currency a pricelist"
    _failure_kind = "no_pricelist"

    currency_id = fields.Many2one("res.currency", readonly=True)
    company_id = fields.Many2one(
        "res.company",
        help="The company the pricelist belongs to; empty for every company.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Existing Pricelist",
        domain="[('currency_id', '=', currency_id), ('active', 'in', (True, False))]",
        help="An existing (possibly archived) pricelist in the currency; leave "
        "empty to create one.",
    )
    new_name = fields.Char(string="New Pricelist Name")

    @api.model
    def _fix_values(self, backend, value, exchange):
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", value)], limit=1)
        )
        if not currency:
            raise UserError(_("Odoo does not know the currency %s.", value))
        companies = backend._companies()
        company = companies if len(companies) == 1 else companies.browse()
        archived = (
            self.env["product.pricelist"]
            .with_context(active_test=False)
            .search(
                [
                    ("currency_id", "=", currency.id),
                    ("company_id", "in", (False, *companies.ids)),
                ],
                order="active desc, id",
                limit=1,
            )
        )
        return {
            "currency_id": currency.id,
            "company_id": company.id,
            "pricelist_id": archived.id,
            "new_name": f"{backend.name} ({currency.name})",
        }

    def _fix_title(self):
        return _("Pricelist in %s", self.failure_value)

    def action_confirm(self):
        """Restore or create the pricelist, then retry the failed orders."""
        self.ensure_one()
        currency = self.currency_id
        if not currency.active:
            currency.active = True
        pricelist = self.pricelist_id
        if pricelist:
            pricelist.active = True
        else:
            if not self.new_name:
                raise UserError(_("Name the new pricelist, or pick an existing one."))
            pricelist = self.env["product.pricelist"].create(
                {
                    "name": self.new_name,
                    "currency_id": currency.id,
                    "company_id": self.company_id.id,
                }
            )
        return self._retry_failed(
            _(
                "Orders in %(currency)s priced with %(pricelist)s",
                currency=currency.name,
                pricelist=pricelist.display_name,
            )
        )
