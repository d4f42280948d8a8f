from odoo.tests import tagged

from .common import NEW_YORK, SquareCase, trap_jobs


@tagged("post_install", "-at_install")
class TestStoreGuidedFixes(SquareCase):
    """A tender the store cannot book, fixed once with Map Payment Method."""

    def failed_exchanges(self):
        return self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("state", "=", "failed")]
        )

    def test_card_tender_without_method_fixed_with_map_payment_method(self):
        card = self.store_ny.pos_card_method_id
        self.store_ny.write({"pos_card_method_id": False, "pos_other_method_id": False})
        since = self.event_count()
        sales = [
            self.merchant.pos_sale(NEW_YORK, [("TEE-LIN-M", 1, None)], tender="CARD")
            for _sale in range(2)
        ]
        for event_id in self.event_ids(since=since):
            self.deliver(event_id)
        self.process_all()
        failed = self.failed_exchanges()
        self.assertTrue(failed)
        self.assertEqual(set(failed.mapped("failure_kind")), {"unknown_payment_method"})
        self.assertEqual(set(failed.mapped("failure_value")), {f"CARD @ {NEW_YORK}"})
        self.assertIn("What to do", failed[0].failure_runbook)

        action = failed[0].action_guided_fix()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.store_id, self.store_ny)
        self.assertEqual(wizard.tender, "CARD")
        self.assertEqual(wizard.failed_count, len(failed))
        # The store's own card method, named after cards, comes first.
        self.assertEqual(wizard.payment_method_id, card)
        with trap_jobs() as trap:
            wizard.action_confirm()
            trap.perform_enqueued_jobs()
        self.process_all()

        self.assertEqual(self.store_ny.pos_card_method_id, card)
        self.assertFalse(
            self.failed_exchanges(), self.failed_exchanges().mapped("error")
        )
        for sale in sales:
            order = self.pos_order(sale["order"]["id"])
            self.assertEqual(order.state, "paid")
            self.assertEqual(order.payment_ids.payment_method_id, card)

    def test_map_location_makes_the_store_its_point_of_sale(self):
        wizard = self.env["retail.map.location.wizard"].create(
            {
                "backend_id": self.backend.id,
                "failure_value": "LNEW",
                "warehouse_id": self.warehouse.id,
                "name": "Queens",
            }
        )
        wizard.action_confirm()
        row = self.backend.location_mapping_ids.filtered(
            lambda s: s.location_code == "LNEW"
        )
        self.assertEqual(row.warehouse_id, self.warehouse)
        self.assertTrue(row.pos_config_id, "a store gets its point of sale")
        self.assertEqual(row.pos_config_id.company_id, self.warehouse.company_id)
        self.assertTrue(row.pos_card_method_id)
