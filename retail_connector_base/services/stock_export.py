"""Coalesced, batched stock pushes to a channel.

Stock changes mark the product bindings of a connection as pending and queue
one job per connection (identity key, short delay): a change made while that
job waits joins it. The job claims every pending binding of the connection and
pushes them in batches of a hundred through the channel's ``_export_stock``
hook (see ``binding_export``).
"""

from odoo import _

from .. import const
from .binding_export import BindingExporter


class StockExporter(BindingExporter):
    pending_field = "stock_export_pending"
    since_field = "stock_pending_since"
    error_field = "last_export_error"
    job_method = "_export_stock_job"
    identity_prefix = "retail-stock"
    batch_size = const.STOCK_EXPORT_BATCH_SIZE

    def _job_description(self):
        return _("Push stock to %s", self.backend.name)

    def _skip_reason(self):
        if not self.backend.export_stock:
            return _("Nothing to do: stock pushes are off for this connection.")
        return None

    def _values(self, bindings):
        return self.backend._get_available_quantities(bindings.product_id)

    def _unchanged(self, bindings, values):
        return bindings.filtered(
            lambda b: (
                b.last_export_at
                and not b.last_export_error
                and b.last_exported_qty == values[b.product_id.id]
            )
        )

    def _send(self, items):
        return self.backend._export_stock(items)

    def _pushed_values(self, value, now):
        return {"last_exported_qty": value, "last_export_at": now}

    def _summary(self, pushed, failed, unchanged):
        return _(
            "%(pushed)s quantities pushed, %(failed)s refused, %(same)s unchanged.",
            pushed=pushed,
            failed=failed,
            same=unchanged,
        )
