"""Find the Odoo product a channel SKU stands for."""

from odoo import _

from .errors import RetailBusinessError


class UnknownSkuError(RetailBusinessError):
    """No product, and no SKU mapping, for this SKU."""


class AmbiguousSkuError(RetailBusinessError):
    """Several products have this SKU as internal reference or barcode."""


class ProductResolver:
    """SKU mapping (the connection's, then a shared one), then internal
    reference, then barcode.

    ``prefetch`` resolves many SKUs in a few queries (an order's lines, a whole
    store catalog); ``resolve`` answers one, from what was prefetched or by
    prefetching it alone. Answers are kept for the resolver's lifetime.
    """

    def __init__(self, env, backend, company=None):
        self.env = env
        self.backend = backend
        self.company = company or backend.company_id
        # sku -> product, empty when nothing has this SKU.
        self._found = {}
        # sku -> the products that share it.
        self._ambiguous = {}

    def resolve(self, sku, name=""):
        """Return the product for `sku` or raise a business error naming it."""
        self.prefetch([sku])
        if sku in self._ambiguous:
            raise AmbiguousSkuError(
                _(
                    "SKU “%(sku)s” matches several products (%(names)s): make "
                    "it unique or add a SKU mapping, then press Retry.",
                    sku=sku,
                    names=", ".join(self._ambiguous[sku].mapped("display_name")),
                )
            )
        product = self._found.get(sku)
        if not product:
            described = " (%s)" % name if name else ""
            raise UnknownSkuError(
                _(
                    "Unknown SKU “%(sku)s”%(name)s: create a product with this "
                    "internal reference or barcode, or add a SKU mapping, then "
                    "press Retry.",
                    sku=sku,
                    name=described,
                ),
                cause_kind="unknown_sku",
                cause_value=sku,
            )
        return product

    def prefetch(self, skus):
        """Resolve every SKU of `skus` not resolved yet, a query per rule."""
        todo = {
            sku
            for sku in skus
            if sku and sku not in self._found and sku not in self._ambiguous
        }
        if not todo:
            return
        mappings = (
            self.env["retail.sku.mapping"]
            .sudo()
            .search(
                [
                    ("sku", "in", sorted(todo)),
                    ("backend_id", "in", (self.backend.id, False)),
                ]
            )
        )
        # Shared mappings first, so that the connection's own one wins.
        for mapping in mappings.sorted(lambda m: bool(m.backend_id)):
            self._found[mapping.sku] = mapping.product_id
        todo -= set(self._found)
        Product = self.env["product.product"].with_company(self.company)
        company_domain = [("company_id", "in", (False, self.company.id))]
        for field in ("default_code", "barcode"):
            if not todo:
                break
            matches = {}
            domain = [(field, "in", sorted(todo)), *company_domain]
            for product in Product.search_fetch(domain, [field]):
                matches[product[field]] = matches.get(product[field], Product) | product
            for sku, products in matches.items():
                if len(products) == 1:
                    self._found[sku] = products
                else:
                    self._ambiguous[sku] = products
            todo -= set(matches)
        for sku in todo:
            self._found[sku] = Product
