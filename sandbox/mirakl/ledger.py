"""Money: transaction logs (TL02), accounting documents (IV01), billing cycles.

A debit writes, per accepted line, ORDER_AMOUNT (the line's price without
its taxes), ORDER_AMOUNT_TAX (per tax, with ``entities.order_tax``),
ORDER_SHIPPING_AMOUNT, ORDER_SHIPPING_AMOUNT_TAX, COMMISSION_FEE and
COMMISSION_VAT (negative), all PENDING; they become PAYABLE when the order
is RECEIVED. A paid refund writes the REFUND_* mirror lines (with
``entities.refund.id``), a cancelation after the debit the same types with
``entities.cancelation.id`` instead; they are PAYABLE at once when the
order's amounts already are. Closing a billing cycle writes the cycle's
SUBSCRIPTION_FEE / SUBSCRIPTION_VAT, groups every PAYABLE line in one
AUTO_INVOICE document (IV01 ``id``; its number is ``invoice_id``), marks
them PAID with that id, number and payment voucher, and writes the PAYMENT
line (minus their sum). ``balance`` is the
running sum of the shop's lines in the order they were written; zero-amount
lines are not written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from .const import FEE_TYPES, FEE_VAT_TYPES
from .render import line_amounts
from .values import cents, iso, money

ZERO = Decimal("0")


class Ledger:
    """Marketplace mixin: the shops' transaction lines and documents."""

    def add_transaction(
        self,
        type: str,  # noqa: A002 - Mirakl's field name
        amount,
        *,
        payment_state: str = "PAYABLE",
        entities: dict | None = None,
        shop_id: int | None = None,
    ) -> dict:
        """Write any transaction line (any type, even one Mirakl does not have)."""
        with self.lock:
            shop = self.shop(shop_id)
            line = self._write(shop, type, cents(amount), payment_state, entities)
            return render_transaction(line) if line else {}

    def _write(self, shop, kind, amount, payment_state, entities=None):
        if not amount:
            return None
        now = self.now()
        shop.balance += amount
        line = {
            "id": self.new_uuid(),
            "seq": len(shop.transactions),
            "type": kind,
            "amount": amount,
            "balance": shop.balance,
            "currency": shop.currency,
            "created": now,
            "updated": now,
            "payment_state": payment_state,
            "accounting_document_id": None,
            "accounting_document_number": None,
            "payment_voucher_number": None,
            "seller_billing_cycle_id": None,
            "entities": entities or {},
        }
        shop.transactions.append(line)
        return line

    @staticmethod
    def _entities(order, line, **more) -> dict:
        entities = {
            "order": {
                "id": order["order_id"],
                "commercial_id": order["commercial_id"],
            },
            "order_line": {"id": line["order_line_id"]},
        }
        entities.update(more)
        return entities

    def _tax_entity(self, line, code):
        return {"code": code, "rate": float(line["tax_rate"] or 0)}

    def record_debit(self, order: dict) -> None:
        """The debit's transaction lines, per accepted line (PENDING)."""
        shop = self.shop(order["shop_id"])
        included = order["tax_mode"] == "TAX_INCLUDED"
        for line in order["lines"]:
            if line["state"] != "SHIPPING":
                continue
            amounts = line_amounts(line, order["tax_mode"])
            code = line["tax_code"]
            for kind, base, tax in (
                ("ORDER_AMOUNT", amounts["price"], amounts["tax"]),
                (
                    "ORDER_SHIPPING_AMOUNT",
                    amounts["shipping_price"],
                    amounts["shipping_tax"],
                ),
            ):
                net = base - tax if included else base
                self._write(shop, kind, net, "PENDING", self._entities(order, line))
                if line["tax_rate"] is not None:
                    entities = self._entities(
                        order, line, order_tax=self._tax_entity(line, code)
                    )
                    self._write(shop, f"{kind}_TAX", tax, "PENDING", entities)
            fee = {"code": "COMMISSION"}
            for kind, amount in (
                ("COMMISSION_FEE", amounts["commission_fee"]),
                ("COMMISSION_VAT", amounts["commission_vat"]),
            ):
                entities = self._entities(order, line, fee=fee)
                self._write(shop, kind, -amount, "PENDING", entities)

    def _payable_state(self, order) -> str:
        return "PAYABLE" if order.get("received_at") else "PENDING"

    def record_refund(self, order, line, refund, entity="refund") -> None:
        """The REFUND_* lines of a paid refund (or of a cancelation)."""
        shop = self.shop(order["shop_id"])
        included = order["tax_mode"] == "TAX_INCLUDED"
        state = self._payable_state(order)
        link = {entity: {"id": refund["id"]}}
        for kind, amount, taxes in (
            ("REFUND_ORDER_AMOUNT", refund["amount"], refund["taxes"]),
            (
                "REFUND_ORDER_SHIPPING_AMOUNT",
                refund["shipping_amount"],
                refund["shipping_taxes"],
            ),
        ):
            total_tax = sum((t["amount"] for t in taxes), ZERO)
            net = amount - total_tax if included else amount
            self._write(shop, kind, -net, state, self._entities(order, line, **link))
            for tax in taxes:
                entities = self._entities(
                    order, line, order_tax=self._tax_entity(line, tax["code"]), **link
                )
                self._write(shop, f"{kind}_TAX", -tax["amount"], state, entities)
        for kind, amount in (
            ("REFUND_COMMISSION_FEE", refund["commission_amount"]),
            ("REFUND_COMMISSION_VAT", refund["commission_vat"]),
        ):
            entities = self._entities(order, line, fee={"code": "COMMISSION"}, **link)
            self._write(shop, kind, amount, state, entities)

    def record_cancelation(self, order, line, cancelation) -> None:
        self.record_refund(order, line, cancelation, entity="cancelation")

    def make_payable(self, order: dict) -> None:
        """The order's PENDING lines become PAYABLE."""
        shop = self.shop(order["shop_id"])
        now = self.now()
        for line in shop.transactions:
            entity = line["entities"].get("order") or {}
            if entity.get("id") == order["order_id"] and line["payment_state"] == (
                "PENDING"
            ):
                line["payment_state"] = "PAYABLE"
                line["updated"] = now

    def close_billing_cycle(self, shop_id: int | None = None) -> dict | None:
        """Pay the shop's PAYABLE lines; returns the accounting document (IV01).

        ``None`` when there was nothing to pay and no subscription fee.
        """
        with self.lock:
            shop = self.shop(shop_id)
            cycle = next(self._cycle_ids)
            fee_entities = {"fee": {"code": "SUBSCRIPTION"}}
            self._write(
                shop,
                "SUBSCRIPTION_FEE",
                -shop.subscription_fee,
                "PAYABLE",
                fee_entities,
            )
            self._write(
                shop,
                "SUBSCRIPTION_VAT",
                -cents(shop.subscription_fee * shop.subscription_vat_rate),
                "PAYABLE",
                fee_entities,
            )
            payable = [t for t in shop.transactions if t["payment_state"] == "PAYABLE"]
            if not payable:
                return None
            now = self.now()
            number = next(self._invoice_ids)
            year = datetime.fromtimestamp(now, UTC).year
            document = {
                "id": number,
                "number": f"INV-{year}-{number}",
                "voucher": f"PV{next(self._voucher_ids):06d}",
            }
            total = sum((t["amount"] for t in payable), ZERO)
            fees = -sum((t["amount"] for t in payable if t["type"] in FEE_TYPES), ZERO)
            taxes = -sum(
                (t["amount"] for t in payable if t["type"] in FEE_VAT_TYPES), ZERO
            )
            previous = shop.invoices[-1]["end_time"] if shop.invoices else None
            invoice = {
                "id": number,
                "invoice_id": document["number"],
                "type": "AUTO_INVOICE",
                "shop_id": shop.id,
                "issue_date": iso(now),
                "due_date": iso(now),
                "start_time": previous or iso(min(t["created"] for t in payable)),
                "end_time": iso(now),
                "currency_iso_code": shop.currency,
                "total_amount_excl_taxes": money(fees),
                "total_amount_incl_taxes": money(fees + taxes),
                "total_taxes": [{"code": "VAT", "amount": money(taxes)}],
                "payment": {
                    "state": "PAID",
                    "reference": document["voucher"],
                    "transaction_date": iso(now),
                },
                "summary": {
                    "amount_transferred": money(total),
                    "transactions_count": len(payable),
                },
                "seller_billing_cycle_id": cycle,
            }
            for line in payable:
                self._mark_paid(line, document, cycle, now)
            payment = self._write(shop, "PAYMENT", -total, "PAID")
            if payment is not None:
                self._mark_paid(payment, document, cycle, now)
            shop.invoices.append(invoice)
            return dict(invoice)

    @staticmethod
    def _mark_paid(line, document, cycle, now) -> None:
        line["payment_state"] = "PAID"
        line["accounting_document_id"] = str(document["id"])
        line["accounting_document_number"] = document["number"]
        line["payment_voucher_number"] = document["voucher"]
        line["seller_billing_cycle_id"] = cycle
        line["updated"] = now

    def transactions(self, shop_id: int | None = None) -> list[dict]:
        """The shop's transaction lines as TL02 shows them, oldest first."""
        with self.lock:
            return [render_transaction(t) for t in self.shop(shop_id).transactions]

    def invoices(self, shop_id: int | None = None) -> list[dict]:
        """The shop's accounting documents as IV01 shows them."""
        with self.lock:
            return [dict(i) for i in self.shop(shop_id).invoices]


def render_transaction(line: dict) -> dict:
    """A transaction line as TL02 returns it."""
    amount = line["amount"]
    return {
        "id": line["id"],
        "type": line["type"],
        "amount": money(amount),
        "amount_credited": money(max(amount, ZERO)),
        "amount_debited": money(max(-amount, ZERO)),
        "balance": money(line["balance"]),
        "currency_iso_code": line["currency"],
        "date_created": iso(line["created"]),
        "last_updated": iso(line["updated"]),
        "payment_state": line["payment_state"],
        "accounting_document_id": line["accounting_document_id"],
        "accounting_document_number": line["accounting_document_number"],
        "payment_voucher_number": line["payment_voucher_number"],
        "seller_billing_cycle_id": line["seller_billing_cycle_id"],
        "entities": {k: dict(v) for k, v in line["entities"].items()},
    }
