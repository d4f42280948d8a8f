"""Map Payment Method: the one-action fix of a tender a store cannot book.

A receipt paid with a tender (cash, card, other) for which its store has no
Odoo payment method fails with the tender and the store as its cause
(``CARD @ L1``). The wizard proposes the store company's point-of-sale
payment methods, the store's own and those closest in name to the tender
first; confirming sets it on the store (and on its point of sale, as Odoo
lets a manager do with a session open) and processes again every receipt
failed on it.
"""

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.tools.fix_proposals import rank_by_name

from ..tools.receipts import parse_tender_cause

TENDER_WORDS = {"CASH": "cash", "CARD": "card bank", "OTHER": "other gift check"}


class RetailMapPaymentMethodWizard(models.TransientModel):
    _name = "retail.map.payment.method.wizard"
    _inherit = "retail.guided.fix"
    _description = "Map a store tender to a payment method"
    _failure_kind = "unknown_payment_method"

    store_id = fields.Many2one("retail.location.mapping", readonly=True)
    company_id = fields.Many2one(related="store_id.company_id")
    tender = fields.Char(readonly=True)
    payment_method_id = fields.Many2one(
        "pos.payment.method",
        domain="[('company_id', '=', company_id)]",
        help="The store's payment method for this tender; the closest is proposed.",
    )

    @api.model
    def _fix_values(self, backend, value, exchange):
        parsed = parse_tender_cause(value)
        store = backend.location_mapping_ids.filtered(
            lambda s: parsed and s.location_code == parsed[1]
        )[:1]
        if not store:
            raise UserError(_("“%s” names no store of this connection.", value))
        tender = parsed[0]
        methods = self.env["pos.payment.method"].search(
            [("company_id", "=", store.company_id.id)]
        )
        if tender == "CASH":
            methods = methods.filtered(lambda m: m.journal_id.type == "cash")
        own = store.pos_config_id.payment_method_ids
        ranked = rank_by_name(
            f"{TENDER_WORDS[tender]} {store.name or ''}",
            [(m.id, m.name) for m in methods],
        )
        # The store's own methods before the others, each by closeness.
        ranked.sort(key=lambda item: (item[0] not in own.ids, -item[1]))
        return {
            "store_id": store.id,
            "tender": tender,
            "payment_method_id": ranked[0][0] if ranked else False,
        }

    def _fix_title(self):
        return _("Map Payment Method %s", self.failure_value)

    def action_confirm(self):
        """Set the method on the store and retry its failed receipts."""
        self.ensure_one()
        method = self.payment_method_id
        if not method:
            raise UserError(_("Pick the payment method of %s tenders.", self.tender))
        store = self.store_id
        store[store._pos_method_field(self.tender)] = method
        config = store.pos_config_id
        if config and method not in config.payment_method_ids:
            config.with_context(bypass_payment_method_ids_forbidden_change=True).write(
                {"payment_method_ids": [Command.link(method.id)]}
            )
        return self._retry_failed(
            _(
                "%(tender)s tenders of %(store)s booked with %(method)s",
                tender=self.tender,
                store=store.display_name,
                method=method.display_name,
            )
        )
