"""Constants of the marketplace addon's Odoo layer.

The Mirakl API facts (paths, operations, frequencies, states) are in
``tools/api.py``; this file holds what the connection and its jobs add.
"""

from .tools import mappers

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

# Seeded on every new connection as its editable status table.
DEFAULT_STATUS_MAPPING = mappers.DEFAULT_STATUS_TARGETS
