"""The channel contract, proven with the smallest channel written against it.

The echo channel talks to a small HTTP stand-in on loopback: it answers the
polled streams from lists the test fills, records what is POSTed, and refuses
calls on demand.
"""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from odoo import fields
from odoo.tests import tagged

from odoo.addons.retail_connector_base import const
from odoo.addons.retail_connector_base.services.errors import (
    ChannelFeatureMissing,
    WebhookRejected,
)
from odoo.addons.retail_connector_base.tests.common import (
    RetailCase,
    make_order_data,
    trap_jobs,
)
from odoo.addons.retail_connector_base.tools.inbound import InboundDelivery

TOKEN = "echo-token-1234"


class EchoServer:
    """Loopback stand-in of the echo channel."""

    def __init__(self):
        self.streams = {"orders": [], "notes": []}
        self.received = []
        self.refuse = {}
        # Stock items taken in a call but refused: {sku: reason}.
        self.refuse_items = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                records = server.streams.get(url.path.strip("/"), [])
                offset = int(query.get("offset", ["0"])[0])
                limit = int(query.get("limit", [str(len(records))])[0])
                server.received.append((url.path.strip("/"), dict(query)))
                self._answer(200, records[offset : offset + limit])

            def do_POST(self):
                path = urlsplit(self.path).path.strip("/")
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                if path in server.refuse:
                    self._answer(server.refuse[path], {"message": "refused"})
                    return
                server.received.append((path, body))
                refused = {
                    item["sku"]: server.refuse_items[item["sku"]]
                    for item in (body if path == "stock" else [])
                    if item["sku"] in server.refuse_items
                }
                self._answer(200, {"ok": True, "errors": refused})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@tagged("post_install", "-at_install")
class TestChannelContract(RetailCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Call schedules and the circuit breaker write in cursors of their
        # own: in test mode those share the test's transaction.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.server = EchoServer()
        cls.addClassCleanup(cls.server.close)
        cls.echo = cls.backend.copy(
            {
                "name": "Echo",
                "channel": "echo",
                "echo_url": cls.server.url,
                "rate_limit": 0,
                "breaker_threshold": 100,
            }
        )
        cls.echo._set_secret("webhook_secret", TOKEN)
        for mapping in cls.env["retail.tax.mapping"].search(
            [("backend_id", "=", cls.backend.id)]
        ):
            mapping.copy({"backend_id": cls.echo.id})
        cls.echo.action_activate()
        cls.env["retail.product.binding"].create(
            {
                "backend_id": cls.echo.id,
                "product_id": cls.desk.id,
                "external_id": "RC-DESK",
                "external_sku": "RC-DESK",
            }
        )

    def setUp(self):
        super().setUp()
        self.server.received.clear()
        self.server.refuse.clear()
        self.server.refuse_items.clear()
        for records in self.server.streams.values():
            records.clear()

    def deliver(self, body, token=TOKEN):
        raw = json.dumps(body).encode()
        headers = {"X-Echo-Token": token, "Content-Type": "application/json"}
        delivery = InboundDelivery(self.echo.webhook_url, headers, raw, {}, 0.0)
        with trap_jobs():
            return self.echo._webhook_receive(delivery)

    def retry_from_the_queue(self, failed):
        """A person presses Retry on a failed exchange; its job runs."""
        with trap_jobs() as trap:
            failed.action_retry()
            trap.perform_enqueued_jobs()
        self.assertEqual(failed.state, "done", failed.error)

    def echo_exchanges(self, **domain):
        return self.env["retail.exchange"].search(
            [("backend_id", "=", self.echo.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def echo_sale(self, external_id):
        return self.env["sale.order"].search(
            [
                ("retail_backend_id", "=", self.echo.id),
                ("retail_external_id", "=", external_id),
            ]
        )

    # ------------------------------------------------------------------
    # Inbound
    # ------------------------------------------------------------------
    def test_a_failure_kind_of_the_channel_own_is_stored_with_its_runbook(self):
        data = {**make_order_data("E-HOLD"), "on_hold": True}
        self.deliver({"id": "e-hold", "order": data})
        exchange = self.echo_exchanges(direction="inbound")
        exchange._process_job()
        self.assertEqual(exchange.state, "failed")
        self.assertEqual(
            (exchange.failure_kind, exchange.failure_value), ("echo_on_hold", "E-HOLD")
        )
        self.assertIn("Release it on the channel", exchange.failure_runbook)
        cause = self.env["retail.failure.cause"].search(
            [("backend_id", "=", self.echo.id)]
        )
        self.assertEqual(cause.summary.split(" ")[:3], ["Order", "on", "hold"])
        # The base's kinds are still there, for every channel.
        self.assertIn("unknown_sku", self.backend._failure_kinds())

    def test_webhook_order_becomes_a_sale_order_and_its_token_is_redacted(self):
        with self.assertRaises(WebhookRejected) as refused:
            self.deliver({"id": "e-0", "order": make_order_data("E-1")}, "wrong")
        self.assertEqual(refused.exception.status, 401)

        outcome = self.deliver({"id": "e-1", "order": make_order_data("E-1")})
        self.assertEqual(outcome, "accepted")
        self.assertEqual(self.deliver({"id": "e-1"}), "duplicate")
        exchange = self.echo_exchanges(direction="inbound")
        self.assertEqual(json.loads(exchange.headers)["X-Echo-Token"], "***")
        self.assertNotIn(TOKEN, exchange.headers)

        exchange._process_job()
        self.assertEqual(exchange.state, "done", exchange.error)
        sale = self.echo_sale("E-1")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.warehouse_id, self.warehouse)

    def test_an_order_odoo_cannot_take_is_refused_on_the_channel_once(self):
        data = make_order_data("E-5")
        data["lines"][0]["sku"] = "NOT-IN-ODOO"
        self.deliver({"id": "e-5", "order": data})
        exchange = self.echo_exchanges(direction="inbound")
        with trap_jobs() as trap:
            exchange._process_job()
            self.assertEqual(exchange.error_category, "business")
            exchange.action_retry()
            exchange._process_job()
            trap.assert_jobs_count(1, only=self.echo._echo_refuse_job)
            trap.perform_enqueued_jobs()
        self.assertIn(("refusals", {"order": "E-5"}), self.server.received)

    def test_polled_order_takes_the_exchange_path_once(self):
        order = make_order_data("E-2")
        self.server.streams["orders"].append(order)
        with trap_jobs():
            summary = self.echo._poll_job("orders")
        self.assertIn("1 fed", summary)
        exchange = self.echo_exchanges(direction="inbound", external_id="E-2")
        self.assertEqual(
            json.loads(exchange.headers), {"X-Retail-Source": "reconciliation"}
        )
        exchange._process_job()
        self.assertEqual(self.echo_sale("E-2").state, "sale")

        # Read again: Odoo shows this state, nothing is stored.
        with trap_jobs():
            summary = self.echo._poll_job("orders")
        self.assertIn("0 fed", summary)
        self.assertEqual(len(self.echo_exchanges(external_id="E-2")), 1)

    def test_two_streams_keep_their_own_checkpoints(self):
        self.assertFalse(self.echo._poll_checkpoint("orders"))
        with trap_jobs() as trap:
            self.env["retail.backend"]._cron_poll()
            jobs = [job for job in trap.enqueued_jobs if job.recordset == self.echo]
        self.assertEqual(sorted(job.args[0] for job in jobs), ["notes", "orders"])

        self.server.streams["notes"].append({"id": 7, "text": "gift wrap"})
        before = fields.Datetime.now()
        with trap_jobs():
            self.echo._poll_job("notes")
        notes_checkpoint = self.echo._poll_checkpoint("notes")
        self.assertGreaterEqual(notes_checkpoint, before - timedelta(seconds=1))
        self.assertFalse(self.echo._poll_checkpoint("orders"))

        self.echo._poll_set_checkpoint("orders", before - timedelta(days=1))
        with trap_jobs():
            self.echo._poll_job("orders")
        self.assertGreaterEqual(self.echo._poll_checkpoint("orders"), before)
        self.assertEqual(self.echo._poll_checkpoint("notes"), notes_checkpoint)
        self.assertEqual(len(self.echo_exchanges(topic="note.created")), 1)
        self.assertEqual(
            set(self.echo.poll_stream_ids.mapped("stream")), {"orders", "notes"}
        )

    def test_a_poll_the_channel_paces_goes_on_in_another_job(self):
        self.echo.write({"echo_page_size": 2, "echo_pages_per_hour": 1})
        notes = self.server.streams["notes"]
        notes.extend({"id": n, "text": f"note {n}"} for n in range(1, 6))
        before = fields.Datetime.now() - timedelta(hours=1)
        self.echo._poll_set_checkpoint("notes", before)

        with trap_jobs() as trap:
            summary = self.echo._poll_job("notes")
            (resume,) = [
                job for job in trap.enqueued_jobs if job.method_name == "_poll_job"
            ]
        # One page read; the next one is an hour away: a job resumes then.
        self.assertIn("continues in", summary)
        self.assertEqual(resume.args, ("notes", None, "resume"))
        self.assertGreater(resume.eta, fields.Datetime.now() + timedelta(minutes=59))
        self.assertEqual(len(self.echo_exchanges(topic="note.created")), 2)
        self.assertEqual(self.echo._poll_checkpoint("notes"), before)
        stream = self.echo._poll_stream_record("notes")
        self.assertEqual(json.loads(stream.resume_cursor), {"offset": 2})

        # The hour passed: the resumed run reads on from its cursor.
        self.echo.write({"echo_pages_per_hour": 0})
        with trap_jobs():
            summary = self.echo._poll_job("notes", None, "resume")
        self.assertIn("3 fed", summary)
        self.assertEqual(len(self.echo_exchanges(topic="note.created")), 5)
        self.assertFalse(stream.resume_cursor)
        self.assertGreater(self.echo._poll_checkpoint("notes"), before)
        offsets = [q["offset"] for path, q in self.server.received if path == "notes"]
        self.assertEqual(offsets, [["0"], ["2"], ["4"]])

        # A resume job finding the run finished does nothing.
        with trap_jobs():
            self.assertIn("Nothing to do", self.echo._poll_job("notes", None, "resume"))

    def test_a_connection_polls_a_stream_when_its_interval_has_passed(self):
        self.echo.poll_interval = 10
        self.echo._poll_set_checkpoint("orders", fields.Datetime.now())
        with trap_jobs() as trap:
            self.env["retail.backend"]._cron_poll()
            streams = [
                j.args[0] for j in trap.enqueued_jobs if j.recordset == self.echo
            ]
        self.assertEqual(streams, ["notes"])

    # ------------------------------------------------------------------
    # Outbound
    # ------------------------------------------------------------------
    def test_refused_stock_push_is_retried_from_the_exception_queue(self):
        self.server.refuse["stock"] = 422
        with trap_jobs():
            self.echo._schedule_stock_export(self.desk)
        self.echo._export_stock_job()
        binding = self.desk.retail_binding_ids.filtered(
            lambda b: b.backend_id == self.echo
        )
        self.assertTrue(binding.last_export_error)
        failed = self.echo_exchanges(direction="outbound", state="failed")
        self.assertEqual(failed.topic, "stock")
        self.assertEqual(failed.replay_method, "_retry_refused_stock_job")

        # The cause fixed on the channel's side, a person presses Retry.
        del self.server.refuse["stock"]
        with trap_jobs() as trap:
            failed.action_retry()
            trap.assert_jobs_count(1, only=failed._replay_outbound_job)
            self.assertEqual(failed.state, "queued")
            trap.perform_enqueued_jobs()
        self.assertEqual(failed.state, "done", failed.error)
        self.assertEqual(len(self.echo_exchanges(direction="outbound")), 1)
        self.assertEqual(
            self.server.received, [("stock", [{"sku": "RC-DESK", "quantity": 10}])]
        )
        self.assertFalse(binding.last_export_error)

    def test_stock_items_refused_in_a_call_are_retried_from_the_exception_queue(self):
        """The channel takes the call but refuses an item of it: the call's
        exchange fails saying which, and Retry sends that item again."""
        self.server.refuse_items["RC-DESK"] = "unknown SKU"
        with trap_jobs():
            self.echo._schedule_stock_export(self.desk)
        self.echo._export_stock_job()
        binding = self.desk.retail_binding_ids.filtered(
            lambda b: b.backend_id == self.echo
        )
        self.assertEqual(binding.last_export_error, "unknown SKU")
        failed = self.echo_exchanges(direction="outbound", state="failed")
        self.assertEqual(failed.topic, "stock")
        self.assertEqual(failed.error_category, "business")
        self.assertIn("RC-DESK: unknown SKU", failed.error)
        self.assertEqual(failed.replay_method, "_retry_refused_stock_job")

        del self.server.refuse_items["RC-DESK"]
        self.retry_from_the_queue(failed)
        self.assertEqual(len(self.echo_exchanges(direction="outbound")), 1)
        self.assertFalse(binding.last_export_error)
        self.assertEqual(
            self.server.received[-1], ("stock", [{"sku": "RC-DESK", "quantity": 10}])
        )

    def test_shipment_refused_then_retried_and_cancel_skipped(self):
        self.deliver({"id": "e-3", "order": make_order_data("E-3")})
        self.echo_exchanges(direction="inbound")._process_job()
        sale = self.echo_sale("E-3")
        picking = sale.picking_ids
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        self.server.refuse["shipments"] = 400
        with trap_jobs() as trap:
            picking.button_validate()
            trap.assert_jobs_count(1, only=self.echo._export_shipment_job)
        result = self.echo._export_shipment_job(picking.id)
        self.assertIn("refused", result)
        failed = self.echo_exchanges(direction="outbound", state="failed")
        self.assertEqual(failed.replay_method, "_export_shipment_job")

        del self.server.refuse["shipments"]
        self.retry_from_the_queue(failed)
        self.assertEqual(self.server.received[0][0], "shipments")

        # The echo channel takes no cancellations: no job, and a job queued
        # before says so instead of failing.
        with trap_jobs() as trap:
            sale.retail_backend_id._enqueue_export(
                "_export_order_cancel_job", sale, "cancel", "cancel"
            )
            trap.assert_jobs_count(0)
        sale.with_context(disable_cancel_warning=True)._action_cancel()
        self.assertIn(
            "does not support cancellations",
            self.echo._export_order_cancel_job(sale.id),
        )

    # ------------------------------------------------------------------
    # Defaults
    # ------------------------------------------------------------------
    def test_unimplemented_hooks_fail_alike_and_features_gate_the_ui(self):
        self.assertFalse(self.echo.supports_connection_test)
        self.assertTrue(self.echo.supports_polling)
        self.assertFalse(self.echo.supports_webhook_subscription)
        for call, feature in (
            (self.echo.action_test_connection, "connection tests"),
            (self.echo.action_register_webhooks, "webhook registration"),
            (lambda: self.echo._export_refund(self.env["account.move"]), "refunds"),
        ):
            with self.assertRaises(ChannelFeatureMissing) as missing:
                call()
            self.assertEqual(
                str(missing.exception.args[0]),
                f"Channel Echo (test channel) does not support {feature}.",
            )
        self.assertEqual(
            self.echo._channel_features(),
            frozenset(
                {
                    const.FEATURE_WEBHOOKS,
                    const.FEATURE_ORDERS,
                    const.FEATURE_POLLING,
                    const.FEATURE_STOCK_EXPORT,
                    const.FEATURE_SHIPMENT_EXPORT,
                }
            ),
        )

    def test_every_base_hook_default_names_the_missing_feature(self):
        def base_default(name):
            """The hook as the base defines it, before any channel's override."""
            for klass in type(self.echo).__mro__:
                module = klass.__module__
                if (
                    name in vars(klass)
                    and module.startswith("odoo.addons.retail_connector_base.models")
                    and not module.endswith("_generic")
                ):
                    return vars(klass)[name]
            raise AssertionError(f"the base defines no {name}")

        hooks = {
            "_test_connection": ((), "connection tests"),
            "_webhook_subscribe": (("secret",), "webhook registration"),
            "_webhook_verify": ((None,), "webhooks"),
            "_webhook_parse": ((None,), "webhooks"),
            "_map_inbound": ((None,), "orders"),
            "_poll": (("orders", None, "import"), "polling"),
            "_export_stock": (([],), "stock pushes"),
            "_export_shipment": ((None,), "shipments"),
            "_export_order_cancel": ((None,), "cancellations"),
            "_export_refund": ((None,), "refunds"),
            "_poll_streams": ((), "polling"),
            "_export_prices": (([],), "price pushes"),
            "_catalog_read": ((), "catalog linking"),
            "_webhook_subscriptions_read": ((), "webhook registration"),
            "_webhook_subscription_set_active": ((None,), "webhook registration"),
            "_webhook_subscription_delete": ((None,), "webhook registration"),
        }
        for name, (args, label) in hooks.items():
            with self.subTest(hook=name):
                with self.assertRaises(ChannelFeatureMissing) as missing:
                    base_default(name)(self.echo, *args)
                self.assertIn(f"does not support {label}", str(missing.exception))
