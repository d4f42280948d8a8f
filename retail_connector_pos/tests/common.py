"""A Square connection to a sandbox merchant on loopback.

The merchant (``sandbox/square``) runs in this process with its three
stores; the connection registers its webhook subscription there, which is
then paused: the tests hand each event's exact bytes, signed as Square signs
them, to the connection's intake, in the order (and as many times) they
choose, and run the jobs themselves.

New York sells in the main company (USD, sales tax added); Berlin is a
franchise in a company of its own (EUR, VAT included).
"""

import datetime as dt

from odoo.tests import HttpCase

from odoo.addons.retail_connector_base.tests.common import RetailKeyMixin, trap_jobs
from odoo.addons.retail_connector_base.tools.inbound import InboundDelivery

from sandbox.square import DEFAULT_ACCESS_TOKEN, SquareMerchant, serve_square, signature

NEW_YORK = "LNYSOH9T5R6PD"
BERLIN = "LBERLN4K8W1ZC"
PARIS = "LPARIS7Q2M3XA"
SKUS = {
    "CUP-ESP": ("Espresso Cup", 14.0),
    "TEE-LIN-M": ("Linen Tee M", 39.0),
    "TOTE-NAT": ("Canvas Tote", 22.0),
    "BEAN-ETH": ("Coffee Beans Ethiopia", 28.0),
}

__all__ = ["BERLIN", "NEW_YORK", "PARIS", "SquareCase", "trap_jobs"]


class SquareCase(RetailKeyMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_encryption_key()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.server = serve_square(SquareMerchant(retry_scale=0.001, seed=7))
        cls.addClassCleanup(cls.server.shutdown)
        cls.merchant = cls.server.app
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.products = {
            sku: cls.env["product.product"].create(
                {
                    "name": name,
                    "default_code": sku,
                    "is_storable": True,
                    "list_price": price,
                    "available_in_pos": True,
                    "taxes_id": [(5, 0, 0)],
                }
            )
            for sku, (name, price) in SKUS.items()
        }
        cls.sales_tax = cls.env["account.tax"].create(
            {
                "name": "NY sales tax 8.875%",
                "amount": 8.875,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.env["retail.tax.mapping"].create(
            {
                "rate": 8.875,
                "price_include": False,
                "tax_id": cls.sales_tax.id,
                "company_id": cls.company.id,
            }
        )
        for product in cls.products.values():
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, 50
            )
        cls.backend = cls.env["retail.backend"].create(
            {
                "name": "Square stores",
                "channel": "square",
                "square_api_url": cls.server.url,
                "square_access_token": DEFAULT_ACCESS_TOKEN,
                "warehouse_id": cls.warehouse.id,
                "rate_limit": 0,
            }
        )
        cls.backend.action_test_connection()
        cls.store_ny = cls.store(NEW_YORK)
        cls.store_ny.write({"pos_closing_hour": 21.0})
        cls.store_ny.action_create_pos_config()
        for code in (BERLIN, PARIS):
            cls.store(code).active = False
        cls.backend._webhook_subscribe("unused")
        cls.merchant.update_subscription(
            cls.backend.square_subscription_id, {"enabled": False}
        )
        cls.backend.action_activate()

    def setUp(self):
        super().setUp()
        # The merchant lives for the class: every test starts with its
        # stores online.
        with self.merchant.lock:
            self.merchant.offline.clear()

    @classmethod
    def store(cls, code):
        return cls.backend.with_context(
            active_test=False
        ).location_mapping_ids.filtered(lambda s: s.location_code == code)

    # ------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------
    def event_ids(self, *types, since=0):
        """Ids of the merchant's events (of `types`), oldest first."""
        with self.merchant.lock:
            events = list(self.merchant.events.items())[since:]
        return [eid for eid, event in events if not types or event["type"] in types]

    def event_count(self):
        with self.merchant.lock:
            return len(self.merchant.events)

    def deliver(self, event_id, *, key=None):
        """Hand one event to the intake as Square delivers it; the outcome."""
        body = self.merchant.event_body(event_id)
        url = self.backend.square_notification_url
        key = (
            key
            or self.merchant.subscriptions[self.backend.square_subscription_id][
                "signature_key"
            ]
        )
        headers = {
            "Content-Type": "application/json",
            "x-square-hmacsha256-signature": signature(key, url, body),
        }
        with trap_jobs():
            return self.backend._webhook_receive(InboundDelivery(url, headers, body))

    def process_all(self):
        """Run every open inbound exchange's job until none is left."""
        Exchange = self.env["retail.exchange"]
        for _round in range(5):
            todo = Exchange.search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("direction", "=", "inbound"),
                    ("state", "in", ("received", "queued")),
                ],
                order="id",
            )
            if not todo:
                return
            for exchange in todo:
                with trap_jobs():
                    exchange._process_job()

    def sell(self, location=None, lines=(("TEE-LIN-M", 2, None),), **kwargs):
        """A sale at the till; delivers its events and books it."""
        since = self.event_count()
        sale = self.merchant.pos_sale(location or NEW_YORK, list(lines), **kwargs)
        for event_id in self.event_ids(since=since):
            self.deliver(event_id)
        self.process_all()
        self.assertNoFailedExchanges()
        return sale

    def assertNoFailedExchanges(self):
        failed = self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id), ("state", "=", "failed")]
        )
        self.assertFalse(failed, failed.mapped("error"))

    def pos_order(self, square_order_id):
        return self.env["pos.order"].search(
            [
                ("retail_backend_id", "=", self.backend.id),
                ("retail_external_id", "=", square_order_id),
            ]
        )

    @staticmethod
    def today_in(zone):
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(zone)).date()
