from odoo.tests import tagged

from .common import RetailCase, make_order_data


@tagged("post_install", "-at_install")
class TestOrderProcessing(RetailCase):
    def test_full_order_matches_channel_total_and_reserves_stock(self):
        exchange = self.process(make_order_data())
        self.assertEqual(exchange.state, "done", exchange.error)
        sale = self.sale_orders()
        self.assertEqual(len(sale), 1)
        self.assertEqual(exchange.record_ref, sale)
        self.assertEqual(sale.state, "sale")
        self.assertAlmostEqual(sale.amount_untaxed, 217.00)
        self.assertAlmostEqual(sale.amount_total, 262.57)
        self.assertEqual(sale.client_order_ref, "WEB-1001")
        self.assertEqual(sale.retail_payment_reference, "ch_1")
        desk_line = sale.order_line.filtered(lambda line: line.product_id == self.desk)
        self.assertEqual(desk_line.discount, 5.0)
        self.assertEqual(desk_line.tax_id, self.tax_21)
        shipping = sale.order_line.filtered("is_delivery")
        self.assertEqual(shipping.price_unit, 5.0)
        self.assertEqual(shipping.product_id, self.backend.shipping_product_id)
        fee = sale.order_line.filtered(
            lambda line: line.product_id == self.backend.fee_product_id
        )
        self.assertEqual(fee.name, "Gift wrap")
        picking = sale.picking_ids
        self.assertEqual(picking.state, "assigned", "stock is reserved")
        self.assertEqual(
            picking.move_ids.filtered(lambda m: m.product_id == self.desk).quantity, 2
        )

    def test_customer_and_addresses_are_reused(self):
        self.process(make_order_data("2001"))
        self.process(
            make_order_data("2002", customer={"email": "ana.lopez@example.com"})
        )
        first, second = self.sale_orders("2001"), self.sale_orders("2002")
        self.assertEqual(first.partner_id, second.partner_id)
        customer = first.partner_id
        self.assertEqual(customer.email, "ana.lopez@example.com")
        self.assertEqual(customer.country_id.code, "ES")
        self.assertEqual(first.partner_shipping_id.parent_id, customer)
        self.assertEqual(first.partner_shipping_id.type, "delivery")
        self.assertEqual(first.partner_shipping_id, second.partner_shipping_id)
        self.assertEqual(len(customer.child_ids), 1, "no duplicated addresses")
        self.assertEqual(customer.retail_binding_ids.mapped("external_id"), ["c-2001"])

    def test_unknown_sku_fails_then_retry_after_mapping_succeeds(self):
        data = make_order_data()
        data["lines"][1]["sku"] = "LAMP-OLD"
        with self.no_new_sale_orders():
            exchange = self.process(data)
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(exchange.error_category, "business")
        self.assertIn("LAMP-OLD", exchange.error)
        activities = self.backend.activity_ids
        self.assertEqual(len(activities), 1, "the responsible user is told once")
        # A second failure does not pile up activities.
        data2 = make_order_data("1002")
        data2["lines"][1]["sku"] = "LAMP-OLD"
        self.process(data2)
        self.assertEqual(len(self.backend.activity_ids), 1)

        self.env["retail.sku.mapping"].create(
            {
                "sku": "LAMP-OLD",
                "product_id": self.lamp.id,
                "backend_id": self.backend.id,
            }
        )
        exchange.action_retry()
        self.assertEqual(exchange.state, "queued")
        exchange._process_job()
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(
            self.sale_orders().order_line.product_id & self.lamp, self.lamp
        )
        self.assertIn("Retry requested", exchange.message_ids[0].body)

    def test_missing_tax_mapping_is_a_business_failure_naming_the_rate(self):
        data = make_order_data()
        data["lines"][0]["tax_rate"] = "10.0"
        with self.no_new_sale_orders():
            exchange = self.process(data)
        self.assertEqual(exchange.error_category, "business")
        self.assertIn("10 %", exchange.error)
        self.assertIn("excluding", exchange.error)

    def test_total_mismatch_writes_nothing_and_shows_both_totals(self):
        data = make_order_data(total="300.00")
        partners_before = self.env["res.partner"].search_count([])
        with self.no_new_sale_orders():
            exchange = self.process(data)
        self.assertEqual(exchange.state, "failed")
        self.assertIn("300.00", exchange.error)
        self.assertIn("262.57", exchange.error)
        self.assertEqual(
            self.env["res.partner"].search_count([]),
            partners_before,
            "no half-written customer either",
        )

    def test_update_cancel_and_stale_update(self):
        self.process(make_order_data())
        sale = self.sale_orders()
        updated = make_order_data(updated_at="2026-11-25T11:00:00Z", total="286.77")
        updated["lines"][1]["quantity"] = "2"
        exchange = self.process(updated, topic="order.updated")
        self.assertEqual(exchange.state, "done", exchange.error)
        lamp_line = sale.order_line.filtered(lambda line: line.product_id == self.lamp)
        self.assertEqual(lamp_line.product_uom_qty, 2)
        self.assertAlmostEqual(sale.amount_total, 286.77)

        stale = make_order_data(updated_at="2026-11-25T10:30:00Z")
        exchange = self.process(stale, topic="order.updated")
        self.assertEqual(exchange.state, "done")
        self.assertIn("Older than", exchange.result)
        self.assertEqual(lamp_line.product_uom_qty, 2, "stale update ignored")

        cancelled = make_order_data(updated_at="2026-11-25T12:00:00Z", total="286.77")
        cancelled["lines"][1]["quantity"] = "2"
        exchange = self.process(cancelled, topic="order.cancelled")
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(len(self.sale_orders()), 1)

    def test_a_reduced_line_reduces_the_pending_delivery(self):
        self.process(make_order_data())
        sale = self.sale_orders()
        reduced = make_order_data(updated_at="2026-11-25T11:00:00Z", total="147.62")
        reduced["lines"][0]["quantity"] = "1"
        reduced["lines"][0]["discount"] = "5.00"
        exchange = self.process(reduced, topic="order.updated")
        self.assertEqual(exchange.state, "done", exchange.error)
        desk_moves = sale.picking_ids.move_ids.filtered(
            lambda m: m.product_id == self.desk and m.state != "cancel"
        )
        # One desk to deliver, and no return of a desk that never left.
        self.assertEqual(desk_moves.mapped("product_uom_qty"), [1.0])
        self.assertEqual(desk_moves.location_dest_id.usage, "customer")

        # The whole line dropped: its delivery is cancelled.
        dropped = make_order_data(updated_at="2026-11-25T12:00:00Z", total="32.67")
        del dropped["lines"][0]
        exchange = self.process(dropped, topic="order.updated")
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertFalse(
            sale.picking_ids.move_ids.filtered(
                lambda m: m.product_id == self.desk and m.state != "cancel"
            )
        )

    def test_out_of_order_events_converge_to_latest_state(self):
        latest = make_order_data(updated_at="2026-11-25T12:00:00Z")
        self.process(latest, topic="order.cancelled")
        older = make_order_data(updated_at="2026-11-25T10:00:00Z")
        exchange = self.process(older, topic="order.created")
        self.assertEqual(exchange.state, "done")
        sale = self.sale_orders()
        self.assertEqual(len(sale), 1)
        self.assertEqual(sale.state, "cancel")

    def test_redelivery_is_not_processed_twice(self):
        exchange = self.process(make_order_data(), event_id="evt-same")
        again = self.receive(make_order_data(), event_id="evt-same")
        self.assertEqual(again, exchange)
        self.assertEqual(len(self.sale_orders()), 1)
        exchange._process_job()  # a job running twice changes nothing
        self.assertEqual(len(self.sale_orders()), 1)

    def test_pending_order_stays_quotation_and_prices_included(self):
        data = make_order_data(
            status="pending", prices_include_tax=True, total="225.00"
        )
        data["lines"] = [
            {
                "external_id": "l1",
                "sku": "RC-DESK",
                "name": "Standing desk",
                "quantity": "2",
                "unit_price": "110.00",
                "discount": "0",
                "tax_rate": "21",
            }
        ]
        data["shipping"] = [
            {"code": "free", "name": "Free", "amount": "5.00", "tax_rate": "21"}
        ]
        data["fees"] = []
        exchange = self.process(data)
        self.assertEqual(exchange.state, "done", exchange.error)
        sale = self.sale_orders()
        self.assertEqual(sale.state, "draft")
        self.assertEqual(sale.order_line[0].tax_id, self.tax_21_included)
        self.assertAlmostEqual(sale.amount_total, 225.0)

    def test_invalid_payload_is_a_readable_business_failure(self):
        data = make_order_data()
        data["lines"][0]["quantity"] = "two"
        exchange = self.process(data)
        self.assertEqual(exchange.state, "failed")
        self.assertIn("lines[0].quantity", exchange.error)

    def test_ignore(self):
        data = make_order_data()
        data["lines"][0]["sku"] = "NOPE"
        exchange = self.process(data)
        exchange.action_ignore()
        self.assertEqual(exchange.state, "ignored")
        self.assertFalse(self.backend.activity_ids, "nothing needs attention any more")
