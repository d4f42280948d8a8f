"""Fewer indexes on the exchanges: every webhook delivery updates each one.

The look-ups by connection use the unique (connection, direction, key)
index; those of one channel record the new (connection, external id, id)
index (created by the model). The single-column indexes they replace are
dropped: Odoo keeps an index a field no longer declares.
"""

from odoo.tools.sql import drop_index

REPLACED = ("backend_id", "company_id", "topic", "external_id")


def migrate(cr, version):
    for column in REPLACED:
        drop_index(cr, f"retail_exchange__{column}_index", "retail_exchange")
