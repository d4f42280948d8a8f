"""Find the Odoo sale tax a channel tax rate stands for."""

from decimal import Decimal

from odoo import _

from ..tools.fix_proposals import tax_cause_value
from .errors import RetailBusinessError


class TaxResolver:
    """Explicit mappings only: a new rate must never land on a wrong tax."""

    def __init__(self, env, backend, company=None):
        self.env = env
        self.backend = backend
        # The company of the order: a store of another company (a franchise)
        # uses that company's taxes.
        self.company = company or backend.company_id
        self._cache = {}

    def resolve(self, rate, price_include):
        """Return the taxes for `rate` (a Decimal percentage, or None).

        No rate, or a zero rate without mapping, means no tax.
        """
        Tax = self.env["account.tax"]
        if rate is None:
            return Tax
        key = (Decimal(rate).normalize(), bool(price_include))
        if key not in self._cache:
            self._cache[key] = self._find(Decimal(rate), bool(price_include))
        return self._cache[key]

    def _find(self, rate, price_include):
        Mapping = self.env["retail.tax.mapping"].sudo()
        base = [
            ("company_id", "=", self.company.id),
            ("price_include", "=", price_include),
        ]
        for backend_domain in (
            [("backend_id", "=", self.backend.id)],
            [("backend_id", "=", False)],
        ):
            for mapping in Mapping.search(base + backend_domain):
                if abs(Decimal(str(mapping.rate)) - rate) < Decimal("0.0001"):
                    return mapping.tax_id
        if rate == 0:
            return self.env["account.tax"]
        shown_rate = f"{rate.normalize():f}"
        raise RetailBusinessError(
            _(
                "No tax mapping for %(rate)s %% (prices %(mode)s tax) in company "
                "%(company)s: add one under Retail Connector › Mappings › Taxes, "
                "then press Retry.",
                rate=shown_rate,
                mode=_("including") if price_include else _("excluding"),
                company=self.company.name,
            ),
            cause_kind="unknown_tax_rate",
            cause_value=tax_cause_value(rate, price_include, self._country_code()),
        )

    def _country_code(self):
        country = self.company.account_fiscal_country_id or self.company.country_id
        return country.code or ""
