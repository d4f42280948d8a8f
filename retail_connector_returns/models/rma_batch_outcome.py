"""The outcomes of a channel return other than a refund, at its refund moment.

When the connection's policy lets the money of a return leave (approval,
receipt or inspection: whatever calls ``_retail_refund``), the exchanged
units first become one confirmed sale order of the exchange variants, and the
store credit units a credit on the customer's eWallet; then the batch's one
credit note refunds the refund units and the differences of the exchanges
for cheaper variants. Each document is made once: a step that runs again
finds it on the RMA or the batch.
"""

from markupsafe import Markup

from odoo import _, api, fields, models

from odoo.addons.retail_connector_base.services.errors import RetailBusinessError
from odoo.addons.retail_connector_base.services.product_resolver import (
    ProductResolver,
)


class RmaBatch(models.Model):
    _inherit = "rma.batch"  # pylint: disable=consider-merging-classes-inherited

    retail_exchange_order_ids = fields.One2many(
        "sale.order", "retail_exchange_batch_id", string="Exchange Orders"
    )
    retail_exchange_count = fields.Integer(compute="_compute_retail_exchange_count")
    retail_credit_history_id = fields.Many2one(
        "loyalty.history", string="Store Credit", readonly=True, copy=False
    )
    retail_credit_card_id = fields.Many2one(
        related="retail_credit_history_id.card_id", string="eWallet"
    )
    retail_credit_amount = fields.Float(
        related="retail_credit_history_id.issued", string="Store Credit Amount"
    )
    retail_outcome_error = fields.Text(
        string="Outcome Problem",
        readonly=True,
        copy=False,
        help="Why the exchange or store credit of this return could not be made; "
        "fix it, then press Retry Exchange / Credit.",
    )

    @api.depends("retail_exchange_order_ids")
    def _compute_retail_exchange_count(self):
        for batch in self:
            batch.retail_exchange_count = len(batch.retail_exchange_order_ids)

    # ------------------------------------------------------------------
    def _retail_refund(self):
        """Exchanges and store credit first; a batch whose exchange fails is
        not refunded either (its credit note could not be the only one)."""
        ready = self.browse()
        for batch in self:
            if batch.retail_refund_id or batch._retail_apply_outcomes():
                ready |= batch
        return super(RmaBatch, ready)._retail_refund()

    def action_retail_retry_outcomes(self):
        """After a fix (the exchange product created): outcomes and refund."""
        self.filtered("retail_outcome_error")._retail_refund()
        return True

    def _retail_outcome_rmas(self, outcome):
        return self.rma_ids.filtered(
            lambda rma: (
                rma.retail_outcome == outcome
                and rma.state not in ("draft", "cancelled")
            )
        )

    def _retail_apply_outcomes(self):
        """Make the exchange order and the store credit not made yet; False
        (with the reason on the batch) when the exchange cannot be made."""
        self.ensure_one()
        exchanges = self._retail_outcome_rmas("exchange").filtered(
            lambda rma: not rma.retail_exchange_order_id
        )
        credits = self._retail_outcome_rmas("credit")
        try:
            variants = self._retail_exchange_variants(exchanges)
        except RetailBusinessError as exc:
            self._retail_outcome_failed(str(exc))
            return False
        if variants:
            self._retail_exchange(variants)
        if credits and not self.retail_credit_history_id:
            self._retail_store_credit(credits)
        if self.retail_outcome_error:
            self.retail_outcome_error = False
            summary = _("Exchange not made")
            self.activity_ids.filtered(lambda act: act.summary == summary).unlink()
        return True

    def _retail_outcome_failed(self, reason):
        if self.retail_outcome_error == reason:
            return  # told already
        self.retail_outcome_error = reason
        self.message_post(body=_("Exchange or store credit not made: %s", reason))
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Exchange not made"),
            note=reason,
            user_id=(self.retail_backend_id.user_id or self.env.user).id,
        )

    # Exchange ---------------------------------------------------------
    def _retail_exchange_variants(self, rmas):
        """``{rma: product}``: the variants exchanged for, all found or none."""
        if not rmas:
            return {}
        sale = self.retail_order_id
        resolver = ProductResolver(self.env, sale.retail_backend_id, sale.company_id)
        variants = {}
        for rma in rmas:
            if not rma.retail_exchange_sku:
                raise RetailBusinessError(
                    _(
                        "%(rma)s (%(product)s) is an exchange but the channel gives "
                        "no variant to exchange for: set Exchange For on the RMA.",
                        rma=rma.name,
                        product=rma.product_id.display_name,
                    )
                )
            variants[rma] = resolver.resolve(rma.retail_exchange_sku)
        return variants

    def _retail_exchange(self, variants):
        """One confirmed sale order of the exchange variants, each with an
        "Exchange credit" line: the returned value, up to the variant's."""
        sale = self.retail_order_id
        credit_product = self.retail_backend_id._return_exchange_credit_product()
        order = (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": sale.partner_id.id,
                    "partner_invoice_id": sale.partner_invoice_id.id,
                    "partner_shipping_id": sale.partner_shipping_id.id,
                    "company_id": sale.company_id.id,
                    "pricelist_id": sale.pricelist_id.id,
                    "warehouse_id": sale.warehouse_id.id,
                    "fiscal_position_id": sale.fiscal_position_id.id,
                    "user_id": sale.user_id.id,
                    "team_id": sale.team_id.id,
                    "origin": self.name,
                    "client_order_ref": _(
                        "Exchange for %s", sale.client_order_ref or sale.name
                    ),
                    "retail_exchange_batch_id": self.id,
                }
            )
        )
        Line = self.env["sale.order.line"].sudo()
        for rma, variant in variants.items():
            line = Line.create(
                {
                    "order_id": order.id,
                    "product_id": variant.id,
                    "product_uom_qty": rma.product_uom_qty,
                    "retail_exchange_rma_id": rma.id,
                }
            )
            returned = rma._retail_returned_unit_price()
            wanted = line.price_unit * (1 - (line.discount or 0.0) / 100.0)
            Line.create(
                {
                    "order_id": order.id,
                    "product_id": credit_product.id,
                    "name": _(
                        "Exchange credit: %(product)s returned (%(rma)s)",
                        product=rma.product_id.display_name,
                        rma=rma.name,
                    ),
                    "product_uom_qty": rma.product_uom_qty,
                    "price_unit": -min(returned, wanted),
                    "tax_id": [(6, 0, rma._retail_sale_line().tax_id.ids)],
                    "retail_exchange_rma_id": rma.id,
                }
            )
            rma.write(
                {
                    "retail_exchange_order_id": order.id,
                    "retail_exchange_refund_unit": max(returned - wanted, 0.0),
                }
            )
        order.action_confirm()
        self.message_post(
            body=Markup(_("Exchange order %s made and confirmed."))
            % order._get_html_link()
        )
        order.message_post(
            body=Markup(_("Exchange for the channel return %s."))
            % self._get_html_link()
        )
        return order

    # Store credit -----------------------------------------------------
    def _retail_store_credit(self, rmas):
        """The value of `rmas` on the customer's eWallet, with its history."""
        sale = self.retail_order_id
        program = self.retail_backend_id._return_credit_program(self.company_id)
        value = sum(rma._retail_returned_value() for rma in rmas)
        amount = sale.currency_id._convert(
            value, program.currency_id, self.company_id, fields.Date.context_today(self)
        )
        Card = self.env["loyalty.card"].sudo()
        card = Card.search(
            [("program_id", "=", program.id), ("partner_id", "=", sale.partner_id.id)],
            limit=1,
        ) or Card.create(
            {"program_id": program.id, "partner_id": sale.partner_id.id, "points": 0}
        )
        history = (
            self.env["loyalty.history"]
            .sudo()
            .create(
                {
                    "card_id": card.id,
                    "description": _(
                        "Store credit for the return %(ret)s (%(name)s) of order "
                        "%(order)s",
                        ret=self.retail_external_id or "",
                        name=self.name,
                        order=sale.name,
                    ),
                    "issued": amount,
                    "used": 0.0,
                    "order_model": self._name,
                    "order_id": self.id,
                }
            )
        )
        card.points += amount
        self.retail_credit_history_id = history
        self.message_post(
            body=_(
                "%(amount)s credited on the eWallet %(card)s of %(partner)s.",
                amount=program.currency_id.format(amount),
                card=card.code,
                partner=sale.partner_id.display_name,
            )
        )
        return history

    # Smart buttons ----------------------------------------------------
    def action_retail_open_exchange_orders(self):
        self.ensure_one()
        orders = self.retail_exchange_order_ids
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        if len(orders) == 1:
            action.update(
                {"views": [(False, "form")], "view_mode": "form", "res_id": orders.id}
            )
        else:
            action["domain"] = [("id", "in", orders.ids)]
        action["context"] = {"create": False}
        return action

    def action_retail_open_credit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("eWallet"),
            "res_model": "loyalty.card",
            "view_mode": "form",
            "res_id": self.retail_credit_card_id.id,
        }
