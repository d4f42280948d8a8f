import random

from odoo.tests import tagged

from .common import NEW_YORK, SquareCase


@tagged("post_install", "-at_install")
class TestReceipts(SquareCase):
    def test_pos_app_sale_books_one_order_in_its_store_day(self):
        since = self.event_count()
        sale = self.merchant.pos_sale(NEW_YORK, [("TEE-LIN-M", 2, None)], tender="CARD")
        types = [self.merchant.events[e]["type"] for e in self.event_ids(since=since)]
        # Sales made in the POS app fire no order event.
        self.assertIn("payment.created", types)
        self.assertFalse([t for t in types if t.startswith("order.")], types)
        for event_id in self.event_ids(since=since):
            self.assertEqual(self.deliver(event_id), "accepted")
        self.process_all()
        order = self.pos_order(sale["order"]["id"])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "paid")
        day = order.session_id.retail_day_id
        self.assertEqual(day.store_id, self.store_ny)
        self.assertEqual(day.business_date, self.today_in("America/New_York"))
        self.assertEqual(order.session_id.config_id, self.store_ny.pos_config_id)
        # 2 x 39.00 + 8.875 % sales tax
        self.assertAlmostEqual(order.amount_total, 84.92, places=2)
        self.assertEqual(order.lines.product_id, self.products["TEE-LIN-M"])
        self.assertEqual(
            order.payment_ids.payment_method_id, self.store_ny.pos_card_method_id
        )
        # Stock left the store's location at once.
        self.assertEqual(order.picking_ids.state, "done")

    def test_same_events_three_times_shuffled_book_once(self):
        since = self.event_count()
        sales = [
            self.merchant.pos_sale(NEW_YORK, [("CUP-ESP", 1, None)], tender="CASH"),
            self.merchant.pos_sale(NEW_YORK, [("TOTE-NAT", 3, None)], tender="CARD"),
        ]
        events = self.event_ids(since=since) * 3
        random.Random(4).shuffle(events)
        outcomes = [self.deliver(event_id) for event_id in events]
        self.assertEqual(outcomes.count("accepted"), len(events) // 3)
        self.process_all()
        for sale in sales:
            self.assertEqual(len(self.pos_order(sale["order"]["id"])), 1)

    def test_bad_signature_is_refused(self):
        since = self.event_count()
        self.merchant.pos_sale(NEW_YORK, [("CUP-ESP", 1, None)])
        event_id = self.event_ids(since=since)[0]
        from odoo.addons.retail_connector_base.services.errors import WebhookRejected

        with self.assertRaises(WebhookRejected):
            self.deliver(event_id, key="not-the-key")
