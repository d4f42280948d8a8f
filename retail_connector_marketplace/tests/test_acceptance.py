"""Acceptance by stock: the last unit is promised once, all or nothing when
the marketplace says so."""

from odoo.tests import tagged

from .common import MiraklCase


@tagged("post_install", "-at_install")
class TestMarketplaceAcceptance(MiraklCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vase = cls.make_product("MKP-VASE", "Last Vase", 80.0)
        cls.env["stock.quant"]._update_available_quantity(
            cls.vase, cls.warehouse.lot_stock_id, 1
        )
        cls.second = cls.make_backend("Marketplace DE", 2002, api_key="key-de")

    def setUp(self):
        super().setUp()
        self.marketplace.add_shop(2002, "Shop DE", api_key="key-de")
        self.marketplace.set_shop_options(
            2002, offers=list(self.products) + ["MKP-VASE"], partial_acceptance=True
        )
        self.marketplace.set_shop_options(offers=list(self.products) + ["MKP-VASE"])

    def test_two_marketplaces_never_both_get_the_last_unit(self):
        first = self.place(("MKP-VASE", 1))["order_id"]
        second = self.place(("MKP-VASE", 1), shop_id=2002)["order_id"]

        self.poll(self.backend)
        self.poll(self.second)

        self.assertEqual(self.sale(first).mirakl_acceptance_state, "accepted")
        self.assertEqual(
            self.mirakl_order(first)["order_state"], "WAITING_DEBIT_PAYMENT"
        )
        self.assertEqual(
            self.sale(second, self.second).mirakl_acceptance_state, "refused"
        )
        self.assertEqual(self.mirakl_order(second)["order_state"], "REFUSED")
        # The refusal says why, on the order.
        body = "".join(self.sale(second, self.second).message_ids.mapped("body"))
        self.assertIn("0.0 free", body)

    def test_a_waiting_order_holds_nothing_for_the_decision_of_another(self):
        self.backend.mirakl_acceptance_policy = "manual"
        waiting = self.place(("MKP-VASE", 1))["order_id"]
        self.poll(self.backend)
        self.assertEqual(self.sale(waiting).mirakl_acceptance_state, "waiting")

        other = self.place(("MKP-VASE", 1), shop_id=2002)["order_id"]
        self.poll(self.second)
        self.assertEqual(
            self.sale(other, self.second).mirakl_acceptance_state, "accepted"
        )

        # The unit is promised now: deciding by stock refuses the first one.
        self.sale(waiting).action_mirakl_decide_by_stock()
        self.assertEqual(self.sale(waiting).mirakl_acceptance_state, "refused")

    def test_all_or_nothing_when_the_marketplace_forbids_partial_acceptance(self):
        self.marketplace.set_shop_options(partial_acceptance=False)
        order_id = self.place(("MKP-LAMP", 1), ("MKP-VASE", 2))["order_id"]

        self.poll()

        sale = self.sale(order_id)
        self.assertFalse(self.backend.mirakl_partial_acceptance)
        self.assertEqual(sale.mirakl_acceptance_state, "refused")
        self.assertEqual(self.mirakl_order(order_id)["order_state"], "REFUSED")
        calls = self.exchanges(topic="order.accept")
        self.assertEqual(calls.mapped("state"), ["failed", "done"])
        self.assertIn("ORDER_PARTIAL_ACCEPTANCE_DISABLED", calls[0].error)

    def test_partial_acceptance_accepts_what_is_there(self):
        order_id = self.place(("MKP-LAMP", 1), ("MKP-VASE", 2))["order_id"]

        self.poll()

        sale = self.sale(order_id)
        self.assertEqual(sale.mirakl_acceptance_state, "partial")
        states = {
            line["offer_sku"]: line["order_line_state"]
            for line in self.mirakl_order(order_id)["order_lines"]
        }
        self.assertEqual(states["MKP-VASE"], "REFUSED")
        self.assertNotEqual(states["MKP-LAMP"], "REFUSED")
        # The refused line leaves the quotation at the next poll.
        self.poll()
        self.assertEqual(
            sale.order_line.filtered("product_id.is_storable").product_id,
            self.products["MKP-LAMP"],
        )
