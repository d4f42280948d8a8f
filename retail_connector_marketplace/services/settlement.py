"""Settlement: what Mirakl's transaction lines (TL02) and accounting
documents (IV01) mean in Odoo's accounting.

A polled page of transaction lines is one inbound exchange; it is mapped to a
:class:`TransactionPage` and applied by :class:`TransactionPageProcessor`:
each line is stored once by its Mirakl id (``retail.mirakl.transaction``)
and posted through the connection's marketplace journal
(``settlement_posting.SettlementPoster``). A page of accounting documents is
mapped to a :class:`DocumentPage` and applied by
:class:`DocumentPageProcessor` (``retail.mirakl.document``).
"""

from dataclasses import dataclass

# What each transaction type settles: the category decides the account of
# the line's counterpart (see readme/USAGE.md, "Settlement").
CATEGORY_CUSTOMER = "customer"
CATEGORY_COMMISSION = "commission"
CATEGORY_OPERATOR_VAT = "operator_vat"
CATEGORY_FEE = "fee"
CATEGORY_MANUAL_CREDIT = "manual_credit"
CATEGORY_MANUAL_INVOICE = "manual_invoice"
CATEGORY_RESERVE = "reserve"
CATEGORY_PAYMENT = "payment"
CATEGORY_UNKNOWN = "unknown"

CATEGORIES = [
    (CATEGORY_CUSTOMER, "Customer order / refund"),
    (CATEGORY_COMMISSION, "Commission"),
    (CATEGORY_OPERATOR_VAT, "VAT on the operator's services"),
    (CATEGORY_FEE, "Fee / penalty / subscription"),
    (CATEGORY_MANUAL_CREDIT, "Manual credit"),
    (CATEGORY_MANUAL_INVOICE, "Manual invoice"),
    (CATEGORY_RESERVE, "Reserve"),
    (CATEGORY_PAYMENT, "Payout"),
    (CATEGORY_UNKNOWN, "Unknown type"),
]

TYPE_CATEGORIES = {
    **dict.fromkeys(
        (
            "ORDER_AMOUNT",
            "ORDER_AMOUNT_TAX",
            "ORDER_SHIPPING_AMOUNT",
            "ORDER_SHIPPING_AMOUNT_TAX",
            "ORDER_FEE_AMOUNT",
            "REFUND_ORDER_AMOUNT",
            "REFUND_ORDER_AMOUNT_TAX",
            "REFUND_ORDER_SHIPPING_AMOUNT",
            "REFUND_ORDER_SHIPPING_AMOUNT_TAX",
        ),
        CATEGORY_CUSTOMER,
    ),
    **dict.fromkeys(("COMMISSION_FEE", "REFUND_COMMISSION_FEE"), CATEGORY_COMMISSION),
    **dict.fromkeys(
        (
            "COMMISSION_VAT",
            "REFUND_COMMISSION_VAT",
            "SUBSCRIPTION_VAT",
            "MANUAL_CREDIT_VAT",
            "MANUAL_INVOICE_VAT",
        ),
        CATEGORY_OPERATOR_VAT,
    ),
    **dict.fromkeys(("SUBSCRIPTION_FEE", "SELLER_PENALTY_FEE"), CATEGORY_FEE),
    "MANUAL_CREDIT": CATEGORY_MANUAL_CREDIT,
    "MANUAL_INVOICE": CATEGORY_MANUAL_INVOICE,
    **dict.fromkeys(("RESERVE_FUNDING", "RESERVE_SETTLEMENT"), CATEGORY_RESERVE),
    "PAYMENT": CATEGORY_PAYMENT,
}

# The connection's account field of each category (customer lines use the
# receivable of the invoice they settle, payouts the payout account).
CATEGORY_ACCOUNT_FIELDS = {
    CATEGORY_COMMISSION: "mirakl_commission_account_id",
    CATEGORY_OPERATOR_VAT: "mirakl_commission_vat_account_id",
    CATEGORY_FEE: "mirakl_fee_account_id",
    CATEGORY_MANUAL_CREDIT: "mirakl_manual_credit_account_id",
    CATEGORY_MANUAL_INVOICE: "mirakl_manual_invoice_account_id",
    CATEGORY_RESERVE: "mirakl_reserve_account_id",
    CATEGORY_PAYMENT: "mirakl_payout_account_id",
    CATEGORY_UNKNOWN: "mirakl_suspense_account_id",
}


def category_of(kind):
    """The settlement category of a Mirakl transaction type."""
    return TYPE_CATEGORIES.get((kind or "").upper(), CATEGORY_UNKNOWN)


@dataclass(frozen=True)
class TransactionPage:
    """One page of TL02 transaction lines (each a mappers.TransactionLine)."""

    lines: tuple


@dataclass(frozen=True)
class DocumentPage:
    """One page of IV01 accounting documents (each an AccountingDocument)."""

    documents: tuple


class TransactionPageProcessor:
    """Store each line of a page once and post what can be posted."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend

    def apply(self, page, exchange=None):
        Transaction = self.env["retail.mirakl.transaction"].sudo()
        transactions = Transaction._mirakl_upsert(self.backend, page.lines, exchange)
        transactions._mirakl_post()
        return transactions[:1]


class DocumentPageProcessor:
    """Store each accounting document once, linked to its lines."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend

    def apply(self, page, exchange=None):
        Document = self.env["retail.mirakl.document"].sudo()
        documents = Document._mirakl_upsert(self.backend, page.documents)
        documents._mirakl_match_payout()
        return documents[:1]
