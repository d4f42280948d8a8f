"""Stock levels and prices pushed to WooCommerce through its batch endpoints."""

from odoo import _, models

from odoo.addons.retail_connector_base.tools import canonical, http_client

from .. import const
from ..tools import mappers


class RetailBackend(models.Model):
    # One file per job on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Stock
    # ------------------------------------------------------------------
    def _export_stock(self, items, location=None):
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_stock(items, location=location)
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
    def _export_prices(self, items):
        """Send ``[(binding, price)]`` to the store's batch endpoints.

        Returns ``{binding id: error}`` for the items not linked to a store
        product or refused by the store; an outage raises.
        """
        self.ensure_one()
        if self.channel != const.CHANNEL:
            return super()._export_prices(items)
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
