"""Constants of the marketplace addon's Odoo layer.

The Mirakl API facts (paths, operations, frequencies, states) are in
``tools/api.py``; this file holds what the connection and its jobs add.
"""

CHANNEL = "mirakl"

# Name under which the connection's API key is stored encrypted.
SECRET_API_KEY = "mirakl_api_key"

# Polled streams besides the base's "orders".
POLL_STREAM_TRANSACTIONS = "transaction_logs"
POLL_STREAM_INVOICES = "accounting_documents"

ACCEPTANCE_POLICIES = [
    ("auto", "By stock: accept what the warehouse has free"),
    ("accept_all", "Accept every order"),
    ("manual", "Manual: a person decides"),
]

ACCEPTANCE_STATES = [
    ("waiting", "Waiting for a decision"),
    ("accepted", "Accepted"),
    ("partial", "Partly accepted"),
    ("refused", "Refused"),
]

# What a Mirakl order state means in Odoo (canonical statuses).
STATUS_TARGETS = [
    ("pending", "Quotation"),
    ("confirmed", "Confirmed order"),
    ("completed", "Confirmed order (already shipped)"),
    ("cancelled", "Cancelled"),
]
DEFAULT_STATUS_MAPPING = {
    "STAGING": "pending",
    "WAITING_ACCEPTANCE": "pending",
    "WAITING_DEBIT": "pending",
    "WAITING_DEBIT_PAYMENT": "pending",
    "SHIPPING": "confirmed",
    "SHIPPED": "completed",
    "TO_COLLECT": "completed",
    "RECEIVED": "completed",
    "CLOSED": "completed",
    "REFUSED": "cancelled",
    "CANCELED": "cancelled",
}
