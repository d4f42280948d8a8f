"""Facts of Mirakl's seller API (MMP) the client and mappers rely on.

See PROTOCOLS.md, "Marketplace: Mirakl seller API". Operations are named by
Mirakl's own codes (OR11, STO01…), as in its documentation and error reports.
"""

# Published maximum frequencies: (calls, seconds) pairs an operation must
# respect together. Operations not listed have no published limit.
CALL_LIMITS = {
    "OR11": ((1, 60),),
    "STO01": ((1, 60),),
    "TL02": ((20, 60), (60, 3600)),
    "IV01": ((1, 86400),),
}

ORDER_PAGE_MAX = 100
TRANSACTION_PAGE_MAX = 2000
INVOICE_PAGE_MAX = 100

# Order states Odoo acts on (Mirakl adds values over time: unknown ones are
# accepted).
WAITING_ACCEPTANCE = "WAITING_ACCEPTANCE"
REFUSED = "REFUSED"
CANCELED = "CANCELED"
LINE_CLOSED_STATES = (REFUSED, CANCELED)

# Stock import (STO01/STO02).
STOCK_CSV_HEADER = ("offer-sku", "quantity", "warehouse-code", "update-delete")
IMPORT_DONE_STATES = ("COMPLETE", "FAILED")

# Error codes Mirakl returns for acceptance.
ERROR_PARTIAL_ACCEPTANCE_DISABLED = "ORDER_PARTIAL_ACCEPTANCE_DISABLED"


def iso(moment):
    """A naive UTC datetime as Mirakl's query dates want it (None stays None)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def number(value):
    """A decimal of a Mirakl payload as the float Odoo stores (missing: 0)."""
    return float(value) if value not in (None, "") else 0.0
