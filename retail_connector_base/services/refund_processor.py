"""Apply a canonical Refund to Odoo: exactly one credit note per channel refund.

The credit note refunds the order's invoice (the order is invoiced first when
its invoicing policy allows it): line by line where the channel says which
lines it refunds, every invoice line for an unitemized refund of the whole
invoice; what the lines do not explain (shipping, a partial plain amount)
becomes one adjustment line so that the credit note totals the refund.
"""

from decimal import Decimal

from odoo import Command, _, fields
from odoo.tools import float_compare

from .errors import RetailBusinessError
from .locks import lock_or_retry


class RefundProcessor:
    """Create the credit note of a channel refund, once."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend
        self.Move = env["account.move"].sudo().with_company(backend.company_id)

    def known(self, refunds):
        """The external ids of ``refunds`` that are credit notes already."""
        return set(
            self.Move._retail_covering_refunds(
                self.backend, [refund.external_id for refund in refunds]
            )
        )

    def apply(self, refund, exchange=None):
        """Apply `refund`; return its credit note."""
        backend = self.backend
        lock_or_retry(self.env, backend.id, "refund", refund.order_external_id)
        existing = self.Move._retail_covering_refunds(backend, [refund.external_id])
        if existing:
            return existing[refund.external_id]
        sale = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("retail_backend_id", "=", backend.id),
                    ("retail_external_id", "=", refund.order_external_id),
                ],
                limit=1,
            )
        )
        if not sale:
            raise RetailBusinessError(
                _(
                    "Refund %(refund)s is for channel order %(order)s, which is not "
                    "in Odoo: import the order, then press Retry.",
                    refund=refund.external_id,
                    order=refund.order_external_id,
                )
            )
        adopted = self._adopt_exported_credit_note(sale, refund)
        if adopted:
            return adopted
        invoice = self._invoice(sale)
        credit_note = self.Move.create(self._credit_note_values(sale, invoice, refund))
        self._add_adjustment(credit_note, sale, refund)
        credit_note.action_post()
        return credit_note

    # ------------------------------------------------------------------
    def _adopt_exported_credit_note(self, sale, refund):
        """A credit note refunded from Odoo whose refund id was not stored yet.

        Exports name the credit note in the refund's reason; if the export
        was interrupted after the channel created the refund, its event must
        complete that credit note rather than create a second one.
        """
        if not refund.reason:
            return self.Move
        for move in sale.invoice_ids.sorted("id"):
            if (
                move.move_type == "out_refund"
                and move.state == "posted"
                and not move.retail_external_refund_id
                and move.name
                and refund.reason.startswith(move.name)
            ):
                move.write(
                    {
                        "retail_backend_id": self.backend.id,
                        "retail_external_refund_id": refund.external_id,
                    }
                )
                return move
        return self.Move

    def _invoice(self, sale):
        """The posted invoice to refund; invoice the order first if allowed."""
        invoices = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        posted = invoices.filtered(lambda m: m.state == "posted")
        if posted:
            return posted.sorted("id")[-1]
        drafts = invoices.filtered(lambda m: m.state == "draft")
        if drafts:
            raise RetailBusinessError(
                _(
                    "Order %(order)s has a draft invoice (%(invoice)s): post it, "
                    "then press Retry to create the credit note of refund.",
                    order=sale.name,
                    invoice=drafts[0].display_name,
                )
            )
        if sale.state != "sale" or sale.invoice_status != "to invoice":
            raise RetailBusinessError(
                _(
                    "Order %(order)s has no posted invoice to refund and nothing "
                    "can be invoiced yet (its products are invoiced on delivered "
                    "quantities, or it is not confirmed): deliver or invoice it, "
                    "then press Retry.",
                    order=sale.name,
                )
            )
        invoice = sale._create_invoices(final=True)
        invoice.action_post()
        return invoice

    def _sale_line(self, sale, refund_line):
        lines = sale.order_line.filtered(lambda line: not line.display_type)
        if refund_line.line_external_id:
            line = lines.filtered(
                lambda s: s.retail_external_line_id == refund_line.line_external_id
            )[:1]
            if line:
                return line
        if refund_line.sku:
            line = lines.filtered(
                lambda s: (
                    refund_line.sku in (s.product_id.default_code, s.product_id.barcode)
                )
            )[:1]
            if line:
                return line
        raise RetailBusinessError(
            _(
                "Refund line %(line)s (SKU “%(sku)s”) matches no line of order "
                "%(order)s: fix the order lines, then press Retry.",
                line=refund_line.line_external_id or "?",
                sku=refund_line.sku,
                order=sale.name,
            )
        )

    def _refunds_whole_invoice(self, invoice, refund):
        """An unitemized refund of everything the invoice billed."""
        if refund.lines:
            return False
        credited = invoice.reversal_move_ids.filtered(lambda m: m.state == "posted")
        return not credited and (
            float_compare(
                abs(float(refund.amount) - invoice.amount_total),
                self.backend.total_tolerance,
                precision_rounding=invoice.currency_id.rounding,
            )
            <= 0
        )

    def _whole_invoice_lines(self, invoice):
        """Credit every line of the invoice, linked to its order lines."""
        return [
            Command.create(
                {
                    "product_id": line.product_id.id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "product_uom_id": line.product_uom_id.id,
                    "price_unit": line.price_unit,
                    "discount": line.discount,
                    "tax_ids": [Command.set(line.tax_ids.ids)],
                    "sale_line_ids": [Command.set(line.sale_line_ids.ids)],
                }
            )
            for line in invoice.invoice_line_ids
            if line.display_type == "product"
        ]

    def _refund_lines(self, sale, refund):
        """One credit line per refunded order line, in the order's tax mode."""
        lines = []
        for refund_line in refund.lines:
            sale_line = self._sale_line(sale, refund_line)
            quantity = refund_line.quantity or Decimal(1)
            lines.append(
                Command.create(
                    {
                        "product_id": sale_line.product_id.id,
                        "name": sale_line.name,
                        "quantity": float(quantity),
                        "product_uom_id": sale_line.product_uom.id,
                        "price_unit": float(refund_line.amount / quantity),
                        "tax_ids": [Command.set(sale_line.tax_id.ids)],
                        "sale_line_ids": [Command.set(sale_line.ids)],
                    }
                )
            )
        return lines

    def _credit_note_values(self, sale, invoice, refund):
        if self._refunds_whole_invoice(invoice, refund):
            # A refund of everything (a store order set to refunded) credits
            # the invoice line by line, so the order's quantities follow.
            lines = self._whole_invoice_lines(invoice)
        else:
            lines = self._refund_lines(sale, refund)
        reference = _("Channel refund %s", refund.external_id)
        if refund.reason:
            reference = f"{reference}: {refund.reason}"
        return {
            "move_type": "out_refund",
            "partner_id": invoice.partner_id.id,
            "company_id": invoice.company_id.id,
            "currency_id": invoice.currency_id.id,
            "journal_id": invoice.journal_id.id,
            "fiscal_position_id": invoice.fiscal_position_id.id,
            "reversed_entry_id": invoice.id,
            "invoice_origin": sale.name,
            "invoice_date": (refund.created_at or fields.Datetime.now()).date(),
            "ref": reference[:255],
            "retail_backend_id": self.backend.id,
            "retail_external_refund_id": refund.external_id,
            "invoice_line_ids": lines,
        }

    def _add_adjustment(self, credit_note, sale, refund):
        """One line for what the refunded lines do not add up to."""
        currency = credit_note.currency_id
        missing = float(refund.amount) - credit_note.amount_total
        if (
            float_compare(
                abs(missing),
                self.backend.total_tolerance,
                precision_rounding=currency.rounding,
            )
            <= 0
        ):
            return
        taxes = self._uniform_taxes(sale)
        price = missing
        if taxes and not all(tax.price_include for tax in taxes):
            # Taxes added on top: the line's untaxed price is what, taxed,
            # gives the missing amount.
            rate = sum(
                taxes.filtered(lambda t: t.amount_type == "percent").mapped("amount")
            )
            price = missing / (1 + rate / 100)
        name = _("Refund %s (not itemized)", refund.external_id)
        if refund.reason:
            name = f"{name}: {refund.reason}"
        credit_note.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": name,
                            "quantity": 1.0,
                            "price_unit": currency.round(price),
                            "tax_ids": [Command.set(taxes.ids)],
                        }
                    )
                ]
            }
        )

    def _uniform_taxes(self, sale):
        """The taxes every product line of the order has, if they all agree.

        With mixed taxes nobody can tell which part of an unitemized amount
        bears which tax; the adjustment is then left untaxed for a person to
        review.
        """
        tax_sets = {
            tuple(sorted(line.tax_id.ids))
            for line in sale.order_line
            if not line.display_type and not line.is_delivery
        }
        if len(tax_sets) != 1:
            return self.env["account.tax"]
        return self.env["account.tax"].browse(tax_sets.pop())
