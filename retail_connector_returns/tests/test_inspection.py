from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import LoopReturnsCase, trap_jobs


@tagged("post_install", "-at_install")
class TestInspection(LoopReturnsCase):
    def received_return(self, quantity, policy="inspection"):
        """A Loop return of `quantity` mugs, received in the RMA location."""
        self.loop.return_refund_when = policy
        order, sale = self.delivered_order(("MUG-ENAMEL", quantity))
        payload = self.return_payload(
            order, sale, [("MUG-ENAMEL", "damaged", "refund")] * quantity
        )
        exchange = self.loop_process(payload)
        self.assertEqual(exchange.state, "done", exchange.error)
        batch = self.batch(payload)
        receipt = batch.rma_ids.reception_move_id.picking_id
        receipt.move_ids.picked = True
        with trap_jobs() as trap:
            receipt.button_validate()
            self.perform_jobs(trap, "_export_refund_job")
        if policy == "inspection":
            self.assertEqual(batch.rma_ids.state, "received")
        return order, sale, batch

    def store_refunds(self, order):
        """The refunds of one store order (the store outlives the tests)."""
        return [r for r in self.store.refunds.values() if r["order_id"] == order["id"]]

    def inspect(self, records):
        action = records.action_retail_inspect()
        return records.env[action["res_model"]].browse(action["res_id"])

    def qty(self, product, location):
        return product.with_context(location=location.id).qty_available

    def test_three_units_two_back_to_stock_one_scrapped_with_a_deduction(self):
        order, sale, batch = self.received_return(3)
        rma = batch.rma_ids
        self.assertEqual(rma.product_uom_qty, 3.0)
        self.assertEqual(rma.retail_inspection_state, "todo")
        # After inspection: nothing leaves when the goods are received.
        self.assertFalse(batch.retail_refund_id)
        self.assertFalse(rma.refund_id)
        self.assertFalse(self.store_refunds(order))
        self.assertIn(
            rma, self.env["rma"].search([("retail_inspection_state", "=", "todo")])
        )

        product = rma.product_id
        stock = sale.warehouse_id.lot_stock_id
        rma_location = rma.reception_move_id.location_dest_id
        in_stock = self.qty(product, stock)
        self.assertEqual(self.qty(product, rma_location), 3.0)

        wizard = self.inspect(batch)
        self.assertEqual(wizard.line_ids.mapped("quantity"), [1.0, 1.0, 1.0])
        self.assertFalse(wizard.refund_gone)
        wizard.line_ids[2].write(
            {
                "condition": "damaged",
                "disposition": "scrap",
                "deduction": 5.0,
                "reason": "scratched",
            }
        )
        with trap_jobs() as trap:
            wizard.action_confirm()
            self.perform_jobs(trap, "_export_refund_job")

        # The stock follows the disposition.
        self.assertEqual(self.qty(product, stock), in_stock + 2)
        self.assertEqual(self.qty(product, rma_location), 0.0)
        scrap = rma.retail_inspection_ids.scrap_id
        self.assertEqual(len(scrap), 1)
        self.assertEqual(scrap.state, "done")
        self.assertEqual(scrap.scrap_qty, 1.0)
        self.assertEqual(scrap.location_id, rma_location)
        inspections = rma.retail_inspection_ids
        self.assertEqual(sum(inspections.mapped("quantity")), 3.0)
        self.assertEqual(rma.retail_inspection_state, "done")
        self.assertEqual(batch.retail_inspection_ids, inspections)
        self.assertEqual(
            sorted(inspections.mapped("disposition")), ["scrap", "stock", "stock"]
        )
        self.assertIn("scratched", batch.message_ids[:3].mapped("body")[0] or "")

        # One credit note: the three units less the deduction; refunded once.
        credit_note = batch.retail_refund_id
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(rma.refund_id, credit_note)
        (line,) = sale.order_line.filtered(lambda sl: sl.product_id == product)
        expected = round(line.price_total / line.product_uom_qty * 3 - 5.0, 2)
        self.assertAlmostEqual(credit_note.amount_total, expected, places=2)
        deduction = credit_note.invoice_line_ids.filtered(
            lambda aml: aml.name == "Deduction: scratched"
        )
        self.assertEqual(deduction.price_total, -5.0)
        self.assertEqual(inspections.refund_line_id, deduction)
        (refund,) = self.store_refunds(order)
        self.assertAlmostEqual(float(refund["amount"]), expected, places=2)
        # No store line carries the deduction: the refund is the amount alone,
        # its line items never adding up to more.
        self.assertFalse(refund.get("line_items"))
        self.assertEqual(credit_note.retail_external_refund_id, str(refund["id"]))

        # The same units are not inspected twice.
        with self.assertRaises(UserError):
            self.inspect(batch)
        with self.assertRaises(UserError):
            self.inspect(rma)
        self.assertEqual(len(self.store_refunds(order)), 1)

    def test_partial_inspection_waits_for_the_rest(self):
        order, _sale, batch = self.received_return(2)
        rma = batch.rma_ids
        wizard = self.inspect(rma)
        wizard.line_ids[1].unlink()
        wizard.line_ids.disposition = "quarantine"
        wizard.action_confirm()
        self.assertEqual(rma.retail_inspection_state, "partial")
        self.assertFalse(batch.retail_refund_id)
        quarantine = rma.retail_inspection_ids.location_dest_id
        self.assertEqual(quarantine.name, "Quarantine")
        self.assertEqual(self.qty(rma.product_id, quarantine), 1.0)

        # A warehouse clerk (stock and RMA rights, no invoicing) inspects the
        # rest: more units than are left are refused; the last goes to stock.
        clerk = self.env["res.users"].create(
            {
                "name": "Warehouse clerk",
                "login": "clerk-inspection",
                "email": "clerk@example.com",
                "groups_id": [
                    Command.set(
                        [
                            self.env.ref("stock.group_stock_user").id,
                            self.env.ref("rma.rma_group_user_all").id,
                        ]
                    )
                ],
            }
        )
        wizard = self.inspect(rma.with_user(clerk))
        self.assertEqual(len(wizard.line_ids), 1)
        wizard.line_ids.quantity = 2.0
        with self.assertRaises(UserError):
            wizard.action_confirm()
        wizard.line_ids.quantity = 1.0
        with trap_jobs() as trap:
            wizard.action_confirm()
            self.perform_jobs(trap, "_export_refund_job")
        self.assertEqual(rma.retail_inspection_state, "done")
        self.assertEqual(batch.retail_refund_id.state, "posted")
        self.assertEqual(len(self.store_refunds(order)), 1)

    def test_after_receipt_the_inspection_only_moves_stock(self):
        _order, _sale, batch = self.received_return(1, policy="receipt")
        credit_note = batch.retail_refund_id
        self.assertEqual(credit_note.state, "posted")
        wizard = self.inspect(batch)
        self.assertTrue(wizard.refund_gone)
        wizard.line_ids.write({"disposition": "vendor", "deduction": 2.0})
        wizard.line_ids.reason = "worn"
        with self.assertRaises(UserError):
            wizard.action_confirm()
        wizard.line_ids.deduction = 0.0
        wizard.action_confirm()
        inspection = batch.retail_inspection_ids
        self.assertEqual(inspection.move_id.state, "done")
        self.assertEqual(inspection.location_dest_id.usage, "supplier")
        self.assertEqual(batch.retail_refund_id, credit_note)
        self.assertEqual(len(credit_note.invoice_line_ids), 1)
