"""A store's cash journal can post cash differences.

Odoo's POS posts the difference between the cash counted and the cash
expected to the cash journal's profit or loss account, and refuses to close
a session without them. Odoo fills them from the company's defaults when it
creates a cash journal; a store's point of sale is set up with them, from
the company's defaults or else its first other income and expense accounts.
"""

from odoo import _, models
from odoo.exceptions import UserError


class RetailLocationMapping(models.Model):
    _inherit = "retail.location.mapping"  # pylint: disable=consider-merging-classes-inherited

    def _pos_create_config(self):
        config = super()._pos_create_config()
        self._pos_ensure_cash_difference_accounts()
        return config

    def _pos_ensure_cash_difference_accounts(self):
        """Give the store's cash journal the profit and loss accounts it lacks."""
        self.ensure_one()
        journal = self.pos_cash_method_id.journal_id
        if not journal or (journal.profit_account_id and journal.loss_account_id):
            return
        profit, loss = self._pos_cash_difference_accounts()
        journal.sudo().write(
            {
                "profit_account_id": journal.profit_account_id.id or profit.id,
                "loss_account_id": journal.loss_account_id.id or loss.id,
            }
        )

    def _pos_cash_difference_accounts(self):
        """``(profit, loss)`` accounts for the cash differences of the company."""
        company = self.company_id
        Account = self.env["account.account"].sudo().with_company(company)
        domain = Account._check_company_domain(company)
        profit = company.default_cash_difference_income_account_id or Account.search(
            [*domain, ("account_type", "=", "income_other")], limit=1
        )
        loss = company.default_cash_difference_expense_account_id or Account.search(
            [*domain, ("account_type", "=", "expense")], limit=1
        )
        if not (profit and loss):
            raise UserError(
                _(
                    "%s has no account for cash differences: set the cash "
                    "difference income and expense accounts in the accounting "
                    "settings first.",
                    company.name,
                )
            )
        return profit, loss
