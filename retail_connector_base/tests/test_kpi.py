import json
from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.exception import RetryableJobError

from sandbox.common import FaultConfig
from sandbox.generic import GenericChannel

from .common import (
    WEBHOOK_SECRET,
    RetailCase,
    RetailKeyMixin,
    encode,
    make_event,
    make_order_data,
    sign,
    trap_jobs,
)


@tagged("post_install", "-at_install")
class TestBusinessKpis(RetailCase):
    """Daily KPIs computed on a known history, and each connection's health."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Counters commit in a cursor of their own: here, the test's.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.channel = GenericChannel(secret=WEBHOOK_SECRET, seed=3)
        cls.addClassCleanup(cls.channel.close)
        cls.receiver_server = cls.channel.serve_pushes(port=0)
        cls.backend.write(
            {
                "outbound_url": f"{cls.receiver_server.url}/events",
                "rate_limit": 0,
                "breaker_threshold": 100,
            }
        )
        for product in (cls.desk, cls.lamp):
            cls.env["retail.product.binding"].create(
                {
                    "backend_id": cls.backend.id,
                    "product_id": product.id,
                    "external_id": product.default_code,
                    "external_sku": product.default_code,
                }
            )
        cls.Daily = cls.env["retail.kpi.daily"]
        cls.customer = cls.env["res.partner"].create({"name": "KPI customer"})
        # A past day, whole: the figures below are exact.
        cls.day = fields.Date.today() - timedelta(days=3)
        cls.start = datetime.combine(cls.day, time(8, 0))
        cls.serial = 0

    def setUp(self):
        super().setUp()
        self.receiver_server.app.reset()
        self.channel.faults.configure(FaultConfig())

    def exchange(self, state, minutes=0, **values):
        type(self).serial += 1
        return self.env["retail.exchange"].create(
            {
                "backend_id": self.backend.id,
                "direction": "inbound",
                "topic": "order.created",
                "dedup_key": f"kpi-{self.serial}",
                "external_id": str(self.serial),
                "payload": "{}",
                "state": state,
                "received_at": self.start + timedelta(minutes=minutes),
                **values,
            }
        )

    def build_day(self):
        """The day's history, whose KPIs are known exactly."""
        # 20 orders confirmed 1, 2, …, 20 minutes after the customer ordered.
        self.env["sale.order"].create(
            [
                {
                    "partner_id": self.customer.id,
                    "retail_backend_id": self.backend.id,
                    "retail_external_id": f"kpi-order-{index}",
                    "retail_ordered_at": self.start,
                    "retail_confirmed_at": self.start + timedelta(minutes=index),
                }
                for index in range(1, 21)
            ]
        )
        # Quantities pushed 5, 10, 15 and 20 s after the stock changed.
        self.env["retail.stock.push.sample"].create(
            [
                {
                    "backend_id": self.backend.id,
                    "pushed_at": self.start,
                    "delay": delay,
                }
                for delay in (20, 5, 15, 10)
            ]
        )
        # 10 webhook deliveries: 6 done (one of them the next day), 2 failed
        # on an unknown SKU, 1 failed technically, 1 still queued.
        for minutes in range(5):
            self.exchange("done", minutes, done_at=self.start)
        self.exchange(
            "done", 6, done_at=datetime.combine(self.day, time(23, 59)) + timedelta(1)
        )
        for value in ("LAMP-99", "LAMP-98"):
            self.exchange(
                "failed",
                7,
                error_category="business",
                failure_kind="unknown_sku",
                failure_value=value,
            )
        self.exchange("failed", 8, error_category="technical")
        queued = self.exchange("queued", 9)
        # 2 polled orders, 4 calls to the channel (one refused for good).
        for minutes in (10, 11):
            self.exchange(
                "done",
                minutes,
                done_at=self.start,
                headers=json.dumps({"X-Retail-Source": "poll orders"}),
            )
        for minutes in (12, 13, 14):
            self.exchange("done", minutes, direction="outbound", topic="stock.updated")
        self.exchange(
            "failed",
            15,
            direction="outbound",
            topic="stock.updated",
            error_category="technical",
        )
        # The next day's exchange is not the day's.
        self.exchange("failed", 24 * 60, error_category="technical")
        Counter = self.env["retail.kpi.counter"]
        Counter.create(
            {
                "backend_id": self.backend.id,
                "day": self.day,
                "kind": "webhook_rejected",
                "count": 2,
            }
        )
        Counter.create(
            {
                "backend_id": self.backend.id,
                "day": self.day,
                "kind": "call_refused",
                "count": 3,
            }
        )
        return queued

    def test_kpis_of_a_known_day(self):
        self.build_day()
        row = self.Daily._compute_days(self.backend, self.day, self.day)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.orders_confirmed, 20)
        self.assertEqual(row.order_lag_p50, 10.0, "median lag, in minutes")
        self.assertEqual(row.order_lag_p95, 19.0)
        self.assertEqual(row.stock_pushes, 4)
        self.assertEqual(row.stock_delay_p50, 10.0)
        self.assertEqual(row.stock_delay_p95, 20.0)
        self.assertEqual(row.exchange_count, 16)
        self.assertEqual(row.failed_count, 4)
        self.assertEqual(row.failure_rate, 25.0)
        self.assertEqual(row.backlog, 2, "the queued one and the one done the next day")
        self.assertEqual(row.webhook_accepted, 10)
        self.assertEqual(row.webhook_rejected, 2)
        self.assertEqual(row.webhook_success_rate, 83.33)
        self.assertEqual(row.calls_refused, 3)
        self.assertEqual(
            [(c.cause, c.name, c.failed_count, c.failure_rate) for c in row.cause_ids],
            [
                ("technical", "Technical", 2, 12.5),
                ("unknown_sku", "Unknown SKU", 2, 12.5),
            ],
        )

    def test_computing_a_day_again_replaces_it(self):
        queued = self.build_day()
        row = self.Daily._compute_days(self.backend, self.day, self.day)
        again = self.Daily._compute_days(self.backend, self.day, self.day)
        self.assertEqual(again, row, "one row per connection and day")
        self.assertEqual(len(row.cause_ids), 2, "causes replaced, not added")
        self.assertEqual(row.failed_count, 4)
        # A person fixes the SKUs: the failed exchanges go through.
        failed_sku = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("failure_kind", "=", "unknown_sku")]
        )
        for exchange in failed_sku | queued:
            exchange._mark_done()
        self.Daily._compute_days(self.backend, self.day, self.day)
        self.assertEqual(row.failed_count, 2)
        self.assertEqual(row.failure_rate, 12.5)
        self.assertEqual(row.cause_ids.mapped("cause"), ["technical"])
        self.assertEqual(
            self.Daily.search_count([("backend_id", "=", self.backend.id)]), 1
        )

    def test_cron_fills_the_recent_days_once(self):
        self.build_day()
        self.Daily._cron_compute()
        rows = self.Daily.search([("backend_id", "=", self.backend.id)])
        # From the first exchange's day to today, one row each.
        today = fields.Datetime.now().date()
        self.assertEqual(sorted(rows.mapped("day"))[0], self.day)
        self.assertEqual(len(rows), (today - self.day).days + 1)
        self.assertEqual(rows.filtered(lambda r: r.day == self.day).failed_count, 4)
        self.Daily._cron_compute()
        self.assertEqual(
            self.Daily.search_count([("backend_id", "=", self.backend.id)]),
            len(rows),
        )

    def test_order_lag_from_the_channel_order_to_its_confirmation(self):
        data = make_order_data("7001", ordered_at="2026-11-25T09:00:00Z")
        exchange = self.process(data)
        self.assertEqual(exchange.state, "done", exchange.error)
        sale = self.sale_orders("7001")
        self.assertEqual(sale.state, "sale")
        self.assertEqual(sale.retail_ordered_at, datetime(2026, 11, 25, 9, 0))
        self.assertTrue(sale.retail_confirmed_at)
        day = sale.retail_confirmed_at.date()
        row = self.Daily._compute_days(self.backend, day, day)
        self.assertEqual(row.orders_confirmed, 1)
        lag = (sale.retail_confirmed_at - sale.retail_ordered_at).total_seconds()
        self.assertAlmostEqual(row.order_lag_p50, lag / 60, places=4)

    def test_a_stock_push_records_how_long_each_quantity_waited(self):
        with trap_jobs():
            self.backend._schedule_stock_export(self.desk | self.lamp)
        bindings = self.desk.retail_binding_ids | self.lamp.retail_binding_ids
        waiting_since = fields.Datetime.now() - timedelta(minutes=2)
        bindings.write({"stock_pending_since": waiting_since})
        self.assertIn("2 quantities pushed", self.backend._export_stock_job())
        samples = self.env["retail.stock.push.sample"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(samples), 2)
        for sample in samples:
            self.assertEqual(
                sample.delay, (sample.pushed_at - waiting_since).total_seconds()
            )
            self.assertGreaterEqual(sample.delay, 120)
        # Pushed again unchanged: nothing waited, nothing recorded.
        with trap_jobs():
            self.backend._schedule_stock_export(self.desk)
        self.backend._export_stock_job()
        self.assertEqual(
            self.env["retail.stock.push.sample"].search_count(
                [("backend_id", "=", self.backend.id)]
            ),
            2,
        )

    def test_calls_the_channel_refuses_are_counted(self):
        self.channel.faults.configure(FaultConfig(error_rate=1.0, error_status=503))
        with trap_jobs():
            self.backend._schedule_stock_export(self.desk)
        # Not assertRaises: it rolls back to a savepoint, and the counter,
        # committed on its own in production, shares the test's transaction.
        postponed = False
        try:
            self.backend._export_stock_job()
        except RetryableJobError:
            postponed = True
        self.assertTrue(postponed, "an outage postpones the push")
        today = fields.Datetime.now().date()
        row = self.Daily._compute_days(self.backend, today, today)
        self.assertEqual(row.calls_refused, 1, "one call, after its own retries")
        self.assertEqual(self.backend.kpi_calls_refused, 1)

    # ------------------------------------------------------------------
    # Health
    # ------------------------------------------------------------------
    def recent(self, state, count, **values):
        now = fields.Datetime.now()
        for _index in range(count):
            type(self).serial += 1
            self.env["retail.exchange"].create(
                {
                    "backend_id": self.backend.id,
                    "direction": "inbound",
                    "topic": "order.created",
                    "dedup_key": f"kpi-recent-{self.serial}",
                    "payload": "{}",
                    "state": state,
                    "received_at": now - timedelta(minutes=5),
                    **values,
                }
            )

    def assertHealth(self, state, reason_part):
        self.backend.invalidate_recordset(["health_state", "health_reason"])
        self.assertEqual(self.backend.health_state, state)
        self.assertIn(reason_part, self.backend.health_reason)
        found = self.env["retail.backend"].search([("health_state", "=", state)])
        self.assertIn(self.backend, found, "the health filters find it")

    def test_health_green_degraded_silent_down(self):
        self.recent("done", 27)
        self.recent("failed", 2, error_category="technical")
        self.assertHealth("green", "2 failed exchanges")
        # One more failure: 3 of 30 exchanges of the last 24 hours.
        self.recent("failed", 1, error_category="business")
        self.assertHealth("degraded", "3 of the 30 exchanges")
        self.assertNotIn(
            self.backend,
            self.env["retail.backend"].search([("health_state", "=", "green")]),
        )
        self.backend.write(
            {
                "silence_state": "silent",
                "silence_since": fields.Datetime.now(),
                "silence_note": "0 orders received in the last hour.",
            }
        )
        self.assertHealth("silent", "0 orders received in the last hour.")
        self.backend.write(
            {
                "circuit_state": "open",
                "circuit_failures": 5,
                "circuit_opened_at": fields.Datetime.now(),
            }
        )
        self.assertHealth("down", "5 failed calls in a row")
        # The channel answers again, orders arrive, failures are retried.
        self.backend.action_reset_circuit()
        self.backend.silence_state = "normal"
        for exchange in self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("state", "=", "failed")]
        ):
            exchange._mark_done()
        self.assertHealth("green", "0 failed exchanges")

    def test_health_degraded_by_backlog(self):
        self.recent("queued", 99)
        self.assertHealth("green", "99 waiting")
        self.recent("queued", 1)
        self.assertHealth("degraded", "100 exchanges wait to be processed")
        self.backend.action_pause()
        self.assertHealth("degraded", "wait for the connection to be resumed")


@tagged("post_install", "-at_install")
class TestWebhookDeliveryKpis(RetailKeyMixin, HttpCase):
    """Deliveries the webhook refuses leave no exchange: they are counted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_encryption_key()
        cls.backend = cls.env["retail.backend"].create(
            {"name": "KPI webhook channel", "webhook_secret": WEBHOOK_SECRET}
        )
        cls.backend.action_activate()

    def post(self, body, signature):
        token = self.backend.sudo().webhook_token
        return self.url_open(
            f"/retail/webhook/{token}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Retail-Signature": signature,
            },
            timeout=30,
        )

    def test_accepted_and_rejected_deliveries(self):
        body = encode(make_event(make_order_data("8001"), event_id="evt-kpi-1"))
        self.assertEqual(self.post(body, sign(body)).status_code, 200)
        self.assertEqual(self.post(body, sign(body)).status_code, 200, "redelivery")
        forged = sign(body, secret="not-the-secret")
        self.assertEqual(self.post(body, forged).status_code, 401)
        self.assertEqual(self.post(b"{not json", sign(b"{not json")).status_code, 400)
        today = fields.Datetime.now().date()
        row = self.env["retail.kpi.daily"]._compute_days(self.backend, today, today)
        self.assertEqual(row.webhook_accepted, 1, "a redelivery is not a delivery")
        self.assertEqual(row.webhook_rejected, 2)
        self.assertEqual(row.webhook_success_rate, 33.33)
        self.assertEqual(self.backend.kpi_webhook_success_rate, 33.33)
