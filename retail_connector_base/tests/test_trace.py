import importlib.util
import json

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import file_path

from odoo.addons.retail_connector_base.tests.common import (
    WEBHOOK_SECRET,
    RetailCase,
    make_order_data,
    trap_jobs,
)

from sandbox.common import FaultConfig
from sandbox.generic import GenericChannel


class TraceCase(RetailCase):
    """A generic connection pushing to the generic channel's sandbox."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel = GenericChannel(secret=WEBHOOK_SECRET, seed=7)
        cls.addClassCleanup(cls.channel.close)
        cls.receiver_server = cls.channel.serve_pushes(port=0)
        cls.receiver = cls.receiver_server.app
        cls.backend.write(
            {
                "outbound_url": f"{cls.receiver_server.url}/events",
                "rate_limit": 0,
                "breaker_threshold": 100,
            }
        )

    def setUp(self):
        super().setUp()
        self.receiver.reset()
        self.channel.faults.configure(FaultConfig())

    def ship(self, sale):
        """Validate the order's delivery and run the shipment export job."""
        picking = sale.picking_ids
        picking.carrier_tracking_ref = "TRACK-9"
        picking.move_ids.picked = True
        with trap_jobs() as trap:
            picking.button_validate()
            trap.assert_jobs_count(1, only=self.backend._export_shipment_job)
        self.backend._export_shipment_job(picking.id)
        return picking

    def trace(self, record):
        action = record.action_retail_trace()
        return self.env["retail.exchange"].search(
            action["domain"], order="received_at, id"
        )


@tagged("post_install", "-at_install")
class TestTrace(TraceCase):
    """One correlation id from the channel's event to Odoo's calls about it."""

    def test_order_event_to_shipment_export_one_correlation_id(self):
        created = self.process(make_order_data("4001"))
        self.assertEqual(created.state, "done", created.error)
        correlation = created.correlation_id
        self.assertTrue(correlation)
        sale = self.sale_orders("4001")
        self.assertEqual(sale.retail_correlation_id, correlation)
        self.assertEqual(sale.picking_ids.retail_correlation_id, correlation)

        # The channel's next version of the order joins the same chain.
        updated = self.process(
            make_order_data("4001", updated_at="2026-11-25T11:00:00Z"),
            topic="order.updated",
        )
        self.assertEqual(updated.correlation_id, correlation)
        # Another order starts its own.
        other = self.process(make_order_data("4002"))
        self.assertNotEqual(other.correlation_id, correlation)

        picking = self.ship(sale)
        shipment = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "order.shipped")]
        )
        self.assertEqual(shipment.state, "done", shipment.error)
        self.assertEqual(shipment.record_ref, picking)
        self.assertEqual(shipment.correlation_id, correlation)
        self.assertIn("4001", self.receiver.shipments())

        # Trace, from the order, its delivery or any exchange: the same chain.
        chain = self.trace(sale)
        self.assertEqual(chain, created | updated | shipment)
        self.assertEqual(chain.mapped("direction"), ["inbound", "inbound", "outbound"])
        self.assertEqual(self.trace(picking), chain)
        action = shipment.action_open_trace()
        self.assertEqual(self.env["retail.exchange"].search(action["domain"]), chain)
        self.assertEqual(
            action["views"][0][0],
            self.env.ref("retail_connector_base.retail_exchange_view_list_trace").id,
        )

    def test_delivery_validated_by_hand_follows_its_order(self):
        self.process(make_order_data("4003"))
        sale = self.sale_orders("4003")
        # The delivery was made outside processing: it has no id of its own.
        sale.picking_ids.retail_correlation_id = False
        picking = self.ship(sale)
        shipment = self.env["retail.exchange"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)]
        )
        self.assertEqual(shipment.correlation_id, sale.retail_correlation_id)

    def test_cancellation_call_carries_the_order_correlation_id(self):
        created = self.process(make_order_data("4009"))
        sale = self.sale_orders("4009")
        with trap_jobs():
            sale._action_cancel()
        self.backend._export_order_cancel_job(sale.id)
        cancel = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "order.cancelled")]
        )
        self.assertEqual(cancel.state, "done", cancel.error)
        self.assertEqual(cancel.correlation_id, created.correlation_id)
        self.assertEqual(self.trace(sale), created | cancel)

    def test_credit_note_refund_call_carries_the_order_correlation_id(self):
        created = self.process(make_order_data("4004"))
        sale = self.sale_orders("4004")
        self.ship(sale)
        invoice = sale._create_invoices()
        invoice.action_post()
        credit_note = invoice._reverse_moves([{"ref": "Damaged"}])
        with trap_jobs():
            credit_note.action_post()
        self.assertTrue(credit_note.retail_trace_available)
        # A channel's refund hook records its call on the credit note (the
        # channel contract); the call joins the order's chain.
        with self.backend._outbound_call(
            "refund.created",
            {"amount": str(credit_note.amount_total)},
            external_id="4004",
            record=credit_note,
        ) as refund:
            refund.result = "Refund R-1 created."
        self.assertEqual(refund.correlation_id, created.correlation_id)
        chain = self.trace(credit_note)
        self.assertEqual(chain[0], created)
        self.assertEqual(chain[-1], refund)
        self.assertEqual(chain, self.trace(sale))

    def test_a_stock_push_is_not_part_of_an_order_chain(self):
        created = self.process(make_order_data("4005"))
        self.env["retail.product.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": self.desk.id,
                "external_id": "RC-DESK",
                "external_sku": "RC-DESK",
            }
        )
        with trap_jobs():
            self.backend._schedule_stock_export(self.desk)
        self.backend._export_stock_job()
        push = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "stock.updated")]
        )
        self.assertTrue(push.correlation_id)
        self.assertNotEqual(push.correlation_id, created.correlation_id)

    def test_records_of_an_older_version_get_their_ids_on_upgrade(self):
        created = self.process(make_order_data("4010"))
        updated = self.process(
            make_order_data("4010", updated_at="2026-11-25T11:00:00Z"),
            topic="order.updated",
        )
        other = self.process(make_order_data("4011"))
        sale = self.sale_orders("4010")
        picking = self.ship(sale)
        shipment = self.env["retail.exchange"].search(
            [("res_model", "=", "stock.picking"), ("res_id", "=", picking.id)]
        )
        exchanges = created | updated | other | shipment
        # As the previous version left them: no correlation id anywhere.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE retail_exchange SET correlation_id = NULL WHERE id IN %s",
            [tuple(exchanges.ids)],
        )
        for table in ("sale_order", "stock_picking"):
            self.env.cr.execute(f"UPDATE {table} SET retail_correlation_id = NULL")
        self.env.invalidate_all()

        path = file_path(
            "retail_connector_base/migrations/18.0.1.3.0/post-correlation.py"
        )
        spec = importlib.util.spec_from_file_location("post_correlation", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()

        self.assertTrue(all(exchanges.mapped("correlation_id")))
        self.assertEqual(
            set((created | updated | shipment).mapped("correlation_id")),
            {sale.retail_correlation_id},
        )
        self.assertNotEqual(other.correlation_id, created.correlation_id)
        self.assertEqual(self.trace(picking), created | updated | shipment)

    def test_two_versions_of_an_order_compared_field_by_field(self):
        first = self.process(make_order_data("4006"))
        second_data = make_order_data(
            "4006", updated_at="2026-11-25T12:00:00Z", note="Ring twice"
        )
        second_data["lines"][1]["quantity"] = "2"
        second = self.receive(second_data, topic="order.updated")
        self.assertFalse(first.previous_exchange_id)
        self.assertFalse(first.payload_changes)
        self.assertEqual(second.previous_exchange_id, first)
        lines = second.payload_changes.splitlines()
        self.assertIn(
            'changed  data.note: "Leave at the reception" -> "Ring twice"', lines
        )
        self.assertIn('changed  data.lines[external_id=l2].quantity: "1" -> "2"', lines)
        self.assertIn('changed  topic: "order.created" -> "order.updated"', lines)
        # The same payload again (a redelivery under another id): no change.
        third = self.receive(json.loads(second.payload)["data"], topic="order.updated")
        self.assertEqual(third.previous_exchange_id, second)
        self.assertIn("changed  id:", third.payload_changes)
        self.assertEqual(len(third.payload_changes.splitlines()), 1)

    def test_payload_shown_indented_with_secrets_redacted(self):
        exchange = self.env["retail.exchange"].create(
            {
                "backend_id": self.backend.id,
                "topic": "order.created",
                "dedup_key": "evt-readable",
                "external_id": "4007",
                "payload": json.dumps(
                    {"data": {"external_id": "4007"}, "api_key": "k-12345678"},
                    separators=(",", ":"),
                ),
            }
        )
        self.assertEqual(
            exchange.payload_readable,
            '{\n  "data": {\n    "external_id": "4007"\n  },\n  "api_key": "***"\n}',
        )
        self.assertIn("k-12345678", exchange.payload, "the raw body is kept")
        # Created by hand, it still joins the chain of its channel order.
        earlier = self.process(make_order_data("4008"))
        again = exchange.create(
            {
                "backend_id": self.backend.id,
                "topic": "order.updated",
                "dedup_key": "evt-readable-2",
                "external_id": "4008",
                "payload": "topic=order.updated&id=4008",
            }
        )
        self.assertEqual(again.correlation_id, earlier.correlation_id)
        self.assertEqual(again.previous_exchange_id, earlier)
        self.assertIn("not JSON", again.payload_changes)


@tagged("post_install", "-at_install")
class TestTraceTour(TraceCase, HttpCase):
    """From a channel sale order, Trace shows what came in and what went out."""

    def test_trace_from_a_sale_order(self):
        self.process(make_order_data("4101"))
        sale = self.sale_orders("4101")
        self.ship(sale)
        self.start_tour(
            f"/odoo/action-sale.action_orders/{sale.id}",
            "retail_connector_trace",
            login="admin",
        )


@tagged("post_install", "-at_install")
class TestTraceButtons(TraceCase):
    def test_no_trace_without_a_channel(self):
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.env.user.partner_id.id,
                "order_line": [Command.create({"product_id": self.desk.id})],
            }
        )
        self.assertFalse(sale.retail_trace_available)
        with self.assertRaises(UserError):
            sale.action_retail_trace()
