import time
from decimal import Decimal

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from .common import FaultConfig, WooCommerceCase, trap_jobs


@tagged("post_install", "-at_install")
class TestWooCommerceOutbound(WooCommerceCase):
    """What Odoo sends to the store: stock, prices, products, fulfilment,
    cancellations and refunds, over real HTTP."""

    def test_test_connection_shows_the_store_or_its_error(self):
        action = self.backend.action_test_connection()
        message = action["params"]["message"]
        self.assertIn(self.server.url, message)
        self.assertIn("EUR", message)
        self.assertIn("8.9.1", message)
        self.assertEqual(self.backend.woocommerce_version, "8.9.1")
        self.backend.woocommerce_consumer_secret = "cs_not_the_secret"
        with self.assertRaises(UserError) as error:
            self.backend.action_test_connection()
        self.assertIn("Consumer secret is invalid.", str(error.exception))
        self.assertNotIn("cs_not_the_secret", str(error.exception))

    def test_validated_delivery_completes_the_store_order_with_tracking(self):
        order, sale = self.import_order(("CHAIR-OAK", 1))
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "DHL Express",
                "delivery_type": "fixed",
                "product_id": self.env["product.product"]
                .create({"name": "DHL shipping", "type": "service"})
                .id,
            }
        )
        picking = sale.picking_ids
        picking.write({"carrier_id": carrier.id, "carrier_tracking_ref": "JD01460"})
        picking.move_ids.picked = True
        with trap_jobs() as trap:
            picking.button_validate()
            trap.assert_enqueued_job(
                self.backend._export_shipment_job,
                args=(picking.id,),
                properties={"channel": "root.retail.outbound"},
            )
        self.backend._export_shipment_job(picking.id)
        # A retried job announces nothing twice.
        self.backend._export_shipment_job(picking.id)

        self.assertEqual(self.store.orders[order["id"]]["status"], "completed")
        (note,) = self.store.notes[order["id"]]
        self.assertTrue(note["customer_note"], "the customer is told")
        self.assertIn("DHL Express", note["note"])
        self.assertIn("JD01460", note["note"])
        exchange = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "order.completed")]
        )
        self.assertEqual(exchange.mapped("state"), ["done", "done"])

    def test_stock_changes_are_pushed_in_batches_of_100(self):
        with self.store.change() as store:
            created = [
                store.create_product(
                    {"name": f"Bulk {index}", "sku": f"BULK-{index:03d}"}
                )
                for index in range(250)
            ]
        products = self.env["product.product"].create(
            [
                {
                    "name": f"Bulk {index}",
                    "default_code": f"BULK-{index:03d}",
                    "is_storable": True,
                }
                for index in range(250)
            ]
        )
        gone = self.make_product("GONE-1", "Deleted from the store", 1.0)
        Binding = self.env["retail.product.binding"]
        Binding.create(
            [
                {
                    "backend_id": self.backend.id,
                    "product_id": product.id,
                    "external_id": str(record["id"]),
                    "external_sku": record["sku"],
                }
                for product, record in zip(products, created, strict=True)
            ]
        )
        gone_binding = Binding.create(
            {
                "backend_id": self.backend.id,
                "product_id": gone.id,
                "external_id": "999999",
            }
        )
        quants = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                [
                    {
                        "product_id": product.id,
                        "location_id": self.warehouse.lot_stock_id.id,
                        "inventory_quantity": 3 + index % 7,
                    }
                    for index, product in enumerate(products | gone)
                ]
            )
        )
        with trap_jobs() as trap:
            quants.action_apply_inventory()
            trap.assert_jobs_count(1, only=self.backend._export_stock_job)
            trap.perform_enqueued_jobs()

        batches = self.store_requests("products/batch")
        self.assertLessEqual(len(batches), 3)
        self.assertEqual(sum(request["items"] for request in batches), 251)
        for index, record in enumerate(created):
            stored = self.store.products[record["id"]]
            self.assertEqual(stored["stock_quantity"], 3 + index % 7)
            self.assertTrue(stored["manage_stock"])
        self.assertIn(
            "woocommerce_rest_product_invalid_id", gone_binding.last_export_error
        )
        self.assertFalse(products.retail_binding_ids.filtered("last_export_error"))
        self.assertFalse(Binding.search_count([("stock_export_pending", "=", True)]))

    def test_variation_stock_goes_to_the_variations_batch(self):
        binding = self.bind(self.products["HOODIE-BLU-M"], "HOODIE-BLU-M")
        with trap_jobs() as trap:
            self.backend._schedule_stock_export(binding.product_id)
            trap.perform_enqueued_jobs()
        (request,) = self.store_requests("/variations/batch")
        self.assertIn(binding.external_parent_id, request["path"])
        self.assertEqual(self.store_record("HOODIE-BLU-M")["stock_quantity"], 20)

    def test_rate_limited_call_waits_as_told_then_succeeds(self):
        # Seeded: the first call is answered 429 "Retry-After: 1", the next not.
        self.store.faults.configure(
            FaultConfig(rate_limit_rate=0.5, retry_after=1, seed=3)
        )
        before = self.store.faults.counters().get("rate_limited", 0)
        started = time.monotonic()
        message = self.backend._test_connection()
        elapsed = time.monotonic() - started
        self.assertIn("8.9.1", message)
        self.assertEqual(self.store.faults.counters()["rate_limited"] - before, 1)
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertEqual(self.backend.circuit_state, "closed")

    def retried(self, job, *args):
        """Run a job that must ask to be retried; return its error.

        Not assertRaises: Odoo's rolls back to a savepoint, and with it the
        breaker state the failed call stored in its own cursor.
        """
        try:
            job(*args)
        except RetryableJobError as exc:
            return exc
        self.fail("the job did not ask to be retried")

    def test_outage_opens_the_circuit_and_nothing_is_lost(self):
        binding = self.bind(self.products["MUG-ENAMEL"], "MUG-ENAMEL")
        self.backend.breaker_threshold = 1
        self.store.faults.configure(FaultConfig(error_rate=1.0, error_status=503))
        with trap_jobs():
            self.backend._schedule_stock_export(binding.product_id)
        self.retried(self.backend._export_stock_job)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.circuit_state, "open")
        self.assertTrue(binding.stock_export_pending)

        self.store.reset()
        error = self.retried(self.backend._export_stock_job)
        self.assertIn("paused", str(error))
        self.assertFalse(self.store_requests(), "no call while the circuit is open")

        self.store.faults.configure(FaultConfig())
        self.backend.action_reset_circuit()
        self.backend._export_stock_job()
        self.assertFalse(binding.stock_export_pending)
        self.assertEqual(self.store_record("MUG-ENAMEL")["stock_quantity"], 20)

    def test_cancelled_in_odoo_is_cancelled_on_the_store(self):
        order, sale = self.import_order(("MUG-ENAMEL", 1))
        with trap_jobs() as trap:
            sale.with_context(disable_cancel_warning=True).action_cancel()
            trap.assert_enqueued_job(
                self.backend._export_order_cancel_job, args=(sale.id,)
            )
        self.backend._export_order_cancel_job(sale.id)
        self.assertEqual(self.store.orders[order["id"]]["status"], "cancelled")
        # The store's own event about it changes nothing and sends nothing back.
        with trap_jobs() as trap:
            exchange = self.process(self.store_order(order["id"]))
            trap.assert_jobs_count(0, only=self.backend._export_order_cancel_job)
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(sale.state, "cancel")

    def _credit_note(self, sale, quantity=1):
        """Invoice the order and credit `quantity` of its first product line."""
        invoice = sale._create_invoices()
        invoice.action_post()
        credit_note = invoice._reverse_moves([{"ref": "Damaged in transit"}])
        product_line = credit_note.invoice_line_ids.filtered("product_id")[:1]
        credit_note.write(
            {
                "invoice_line_ids": [
                    Command.update(product_line.id, {"quantity": quantity})
                ]
                + [
                    Command.delete(line.id)
                    for line in credit_note.invoice_line_ids - product_line
                ]
            }
        )
        return credit_note

    def test_posted_credit_note_is_refunded_on_the_store_once(self):
        order, sale = self.import_order(("CHAIR-OAK", 2))
        credit_note = self._credit_note(sale)
        with trap_jobs() as trap:
            credit_note.action_post()
            trap.assert_enqueued_job(
                self.backend._export_refund_job, args=(credit_note.id,)
            )
        self.backend._export_refund_job(credit_note.id)

        (refund_id,) = self.store.orders[order["id"]]["refunds"]
        refund = self.store.refunds[refund_id]
        self.assertEqual(refund["amount"], Decimal("108.90"))
        self.assertTrue(refund["reason"].startswith(credit_note.name))
        self.assertIn("Damaged in transit", refund["reason"])
        self.assertTrue(refund["refunded_payment"], "through the gateway by default")
        (line,) = refund["line_items"]
        self.assertEqual(line["refunded_item_id"], order["line_items"][0]["id"])
        self.assertEqual(line["quantity"], 1)
        self.assertEqual(credit_note.retail_external_refund_id, str(refund_id))
        self.assertIn("Nothing to do", self.backend._export_refund_job(credit_note.id))
        # The store's next order event lists the refund: it is this credit note.
        exchange = self.process(self.store_order(order["id"]))
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(
            len(sale.invoice_ids.filtered(lambda m: m.move_type == "out_refund")), 1
        )
        self.assertEqual(len(self.store.orders[order["id"]]["refunds"]), 1)

    def test_shipment_and_refund_calls_carry_the_order_correlation_id(self):
        order, sale = self.import_order(("CHAIR-OAK", 2))
        created = self.env["retail.exchange"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("direction", "=", "inbound"),
                ("external_id", "=", str(order["id"])),
            ]
        )
        self.assertEqual(sale.picking_ids.retail_correlation_id, created.correlation_id)
        picking = sale.picking_ids
        picking.move_ids.picked = True
        with trap_jobs():
            picking.button_validate()
        self.backend._export_shipment_job(picking.id)
        credit_note = self._credit_note(sale)
        with trap_jobs():
            credit_note.action_post()
        self.backend._export_refund_job(credit_note.id)
        self.assertTrue(credit_note.retail_external_refund_id)

        trace = self.env["retail.exchange"].search(
            credit_note.action_retail_trace()["domain"], order="received_at, id"
        )
        self.assertEqual(
            trace.mapped("topic"),
            ["order.created", "order.completed", "refund.created"],
        )
        self.assertEqual(trace[0], created)
        self.assertEqual(trace[-1].res_id, credit_note.id)
        self.assertEqual(set(trace.mapped("correlation_id")), {created.correlation_id})
        self.assertEqual(
            self.env["retail.exchange"].search(sale.action_retail_trace()["domain"]),
            trace,
        )

    def test_refused_refund_waits_then_goes_through_after_the_fix(self):
        # Bank transfers cannot be refunded by the gateway.
        order, sale = self.import_order(("CHAIR-OAK", 1), payment_method="bacs")
        sale.action_confirm()
        credit_note = self._credit_note(sale)
        with trap_jobs():
            credit_note.action_post()
        result = self.backend._export_refund_job(credit_note.id)
        self.assertIn("does not support automatic refunds", result)
        self.assertFalse(self.store.orders[order["id"]]["refunds"])
        failed = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "refund.created")]
        )
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.error_category, "business")
        self.assertTrue(credit_note.retail_refund_exportable)

        self.backend.woocommerce_api_refund = False
        with trap_jobs() as trap:
            credit_note.action_retail_export_refund()
            trap.perform_enqueued_jobs()
        (refund_id,) = self.store.orders[order["id"]]["refunds"]
        self.assertFalse(self.store.refunds[refund_id]["refunded_payment"])
        self.assertEqual(credit_note.retail_external_refund_id, str(refund_id))

    def test_prices_follow_the_pricelist(self):
        mug = self.bind(self.products["MUG-ENAMEL"], "MUG-ENAMEL")
        self.bind(self.products["HOODIE-BLU-M"], "HOODIE-BLU-M")
        self.env["product.pricelist.item"].create(
            {
                "pricelist_id": self.pricelist.id,
                "applied_on": "0_product_variant",
                "product_id": mug.product_id.id,
                "compute_price": "fixed",
                "fixed_price": 8.5,
            }
        )
        with trap_jobs() as trap:
            self.backend.action_push_prices()
            trap.assert_jobs_count(1, only=self.backend._export_prices_job)
            trap.perform_enqueued_jobs()
        self.assertEqual(
            self.store_record("MUG-ENAMEL")["regular_price"], Decimal("8.50")
        )
        self.assertEqual(
            self.store_record("HOODIE-BLU-M")["regular_price"], Decimal("45.00")
        )
        self.assertEqual(mug.last_exported_price, 8.5)

        self.backend.export_prices = True
        self.backend.prices_include_tax = True
        with trap_jobs() as trap:
            self.products["HOODIE-BLU-M"].product_tmpl_id.list_price = 50.0
            trap.assert_jobs_count(1, only=self.backend._export_prices_job)
            trap.perform_enqueued_jobs()
        self.assertEqual(
            self.store_record("HOODIE-BLU-M")["regular_price"], Decimal("60.50")
        )

    def test_publish_simple_then_variable_products(self):
        lamp = self.make_product("PUB-LAMP", "Published Lamp", 59.0)
        self.env["stock.quant"]._update_available_quantity(
            lamp, self.warehouse.lot_stock_id, 6
        )
        Wizard = self.env["retail.woocommerce.publish.wizard"]
        wizard = Wizard.create(
            {"product_tmpl_id": lamp.product_tmpl_id.id, "backend_id": self.backend.id}
        )
        wizard.action_publish()
        record = self.store_record("PUB-LAMP")
        self.assertEqual(record["name"], "Published Lamp")
        self.assertEqual(record["regular_price"], Decimal("59.00"))
        self.assertEqual((record["manage_stock"], record["stock_quantity"]), (True, 6))
        self.assertEqual(lamp.retail_binding_ids.external_id, str(record["id"]))
        lamp.list_price = 61.0
        wizard.action_publish()
        self.assertEqual(self.store_record("PUB-LAMP")["id"], record["id"])
        self.assertEqual(
            self.store_record("PUB-LAMP")["regular_price"], Decimal("61.00")
        )

        color = self.env["product.attribute"].create(
            {
                "name": "Colour",
                "value_ids": [
                    Command.create({"name": "Red"}),
                    Command.create({"name": "Green"}),
                ],
            }
        )
        template = self.env["product.template"].create(
            {
                "name": "Published Tee",
                "is_storable": True,
                "list_price": 25.0,
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": color.id,
                            "value_ids": [Command.set(color.value_ids.ids)],
                        }
                    )
                ],
            }
        )
        for variant in template.product_variant_ids:
            value = variant.product_template_attribute_value_ids.name
            variant.default_code = f"PUB-TEE-{value.upper()}"
        Wizard.create(
            {"product_tmpl_id": template.id, "backend_id": self.backend.id}
        ).action_publish()
        bindings = template.product_variant_ids.retail_binding_ids
        self.assertEqual(len(bindings), 2)
        (parent_id,) = set(bindings.mapped("external_parent_id"))
        parent = self.store.products[int(parent_id)]
        self.assertEqual(parent["type"], "variable")
        self.assertEqual(parent["attributes"][0]["options"], ["Red", "Green"])
        variations = [self.store.variations[v] for v in parent["variations"]]
        self.assertEqual(
            sorted(v["sku"] for v in variations), ["PUB-TEE-GREEN", "PUB-TEE-RED"]
        )
        self.assertEqual({v["regular_price"] for v in variations}, {Decimal("25.00")})
        # Publishing again updates the same variations.
        Wizard.create(
            {"product_tmpl_id": template.id, "backend_id": self.backend.id}
        ).action_publish()
        self.assertEqual(len(self.store.products[int(parent_id)]["variations"]), 2)

    def test_link_catalog_tells_shared_and_doubly_linked_skus_apart(self):
        # Two Odoo products with one reference: which one is meant is unknown.
        self.make_product("RC-TWIN", "Twin A", 10.0)
        self.make_product("RC-TWIN", "Twin B", 10.0)
        # Two store SKUs leading to one Odoo product (a mapping of the old
        # SKU): the product can be linked to one store product only.
        single = self.make_product("RC-ONE", "Single", 10.0)
        self.env["retail.sku.mapping"].create(
            {"sku": "RC-ONE-OLD", "product_id": single.id}
        )
        with self.store.change() as store:
            for sku in ("RC-TWIN", "RC-ONE", "RC-ONE-OLD"):
                store.create_product({"name": sku, "sku": sku, "regular_price": "10"})
        self.backend._link_catalog()
        items = self.backend.catalog_item_ids
        twin = items.filtered(lambda item: item.sku == "RC-TWIN")
        self.assertEqual(twin.state, "ambiguous")
        self.assertIn("Twin A", twin.note)
        both = items.filtered(lambda item: item.sku.startswith("RC-ONE"))
        self.assertEqual(sorted(both.mapped("state")), ["conflict", "matched"])
        linked = both.filtered(lambda item: item.state == "matched")
        refused = both - linked
        self.assertEqual(linked.product_id, single)
        self.assertIn(linked.external_id, refused.note)
        self.assertEqual(single.retail_binding_ids.external_id, linked.external_id)

    def test_link_catalog_binds_by_sku_and_lists_the_rest(self):
        counts = self.backend._link_catalog()
        bindings = self.env["retail.product.binding"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(sorted(bindings.mapped("external_sku")), sorted(self.products))
        self.assertEqual(counts["matched"], len(self.products))
        hoodie = bindings.filtered(lambda b: b.external_sku == "HOODIE-BLU-M")
        self.assertEqual(
            hoodie.external_id, str(self.store_record("HOODIE-BLU-M")["id"])
        )
        self.assertTrue(hoodie.external_parent_id)
        items = self.backend.catalog_item_ids
        unmatched = items.filtered(lambda item: item.state != "matched")
        self.assertIn("DESK-WALNUT", unmatched.mapped("sku"))
        self.assertNotIn("HOODIE", items.mapped("sku"), "variable parents are not sold")
        self.assertEqual(self.backend.catalog_unmatched_count, len(unmatched))

        walnut = unmatched.filtered(lambda item: item.sku == "DESK-WALNUT")
        walnut.product_id = self.make_product("ODOO-WALNUT", "Walnut desk", 249.0)
        walnut.action_link()
        self.assertEqual(
            walnut.product_id.retail_binding_ids.external_id, walnut.external_id
        )
        # Linking again keeps every binding, manual ones included.
        self.backend._link_catalog()
        self.assertEqual(
            self.env["retail.product.binding"].search_count(
                [("backend_id", "=", self.backend.id)]
            ),
            len(self.products) + 1,
        )
