"""A Square location as a store: its point of sale, day and tenders.

The base maps each channel location to a warehouse (and so a company); a
store adds the Odoo point of sale (``pos.config``) its receipts are booked
in, its time zone (a receipt's business day is the sale's day there), the
hour its day closes, and the payment method of each tender.
"""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.base.models.res_partner import _tz_get
from odoo.addons.retail_connector_base.services.errors import RetailBusinessError

from ..tools.receipts import tender_cause_value


class RetailLocationMapping(models.Model):
    _inherit = "retail.location.mapping"

    pos_config_id = fields.Many2one(
        "pos.config",
        string="Point of Sale",
        check_company=True,
        index="btree_not_null",
        help="The Odoo point of sale this store's receipts are booked in: one "
        "session per business day, closed at the store's closing time.",
    )
    pos_timezone = fields.Selection(
        _tz_get,
        string="Time Zone",
        default="UTC",
        help="The store's time zone: a receipt belongs to the day of its sale "
        "there (the device's time for a sale made offline).",
    )
    pos_currency_code = fields.Char(string="Currency", readonly=True)
    pos_closing_hour = fields.Float(
        string="Day Closes At",
        default=23.0,
        help="Local time at which the store's day is closed in Odoo when its "
        "cash drawer was not closed before: the session is closed, its "
        "consolidated entry posted.",
    )
    pos_cash_method_id = fields.Many2one(
        "pos.payment.method", string="Cash", check_company=True
    )
    pos_card_method_id = fields.Many2one(
        "pos.payment.method", string="Card", check_company=True
    )
    pos_other_method_id = fields.Many2one(
        "pos.payment.method",
        string="Other Tenders",
        check_company=True,
        help="Gift cards, checks, external terminals: every tender that is "
        "neither cash nor a Square card payment.",
    )
    pos_manager_id = fields.Many2one(
        "res.users",
        string="Store Manager",
        help="Told (one activity) when a day closes with a cash difference or "
        "an unmatched payout.",
    )
    pos_day_ids = fields.One2many("retail.pos.day", "store_id", string="Days")

    @api.constrains("pos_closing_hour")
    def _check_pos_closing_hour(self):
        for store in self:
            if not 0 < store.pos_closing_hour <= 24:
                raise ValidationError(
                    _("A store's day closes between 00:01 and 24:00 (local time).")
                )

    @api.constrains("pos_config_id", "warehouse_id")
    def _check_pos_config_company(self):
        for store in self.filtered("pos_config_id"):
            if store.pos_config_id.company_id != store.company_id:
                raise ValidationError(
                    _(
                        "The point of sale of %(store)s belongs to %(config)s, not "
                        "to the company of its warehouse (%(company)s).",
                        store=store.display_name,
                        config=store.pos_config_id.company_id.name,
                        company=store.company_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # Time
    # ------------------------------------------------------------------
    def _pos_zone(self):
        self.ensure_one()
        try:
            return ZoneInfo(self.pos_timezone or "UTC")
        except ZoneInfoNotFoundError:
            return ZoneInfo("UTC")

    def _pos_closing_moment(self, business_date):
        """When the store's `business_date` closes, as naive UTC."""
        self.ensure_one()
        hours = self.pos_closing_hour or 24.0
        local = dt.datetime.combine(business_date, dt.time()) + dt.timedelta(
            hours=hours
        )
        aware = local.replace(tzinfo=self._pos_zone())
        return aware.astimezone(dt.UTC).replace(tzinfo=None)

    def _pos_day_start(self, business_date):
        """Local midnight of `business_date`, as naive UTC."""
        self.ensure_one()
        aware = dt.datetime.combine(business_date, dt.time()).replace(
            tzinfo=self._pos_zone()
        )
        return aware.astimezone(dt.UTC).replace(tzinfo=None)

    def _pos_today(self):
        self.ensure_one()
        return dt.datetime.now(self._pos_zone()).date()

    # ------------------------------------------------------------------
    # Set-up
    # ------------------------------------------------------------------
    def action_create_pos_config(self):
        """Set up the store's point of sale in its warehouse's company.

        A point of sale per store with its own cash journal (cash counted
        at closing, differences to the journal's profit and loss accounts)
        and the company's bank journal for cards and other tenders.
        """
        for store in self:
            if store.pos_config_id:
                continue
            store._pos_create_config()
        return True

    def _pos_create_config(self):
        self.ensure_one()
        company = self.company_id
        env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
        Journal = env["account.journal"].with_company(company)
        bank = Journal.search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        if not bank:
            raise UserError(
                _(
                    "%s has no bank journal for card payments: install its chart "
                    "of accounts first.",
                    company.name,
                )
            )
        label = self.name or self.location_code
        Method = env["pos.payment.method"].with_company(company)
        cash_method = self.pos_cash_method_id or Method.create(
            {
                "name": _("Cash %s", label),
                "journal_id": Journal.create(
                    {
                        "name": _("Cash %s", label),
                        "type": "cash",
                        "code": self._pos_journal_code(Journal),
                        "company_id": company.id,
                    }
                ).id,
                "company_id": company.id,
            }
        )
        card_method = self.pos_card_method_id or Method.create(
            {
                "name": _("Card %s", label),
                "journal_id": bank.id,
                "company_id": company.id,
            }
        )
        other_method = self.pos_other_method_id or Method.create(
            {
                "name": _("Other tenders %s", label),
                "journal_id": bank.id,
                "company_id": company.id,
            }
        )
        methods = cash_method | card_method | other_method
        config = (
            env["pos.config"]
            .with_company(company)
            .create(
                {
                    "name": label,
                    "company_id": company.id,
                    "picking_type_id": self.warehouse_id.pos_type_id.id,
                    "journal_id": self._pos_sales_journal(Journal).id,
                    "payment_method_ids": [fields.Command.set(methods.ids)],
                    "iface_tipproduct": True,
                }
            )
        )
        self.write(
            {
                "pos_config_id": config.id,
                "pos_cash_method_id": cash_method.id,
                "pos_card_method_id": card_method.id,
                "pos_other_method_id": other_method.id,
            }
        )
        return config

    def _pos_sales_journal(self, Journal):
        """The company's point-of-sale journal (POSS), as Odoo's POS makes it."""
        company = self.company_id
        journal = Journal.search(
            [("code", "=", "POSS"), ("company_id", "=", company.id)], limit=1
        )
        return journal or Journal.create(
            {
                "name": _("Point of Sale"),
                "code": "POSS",
                "type": "general",
                "company_id": company.id,
            }
        )

    def _pos_journal_code(self, Journal):
        """A free journal code for the store's cash journal (CSH1, CSH2…)."""
        used = set(
            Journal.search([("company_id", "=", self.company_id.id)]).mapped("code")
        )
        number = 1
        while f"CSH{number}" in used:
            number += 1
        return f"CSH{number}"

    def _pos_method_for(self, tender_type):
        """The payment method of a tender type (CASH, CARD, OTHER)."""
        self.ensure_one()
        method = {
            "CASH": self.pos_cash_method_id,
            "CARD": self.pos_card_method_id,
        }.get(tender_type) or self.pos_other_method_id
        if not method:
            raise RetailBusinessError(
                _(
                    "Store %(store)s has no payment method for %(tender)s tenders: "
                    "set it on the connection's Stores tab, then press Retry.",
                    store=self.display_name,
                    tender=tender_type.lower(),
                ),
                cause_kind="unknown_payment_method",
                cause_value=tender_cause_value(tender_type, self.location_code),
            )
        return method

    def _pos_method_field(self, tender_type):
        """The store's field holding the method of a tender type."""
        return {
            "CASH": "pos_cash_method_id",
            "CARD": "pos_card_method_id",
        }.get(tender_type, "pos_other_method_id")
