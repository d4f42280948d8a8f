"""A store's account for the fees of its card payouts."""

from odoo import fields, models


class RetailLocationMapping(models.Model):
    _inherit = "retail.location.mapping"  # pylint: disable=consider-merging-classes-inherited

    pos_payout_fee_account_id = fields.Many2one(
        "account.account",
        string="Payout Fees Account",
        check_company=True,
        help="Where the fees Square keeps on the store's card payouts are "
        "booked. Empty: the company's bank fees account.",
    )

    def _pos_payout_fee_account(self):
        """The store's fee account, else its company's bank fees (or default
        expense) account."""
        self.ensure_one()
        if self.pos_payout_fee_account_id:
            return self.pos_payout_fee_account_id
        company = self.company_id
        account = self.env.ref(
            f"account.{company.id}_expense_finance", raise_if_not_found=False
        )
        if account:
            return account.sudo()
        Category = self.env["product.category"].with_company(company)
        field = Category._fields["property_account_expense_categ_id"]
        return field.get_company_dependent_fallback(Category).sudo()
