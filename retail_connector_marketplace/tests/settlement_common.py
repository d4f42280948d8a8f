"""Helpers of the settlement tests: a Mirakl connection, Mirakl orders with
their posted invoices in Odoo, transaction lines as TL02 returns them."""

import uuid

from odoo import Command, fields
from odoo.tests import HttpCase, TransactionCase

from odoo.addons.retail_connector_base.tests.common import RetailKeyMixin, trap_jobs

__all__ = ["SettlementCase", "SettlementHttpCase", "trap_jobs"]


class SettlementMixin(RetailKeyMixin):
    """A Mirakl connection of the company (in its currency), a 20 % tax
    included in prices, and a product invoiced on order."""

    @classmethod
    def _setup_settlement(cls, **backend_values):
        cls._setup_encryption_key()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "Settlement 20% incl.",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Settlement Lamp",
                "default_code": "SETTLE-LAMP",
                "type": "consu",
                "invoice_policy": "order",
                "list_price": 60.0,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Jeanne Martin"})
        cls.bank_journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.company.id), ("type", "=", "bank")], limit=1
        )
        cls.backend = cls.env["retail.backend"].create(
            {
                "name": "Marketplace settlement",
                "channel": "mirakl",
                "mirakl_url": "http://127.0.0.1:9",
                "mirakl_api_key": "settlement-key",
                "rate_limit": 0,
                "breaker_threshold": 100,
                **backend_values,
            }
        )
        cls.backend.action_mirakl_setup_accounting()

    # -- Odoo ----------------------------------------------------------------

    def make_invoiced_order(self, order_id, lines, post=True):
        """A confirmed sale order of Mirakl order `order_id` and its invoice;
        `lines` are (price incl. tax, quantity)."""
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "retail_backend_id": self.backend.id,
                "retail_external_id": order_id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": quantity,
                            "price_unit": price,
                            "tax_id": [Command.set(self.tax.ids)],
                        }
                    )
                    for price, quantity in lines
                ],
            }
        )
        sale.action_confirm()
        invoice = sale._create_invoices()
        if post:
            invoice.action_post()
        return sale, invoice

    def make_credit_note(self, invoice, amount, refund_id):
        """A posted credit note of `amount` (tax included) for `invoice`,
        standing for Mirakl refund `refund_id`."""
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "refund"})
        )
        note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        line = note.invoice_line_ids[:1]
        note.write(
            {
                "invoice_line_ids": [
                    Command.update(line.id, {"quantity": 1, "price_unit": amount})
                ]
                + [Command.delete(other.id) for other in note.invoice_line_ids - line],
                "retail_backend_id": self.backend.id,
                "retail_external_refund_id": refund_id,
            }
        )
        note.action_post()
        return note

    def balance(self, account, **domain):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
            + [(key, "=", value) for key, value in domain.items()]
        )
        return self.currency.round(sum(lines.mapped("balance")))

    def transactions(self, **domain):
        return self.env["retail.mirakl.transaction"].search(
            [("backend_id", "=", self.backend.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    # -- Mirakl payloads -----------------------------------------------------

    def tx(self, kind, amount, order_id=None, **more):
        """A TL02 line as Mirakl returns it."""
        amount = round(float(amount), 2)
        now = more.pop("updated", None) or fields.Datetime.now()
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        entities = {}
        if order_id:
            entities["order"] = {"id": order_id, "commercial_id": order_id[:-2]}
            entities["order_line"] = {"id": f"{order_id}-1"}
        if more.get("fee_code"):
            entities["fee"] = {"code": more.pop("fee_code")}
        if more.get("refund_id"):
            entities["refund"] = {"id": more.pop("refund_id")}
        if kind.endswith("_TAX"):
            entities["order_tax"] = {"code": "VAT", "rate": 20.0}
        line = {
            "id": more.pop("id", None) or str(uuid.uuid4()),
            "type": kind,
            "amount": f"{amount:.2f}",
            "amount_credited": f"{max(amount, 0):.2f}",
            "amount_debited": f"{max(-amount, 0):.2f}",
            "balance": "0.00",
            "currency_iso_code": self.currency.name,
            "date_created": stamp,
            "last_updated": stamp,
            "payment_state": "PENDING",
            "accounting_document_id": None,
            "accounting_document_number": None,
            "payment_voucher_number": None,
            "seller_billing_cycle_id": None,
            "entities": entities,
        }
        line.update(more)
        return line

    def order_lines(self, order_id, total, commission):
        """ORDER_AMOUNT (+ tax, 20 % included) and COMMISSION lines of an
        order of `total` (tax included) and `commission` (+ 20 % VAT)."""
        untaxed = round(total / 1.2, 2)
        return [
            self.tx("ORDER_AMOUNT", untaxed, order_id),
            self.tx("ORDER_AMOUNT_TAX", round(total - untaxed, 2), order_id),
            self.tx("COMMISSION_FEE", -commission, order_id),
            self.tx("COMMISSION_VAT", -round(commission * 0.2, 2), order_id),
        ]

    def paid(self, lines, document_id="9001", voucher="PV000001"):
        """`lines` paid in one accounting document, with their PAYMENT line."""
        total = round(sum(float(line["amount"]) for line in lines), 2)
        paid = [
            dict(
                line,
                payment_state="PAID",
                accounting_document_id=document_id,
                accounting_document_number=f"INV-{document_id}",
                payment_voucher_number=voucher,
                seller_billing_cycle_id=1,
            )
            for line in lines
        ]
        payment = self.tx(
            "PAYMENT",
            -total,
            payment_state="PAID",
            accounting_document_id=document_id,
            accounting_document_number=f"INV-{document_id}",
            payment_voucher_number=voucher,
            seller_billing_cycle_id=1,
        )
        return paid, payment

    def feed(self, lines):
        """Store `lines` as one TL02 page and process it; returns the exchange."""
        self.backend._mirakl_store_page(
            "mirakl.transaction_logs", {"data": lines}, lines, "reconciliation"
        )
        exchange = self.env["retail.exchange"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("topic", "=", "mirakl.transaction_logs"),
            ],
            order="id desc",
            limit=1,
        )
        if exchange.state in ("received", "queued"):
            exchange._process()
        return exchange

    def statement_line(self, amount, label, date=None, partner=None):
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.backend.mirakl_bank_journal_id.id,
                "amount": amount,
                "payment_ref": label,
                "date": date or fields.Date.today(),
                "partner_id": partner.id if partner else False,
            }
        )


class SettlementCase(SettlementMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_settlement()


class SettlementHttpCase(SettlementMixin, HttpCase):
    """The connection talks to a sandbox marketplace on loopback, a new one
    for each test (shop in the company's currency). An HttpCase: the call
    schedule writes in a cursor of its own, which then shares the test's
    transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from sandbox.mirakl import DEFAULT_API_KEY, DEFAULT_SHOP_ID

        cls._setup_settlement(
            mirakl_api_key=DEFAULT_API_KEY,
            mirakl_shop_id=str(DEFAULT_SHOP_ID),
        )
        cls.backend.action_activate()

    def setUp(self):
        super().setUp()
        from sandbox.mirakl import DEFAULT_SHOP_ID, MiraklMarketplace, serve_marketplace

        self.marketplace = MiraklMarketplace(
            currency=self.env.company.currency_id.name,
            debit_delay=None,
            refund_delay=None,
            import_delay=0.0,
            seed=23,
            limit_scale=0.001,
        )
        server = serve_marketplace(self.marketplace)
        self.addCleanup(server.shutdown)
        self.marketplace.set_shop_options(DEFAULT_SHOP_ID, offers=["SETTLE-LAMP"])
        self.backend.mirakl_url = server.url

    def run_jobs(self, trap, rounds=5):
        for _round in range(rounds):
            jobs = list(trap.enqueued_jobs)
            if not jobs:
                return
            trap.enqueued_jobs.clear()
            for job in jobs:
                if job.method_name == "_poll_job":
                    continue
                job.perform()

    def poll(self, stream):
        """Run the stream's poll job, then the jobs it queued."""
        with trap_jobs() as trap:
            summary = self.backend._poll_job(stream)
        self.run_jobs(trap)
        return summary
