from odoo.tests import tagged

from ..services.errors import RetailBusinessError
from ..wizards.retail_map_sku_wizard import line_name_in_payload, normalize_sku
from .common import RetailCase, make_order_data, trap_jobs


@tagged("post_install", "-at_install")
class TestGuidedFix(RetailCase):
    """An unknown SKU: its failures grouped by cause, fixed in one action."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.lamp_99 = Product.create(
            {"name": "lamp 99", "default_code": "LAMP 99", "is_storable": True}
        )
        cls.deluxe = Product.create({"name": "Lamp 99 deluxe"})
        cls.set_stock(cls.lamp_99, 10)

    def fail_three(self):
        exchanges = self.env["retail.exchange"]
        for external_id in ("3001", "3002", "3003"):
            data = make_order_data(external_id)
            data["lines"][1].update(sku="LAMP-99", name="Lamp 99 brass")
            exchanges |= self.process(data)
        return exchanges

    def cause(self):
        self.env["retail.failure.cause"].invalidate_model()
        return self.env["retail.failure.cause"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("failure_kind", "=", "unknown_sku"),
                ("failure_value", "=", "LAMP-99"),
            ]
        )

    def test_business_error_stays_backwards_compatible(self):
        error = RetailBusinessError("plain sentence")
        self.assertEqual(str(error), "plain sentence")
        self.assertIsNone(error.cause_kind)
        self.assertIsNone(error.cause_value)

    def test_normalized_sku_and_line_name(self):
        for variant in ("lamp-99", "LAMP 99", "Lamp_99", " lamp.99 "):
            self.assertEqual(normalize_sku(variant), normalize_sku("LAMP-99"))
        payload = '{"data": {"lines": [{"sku": "LAMP-99", "name": "Brass lamp"}]}}'
        self.assertEqual(line_name_in_payload(payload, "LAMP-99"), "Brass lamp")
        self.assertEqual(line_name_in_payload("not json", "LAMP-99"), "")

    def test_unknown_sku_failures_grouped_then_fixed_in_one_action(self):
        exchanges = self.fail_three()
        self.assertEqual(set(exchanges.mapped("state")), {"failed"})
        self.assertEqual(set(exchanges.mapped("failure_kind")), {"unknown_sku"})
        self.assertEqual(set(exchanges.mapped("failure_value")), {"LAMP-99"})
        self.assertIn("What to do", exchanges[0].failure_runbook)

        cause = self.cause()
        self.assertEqual(len(cause), 1)
        self.assertEqual(cause.exchange_count, 3)
        self.assertIn("Unknown SKU LAMP-99 — 3 orders", cause.summary)
        self.assertEqual(
            self.env["retail.exchange"].search(cause.action_open_exchanges()["domain"]),
            exchanges,
        )

        # Somebody gave a product the SKU as barcode since (a plain Retry
        # would find it too): proposed after the same SKU, before the names.
        by_barcode = self.env["product.product"].create(
            {"name": "Reading light", "barcode": "LAMP-99"}
        )
        # Open the cause, Map SKU, Confirm.
        action = cause.action_guided_fix()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.line_name, "Lamp 99 brass")
        self.assertEqual(wizard.failed_count, 3)
        # Same SKU up to separators first, then the barcode, then the name.
        self.assertEqual(
            wizard.proposal_ids[:3].product_id.ids,
            [self.lamp_99.id, by_barcode.id, self.deluxe.id],
        )
        self.assertEqual(
            wizard.proposal_ids[:3].mapped("reason"), ["sku", "barcode", "name"]
        )
        self.assertEqual(wizard.product_id, self.lamp_99, "the first is preselected")
        with trap_jobs() as trap:
            wizard.action_confirm()
            trap.assert_jobs_count(3)
            trap.perform_enqueued_jobs()

        mapping = self.env["retail.sku.mapping"].search(
            [("backend_id", "=", self.backend.id), ("sku", "=", "LAMP-99")]
        )
        self.assertEqual(mapping.product_id, self.lamp_99)
        self.assertEqual(
            set(exchanges.mapped("state")), {"done"}, exchanges.mapped("error")
        )
        self.assertFalse(any(exchanges.mapped("failure_kind")))
        self.assertFalse(any(exchanges.mapped("failure_value")))
        self.assertFalse(any(exchanges.mapped("failure_runbook")))
        self.assertFalse(self.cause())
        self.assertIn(self.lamp_99, self.sale_orders("3002").order_line.product_id)

    def test_from_the_dashboard_card_to_retried_orders_in_two_clicks(self):
        exchanges = self.fail_three()
        self.backend.invalidate_recordset(["failure_top_cause", "failure_top_cause_id"])
        self.assertIn("Unknown SKU LAMP-99 — 3 orders", self.backend.failure_top_cause)
        # Click 1: the card's top cause opens Map SKU; click 2: Confirm.
        action = self.backend.action_fix_top_cause()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.product_id, self.lamp_99)
        with trap_jobs() as trap:
            wizard.action_confirm()
            trap.perform_enqueued_jobs()
        self.assertEqual(set(exchanges.mapped("state")), {"done"})
        self.backend.invalidate_recordset(["failure_top_cause", "failure_top_cause_id"])
        self.assertFalse(self.backend.failure_top_cause)

    def test_map_sku_from_the_exchange_and_a_product_picked_by_hand(self):
        exchange = self.fail_three()[0]
        action = exchange.action_guided_fix()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        wizard.product_id = self.deluxe
        with trap_jobs() as trap:
            wizard.action_confirm()
            trap.assert_jobs_count(3)
        self.assertEqual(
            self.env["retail.sku.mapping"]
            .search([("backend_id", "=", self.backend.id), ("sku", "=", "LAMP-99")])
            .product_id,
            self.deluxe,
        )

    def test_unknown_tax_rate_is_a_cause_too(self):
        data = make_order_data("3010")
        data["lines"][0]["tax_rate"] = "10.0"
        exchange = self.process(data)
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.failure_kind, "unknown_tax_rate")
        country = self.company.account_fiscal_country_id or self.company.country_id
        self.assertEqual(exchange.failure_value, f"{country.code} 10% excl.".lstrip())
