"""Refunds both ways, exactly once; stock through followed imports."""

from odoo.tests import tagged

from .common import MiraklCase, trap_jobs


@tagged("post_install", "-at_install")
class TestMarketplaceRefunds(MiraklCase):
    def shipping_order(self, *lines):
        order_id = self.place(*lines)["order_id"]
        self.poll()
        self.marketplace.debit(order_id)
        self.poll()
        sale = self.sale(order_id)
        self.assertEqual(sale.state, "sale")
        return order_id, sale

    def invoice(self, sale):
        for line in sale.order_line:
            line.qty_delivered = line.product_uom_qty
        invoice = sale._create_invoices()
        invoice.action_post()
        return invoice

    def refunds_on(self, order_id):
        return [
            refund
            for line in self.mirakl_order(order_id)["order_lines"]
            for refund in line.get("refunds") or []
        ]

    def test_a_credit_note_is_refunded_on_the_marketplace_once(self):
        order_id, sale = self.shipping_order(("MKP-MUG", 2), ("MKP-LAMP", 1))
        invoice = self.invoice(sale)
        self.env["retail.mirakl.refund.reason"].create(
            {
                "backend_id": self.backend.id,
                "code": "DAMAGED",
                "name": "Damaged",
                "is_default": True,
            }
        )
        credit_note = invoice._reverse_moves()
        # One mug back, no shipping.
        credit_note.invoice_line_ids.filtered(
            lambda line: line.product_id != self.products["MKP-MUG"]
        ).unlink()
        credit_note.invoice_line_ids.quantity = 1
        with trap_jobs() as trap:
            credit_note.action_post()
            self.run_jobs(trap)

        (refund,) = self.refunds_on(order_id)
        self.assertEqual(credit_note.retail_external_refund_id, str(refund["id"]))
        self.assertEqual(float(refund["amount"]), 12.0)
        self.assertEqual(refund["reason_code"], "DAMAGED")
        # A retried job sends nothing again.
        self.backend._export_refund_job(credit_note.id)
        self.assertEqual(len(self.refunds_on(order_id)), 1)

        # Mirakl pays it back; the poll shows the refund: no second credit note.
        self.marketplace.complete_refunds()
        self.poll()
        credit_notes = sale.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit_notes, credit_note)

    def test_an_operator_refund_becomes_one_credit_note(self):
        order_id, sale = self.shipping_order(("MKP-LAMP", 1))
        self.invoice(sale)
        line_id = self.mirakl_order(order_id)["order_lines"][0]["order_line_id"]
        refund = self.marketplace.operator_refund(line_id, "20.00")
        self.marketplace.complete_refunds()

        self.poll()
        self.poll()

        credit_notes = sale.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(len(credit_notes), 1)
        self.assertEqual(
            credit_notes.retail_external_refund_id,
            str(refund.get("refund_id") or refund.get("id")),
        )
        self.assertAlmostEqual(credit_notes.amount_total, 20.0, places=2)


@tagged("post_install", "-at_install")
class TestMarketplaceStock(MiraklCase):
    def test_stock_goes_in_one_import_and_refused_lines_are_said(self):
        for sku, product in self.products.items():
            self.env["retail.product.binding"].create(
                {
                    "backend_id": self.backend.id,
                    "product_id": product.id,
                    "external_id": sku,
                    "external_sku": sku,
                }
            )
        ghost = self.make_product("GHOST-SKU", "Not on the marketplace", 5.0)
        ghost_binding = self.env["retail.product.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": ghost.id,
                "external_id": "GHOST-SKU",
                "external_sku": "GHOST-SKU",
            }
        )
        self.minute_passes()
        with trap_jobs() as trap:
            self.backend.action_push_all_stock()
            self.backend._export_stock_job()
            self.run_jobs(trap)

        stock = self.marketplace.stock
        self.assertEqual(stock["MKP-LAMP"], {"": 10})
        self.assertEqual(stock["MKP-MUG"], {"": 10})
        self.assertNotIn("GHOST-SKU", stock)
        self.assertIn("GHOST-SKU", ghost_binding.last_export_error)
        (exchange,) = self.exchanges(topic="stock.import")
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.replay_method, "_retry_refused_stock_job")
        self.assertEqual(len(self.marketplace.call_times("STO01")), 1)

    def test_a_second_import_within_the_minute_waits_its_turn(self):
        binding = self.env["retail.product.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": self.products["MKP-RUG"].id,
                "external_id": "MKP-RUG",
                "external_sku": "MKP-RUG",
            }
        )
        self.minute_passes()
        with trap_jobs():
            self.backend.action_push_all_stock()
            self.backend._export_stock_job()
            self.env["stock.quant"]._update_available_quantity(
                self.products["MKP-RUG"], self.warehouse.lot_stock_id, 1
            )
            self.env.invalidate_all()
            self.backend.action_push_all_stock()
            with self.assertRaises(Exception) as postponed:
                self.backend._export_stock_job()
        self.assertIn("allows the next call", str(postponed.exception))
        self.assertTrue(binding.stock_export_pending)
        self.assertEqual(len(self.marketplace.call_times("STO01")), 1)
