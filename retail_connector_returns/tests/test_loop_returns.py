from odoo.tests import tagged

from odoo.addons.retail_connector_base.services.errors import WebhookRejected
from odoo.addons.retail_connector_base.tests.common import (
    encode,
    make_event,
    make_order_data,
)
from odoo.addons.retail_connector_base.tools.inbound import InboundDelivery

from .common import LoopReturnsCase, trap_jobs


@tagged("post_install", "-at_install")
class TestLoopReturns(LoopReturnsCase):
    def test_a_three_unit_return_is_one_return_one_credit_note_one_store_refund(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 2), ("CHAIR-OAK", 1))
        payload = self.return_payload(
            order,
            sale,
            [
                ("MUG-ENAMEL", "damaged", "refund"),
                ("MUG-ENAMEL", "damaged", "refund"),
                ("CHAIR-OAK", "too_big", "refund"),
            ],
        )

        exchange = self.loop_process(payload)

        self.assertEqual(exchange.state, "done", exchange.error)
        batch = self.batch(payload)
        self.assertEqual(len(batch), 1)
        self.assertEqual(batch.retail_order_id, sale)
        self.assertEqual(batch.state, "confirmed")
        quantities = {
            rma.product_id.default_code: rma.product_uom_qty for rma in batch.rma_ids
        }
        self.assertEqual(quantities, {"MUG-ENAMEL": 2.0, "CHAIR-OAK": 1.0})
        receipt = batch.rma_ids.reception_move_id.picking_id
        self.assertEqual(len(receipt), 1, "one receipt for the whole return")
        # Refund after receipt: nothing leaves before the goods are back.
        self.assertFalse(batch.retail_refund_id)
        self.assertFalse(self.store.refunds)

        receipt.move_ids.picked = True
        with trap_jobs() as trap:
            receipt.button_validate()
            self.perform_jobs(trap, "_export_refund_job")

        credit_note = batch.retail_refund_id
        self.assertEqual(len(batch.rma_ids.refund_id), 1)
        self.assertEqual(credit_note.currency_id, sale.currency_id)
        self.assertEqual(credit_note.state, "posted")
        self.assertAlmostEqual(
            credit_note.amount_total,
            sum(
                line.price_total
                / line.product_uom_qty
                * {"MUG-ENAMEL": 2, "CHAIR-OAK": 1}[line.product_id.default_code]
                for line in sale.order_line
                if line.product_id.default_code in ("MUG-ENAMEL", "CHAIR-OAK")
            ),
            places=2,
        )
        (refund,) = self.store.refunds.values()
        self.assertEqual(credit_note.retail_external_refund_id, str(refund["id"]))
        self.assertEqual(refund["order_id"], order["id"])

        # Posted again after a reset: the store is not refunded twice.
        credit_note.button_draft()
        with trap_jobs() as trap:
            credit_note.action_post()
            self.perform_jobs(trap, "_export_refund_job")
        self.assertEqual(len(self.store.refunds), 1)

    def test_units_of_one_line_wanting_different_outcomes_are_two_rmas(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 2))
        payload = self.return_payload(
            order,
            sale,
            [("MUG-ENAMEL", "damaged", "refund"), ("MUG-ENAMEL", "gift", "credit")],
        )
        self.loop_process(payload)
        rmas = self.batch(payload).rma_ids
        self.assertEqual(sorted(rmas.mapped("retail_outcome")), ["credit", "refund"])
        self.assertEqual(rmas.mapped("product_uom_qty"), [1.0, 1.0])

    def test_a_storefront_taking_no_refunds_leaves_the_refund_by_hand(self):
        kiosk = self.env["retail.backend"].create(
            {
                "name": "Kiosk (generic channel)",
                "channel": "generic",
                "warehouse_id": self.warehouse.id,
                "pricelist_id": self.pricelist.id,
                "webhook_secret": "whsec-kiosk",
                "outbound_url": "http://127.0.0.1:9/events",
            }
        )
        self.env["retail.tax.mapping"].create(
            {"rate": 21.0, "tax_id": self.tax_21.id, "backend_id": kiosk.id}
        )
        kiosk.action_activate()
        data = make_order_data(
            "K-1",
            lines=[
                {
                    "external_id": "k1",
                    "sku": "MUG-ENAMEL",
                    "name": "Enamel Mug",
                    "quantity": "1",
                    "unit_price": "9.90",
                    "tax_rate": "21.0",
                }
            ],
            shipping=[],
            fees=[],
            total="11.98",
            payment={"method": "cash", "reference": "k", "status": "paid"},
        )
        body = encode(make_event(data))
        event = kiosk._webhook_parse(InboundDelivery(kiosk.webhook_url, {}, body))
        with trap_jobs():
            kiosk._webhook_store(event, {}, body)
        self.env["retail.exchange"].search(
            [("backend_id", "=", kiosk.id), ("dedup_key", "=", event.dedup_key)]
        )._process_job()
        sale = self.env["sale.order"].search([("retail_backend_id", "=", kiosk.id)])
        picking = sale.picking_ids
        picking.move_ids.picked = True
        with trap_jobs():
            picking.button_validate()
        sale._create_invoices().action_post()
        self.loop.return_storefront_ids |= kiosk

        order = {"id": 4242, "number": "K-1"}
        payload = self.return_payload(order, sale, [("MUG-ENAMEL", "x", "refund")])
        payload["provider_order_id"] = "K-1"
        self.loop_process(payload)
        batch = self.batch(payload)
        receipt = batch.rma_ids.reception_move_id.picking_id
        receipt.move_ids.picked = True
        with trap_jobs() as trap:
            receipt.button_validate()
            refund_jobs = [
                job
                for job in trap.enqueued_jobs
                if job.method_name == "_export_refund_job"
            ]
        self.assertFalse(refund_jobs, "the kiosk takes no refunds: nothing queued")
        self.assertEqual(batch.retail_refund_id.state, "posted")
        self.assertTrue(batch.retail_refund_by_hand)
        self.assertIn("Refund by hand", batch.activity_ids.mapped("summary"))

    def test_the_same_webhook_three_times_and_out_of_order(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 1))
        created = self.return_payload(
            order, sale, [("MUG-ENAMEL", "changed_mind", "refund")]
        )
        updated = dict(
            created, trigger="return.updated", edited_at="2026-12-01T11:00:00+00:00"
        )
        # The update arrives first, then the creation three times.
        self.loop_process(updated)
        for _attempt in range(3):
            outcome, _exchange = self.loop_deliver(created)
        self.assertEqual(outcome, "duplicate")
        self.loop_process(created)
        self.assertEqual(len(self.batch(created)), 1)
        self.assertEqual(len(self.batch(created).rma_ids), 1)

    def test_a_bad_signature_is_refused_and_stores_nothing(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 1))
        payload = self.return_payload(order, sale, [("MUG-ENAMEL", "x", "refund")])
        with self.assertRaises(WebhookRejected):
            self.loop_deliver(payload, secret="not-the-secret")
        self.assertFalse(
            self.env["retail.exchange"].search([("backend_id", "=", self.loop.id)])
        )

    def test_a_return_for_an_unknown_order_waits_then_is_retried(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 1))
        payload = self.return_payload(order, sale, [("MUG-ENAMEL", "x", "refund")])
        payload["provider_order_id"] = "999999"
        exchange = self.loop_process(payload)
        self.assertEqual(exchange.state, "failed")
        self.assertIn("999999", exchange.error)
        self.assertIn("not in Odoo", exchange.error)

        # The return was for the other order after all (fixed on the platform):
        payload["provider_order_id"] = str(order["id"])
        fixed = self.loop_process(dict(payload, edited_at="2026-12-01T12:00:00+00:00"))
        self.assertEqual(fixed.state, "done", fixed.error)
        self.assertEqual(self.batch(payload).retail_order_id, sale)

    def test_an_unknown_outcome_fails_readably(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 1))
        payload = self.return_payload(order, sale, [("MUG-ENAMEL", "x", "teleport")])
        exchange = self.loop_process(payload)
        self.assertEqual(exchange.state, "failed")
        self.assertIn("teleport", exchange.error)


@tagged("post_install", "-at_install")
class TestReturnScreens(LoopReturnsCase):
    def test_label_rates_cycle_time_and_stalled_returns(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 2))
        payload = self.return_payload(
            order, sale, [("MUG-ENAMEL", "damaged", "refund")]
        )
        self.loop_process(payload)
        batch = self.batch(payload)

        # The label's tracking number lands on the return receipt.
        label = {
            "topic": "label",
            "trigger": "label.updated",
            "shop_id": 77,
            "return_id": payload["id"],
            "order_id": payload["order_id"],
            "provider_order_id": payload["provider_order_id"],
            "carrier": "DHL",
            "tracking_number": "JD0002",
            "label_status": "delivered",
            "label_updated_at": "2026-12-02T08:00:00+00:00",
        }
        exchange = self.loop_process(label)
        self.assertEqual(exchange.state, "done", exchange.error)
        receipt = batch.rma_ids.reception_move_id.picking_id
        self.assertEqual(receipt.carrier_tracking_ref, "JD0002")

        # One of two mugs came back: a 50 % return rate, by reason.
        self.env["retail.return.report"].invalidate_model()
        (row,) = self.env["retail.return.report"].search(
            [("product_id", "=", self.products["MUG-ENAMEL"].id)]
        )
        self.assertEqual((row.sold_qty, row.returned_qty), (2.0, 1.0))
        self.assertAlmostEqual(row.return_rate, 50.0)

        # Not refunded three weeks after the request: flagged once.
        batch.retail_requested_at = batch.retail_requested_at.replace(year=2025)
        self.env["rma.batch"]._cron_retail_stuck_returns()
        self.env["rma.batch"]._cron_retail_stuck_returns()
        self.assertEqual(len(batch.activity_ids), 1)

        receipt.move_ids.picked = True
        with trap_jobs() as trap:
            receipt.button_validate()
            self.perform_jobs(trap, "_export_refund_job")
        self.assertTrue(batch.retail_refund_id)
        self.assertGreater(batch.retail_cycle_days, 300)


@tagged("post_install", "-at_install")
class TestLoopRestock(LoopReturnsCase):
    def restock_payload(self, payload):
        return {
            "topic": "restock",
            "trigger": "restock.requested",
            "shop_id": 77,
            "return_id": payload["id"],
            "order_id": payload["order_id"],
            "provider_order_id": payload["provider_order_id"],
            "restock_items": [
                {"location_id": "main", "variant_id": 1, "available_adjustment": "1"}
            ],
        }

    def received(self):
        order, sale = self.delivered_order(("MUG-ENAMEL", 1))
        payload = self.return_payload(order, sale, [("MUG-ENAMEL", "x", "refund")])
        self.loop_process(payload)
        batch = self.batch(payload)
        receipt = batch.rma_ids.reception_move_id.picking_id
        receipt.move_ids.picked = True
        with trap_jobs():
            receipt.button_validate()
        return payload, batch

    def in_stock(self):
        return (
            self.products["MUG-ENAMEL"]
            .with_context(location=self.warehouse.lot_stock_id.id)
            .qty_available
        )

    def test_odoo_decides_by_default_loop_asks_in_vain(self):
        payload, batch = self.received()
        before = self.in_stock()
        exchange = self.loop_process(self.restock_payload(payload))
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(self.in_stock(), before)
        self.assertIn("inspection", batch.message_ids[0].body)

    def test_the_platform_decides_and_the_units_go_back_to_stock(self):
        self.loop.loop_restock = "platform"
        payload, batch = self.received()
        before = self.in_stock()
        exchange = self.loop_process(self.restock_payload(payload))
        self.assertEqual(exchange.state, "done", exchange.error)
        self.assertEqual(self.in_stock(), before + 1)
        self.assertEqual(batch.rma_ids.retail_inspection_state, "done")
