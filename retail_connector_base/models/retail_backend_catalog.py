"""Catalog linking: the channel's products bound to Odoo products by SKU.

A channel with a catalog declares ``catalog`` and implements
``_catalog_read()``; the base reads it in a job, resolves the SKUs together
(a few queries for ten thousand products), binds what matches and lists every
channel product with its outcome in ``retail.catalog.item``: the unmatched
ones are the work list of *Unmatched Channel Products*.
"""

from odoo import _, fields, models
from odoo.exceptions import UserError

from .. import const
from ..services.errors import RetailBusinessError
from ..services.product_resolver import AmbiguousSkuError, ProductResolver


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    catalog_item_ids = fields.One2many(
        "retail.catalog.item", "backend_id", string="Channel Catalog"
    )
    catalog_unmatched_count = fields.Integer(
        string="Unmatched Channel Products", compute="_compute_catalog_unmatched"
    )
    catalog_linked_at = fields.Datetime(
        string="Catalog Linked", readonly=True, copy=False
    )

    def _compute_catalog_unmatched(self):
        counts = dict(
            self.env["retail.catalog.item"]._read_group(
                [("backend_id", "in", self.ids), ("state", "!=", "matched")],
                ["backend_id"],
                ["__count"],
            )
        )
        for backend in self:
            backend.catalog_unmatched_count = counts.get(backend, 0)

    # ------------------------------------------------------------------
    # The hook
    # ------------------------------------------------------------------
    def _catalog_read(self):
        """Every sellable product of the channel, flattened (hook).

        Feature ``catalog``. Runs in the linking job. A list of dicts:
        ``external_id``, ``sku``, ``name``, ``parent_id`` (the parent product
        of a variation, or ""), ``type``. Raise ChannelHttpError on failure.
        """
        self.ensure_one()
        raise self._channel_unsupported(const.FEATURE_CATALOG)

    # ------------------------------------------------------------------
    # Bindings
    # ------------------------------------------------------------------
    def _bind_product(self, product, external_id, *, sku="", parent_id=""):
        """Bind `product` to the channel's product `external_id`; return it.

        The one way to create a binding by hand or from a channel event: a
        product, or a channel product, already bound on this connection is a
        UserError saying which.
        """
        self.ensure_one()
        Binding = self.env["retail.product.binding"].sudo()
        existing = Binding.search(
            [
                ("backend_id", "=", self.id),
                "|",
                ("external_id", "=", external_id),
                ("product_id", "=", product.id),
            ]
        )
        if existing:
            raise UserError(
                _(
                    "%(product)s or channel product %(channel)s is already linked "
                    "on this connection.",
                    product=product.display_name,
                    channel=external_id,
                )
            )
        return Binding.create(
            {
                "backend_id": self.id,
                "product_id": product.id,
                "external_id": external_id,
                "external_parent_id": parent_id or False,
                "external_sku": sku or False,
                "sync_date": fields.Datetime.now(),
            }
        )

    # ------------------------------------------------------------------
    # Linking
    # ------------------------------------------------------------------
    def action_link_catalog(self):
        """Link the channel's products to Odoo products by SKU (in the background)."""
        for backend in self:
            if not backend._channel_supports(const.FEATURE_CATALOG):
                raise backend._channel_unsupported(const.FEATURE_CATALOG)
            backend.with_delay(
                channel=const.JOB_CHANNEL_BATCH,
                identity_key=f"retail-catalog-{backend.id}",
                description=_("Link the catalog of %s", backend.name),
            )._link_catalog_job()
        return self._notification(
            _("Catalog linking started"),
            _(
                "The channel's products are being read and linked by SKU; the "
                "unmatched ones will be listed under Unmatched Channel Products."
            ),
        )

    def _link_catalog_job(self):
        """Job: link the channel's catalog by SKU."""
        self.ensure_one()
        if not self._channel_supports(const.FEATURE_CATALOG):
            return self._feature_skip_reason(const.FEATURE_CATALOG)
        counts = self._channel_call(self._link_catalog)
        return _(
            "%(matched)s channel products linked, %(other)s not linked.",
            matched=counts.get("matched", 0),
            other=sum(n for state, n in counts.items() if state != "matched"),
        )

    def _link_catalog(self):
        """Bind the channel's products to Odoo products by SKU.

        Every channel entry is listed in ``retail.catalog.item`` with the
        outcome, so the unmatched ones can be worked through. Returns the
        number of entries per outcome.

        The SKUs are resolved together and the new bindings created together:
        a catalog of ten thousand products costs a few queries per kind of
        work, not a few per product.
        """
        self.ensure_one()
        entries = self._catalog_read()
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
            product, state, note = self._catalog_match_entry(
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
        CatalogItem = self.env["retail.catalog.item"].sudo()
        CatalogItem.search([("backend_id", "=", self.id)]).unlink()
        CatalogItem.create(items)
        self.sudo().catalog_linked_at = now
        return counts

    def _catalog_match_entry(self, entry, resolver, by_external, linked):
        """Return (product or None, state, note) for one channel catalog entry.

        ``linked`` maps each product already linked to its store id.
        """
        bound = by_external.get(entry["external_id"])
        if bound:
            # An existing link (possibly made by hand) stays authoritative.
            return bound.product_id, "matched", False
        if not entry["sku"]:
            return None, "no_sku", _("Give it a SKU on the channel.")
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
                    "%(product)s is already linked to channel product %(other)s: "
                    "one SKU is used twice on the channel.",
                    product=product.display_name,
                    other=other,
                ),
            )
        return product, "matched", False

    def action_open_unmatched(self):
        """List the channel products that are not linked to an Odoo product."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_base.action_retail_catalog_item"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action
