"""Map Tax: the one-action fix of a tax rate without mapping.

The failure value says the rate, the price mode and the company's country
(``FR 20% incl.``). The wizard proposes the company's sale taxes of that rate
(``tools.fix_proposals.rank_taxes``): same price mode and country first.
A tax of the same rate in the other price mode is proposed too: confirming it
makes its copy in the mode the channel's prices need (Odoo's own
"Included in Price" override), since a mapping must match the mode.
Confirming creates the tax mapping (for the connection, or for every
connection of the company) and processes again every order failed on it.
"""

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..tools.fix_proposals import parse_tax_cause, rank_taxes


class RetailMapTaxWizard(models.TransientModel):
    _name = "retail.map.tax.wizard"
    _inherit = "retail.guided.fix"
    _description = "Map a channel tax rate to a tax"
    _failure_kind = "unknown_tax_rate"

    company_id = fields.Many2one("res.company", required=True)
    rate = fields.Float(string="Rate (%)", digits=(16, 4), readonly=True)
    price_include = fields.Boolean(string="Prices Include Tax", readonly=True)
    country_code = fields.Char(string="Country", readonly=True)
    proposal_ids = fields.One2many("retail.map.tax.proposal", "wizard_id")
    proposal_id = fields.Many2one(
        "retail.map.tax.proposal",
        string="Proposals",
        domain="[('wizard_id', '=', id)]",
    )
    tax_id = fields.Many2one(
        "account.tax",
        compute="_compute_tax_id",
        store=True,
        readonly=False,
        domain="[('type_tax_use', '=', 'sale'),"
        " ('company_id', 'parent_of', company_id)]",
        help="The Odoo tax of this rate: a proposal, or any other sale tax.",
    )
    all_connections = fields.Boolean(
        string="For Every Connection of the Company",
        help="Map the rate for all the company's connections, not only this one.",
    )

    @api.depends("proposal_id")
    def _compute_tax_id(self):
        for wizard in self:
            if wizard.proposal_id:
                wizard.tax_id = wizard.proposal_id.tax_id

    @api.model
    def _fix_values(self, backend, value, exchange):
        parsed = parse_tax_cause(value)
        if not parsed:
            raise UserError(_("“%s” is not a tax rate this wizard can map.", value))
        rate, price_include, country_code = parsed
        company = self._company_of(backend, country_code)
        return {
            "company_id": company.id,
            "rate": float(rate),
            "price_include": price_include,
            "country_code": country_code,
            "proposal_ids": [
                Command.create(
                    {"sequence": rank, "tax_id": tax_id, "same_mode": same_mode}
                )
                for rank, (tax_id, same_mode, _country) in enumerate(
                    self._propose(company, rate, price_include, country_code), 1
                )
            ],
        }

    @api.model
    def _company_of(self, backend, country_code):
        """The company of the connection (or of one of its locations, a
        franchise store's) whose fiscal country is the failure's."""
        for company in backend._companies():
            country = company.account_fiscal_country_id or company.country_id
            if not country_code or country.code == country_code:
                return company
        return backend.company_id

    @api.model
    def _propose(self, company, rate, price_include, country_code):
        taxes = self.env["account.tax"].search(
            [
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("company_id", "parent_of", company.id),
            ]
        )
        return rank_taxes(
            [
                (
                    tax.id,
                    tax.amount,
                    tax.price_include,
                    tax.country_id.code,
                    tax.sequence,
                )
                for tax in taxes
            ],
            rate,
            price_include,
            country_code,
        )

    def _after_open(self):
        self.proposal_id = self.proposal_ids[:1]

    def _fix_title(self):
        return _("Map Tax %s", self.failure_value)

    def _tax_in_mode(self):
        """The chosen tax, or its copy in the mapping's price mode."""
        tax = self.tax_id
        if bool(tax.price_include) == self.price_include:
            return tax
        mode = "tax_included" if self.price_include else "tax_excluded"
        twin = self.env["account.tax"].search(
            [
                ("company_id", "=", tax.company_id.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", tax.amount_type),
                ("amount", "=", tax.amount),
                ("price_include_override", "=", mode),
                ("country_id", "=", tax.country_id.id),
            ],
            limit=1,
        )
        if twin:
            return twin
        label = _("incl.") if self.price_include else _("excl.")
        return tax.copy(
            {
                "name": f"{tax.name} ({label})",
                "price_include_override": mode,
            }
        )

    def action_confirm(self):
        """Map the rate to the chosen tax and retry its failed orders."""
        self.ensure_one()
        if not self.tax_id:
            raise UserError(
                _("Pick the tax the rate %s stands for.", self.failure_value)
            )
        tax = self._tax_in_mode()
        self._save_answer(
            "retail.tax.mapping",
            {
                "backend_id": False if self.all_connections else self.backend_id.id,
                "company_id": self.company_id.id,
                "rate": self.rate,
                "price_include": self.price_include,
            },
            {"tax_id": tax.id, "active": True},
        )
        return self._retry_failed(
            _(
                "Tax rate %(rate)s mapped to %(tax)s",
                rate=self.failure_value,
                tax=tax.display_name,
            )
        )


class RetailMapTaxProposal(models.TransientModel):
    _name = "retail.map.tax.proposal"
    _description = "A tax proposed for a channel tax rate"
    _order = "sequence, id"

    wizard_id = fields.Many2one(
        "retail.map.tax.wizard", required=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    tax_id = fields.Many2one("account.tax", required=True, readonly=True)
    same_mode = fields.Boolean(readonly=True)

    @api.depends("tax_id", "same_mode")
    def _compute_display_name(self):
        for proposal in self:
            name = proposal.tax_id.display_name or ""
            if not proposal.same_mode:
                name = _("%s — a copy in the channel's price mode is made", name)
            proposal.display_name = name
