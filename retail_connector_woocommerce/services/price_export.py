"""Prices pushed to WooCommerce, coalesced like the stock.

A price change marks the connection's bindings as pending and queues one job
per connection (identity key), as for the stock. The job claims the pending
bindings and sends their pricelist prices in one call to the batch
endpoints, which the store client splits into requests of a hundred items
(see the base's ``binding_export``).
"""

from odoo import _

from odoo.addons.retail_connector_base.services.binding_export import (
    BindingExporter,
)


class PriceExporter(BindingExporter):
    pending_field = "woocommerce_price_pending"
    error_field = "woocommerce_price_error"
    job_method = "_woocommerce_export_prices_job"
    identity_prefix = "retail-woo-prices"

    def _job_description(self):
        return _("Push prices to %s", self.backend.name)

    def _drop_reason(self):
        if not self.backend.pricelist_id:
            return _("Nothing to do: the connection has no pricelist.")
        return None

    def _values(self, bindings):
        return self.backend._woocommerce_prices(bindings.product_id)

    def _send(self, items):
        return self.backend._woocommerce_export_prices(items)

    def _pushed_values(self, value, now):
        return {
            "woocommerce_exported_price": value,
            "woocommerce_price_exported_at": now,
        }

    def _summary(self, pushed, failed, unchanged):
        return _(
            "%(sent)s prices sent, %(refused)s refused.", sent=pushed, refused=failed
        )
