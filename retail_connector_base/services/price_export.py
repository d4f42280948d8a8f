"""Prices pushed to a channel, coalesced like the stock.

A price change marks the connection's bindings as pending and queues one job
per connection (identity key), as for the stock. The job reads the pending
bindings and sends their prices through the channel's ``_export_prices``
hook, holding no lock on them while the channel answers (see
``binding_export``).
"""

from odoo import _

from .. import const
from .binding_export import BindingExporter


class PriceExporter(BindingExporter):
    pending_field = "price_export_pending"
    error_field = "last_price_error"
    job_method = "_export_prices_job"
    identity_prefix = "retail-prices"

    def _job_description(self):
        return _("Push prices to %s", self.backend.name)

    def _skip_reason(self):
        if not self.backend._channel_supports(const.FEATURE_PRICE_EXPORT):
            return self.backend._feature_skip_reason(const.FEATURE_PRICE_EXPORT)
        return None

    def _drop_reason(self):
        if not self.backend.pricelist_id:
            return _("Nothing to do: the connection has no pricelist.")
        return None

    def _values(self, bindings):
        return self.backend._channel_prices(bindings.product_id)

    def _send(self, items):
        return self.backend._export_prices(items)

    def _pushed_values(self, value, now):
        return {"last_exported_price": value, "price_exported_at": now}

    def _summary(self, pushed, failed, unchanged):
        return _(
            "%(sent)s prices sent, %(refused)s refused.", sent=pushed, refused=failed
        )
