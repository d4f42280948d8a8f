"""Coalesced, batched stock pushes to a channel.

Stock changes mark the product bindings of a connection as pending and queue
one job per product and connection (identity key, short delay). Whichever job
runs first claims every pending binding of the connection and pushes them in
batches; the others find nothing left to do. So a burst of moves costs a few
batch calls, and each job stays idempotent.
"""

from datetime import timedelta

from odoo import _, fields
from odoo.tools import SQL

from .. import const
from ..tools import http_client


def chunked(items, size):
    """Split a list into consecutive lists of at most `size` items."""
    return [items[index : index + size] for index in range(0, len(items), size)]


class StockExporter:
    def __init__(self, env, backend):
        self.env = env
        self.backend = backend
        self.Binding = env["retail.product.binding"].sudo()

    def schedule(self, products):
        """Mark `products`' bindings pending and queue their jobs."""
        backend = self.backend
        bindings = self.Binding.search(
            [("backend_id", "=", backend.id), ("product_id", "in", products.ids)]
        )
        if not bindings:
            return
        now = fields.Datetime.now()
        self.Binding.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE retail_product_binding SET stock_export_pending = true,"
                " stock_pending_since = COALESCE(stock_pending_since, %s)"
                " WHERE id IN %s",
                now,
                tuple(bindings.ids),
            )
        )
        bindings.invalidate_recordset(["stock_export_pending", "stock_pending_since"])
        eta = now + timedelta(seconds=max(0, backend.stock_export_delay))
        for binding in bindings:
            backend.with_delay(
                channel=const.JOB_CHANNEL_OUTBOUND,
                eta=eta,
                identity_key=f"retail-stock-{backend.id}-{binding.product_id.id}",
                description=_(
                    "Push stock of %(product)s to %(backend)s",
                    product=binding.product_id.display_name,
                    backend=backend.name,
                ),
            )._export_stock_job(binding.product_id.id)

    def _claim_pending(self):
        """Lock the pending bindings no other job is pushing right now."""
        self.Binding.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM retail_product_binding"
                " WHERE backend_id = %s AND stock_export_pending"
                " ORDER BY stock_pending_since, id"
                " FOR UPDATE SKIP LOCKED",
                self.backend.id,
            )
        )
        return self.Binding.browse([row[0] for row in self.env.cr.fetchall()])

    def run(self, product_id):
        """Push every pending binding of the connection; return a summary."""
        backend = self.backend
        if backend.state != "active" or not backend.export_stock:
            return _("Nothing to do: stock pushes are off for this connection.")
        bindings = self._claim_pending()
        if not bindings:
            return _("Nothing to do: already pushed by another job.")
        quantities = backend._get_available_quantities(bindings.product_id)
        now = fields.Datetime.now()
        unchanged = bindings.filtered(
            lambda b: (
                b.last_export_at
                and not b.last_export_error
                and b.last_exported_qty == quantities[b.product_id.id]
            )
        )
        unchanged.write({"stock_export_pending": False, "stock_pending_since": False})
        # Variations of one parent go out together: channels take them through
        # one batch endpoint per parent, so grouping keeps the request count
        # close to one per hundred items.
        todo = (bindings - unchanged).sorted(
            lambda b: (b.external_parent_id or "", b.id)
        )
        pushed = failed = 0
        for batch in chunked(list(todo), const.STOCK_EXPORT_BATCH_SIZE):
            items = [(binding, quantities[binding.product_id.id]) for binding in batch]
            try:
                errors = backend._export_stock(items)
            except http_client.ChannelHttpError as exc:
                if exc.retryable:
                    # Nothing is lost: the bindings stay pending and the job
                    # retries later (after the circuit breaker's cool-down).
                    raise backend._retry_later(exc) from exc
                errors = {binding.id: str(exc) for binding, _qty in items}
            for binding, qty in items:
                error = errors.get(binding.id)
                values = {
                    "stock_export_pending": False,
                    "stock_pending_since": False,
                    "last_export_error": error or False,
                }
                if error:
                    failed += 1
                else:
                    pushed += 1
                    values.update(last_exported_qty=qty, last_export_at=now)
                binding.write(values)
        return _(
            "%(pushed)s quantities pushed, %(failed)s refused, %(same)s unchanged.",
            pushed=pushed,
            failed=failed,
            same=len(unchanged),
        )
