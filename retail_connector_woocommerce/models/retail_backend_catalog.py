"""WooCommerce catalog: store products linked by SKU, Odoo products published."""

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.services.errors import RetailBusinessError
from odoo.addons.retail_connector_base.services.product_resolver import (
    ProductResolver,
)
from odoo.addons.retail_connector_base.tools import canonical

from .. import const
from ..tools import mappers


class RetailBackend(models.Model):
    # One file per job on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Store product events
    # ------------------------------------------------------------------
    def _woocommerce_apply_product_event(self, exchange):
        """Keep product bindings in step with the store's catalog.

        A deleted product loses its binding; a created or updated one whose SKU
        is an Odoo product gets bound, so its stock is pushed from then on.
        """
        payload = self._woocommerce_payload(exchange)
        external_id = str(payload.get("id") or "")
        Binding = self.env["retail.product.binding"].sudo()
        bindings = Binding.search(
            [("backend_id", "=", self.id), ("external_id", "=", external_id)]
        )
        if exchange.topic == "product.deleted":
            bindings.unlink()
            return None
        sku = (payload.get("sku") or "").strip()
        parent = str(payload.get("parent_id") or "")
        parent = "" if parent == "0" else parent
        if bindings:
            # Every stock push comes back as a product.updated echo: write only
            # when the store changed what the binding holds, so these echoes
            # do not contend with the stock export on the same rows.
            sku = sku or bindings.external_sku
            parent = parent or bindings.external_parent_id
            if (sku, parent) != (bindings.external_sku, bindings.external_parent_id):
                bindings.write(
                    {
                        "external_sku": sku,
                        "external_parent_id": parent,
                        "sync_date": fields.Datetime.now(),
                    }
                )
            return bindings
        if not sku or payload.get("type") == "variable":
            return None
        try:
            product = ProductResolver(self.env, self).resolve(sku)
        except RetailBusinessError:
            return None
        if Binding.search_count(
            [("backend_id", "=", self.id), ("product_id", "=", product.id)]
        ):
            return None
        return self._bind_product(product, external_id, sku=sku, parent_id=parent)

    # ------------------------------------------------------------------
    # Catalog
    # ------------------------------------------------------------------
    def _catalog_read(self):
        if self.channel != const.CHANNEL:
            return super()._catalog_read()
        return self._woocommerce_store_catalog(self._woocommerce_client())

    def _woocommerce_store_catalog(self, client):
        """Every sellable product and variation of the store, flattened."""
        entries = []
        for product in client.iter_products():
            variations = (
                list(client.iter_variations(product["id"]))
                if product.get("type") == "variable"
                else []
            )
            for entry in mappers.catalog_entries(product, variations):
                # A variable product is sold through its variations only.
                if entry["type"] != "variable":
                    entries.append(entry)
        return entries

    # ------------------------------------------------------------------
    # Publishing products
    # ------------------------------------------------------------------
    def _woocommerce_product_data(self, template, status):
        """The template as the plain dict ``mappers.product_payload`` takes."""
        self.ensure_one()
        variants = template.product_variant_ids
        prices = (
            self._channel_prices(variants)
            if self.pricelist_id
            else {variant.id: variant.lst_price for variant in variants}
        )
        quantities = self._get_available_quantities(variants)
        bindings = {
            binding.product_id.id: binding
            for binding in self.env["retail.product.binding"]
            .sudo()
            .search([("backend_id", "=", self.id), ("product_id", "in", variants.ids)])
        }
        missing = variants.filtered(lambda v: not v.default_code)
        if missing:
            raise UserError(
                _(
                    "Give these products an internal reference (the store SKU) "
                    "first: %s",
                    ", ".join(missing.mapped("display_name")),
                )
            )
        data = {
            "name": template.name,
            "description": template.description_sale or "",
            "status": status,
            "weight": template.weight or None,
        }
        attribute_lines = template.attribute_line_ids.filtered(
            lambda line: line.attribute_id.create_variant != "no_variant"
        )
        if len(variants) == 1 and not attribute_lines:
            variant = variants
            data.update(
                sku=variant.default_code,
                regular_price=prices[variant.id],
                manage_stock=variant.is_storable,
                stock_quantity=quantities[variant.id] if variant.is_storable else None,
            )
            return data, bindings
        data["sku"] = template.default_code or ""
        data["attributes"] = [
            {"name": line.attribute_id.name, "values": line.value_ids.mapped("name")}
            for line in attribute_lines
        ]
        data["variants"] = [
            {
                "sku": variant.default_code,
                "attributes": {
                    value.attribute_id.name: value.name
                    for value in variant.product_template_attribute_value_ids
                },
                "regular_price": prices[variant.id],
                "manage_stock": variant.is_storable,
                "stock_quantity": quantities[variant.id]
                if variant.is_storable
                else None,
                "external_id": bindings[variant.id].external_id
                if variant.id in bindings
                else "",
            }
            for variant in variants
        ]
        return data, bindings

    def _woocommerce_publish_template(self, template, status="publish"):
        """Create or update `template` on the store, simple or variable.

        Variants are bound to the store's product or variations, so their
        stock and prices are pushed from then on. Returns a summary.
        """
        self.ensure_one()
        template.ensure_one()
        data, bindings = self._woocommerce_product_data(template, status)
        try:
            body = mappers.product_payload(data)
            variations = mappers.variation_payloads(data) if "variants" in data else []
        except canonical.CanonicalError as exc:
            raise UserError(str(exc)) from exc
        client = self._woocommerce_client()
        Binding = self.env["retail.product.binding"].sudo()
        now = fields.Datetime.now()
        variants = template.product_variant_ids
        if not variations:
            binding = bindings.get(variants.id)
            if (
                binding
                and (binding.external_id or "").isdigit()
                and not binding.external_parent_id
            ):
                product = client.update_product(binding.external_id, body)
            else:
                product = client.create_product(body)
            values = {
                "backend_id": self.id,
                "product_id": variants.id,
                "external_id": str(product["id"]),
                "external_parent_id": False,
                "external_sku": product.get("sku") or data["sku"],
                "sync_date": now,
            }
            if binding:
                binding.write(values)
            else:
                Binding.create(values)
            return _(
                "%(name)s is on the store as product %(id)s.",
                name=template.name,
                id=product["id"],
            )
        parents = {
            b.external_parent_id for b in bindings.values() if b.external_parent_id
        }
        parent_id = parents.pop() if len(parents) == 1 else None
        if parent_id:
            product = client.update_product(parent_id, body)
        else:
            product = client.create_product(body)
            parent_id = str(product["id"])
        result = client.batch_variations(
            parent_id,
            create=[item for item in variations if "id" not in item],
            update=[item for item in variations if "id" in item],
        )
        by_sku = {variant.default_code: variant for variant in variants}
        for answer in (*result.created, *result.updated):
            variant = by_sku.get(answer.get("sku"))
            if not variant:
                continue
            values = {
                "backend_id": self.id,
                "product_id": variant.id,
                "external_id": str(answer["id"]),
                "external_parent_id": parent_id,
                "external_sku": answer.get("sku"),
                "sync_date": now,
            }
            if variant.id in bindings:
                bindings[variant.id].write(values)
            else:
                Binding.create(values)
        message = _(
            "%(name)s is on the store as variable product %(id)s with %(count)s "
            "variations.",
            name=template.name,
            id=parent_id,
            count=len(result.created) + len(result.updated),
        )
        if result.errors:
            message += " " + _(
                "Refused by the store: %s",
                "; ".join(
                    f"{error.item.get('sku') or error.id}: {error.message}"
                    for error in result.errors
                ),
            )
        return message
