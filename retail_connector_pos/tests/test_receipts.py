import datetime as dt
import random

from odoo import fields
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


@tagged("post_install", "-at_install")
class TestReturnsAndLateReceipts(SquareCase):
    def test_return_at_the_till_is_linked_to_its_sale(self):
        sale = self.sell(lines=(("TEE-LIN-M", 2, None), ("CUP-ESP", 1, None)))
        source = self.pos_order(sale["order"]["id"])
        tee = sale["order"]["line_items"][0]
        stock = self.env["stock.quant"]._get_available_quantity(
            self.products["TEE-LIN-M"], self.warehouse.lot_stock_id
        )
        since = self.event_count()
        ret = self.merchant.till_return(sale["order"]["id"], [(tee["uid"], 1)])
        for event_id in self.event_ids(since=since):
            self.deliver(event_id)
        self.process_all()
        refund = self.pos_order(ret["order"]["id"])
        self.assertEqual(len(refund), 1)
        self.assertEqual(
            refund.lines.refunded_orderline_id,
            source.lines.filtered(lambda line: line.retail_line_uid == tee["uid"]),
        )
        self.assertEqual(refund.lines.qty, -1)
        self.assertAlmostEqual(refund.amount_total, -42.46, places=2)
        self.assertAlmostEqual(
            sum(refund.payment_ids.mapped("amount")), -42.46, places=2
        )
        self.assertEqual(
            self.env["stock.quant"]._get_available_quantity(
                self.products["TEE-LIN-M"], self.warehouse.lot_stock_id
            ),
            stock + 1,
        )

    def test_return_before_its_sale_books_the_sale_first(self):
        since = self.event_count()
        sale = self.merchant.pos_sale(NEW_YORK, [("TOTE-NAT", 2, None)], tender="CASH")
        sale_events = self.event_ids(since=since)
        since = self.event_count()
        line = sale["order"]["line_items"][0]
        ret = self.merchant.till_return(sale["order"]["id"], [(line["uid"], 2)])
        for event_id in self.event_ids(since=since):
            self.deliver(event_id)
        self.process_all()
        source = self.pos_order(sale["order"]["id"])
        refund = self.pos_order(ret["order"]["id"])
        self.assertTrue(source and refund)
        self.assertEqual(refund.lines.refunded_orderline_id, source.lines)
        # The sale's own events, late, book nothing more.
        for event_id in sale_events:
            self.deliver(event_id)
        self.process_all()
        self.assertEqual(len(self.pos_order(sale["order"]["id"])), 1)

    def test_offline_receipts_after_the_day_closed_go_to_its_rescue_session(self):
        self.sell(lines=(("CUP-ESP", 2, None),), tender="CASH")
        self.merchant.go_offline(NEW_YORK)
        offline = [
            self.merchant.pos_sale(NEW_YORK, [("BEAN-ETH", 1, None)], tender="CASH"),
            self.merchant.pos_sale(NEW_YORK, [("TOTE-NAT", 1, None)], tender="CARD"),
        ]
        self.assertTrue(all(sale.get("offline") for sale in offline))
        day = self.env["retail.pos.day"].search([("store_id", "=", self.store_ny.id)])
        self.assertEqual(len(day), 1)
        main = day.session_id
        day._close_in_own_transactions()
        self.assertEqual(main.state, "closed")
        before = day.sales_total
        since = self.event_count()
        uploaded = self.merchant.come_online(NEW_YORK)
        self.assertEqual(len(uploaded), 2)
        events = self.event_ids(since=since)
        for event_id in reversed(events):
            self.deliver(event_id)
        self.process_all()
        late = self.env["pos.order"].search(
            [("retail_external_id", "in", [u["order"]["id"] for u in uploaded])]
        )
        self.assertEqual(len(late), 2)
        self.assertTrue(all(late.mapped("retail_late")))
        self.assertTrue(all(late.mapped("retail_offline")))
        self.assertTrue(late.session_id.rescue)
        self.assertEqual(len(late.session_id), 1)
        self.assertEqual(late.session_id.retail_day_id, day)
        day.invalidate_recordset()
        self.assertEqual(day.late_count, 2)
        self.assertAlmostEqual(
            day.sales_total, before + sum(late.mapped("amount_total")), places=2
        )
        # The device's time is the sale's, not the upload's.
        for order, sale in zip(late.sorted("retail_device_time"), offline, strict=True):
            self.assertEqual(
                order.retail_device_time.strftime("%Y-%m-%dT%H:%M:%S"),
                sale["client_created_at"][:19],
            )
        # The rescue session closes with the next closing run.
        self.env["retail.pos.day"]._cron_close_days()
        self.assertEqual(late.session_id.state, "closed")

    def test_reconciliation_books_what_webhooks_missed(self):
        since = self.event_count()
        missed = self.merchant.pos_sale(NEW_YORK, [("CUP-ESP", 1, None)], tender="CARD")
        self.assertTrue(self.event_ids(since=since))  # never delivered
        booked = self.sell(lines=(("TOTE-NAT", 1, None),))
        since = fields.Datetime.now() - dt.timedelta(days=2)
        self.backend._poll("orders", since, "reconciliation")

        def polled(order_id):
            return self.env["retail.exchange"].search_count(
                [
                    ("backend_id", "=", self.backend.id),
                    ("external_id", "=", order_id),
                    ("dedup_key", "=like", "poll:%"),
                ]
            )

        self.assertEqual(polled(missed["order"]["id"]), 1)
        self.assertEqual(polled(booked["order"]["id"]), 0)
        self.process_all()
        self.assertEqual(len(self.pos_order(missed["order"]["id"])), 1)
        self.assertEqual(len(self.pos_order(booked["order"]["id"])), 1)


@tagged("post_install", "-at_install")
class TestStoreStockAndCustomers(SquareCase):
    def test_counts_pushed_to_the_store_in_one_batch(self):
        self.sell(lines=(("TEE-LIN-M", 1, None), ("CUP-ESP", 1, None)))
        bindings = self.env["retail.product.binding"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(bindings), 2)
        tee = bindings.filtered(lambda b: b.product_id == self.products["TEE-LIN-M"])
        unknown = self.backend._bind_product(
            self.products["TOTE-NAT"], "NOT-A-SQUARE-ID", sku="TOTE-NAT"
        )
        items = [(tee, 42.0), (bindings - tee, 7.0), (unknown, 3.0)]
        errors = self.backend._export_stock(items, location=self.store_ny)
        self.assertEqual(list(errors), [unknown.id])
        self.assertIn("not found", errors[unknown.id])
        count = self.merchant.count_object(NEW_YORK, tee.external_id)
        self.assertEqual(count["quantity"], "42")

    def test_known_customer_on_the_receipt(self):
        partner = self.env["res.partner"].create({"name": "Ana Regular"})
        self.env["retail.partner.binding"].create(
            {
                "backend_id": self.backend.id,
                "partner_id": partner.id,
                "external_id": "CUST-ANA",
            }
        )
        sale = self.sell(lines=(("CUP-ESP", 1, None),), customer_id="CUST-ANA")
        self.assertEqual(self.pos_order(sale["order"]["id"]).partner_id, partner)
        anonymous = self.sell(lines=(("CUP-ESP", 1, None),))
        self.assertFalse(self.pos_order(anonymous["order"]["id"]).partner_id)

    def test_store_days_listed_together_show_their_own_figures(self):
        # A sale of yesterday, its day closed (a point of sale has one open
        # session at a time), then two sales of today.
        yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        self.sell(
            lines=(("CUP-ESP", 2, None),), tender="CASH", at=yesterday.timestamp()
        )
        self.env["retail.pos.day"]._cron_close_days()
        self.sell(lines=(("TEE-LIN-M", 1, None),), tender="CARD")
        self.sell(lines=(("BEAN-ETH", 1, None),), tender="CASH")
        days = self.env["retail.pos.day"].search(
            [("store_id", "=", self.store_ny.id)], order="business_date"
        )
        self.assertEqual(len(days), 2)
        names = [
            "receipt_count",
            "sales_total",
            "tender_cash",
            "tender_card",
            "tender_other",
        ]
        days.invalidate_recordset()
        together = days.read(names)
        alone = []
        for day in days:
            day.invalidate_recordset()
            alone += day.read(names)
        self.assertEqual(together, alone)
        self.assertEqual(days.mapped("receipt_count"), [1, 2])
        self.assertEqual(days[0].tender_card, 0.0)
        self.assertAlmostEqual(
            days[1].tender_cash + days[1].tender_card, days[1].sales_total, places=2
        )
