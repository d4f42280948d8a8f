"""Find the Odoo product a channel SKU stands for."""

from odoo import _

from .errors import RetailBusinessError


class ProductResolver:
    """SKU mapping, then internal reference, then barcode."""

    def __init__(self, env, backend):
        self.env = env
        self.backend = backend
        self._cache = {}

    def resolve(self, sku, name=""):
        """Return the product for `sku` or raise a business error naming it."""
        if sku in self._cache:
            return self._cache[sku]
        product = self._find(sku)
        if not product:
            described = " (%s)" % name if name else ""
            raise RetailBusinessError(
                _(
                    "Unknown SKU “%(sku)s”%(name)s: create a product with this "
                    "internal reference or barcode, or add a SKU mapping, then "
                    "press Retry.",
                    sku=sku,
                    name=described,
                )
            )
        self._cache[sku] = product
        return product

    def _find(self, sku):
        if not sku:
            return self.env["product.product"]
        Mapping = self.env["retail.sku.mapping"].sudo()
        mapping = Mapping.search(
            [("sku", "=", sku), ("backend_id", "=", self.backend.id)], limit=1
        ) or Mapping.search([("sku", "=", sku), ("backend_id", "=", False)], limit=1)
        if mapping:
            return mapping.product_id
        Product = self.env["product.product"].with_company(self.backend.company_id)
        company_domain = [
            ("company_id", "in", (False, self.backend.company_id.id)),
        ]
        for field in ("default_code", "barcode"):
            products = Product.search([(field, "=", sku), *company_domain], limit=2)
            if len(products) == 1:
                return products
            if len(products) > 1:
                raise RetailBusinessError(
                    _(
                        "SKU “%(sku)s” matches several products (%(names)s): make "
                        "it unique or add a SKU mapping, then press Retry.",
                        sku=sku,
                        names=", ".join(products.mapped("display_name")),
                    )
                )
        return Product.browse()
