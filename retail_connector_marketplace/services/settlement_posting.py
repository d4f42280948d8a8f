"""Journal entries of Mirakl transaction lines.

Every line is posted as a pair of journal items in the connection's
marketplace journal: the operator clearing account (partner: the operator)
takes the line's amount (debit when Mirakl credits the shop), the
counterpart depends on the type (see settlement.CATEGORY_ACCOUNT_FIELDS and
readme/USAGE.md, "Settlement"):

- order amounts, shipping, fees and their taxes credit the customer
  receivable of the order's invoice and are reconciled with it; refunds
  debit it and are reconciled with the order's credit notes;
- commissions, the operator's VAT, fees, manual credits and invoices,
  reserve movements go to the connection's accounts (partner: operator);
- ``PAYMENT`` moves the payout from the clearing account to the payout
  account (the bank's outstanding receipts), matched later with the bank
  statement line of the transfer;
- an unknown type goes to the suspense account and the line says so.

The lines of one order read in one run share one journal entry. A line
already posted is never posted again.
"""

from collections import defaultdict

from odoo import _, fields

from . import settlement


class SettlementPoster:
    """Post transaction lines of one connection."""

    def __init__(self, env, backend):
        self.env = env(su=True)
        self.backend = backend.sudo().with_company(backend.company_id)
        self.company = backend.company_id

    # ------------------------------------------------------------------
    def post(self, transactions):
        transactions = transactions.sudo().filtered(lambda t: not t.move_id)
        if not transactions:
            return transactions
        self.backend._mirakl_settlement_ensure_setup()
        groups = defaultdict(list)
        touched_sales = self.env["sale.order"]
        for tx in transactions.sorted(
            lambda t: (t.date_created or fields.Datetime.now(), t.id)
        ):
            target = self._target(tx)
            if target is None:
                continue
            key = tx.mirakl_order_id or f"line-{tx.id}"
            groups[key].append((tx, *target))
            if target[2]:
                touched_sales |= target[2]
        for key, items in groups.items():
            self._post_group(key, items)
        for sale in touched_sales:
            self.reconcile_order(sale)
        return transactions

    # ------------------------------------------------------------------
    def _target(self, tx):
        """``(account, partner, sale, state, message)`` of the counterpart,
        or None when the line must wait (its state and message say why)."""
        backend = self.backend
        operator = backend.mirakl_operator_partner_id
        category = tx.category or settlement.category_of(tx.type)
        if category == settlement.CATEGORY_CUSTOMER:
            return self._customer_target(tx)
        account = backend[settlement.CATEGORY_ACCOUNT_FIELDS[category]]
        if category == settlement.CATEGORY_UNKNOWN:
            return (
                account,
                operator,
                self.env["sale.order"],
                "suspense",
                _(
                    "Unknown Mirakl transaction type %(type)s: posted to the "
                    "suspense account %(account)s. Move it to the right account "
                    "with a journal entry once you know what it is.",
                    type=tx.type,
                    account=account.display_name,
                ),
            )
        return account, operator, self.env["sale.order"], "posted", False

    def _sale(self, tx):
        if tx.sale_order_id:
            return tx.sale_order_id
        if not tx.mirakl_order_id:
            return self.env["sale.order"]
        sale = self.env["sale.order"].search(
            [
                ("retail_backend_id", "=", tx.backend_id.id),
                ("retail_external_id", "=", tx.mirakl_order_id),
            ],
            limit=1,
        )
        if sale:
            tx.sale_order_id = sale
        return sale

    def _customer_target(self, tx):
        sale = self._sale(tx)
        if not sale:
            return self._wait(
                tx,
                _(
                    "Mirakl order %s is not in Odoo yet: the line is posted once "
                    "the order is imported and invoiced.",
                    tx.mirakl_order_id or "?",
                ),
            )
        moves = sale.invoice_ids.filtered(lambda m: m.state == "posted")
        if tx.type.startswith("REFUND_") and tx.mirakl_refund_id:
            notes = self.credit_notes(sale, tx.mirakl_refund_id)
            if not notes:
                return self._wait(
                    tx,
                    _(
                        "Refund %(refund)s of order %(order)s has no posted credit "
                        "note yet: the line is posted with it.",
                        refund=tx.mirakl_refund_id,
                        order=sale.name,
                    ),
                )
            moves = notes
        else:
            moves = moves.filtered(lambda m: m.move_type == "out_invoice")
            if not moves:
                return self._wait(
                    tx,
                    _(
                        "Order %s has no posted invoice yet: the line is posted "
                        "and reconciled once it has.",
                        sale.name,
                    ),
                )
        receivable = moves.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
        )[:1]
        return (
            receivable.account_id,
            receivable.partner_id.commercial_partner_id or sale.partner_invoice_id,
            sale,
            "posted",
            False,
        )

    def credit_notes(self, sale, refund_id):
        """Posted credit notes of `sale` for refund `refund_id` (else any
        posted credit note of the order with something left to settle)."""
        notes = sale.invoice_ids.filtered(
            lambda m: m.move_type == "out_refund" and m.state == "posted"
        )
        exact = notes.filtered(lambda m: m.retail_external_refund_id == refund_id)
        return exact or notes.filtered(lambda m: m.amount_residual)

    @staticmethod
    def _wait(tx, message):
        if tx.state != "waiting" or tx.message != message:
            tx.write({"state": "waiting", "message": message})
        return None

    # ------------------------------------------------------------------
    def _post_group(self, key, items):
        backend = self.backend
        first = items[0][0]
        currency = first.currency_id
        date = (first.date_created or fields.Datetime.now()).date()
        lines = []
        for tx, account, partner, _sale, _state, _message in items:
            amount = tx.amount
            balance = currency._convert(
                amount, self.company.currency_id, self.company, date
            )
            label = " ".join(
                part for part in (tx.type, tx.mirakl_order_id or tx.fee_code) if part
            )
            common = {"currency_id": currency.id, "name": label}
            lines.append(
                {
                    **common,
                    "account_id": backend.mirakl_clearing_account_id.id,
                    "partner_id": backend.mirakl_operator_partner_id.id,
                    "amount_currency": amount,
                    "balance": balance,
                }
            )
            lines.append(
                {
                    **common,
                    "account_id": account.id,
                    "partner_id": partner.id,
                    "amount_currency": -amount,
                    "balance": -balance,
                }
            )
        ref = (
            _("Mirakl order %s", key)
            if first.mirakl_order_id
            else _("Mirakl %(type)s %(id)s", type=first.type, id=first.mirakl_id)
        )
        move = (
            self.env["account.move"]
            .with_company(self.company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": backend.mirakl_journal_id.id,
                    "date": date,
                    "ref": ref,
                    "currency_id": currency.id,
                    "retail_backend_id": backend.id,
                    "line_ids": [(0, 0, values) for values in lines],
                }
            )
        )
        move.action_post()
        move_lines = move.line_ids.sorted("id")
        for index, (tx, _account, _partner, sale, state, message) in enumerate(items):
            tx.write(
                {
                    "move_id": move.id,
                    "clearing_line_id": move_lines[2 * index].id,
                    "counterpart_line_id": move_lines[2 * index + 1].id,
                    "posted_amount": tx.amount,
                    "sale_order_id": sale.id or tx.sale_order_id.id,
                    "state": state,
                    "message": message,
                }
            )
        return move

    # ------------------------------------------------------------------
    def reconcile_order(self, sale):
        """Reconcile the order's invoices and credit notes with its settled
        lines: invoices with order amounts, credit notes with refunds, then
        whatever is left open between them."""
        Transaction = self.env["retail.mirakl.transaction"]
        settled = Transaction.search(
            [
                ("backend_id", "=", self.backend.id),
                ("sale_order_id", "=", sale.id),
                ("category", "=", settlement.CATEGORY_CUSTOMER),
                ("counterpart_line_id", "!=", False),
            ]
        ).counterpart_line_id
        moves = sale.invoice_ids.filtered(lambda m: m.state == "posted")

        def receivable(lines):
            return lines.filtered(
                lambda aml: (
                    aml.account_id.account_type == "asset_receivable"
                    and not aml.reconciled
                )
            )

        invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
        notes = moves - invoices
        for batch in (
            receivable(invoices.line_ids)
            + receivable(settled).filtered(lambda aml: aml.balance < 0),
            receivable(notes.line_ids)
            + receivable(settled).filtered(lambda aml: aml.balance > 0),
            receivable(moves.line_ids + settled),
        ):
            self._reconcile(batch)

    @staticmethod
    def _reconcile(lines):
        for account in lines.account_id:
            same = lines.filtered(
                lambda aml, a=account: aml.account_id == a and not aml.reconciled
            )
            if same.filtered(lambda aml: aml.balance > 0) and same.filtered(
                lambda aml: aml.balance < 0
            ):
                same.reconcile()
