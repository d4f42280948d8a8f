"""Coalesced, batched stock pushes to a channel.

Stock changes mark the product bindings of a connection as pending and queue
one job per connection (identity key, short delay): a change made while that
job waits joins it. The job claims every pending binding of the connection and
pushes them in the channel's batches (a hundred by default, see
``_export_stock_batch_size``) through its ``_export_stock``
hook (see ``binding_export``).
"""

from odoo import _

from .binding_export import BindingExporter


class StockExporter(BindingExporter):
    pending_field = "stock_export_pending"
    since_field = "stock_pending_since"
    error_field = "last_export_error"
    job_method = "_export_stock_job"
    identity_prefix = "retail-stock"

    @property
    def batch_size(self):
        return self.backend._export_stock_batch_size()

    def _job_description(self):
        return _("Push stock to %s", self.backend.name)

    def _skip_reason(self):
        if not self.backend.export_stock:
            return _("Nothing to do: stock pushes are off for this connection.")
        return None

    def _values(self, bindings):
        # Read once per run: _unchanged and _send follow from it.
        self._locations = locations = self.backend._stock_locations()
        if not locations:
            return self.backend._get_available_quantities(bindings.product_id)
        # Per location, for _send; the binding records their total.
        self._by_location = {
            location: self.backend._get_available_quantities(
                bindings.product_id, location.warehouse_id
            )
            for location in locations
        }
        return {
            product.id: sum(q[product.id] for q in self._by_location.values())
            for product in bindings.product_id
        }

    def _unchanged(self, bindings, values):
        if self._locations:
            # A move between two stores keeps the total: push every time.
            return bindings.browse()
        return bindings.filtered(
            lambda b: (
                b.last_export_at
                and not b.last_export_error
                and b.last_exported_qty == values[b.product_id.id]
            )
        )

    def _send(self, items):
        locations = self._locations
        if not locations:
            return self.backend._export_stock(items)
        return self.backend._export_stock_locations(
            {
                location: [
                    (binding, self._by_location[location][binding.product_id.id])
                    for binding, _total in items
                ]
                for location in locations
            }
        )

    def _pushed_values(self, value, now):
        return {"last_exported_qty": value, "last_export_at": now}

    def _record(self, updates):
        # How long each pushed quantity waited (the daily KPIs' stock delay):
        # read before the push clears the start of the wait.
        waited = {
            binding: (binding.stock_pending_since, values["last_export_at"])
            for binding, values in updates.items()
            if values.get("last_export_at")
        }
        changed = super()._record(updates)
        pushed = [times for binding, times in waited.items() if binding not in changed]
        if pushed:
            self.env["retail.stock.push.sample"]._record(
                self.backend, [since for since, _at in pushed], pushed[0][1]
            )
        return changed

    def _summary(self, pushed, failed, unchanged):
        return _(
            "%(pushed)s quantities pushed, %(failed)s refused, %(same)s unchanged.",
            pushed=pushed,
            failed=failed,
            same=unchanged,
        )
