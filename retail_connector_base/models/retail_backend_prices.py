"""Prices pushed to the channels, coalesced and batched like the stock.

A channel that takes prices declares ``price_export`` and implements
``_export_prices(items)``; the base owns the rest: the connection's settings,
the triggers (a product's sale price, a variant's extra price, an item of the
connection's pricelist), the coalesced job, Push Prices, and Retry.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..services.price_export import PriceExporter


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    export_prices = fields.Boolean(
        string="Push Prices on Change",
        help="Push the connection pricelist's price of bound products whenever "
        "a price or the pricelist changes. Prices can always be pushed on demand.",
    )
    prices_include_tax = fields.Boolean(
        string="Channel Prices Include Tax",
        help="Add the products' sale taxes to the pricelist price before pushing "
        "it, for channels whose prices are entered tax included.",
    )

    # ------------------------------------------------------------------
    # The hook
    # ------------------------------------------------------------------
    def _export_prices(self, items):
        """Send prices to the channel (hook).

        Feature ``price_export``. `items` is a list of (binding, price) in the
        pricelist's currency. Return ``{binding id: error}`` for the items the
        channel refused; raise ChannelHttpError for a failure of the whole
        call. Audit the call with ``_outbound_call``.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_PRICE_EXPORT)

    # ------------------------------------------------------------------
    # Prices and triggers
    # ------------------------------------------------------------------
    def _channel_prices(self, products):
        """Price of each product for the channel: the pricelist's, taxes per
        setting, rounded in the pricelist's currency."""
        self.ensure_one()
        pricelist = self.pricelist_id.with_company(self.company_id)
        currency = pricelist.currency_id
        prices = {}
        for product in products.with_company(self.company_id):
            price = pricelist._get_product_price(product, 1.0)
            if self.prices_include_tax:
                taxes = product.taxes_id._filter_taxes_by_company(self.company_id)
                price = taxes.compute_all(price, currency, 1.0, product=product)[
                    "total_included"
                ]
            prices[product.id] = currency.round(price)
        return prices

    def _price_backends(self, domain):
        """Active connections pushing prices on change, among `domain`."""
        backends = self.sudo().search(
            [
                ("state", "=", "active"),
                ("export_prices", "=", True),
                ("pricelist_id", "!=", False),
                *domain,
            ]
        )
        return backends.filtered(
            lambda b: b._channel_supports(const.FEATURE_PRICE_EXPORT)
        )

    @api.model
    def _notify_price_change(self, products):
        """Schedule price pushes of `products` where prices follow changes."""
        if not products:
            return
        for backend in self._price_backends([]):
            backend._schedule_price_export(products)

    @api.model
    def _notify_pricelist_change(self, pricelists):
        """A pricelist changed: reprice everything bound where it is used."""
        if not pricelists:
            return
        for backend in self._price_backends([("pricelist_id", "in", pricelists.ids)]):
            backend._schedule_price_export()

    def _schedule_price_export(self, products=None, delay=None):
        """Mark bindings' prices pending and queue the connection's price job.

        One job per connection (identity key): whichever change comes first
        queues it and later ones are pushed with it. Returns how many bindings
        were marked.
        """
        self.ensure_one()
        return PriceExporter(self.env, self).schedule(products, delay)

    def action_push_prices(self):
        """Push the pricelist price of every bound product now (coalesced)."""
        count = 0
        for backend in self:
            if not backend._channel_supports(const.FEATURE_PRICE_EXPORT):
                raise backend._channel_unsupported(const.FEATURE_PRICE_EXPORT)
            if not backend.pricelist_id:
                raise UserError(
                    _("Set the pricelist of “%s” to push prices.", backend.name)
                )
            count += backend._schedule_price_export(delay=0)
        return self._notification(
            _("Prices"), _("%s prices will be pushed in a moment.", count)
        )

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------
    def _export_prices_job(self):
        """Job: push the pending prices of this connection in batches."""
        self.ensure_one()
        return PriceExporter(
            self.env, self._outbound_replay("_retry_refused_prices_job")
        ).run()

    def _retry_refused_prices_job(self):
        """Job: push again the prices the channel refused (a person's Retry)."""
        self.ensure_one()
        PriceExporter(self.env, self).mark_refused_pending()
        return self._export_prices_job()

    def _requeue_forgotten_exports(self):
        result = super()._requeue_forgotten_exports()
        for backend in self:
            if backend._channel_supports(const.FEATURE_PRICE_EXPORT):
                PriceExporter(self.env, backend).requeue_forgotten()
        return result
