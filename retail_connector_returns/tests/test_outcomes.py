"""Exchanges and store credit of Loop returns of WooCommerce store orders."""

from odoo.tests import tagged

from odoo.addons.retail_connector_base.tests.common import trap_jobs

from .common import LoopReturnsCase


@tagged("post_install", "-at_install")
class TestReturnOutcomes(LoopReturnsCase):
    def outcome_payload(self, order, sale, units):
        """A Loop return of `units`: (sku, outcome, exchange sku or None)."""
        payload = self.return_payload(
            order, sale, [(sku, "changed_mind", outcome) for sku, outcome, _x in units]
        )
        for item, (_sku, _outcome, exchange_sku) in zip(
            payload["line_items"], units, strict=True
        ):
            if exchange_sku:
                item["exchange_variant"] = {"id": 4242, "sku": exchange_sku}
        return payload

    def receive(self, batch):
        """The parcel arrives: the return receipt is validated."""
        receipt = batch.rma_ids.reception_move_id.picking_id
        receipt.move_ids.picked = True
        with trap_jobs() as trap:
            receipt.button_validate()
            self.perform_jobs(trap, "_export_refund_job")

    def refund_again(self, batch):
        with trap_jobs() as trap:
            batch._retail_refund()
            self.perform_jobs(trap, "_export_refund_job")

    def store_refunds(self, order):
        """The store refunds of `order` (the sandbox store outlives a test)."""
        return [r for r in self.store.refunds.values() if r["order_id"] == order["id"]]

    @staticmethod
    def line(sale, sku):
        return sale.order_line.filtered(lambda ol: ol.product_id.default_code == sku)

    def unit_value(self, sale, sku):
        line = self.line(sale, sku)
        return line.price_total / line.product_uom_qty

    def test_exchange_for_a_dearer_variant_charges_the_difference(self):
        order, sale = self.delivered_order(("CHAIR-OAK", 1))
        payload = self.outcome_payload(
            order, sale, [("CHAIR-OAK", "exchange", "DESK-OAK")]
        )
        exchange = self.loop_process(payload)
        self.assertEqual(exchange.state, "done", exchange.error)
        batch = self.batch(payload)
        self.assertEqual(batch.rma_ids.retail_exchange_sku, "DESK-OAK")
        # Refund after receipt (the default): nothing before the goods are back.
        self.assertFalse(batch.retail_exchange_order_ids)

        self.receive(batch)
        new_order = batch.retail_exchange_order_ids
        self.assertEqual(len(new_order), 1)
        self.assertEqual(batch.retail_exchange_count, 1)
        self.assertEqual(new_order.state, "sale")
        self.assertEqual(new_order.partner_id, sale.partner_id)
        self.assertEqual(new_order.retail_exchange_batch_id, batch)
        self.assertEqual(batch.rma_ids.retail_exchange_order_id, new_order)
        self.assertTrue(new_order.picking_ids, "the exchange variant ships")
        desk = self.line(new_order, "DESK-OAK")
        self.assertEqual(desk.product_uom_qty, 1)
        credit = new_order.order_line - desk
        self.assertLess(credit.price_total, 0)
        self.assertAlmostEqual(
            new_order.amount_total,
            desk.price_total - self.unit_value(sale, "CHAIR-OAK"),
            places=2,
        )
        self.assertGreater(new_order.amount_total, 0)
        # No money leaves for the exchanged unit.
        self.assertFalse(batch.retail_refund_id)
        self.assertFalse(batch.rma_ids.refund_id)
        self.assertFalse(self.store_refunds(order))

        self.refund_again(batch)
        self.assertEqual(len(batch.retail_exchange_order_ids), 1)
        self.assertFalse(batch.retail_refund_id)
        self.assertFalse(self.store_refunds(order))

    def test_exchange_for_a_cheaper_variant_refunds_the_difference_once(self):
        order, sale = self.delivered_order(("CHAIR-OAK", 1), ("MUG-ENAMEL", 1))
        payload = self.outcome_payload(
            order,
            sale,
            [("CHAIR-OAK", "exchange", "HOODIE-BLU-M"), ("MUG-ENAMEL", "refund", None)],
        )
        self.loop_process(payload)
        batch = self.batch(payload)
        self.receive(batch)

        new_order = batch.retail_exchange_order_ids
        self.assertEqual(new_order.state, "sale")
        hoodie = self.line(new_order, "HOODIE-BLU-M")
        self.assertAlmostEqual(new_order.amount_total, 0.0, places=2)

        credit_note = batch.retail_refund_id
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(len(batch.rma_ids.refund_id), 1, "one credit note")
        self.assertEqual(len(credit_note.invoice_line_ids), 2)
        difference = self.unit_value(sale, "CHAIR-OAK") - hoodie.price_total
        self.assertGreater(difference, 0)
        self.assertAlmostEqual(
            credit_note.amount_total,
            self.unit_value(sale, "MUG-ENAMEL") + difference,
            places=2,
        )
        (refund,) = self.store_refunds(order)
        self.assertAlmostEqual(float(refund["amount"]), credit_note.amount_total, 2)
        self.assertEqual(credit_note.retail_external_refund_id, str(refund["id"]))

        self.refund_again(batch)
        self.assertEqual(len(batch.retail_exchange_order_ids), 1)
        self.assertEqual(len(self.store_refunds(order)), 1)
        self.assertEqual(batch.retail_refund_id, credit_note)

    def test_store_credit_goes_on_the_ewallet_once(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 1))
        payload = self.outcome_payload(order, sale, [("MUG-ENAMEL", "credit", None)])
        self.loop_process(payload)
        batch = self.batch(payload)
        self.assertFalse(batch.retail_credit_history_id)
        self.receive(batch)

        program = self.loop.return_credit_program_id
        self.assertEqual(program.program_type, "ewallet")
        card = self.env["loyalty.card"].search(
            [("program_id", "=", program.id), ("partner_id", "=", sale.partner_id.id)]
        )
        self.assertEqual(len(card), 1)
        value = sale.currency_id._convert(
            self.unit_value(sale, "MUG-ENAMEL"),
            program.currency_id,
            sale.company_id,
            sale.date_order.date(),
        )
        self.assertAlmostEqual(card.points, value, places=2)
        self.assertEqual(batch.retail_credit_card_id, card)
        history = card.history_ids
        self.assertEqual(len(history), 1)
        self.assertAlmostEqual(history.issued, value, places=2)
        self.assertIn(str(payload["id"]), history.description)
        self.assertFalse(batch.retail_refund_id)
        self.assertFalse(batch.rma_ids.refund_id)
        self.assertFalse(self.store_refunds(order))

        self.refund_again(batch)
        self.assertAlmostEqual(card.points, value, places=2)
        self.assertEqual(len(card.history_ids), 1)
        self.assertFalse(batch.retail_refund_id)
        self.assertFalse(self.store_refunds(order))

    def test_an_unknown_exchange_sku_holds_the_return_until_fixed(self):
        order, sale = self.delivered_order(("CHAIR-OAK", 1), ("MUG-ENAMEL", 1))
        payload = self.outcome_payload(
            order,
            sale,
            [("CHAIR-OAK", "exchange", "CHAIR-WALNUT"), ("MUG-ENAMEL", "refund", None)],
        )
        self.loop_process(payload)
        batch = self.batch(payload)
        self.receive(batch)

        self.assertIn("CHAIR-WALNUT", batch.retail_outcome_error)
        self.assertTrue(
            batch.activity_ids.filtered(lambda a: a.summary == "Exchange not made")
        )
        self.assertFalse(batch.retail_exchange_order_ids)
        # Not even the refund unit: the return's credit note stays the only one.
        self.assertFalse(batch.retail_refund_id)
        self.assertFalse(self.store_refunds(order))

        self.make_product("CHAIR-WALNUT", "Walnut Chair", 90.0)
        with trap_jobs() as trap:
            batch.action_retail_retry_outcomes()
            self.perform_jobs(trap, "_export_refund_job")
        self.assertFalse(batch.retail_outcome_error)
        self.assertFalse(batch.activity_ids)
        self.assertEqual(batch.retail_exchange_order_ids.state, "sale")
        self.assertTrue(batch.retail_refund_id)
        self.assertEqual(len(self.store_refunds(order)), 1)
