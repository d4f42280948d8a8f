"""WooCommerce catalog: store products linked by SKU, Odoo products published."""

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base import const as base_const
from odoo.addons.retail_connector_base.services.errors import RetailBusinessError
from odoo.addons.retail_connector_base.services.product_resolver import (
    AmbiguousSkuError,
    ProductResolver,
)
from odoo.addons.retail_connector_base.tools import canonical, http_client

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
        return Binding.create(
            {
                "backend_id": self.id,
                "product_id": product.id,
                "external_id": external_id,
                "external_parent_id": parent or False,
                "external_sku": sku,
                "sync_date": fields.Datetime.now(),
            }
        )

    # ------------------------------------------------------------------
    # Catalog
    # ------------------------------------------------------------------
    def action_woocommerce_link_catalog(self):
        """Link the store's products to Odoo products by SKU (in the background)."""
        self._woocommerce_check_channel()
        for backend in self:
            backend.with_delay(
                channel=base_const.JOB_CHANNEL_BATCH,
                identity_key=f"retail-woo-catalog-{backend.id}",
                description=_("Link the catalog of %s", backend.name),
            )._woocommerce_link_catalog_job()
        return self._notification(
            _("Catalog linking started"),
            _(
                "The store's products are being read and linked by SKU; the "
                "unmatched ones will be listed under Unmatched Store Products."
            ),
        )

    def _woocommerce_link_catalog_job(self):
        """Job: link the store's catalog by SKU."""
        self.ensure_one()
        try:
            counts = self._woocommerce_link_catalog()
        except http_client.ChannelHttpError as exc:
            if exc.retryable:
                raise self._retry_later(exc) from exc
            raise UserError(str(exc)) from exc
        return _(
            "%(matched)s store products linked, %(other)s not linked.",
            matched=counts.get("matched", 0),
            other=sum(n for state, n in counts.items() if state != "matched"),
        )

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

    def _woocommerce_link_catalog(self):
        """Bind store products and variations to Odoo products by SKU.

        Every store entry is listed in ``retail.woocommerce.catalog.item`` with
        the outcome, so the unmatched ones can be worked through. Returns the
        number of entries per outcome.

        The SKUs are resolved together and the new bindings created together:
        a catalog of ten thousand products costs a few queries per kind of
        work, not a few per product.
        """
        self.ensure_one()
        entries = self._woocommerce_store_catalog(self._woocommerce_client())
        Binding = self.env["retail.product.binding"].sudo()
        bindings = Binding.search([("backend_id", "=", self.id)])
        by_external = {binding.external_id: binding for binding in bindings}
        # product id -> the store id it is linked to (now or by this run)
        linked = {binding.product_id.id: binding.external_id for binding in bindings}
        resolver = ProductResolver(self.env, self)
        resolver.prefetch(
            entry["sku"] for entry in entries if entry["external_id"] not in by_external
        )
        now = fields.Datetime.now()
        items, counts, new_bindings = [], {}, []
        seen_ids = []
        for entry in entries:
            product, state, note = self._woocommerce_match_entry(
                entry, resolver, by_external, linked
            )
            if product:
                values = {
                    "product_id": product.id,
                    "external_id": entry["external_id"],
                    "external_parent_id": entry["parent_id"] or False,
                    "external_sku": entry["sku"],
                }
                binding = by_external.get(entry["external_id"])
                if binding:
                    seen_ids.append(binding.id)
                    held = {
                        "product_id": binding.product_id.id,
                        "external_id": binding.external_id,
                        "external_parent_id": binding.external_parent_id,
                        "external_sku": binding.external_sku,
                    }
                    if held != values:
                        binding.write(values)
                else:
                    new_bindings.append(dict(values, backend_id=self.id, sync_date=now))
                linked[product.id] = entry["external_id"]
            counts[state] = counts.get(state, 0) + 1
            items.append(
                {
                    "backend_id": self.id,
                    "external_id": entry["external_id"],
                    "external_parent_id": entry["parent_id"] or False,
                    "sku": entry["sku"],
                    "name": entry["name"],
                    "product_type": entry["type"],
                    "product_id": product.id if product else False,
                    "state": state,
                    "note": note,
                }
            )
        Binding.browse(seen_ids).write({"sync_date": now})
        Binding.create(new_bindings)
        CatalogItem = self.env["retail.woocommerce.catalog.item"].sudo()
        CatalogItem.search([("backend_id", "=", self.id)]).unlink()
        CatalogItem.create(items)
        self.sudo().woocommerce_catalog_linked_at = now
        return counts

    def _woocommerce_match_entry(self, entry, resolver, by_external, linked):
        """Return (product or None, state, note) for one store catalog entry.

        ``linked`` maps each product already linked to its store id.
        """
        bound = by_external.get(entry["external_id"])
        if bound:
            # An existing link (possibly made by hand) stays authoritative.
            return bound.product_id, "matched", False
        if not entry["sku"]:
            return None, "no_sku", _("Give it a SKU in the store.")
        try:
            product = resolver.resolve(entry["sku"], entry["name"])
        except AmbiguousSkuError as exc:
            return None, "ambiguous", str(exc)
        except RetailBusinessError as exc:
            return None, "unmatched", str(exc)
        other = linked.get(product.id)
        if other and other != entry["external_id"]:
            return (
                None,
                "conflict",
                _(
                    "%(product)s is already linked to store product %(other)s: "
                    "one SKU is used twice in the store.",
                    product=product.display_name,
                    other=other,
                ),
            )
        return product, "matched", False

    def action_woocommerce_open_unmatched(self):
        """List the store products that are not linked to an Odoo product."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_woocommerce.action_retail_woocommerce_catalog_item"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Publishing products
    # ------------------------------------------------------------------
    def _woocommerce_product_data(self, template, status):
        """The template as the plain dict ``mappers.product_payload`` takes."""
        self.ensure_one()
        variants = template.product_variant_ids
        prices = (
            self._woocommerce_prices(variants)
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
