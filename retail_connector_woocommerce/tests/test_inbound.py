from odoo.tests import tagged

from odoo.addons.retail_connector_base.services.errors import WebhookRejected
from odoo.addons.retail_connector_base.tools.inbound import InboundDelivery

from .common import WooCommerceCase, trap_jobs


@tagged("post_install", "-at_install")
class TestWooCommerceInbound(WooCommerceCase):
    """Store orders, deletions and refunds applied in Odoo."""

    def test_ping_needs_no_signature_and_forged_deliveries_are_refused(self):
        ping = InboundDelivery(self.backend.webhook_url, {}, b"webhook_id=12")
        self.backend._webhook_verify(ping)
        self.assertTrue(self.backend._webhook_parse(ping).is_ping)
        (order,) = self.checkout(("MUG-ENAMEL", 1))
        payload = self.store_order(order["id"])
        headers = {
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Signature": "bm90IHRoZSBzaWduYXR1cmU=",
        }
        with self.assertRaises(WebhookRejected) as refused:
            self.backend._webhook_receive(
                InboundDelivery(self.backend.webhook_url, headers, b'{"id": 1}')
            )
        self.assertEqual(refused.exception.status, 401)
        outcome, exchange = self.deliver(payload, "order.created", "d-1")
        self.assertEqual(outcome, "accepted")
        self.assertEqual(exchange.external_id, str(order["id"]))
        self.assertEqual(self.deliver(payload, "order.created", "d-1")[0], "duplicate")

    def test_checkout_becomes_a_confirmed_sale_order(self):
        order, sale = self.import_order(
            ("HOODIE-BLU-M", 2), ("MUG-ENAMEL", 1), coupon="spring10", fee=True
        )
        self.assertEqual(sale.state, "sale")
        self.assertAlmostEqual(sale.amount_total, float(order["total"]), places=2)
        self.assertEqual(sale.client_order_ref, order["number"])
        products = sale.order_line.filtered(lambda line: not line.is_delivery)
        self.assertIn(self.products["HOODIE-BLU-M"], products.product_id)
        self.assertEqual(sale.retail_payment_method, "stripe")
        self.assertTrue(sale.picking_ids, "stock reserved by the confirmation")

    def test_status_mapping_decides_quotation_or_confirmed(self):
        (order,) = self.checkout(("MUG-ENAMEL", 1), payment_method="bacs")
        self.assertEqual(order["status"], "on-hold")
        self.process(self.store_order(order["id"]), "order.created")
        sale = self.sale_order(order["id"])
        self.assertEqual(sale.state, "draft", "on-hold waits as a quotation")

        self.backend.status_mapping_ids.filtered(
            lambda row: row.channel_status == "on-hold"
        ).target = "confirmed"
        with self.store.change() as store:
            store.update_order(order["id"], {"customer_note": "paid by phone"})
        self.process(self.store_order(order["id"]))
        self.assertEqual(sale.state, "sale")

    def test_unmapped_status_is_a_business_failure(self):
        self.backend.status_mapping_ids.filtered(
            lambda row: row.channel_status == "processing"
        ).unlink()
        (order,) = self.checkout(("MUG-ENAMEL", 1))
        exchange = self.process(self.store_order(order["id"]), "order.created")
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.error_category, "business")
        self.assertIn("processing", exchange.error)

    def test_plugin_status_fixed_once_with_map_status(self):
        # A shop plug-in's own status: every order in it fails on one cause.
        exchanges = self.env["retail.exchange"]
        for order in self.checkout(("MUG-ENAMEL", 1), count=2):
            payload = self.store_order(order["id"])
            payload["status"] = "awaiting-shipment"
            exchanges |= self.process(payload, "order.created")
        self.assertEqual(len(exchanges), 2)
        self.assertEqual(set(exchanges.mapped("state")), {"failed"})
        self.assertEqual(set(exchanges.mapped("failure_kind")), {"unknown_status"})
        self.assertEqual(set(exchanges.mapped("failure_value")), {"awaiting-shipment"})

        action = exchanges[0].action_guided_fix()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.failed_count, 2)
        self.assertEqual(wizard.target, "confirmed", "paid and waiting to ship")
        with trap_jobs() as trap:
            wizard.action_confirm()
            trap.perform_enqueued_jobs()
        row = self.backend.status_mapping_ids.filtered(
            lambda r: r.channel_status == "awaiting-shipment"
        )
        self.assertEqual(row.target, "confirmed")
        self.assertIn(
            "on-hold", self.backend.status_mapping_ids.mapped("channel_status")
        )
        self.assertEqual(
            set(exchanges.mapped("state")), {"done"}, exchanges.mapped("error")
        )
        for exchange in exchanges:
            self.assertEqual(self.sale_order(exchange.external_id).state, "sale")

    def test_trashed_order_cancels_the_sale_without_echo(self):
        order, sale = self.import_order(("CHAIR-OAK", 1))
        self.client().request("DELETE", f"orders/{order['id']}")
        with trap_jobs() as trap:
            exchange = self.process({"id": order["id"]}, "order.deleted")
            trap.assert_jobs_count(0, only=self.backend._export_order_cancel_job)
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(sale.state, "cancel")

    def test_deleted_order_never_imported_is_ignored(self):
        exchange = self.process({"id": 987654}, "order.deleted")
        self.assertEqual(exchange.state, "done")
        self.assertFalse(self.sale_order(987654))

    def test_store_refund_becomes_exactly_one_credit_note(self):
        order, sale = self.import_order(("CHAIR-OAK", 2))
        client = self.client()
        line = order["line_items"][0]
        refund = client.create_refund(
            order["id"],
            {
                "amount": "108.90",
                "reason": "Damaged in transit",
                "api_refund": False,
                "line_items": [
                    {
                        "id": line["id"],
                        "quantity": 1,
                        "refund_total": "90.00",
                        "refund_tax": [{"id": 1, "refund_total": "18.90"}],
                    }
                ],
            },
        )
        payload = self.store_order(order["id"])
        self.assertEqual(payload["refunds"][0]["id"], refund["id"])

        first = self.process(payload, delivery_id="d-refund")
        self.assertEqual(first.state, "done", first.error)
        # The same delivery again, and the next order event listing it too.
        self.assertEqual(self.deliver(payload, delivery_id="d-refund")[0], "duplicate")
        second = self.process(payload, delivery_id="d-later")
        self.assertEqual(second.state, "done", second.error)

        credit_notes = sale.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(len(credit_notes), 1)
        self.assertEqual(credit_notes.state, "posted")
        self.assertEqual(credit_notes.retail_external_refund_id, str(refund["id"]))
        self.assertAlmostEqual(credit_notes.amount_total, 108.90, places=2)
        self.assertEqual(
            credit_notes.invoice_line_ids.product_id, self.products["CHAIR-OAK"]
        )
        invoice = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        self.assertEqual(invoice.state, "posted", "the order was invoiced first")
        self.assertEqual(credit_notes.reversed_entry_id, invoice)

    def test_unitemized_refund_totals_the_refunded_amount(self):
        order, sale = self.import_order(("DESK-OAK", 1))
        # Setting the status to refunded refunds what is left, without lines.
        with self.store.change() as store:
            store.update_order(order["id"], {"status": "refunded"})
        exchange = self.process(self.store_order(order["id"]))
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(sale.state, "sale", "refund handling keeps the order")
        credit_note = sale.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertAlmostEqual(credit_note.amount_total, sale.amount_total, places=2)

    def test_refund_of_an_uninvoiceable_order_waits_for_a_person(self):
        self.products["DESK-OAK"].invoice_policy = "delivery"
        self.backend.shipping_product_id.invoice_policy = "delivery"
        order, sale = self.import_order(("DESK-OAK", 1))
        self.client().create_refund(
            order["id"], {"amount": "10.00", "api_refund": False}
        )
        exchange = self.process(self.store_order(order["id"]))
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.error_category, "business")
        self.assertIn(sale.name, exchange.error)
        self.assertFalse(sale.invoice_ids)

    def test_product_events_keep_bindings_in_step(self):
        record = self.store_record("HOODIE-GRE-L")
        with self.store.lock:
            payload = self.store.render_any_product(record["id"])
        exchange = self.process(payload, "product.updated")
        binding = exchange.record_ref
        self.assertEqual(binding.product_id, self.products["HOODIE-GRE-L"])
        self.assertEqual(binding.external_parent_id, str(record["parent_id"]))
        self.process({"id": record["id"]}, "product.deleted")
        self.assertFalse(binding.exists())
