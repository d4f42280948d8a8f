from odoo.tests import tagged

from ..services.product_resolver import (
    AmbiguousSkuError,
    ProductResolver,
    UnknownSkuError,
)
from .common import RetailCase


@tagged("post_install", "-at_install")
class TestProductResolver(RetailCase):
    def resolver(self):
        return ProductResolver(self.env, self.backend)

    def test_rules_in_order_mapping_reference_barcode(self):
        Mapping = self.env["retail.sku.mapping"]
        Mapping.create({"sku": "SHARED-1", "product_id": self.desk.id})
        # The connection's own mapping wins over a shared one.
        Mapping.create({"sku": "OWN-1", "product_id": self.desk.id})
        Mapping.create(
            {"sku": "OWN-1", "product_id": self.lamp.id, "backend_id": self.backend.id}
        )
        resolver = self.resolver()
        resolver.prefetch(["SHARED-1", "OWN-1", "RC-DESK", "8400000000017"])
        self.assertEqual(resolver.resolve("SHARED-1"), self.desk)
        self.assertEqual(resolver.resolve("OWN-1"), self.lamp)
        self.assertEqual(resolver.resolve("RC-DESK"), self.desk)
        self.assertEqual(resolver.resolve("8400000000017"), self.lamp)
        # Without prefetching, one SKU alone gets the same answer.
        self.assertEqual(self.resolver().resolve("OWN-1"), self.lamp)

    def test_unknown_and_ambiguous_skus_say_what_to_fix(self):
        self.env["product.product"].create(
            [
                {"name": "Twin A", "default_code": "RC-TWIN"},
                {"name": "Twin B", "default_code": "RC-TWIN"},
            ]
        )
        resolver = self.resolver()
        resolver.prefetch(["RC-TWIN", "RC-NOWHERE", ""])
        with self.assertRaisesRegex(AmbiguousSkuError, "Twin A.*Twin B|Twin B.*Twin A"):
            resolver.resolve("RC-TWIN")
        with self.assertRaisesRegex(UnknownSkuError, "RC-NOWHERE.*Big chair"):
            resolver.resolve("RC-NOWHERE", "Big chair")
        with self.assertRaises(UnknownSkuError):
            resolver.resolve("")
        # A reference shared by two products is ambiguous even when a barcode
        # would match one: the reference rule answers first.
        self.lamp.barcode = "RC-TWIN"
        with self.assertRaises(AmbiguousSkuError):
            self.resolver().resolve("RC-TWIN")

    def test_a_catalog_is_resolved_in_a_few_queries(self):
        products = self.env["product.product"].create(
            [{"name": f"Item {n}", "default_code": f"RC-BULK-{n}"} for n in range(60)]
        )
        skus = [f"RC-BULK-{n}" for n in range(60)] + ["RC-BULK-NONE"]
        resolver = self.resolver()
        self.env["product.product"].invalidate_model()
        # A mapping search, a reference search and a barcode search, whatever
        # the number of SKUs.
        with self.assertQueryCount(3):
            resolver.prefetch(skus)
        self.assertEqual([resolver.resolve(sku).id for sku in skus[:-1]], products.ids)
