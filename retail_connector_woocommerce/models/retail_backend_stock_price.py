"""Stock levels and prices pushed to WooCommerce through its batch endpoints."""

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.tools import canonical, http_client

from .. import const
from ..services.price_export import PriceExporter
from ..tools import mappers


class RetailBackend(models.Model):
    # One file per job on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _export_stock(self, items):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_stock(items)
        errors, levels, parents, by_item = {}, [], {}, {}
        for binding, quantity in items:
            if not (binding.external_id or "").isdigit():
                errors[binding.id] = _(
                    "Not linked to a store product: link the catalog first."
                )
                continue
            levels.append(
                canonical.StockLevel(
                    binding.external_sku or "", int(quantity), binding.external_id
                )
            )
            parents[binding.external_id] = binding.external_parent_id or ""
            by_item[int(binding.external_id)] = binding
        if not levels:
            return errors
        groups = mappers.stock_updates_by_endpoint(levels, parents)
        client = self._woocommerce_client()
        with self._outbound_call("stock.batch", groups) as exchange:
            refused = self._woocommerce_batch_update(client, groups, by_item)
            exchange.result = _(
                "%(sent)s quantities sent, %(refused)s refused by the store.",
                sent=len(levels),
                refused=len(refused),
            )
        errors.update(refused)
        return errors

    def _woocommerce_batch_update(self, client, groups, by_item):
        """Send ``{parent id or "": [update items]}`` to the batch endpoints.

        Returns ``{binding id: error}`` for the items the store refused. A
        request refused as a whole (a parent product deleted from the store,
        say) fails its own items only; an outage raises, so that the job is
        retried and nothing is lost.
        """
        errors = {}
        for parent, updates in groups.items():
            try:
                if parent:
                    result = client.batch_variations(parent, update=updates)
                else:
                    result = client.batch_products(update=updates)
            except http_client.ChannelHttpError as exc:
                if exc.retryable:
                    raise
                for item in updates:
                    errors[by_item[item["id"]].id] = str(exc)
                continue
            for error in result.errors:
                item_id = error.item.get("id") or error.id
                binding = by_item.get(int(item_id)) if item_id else None
                if binding:
                    errors[binding.id] = f"{error.message} ({error.code})"
        return errors

    # ------------------------------------------------------------------
    # Prices
    # ------------------------------------------------------------------
    @api.model
    def _notify_price_change(self, products):
        """Schedule price pushes of `products` where prices follow changes."""
        if not products:
            return
        backends = self.sudo().search(
            [
                ("channel", "=", const.CHANNEL),
                ("state", "=", "active"),
                ("woocommerce_export_prices", "=", True),
                ("pricelist_id", "!=", False),
            ]
        )
        for backend in backends:
            backend._woocommerce_schedule_price_export(products)

    @api.model
    def _notify_pricelist_change(self, pricelists):
        """A pricelist changed: reprice everything bound where it is used."""
        backends = self.sudo().search(
            [
                ("channel", "=", const.CHANNEL),
                ("state", "=", "active"),
                ("woocommerce_export_prices", "=", True),
                ("pricelist_id", "in", pricelists.ids),
            ]
        )
        for backend in backends:
            backend._woocommerce_schedule_price_export()

    def action_woocommerce_push_prices(self):
        """Push the pricelist price of every bound product now (coalesced)."""
        self._woocommerce_check_channel()
        for backend in self:
            if not backend.pricelist_id:
                raise UserError(
                    _("Set the pricelist of “%s” to push prices.", backend.name)
                )
            count = backend._woocommerce_schedule_price_export(delay=0)
        return self._notification(
            _("Prices"), _("%s prices will be pushed in a moment.", count)
        )

    def _woocommerce_schedule_price_export(self, products=None, delay=None):
        """Mark bindings' prices pending and queue the connection's price job.

        One job per connection (identity key): whichever change comes first
        queues it and later ones are pushed with it. Returns how many bindings
        were marked.
        """
        self.ensure_one()
        return PriceExporter(self.env, self).schedule(products, delay)

    def _woocommerce_prices(self, products):
        """Price of each product for the store: the pricelist's, taxes per setting."""
        self.ensure_one()
        pricelist = self.pricelist_id.with_company(self.company_id)
        currency = pricelist.currency_id
        prices = {}
        for product in products.with_company(self.company_id):
            price = pricelist._get_product_price(product, 1.0)
            if self.woocommerce_price_include_tax:
                taxes = product.taxes_id._filter_taxes_by_company(self.company_id)
                price = taxes.compute_all(price, currency, 1.0, product=product)[
                    "total_included"
                ]
            prices[product.id] = currency.round(price)
        return prices

    def _requeue_forgotten_exports(self):
        result = super()._requeue_forgotten_exports()
        for backend in self.filtered(lambda b: b.channel == "woocommerce"):
            PriceExporter(self.env, backend).requeue_forgotten()
        return result

    def _woocommerce_export_prices_job(self):
        """Job: push the pending prices of this connection in batches."""
        self.ensure_one()
        return PriceExporter(self.env, self).run()

    def _woocommerce_export_prices(self, items):
        """Send ``[(binding, price)]`` to the store's batch endpoints.

        Returns ``{binding id: error}`` for the items not linked to a store
        product or refused by the store; an outage raises.
        """
        self.ensure_one()
        errors, groups, by_item = {}, {}, {}
        for binding, price in items:
            if not (binding.external_id or "").isdigit():
                errors[binding.id] = _("Not linked to a store product.")
                continue
            item = {
                "id": int(binding.external_id),
                "regular_price": mappers.money_text(price),
            }
            groups.setdefault(binding.external_parent_id or "", []).append(item)
            by_item[item["id"]] = binding
        client = self._woocommerce_client()
        with self._outbound_call("product.prices", groups) as exchange:
            errors.update(self._woocommerce_batch_update(client, groups, by_item))
            exchange.result = _(
                "%(sent)s prices sent, %(refused)s refused.",
                sent=len(items) - len(errors),
                refused=len(errors),
            )
        return errors
