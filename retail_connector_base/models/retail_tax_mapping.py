from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RetailTaxMapping(models.Model):
    """Which Odoo sale tax a channel tax rate stands for.

    Channels send rates, not tax records; the mapping is explicit so that a
    new rate never silently lands on the wrong tax.
    """

    _name = "retail.tax.mapping"
    _description = "Retail Tax Mapping"
    _order = "company_id, rate, price_include"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        ondelete="cascade",
        help="Leave empty to use the mapping for every connection of the company.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    rate = fields.Float(string="Rate (%)", required=True, digits=(16, 4))
    price_include = fields.Boolean(
        string="Prices Include Tax",
        help="Mapping used for orders whose prices include tax.",
    )
    tax_id = fields.Many2one(
        "account.tax",
        required=True,
        domain="[('type_tax_use', '=', 'sale'),"
        " ('company_id', 'parent_of', company_id)]",
        check_company=True,
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "mapping_uniq",
            "unique(backend_id, company_id, rate, price_include)",
            "A rate is mapped once per connection and price mode.",
        ),
    ]

    @api.constrains("backend_id", "company_id", "rate", "price_include", "active")
    def _check_unique_rate(self):
        # The SQL constraint lets several company-wide rows through (NULL
        # connection); a rate must still map to one tax only.
        for mapping in self.filtered("active"):
            duplicates = self.search_count(
                [
                    ("id", "!=", mapping.id),
                    ("backend_id", "=", mapping.backend_id.id),
                    ("company_id", "=", mapping.company_id.id),
                    ("rate", "=", mapping.rate),
                    ("price_include", "=", mapping.price_include),
                ]
            )
            if duplicates:
                raise ValidationError(
                    self.env._(
                        "Rate %(rate)s %% is already mapped for this connection and "
                        "price mode.",
                        rate=mapping.rate,
                    )
                )

    @api.constrains("tax_id", "price_include")
    def _check_tax_matches_price_mode(self):
        for mapping in self:
            if bool(mapping.tax_id.price_include) != bool(mapping.price_include):
                raise ValidationError(
                    self.env._(
                        "Tax “%(tax)s” does not match the price mode of the mapping "
                        "(prices %(mode)s tax).",
                        tax=mapping.tax_id.display_name,
                        mode=self.env._("include")
                        if mapping.price_include
                        else self.env._("exclude"),
                    )
                )
