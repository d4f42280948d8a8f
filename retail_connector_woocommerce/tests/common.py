import base64
import hashlib
import hmac
import json
import uuid

from odoo import Command
from odoo.tests import HttpCase

from odoo.addons.retail_connector_base.tests.common import (
    RetailKeyMixin,
    currency_at_company_rate,
    trap_jobs,
)
from odoo.addons.retail_connector_base.tools.inbound import InboundDelivery

from sandbox.common import FaultConfig, http_request
from sandbox.woocommerce import (
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    HOOKSHOT_USER_AGENT,
    WooStore,
    php_json,
    serve_store,
)

WEBHOOK_SECRET = "whsec-woo-t3st"

__all__ = ["FaultConfig", "WooCommerceCase", "trap_jobs"]


class WooCommerceCase(RetailKeyMixin, HttpCase):
    """A WooCommerce connection to a sandbox store on loopback.

    An HttpCase so that the store can deliver to Odoo's webhook over real
    HTTP, and so that the circuit breaker's own cursor shares the test's
    transaction. The store behaves as an HTTPS store (as behind a TLS proxy)
    with its seeded catalog; Odoo has a few of its products, a 21 % tax and
    stock.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_encryption_key()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = WooStore(assume_https=True, seed=7)
        cls.store.seed_catalog()
        cls.server = serve_store(cls.store)
        cls.addClassCleanup(cls.server.shutdown)
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.eur = currency_at_company_rate(cls.env, "base.EUR", cls.company)
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Store EUR", "currency_id": cls.eur.id}
        )
        cls.tax_21 = cls.env["account.tax"].create(
            {
                "name": "Woo 21% excl.",
                "amount": 21.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        # The test decides which store SKUs Odoo knows, demo data or not.
        with cls.store.lock:
            store_skus = [
                record["sku"]
                for record in (
                    *cls.store.products.values(),
                    *cls.store.variations.values(),
                )
            ]
        cls.env["product.product"].search([("default_code", "in", store_skus)]).write(
            {"active": False}
        )
        cls.products = {
            sku: cls.make_product(sku, name, price)
            for sku, name, price in (
                ("MUG-ENAMEL", "Enamel Mug", 9.90),
                ("CHAIR-OAK", "Oak Chair", 90.0),
                ("DESK-OAK", "Oak Desk", 189.0),
                ("HOODIE-BLU-M", "Hoodie Blue M", 45.0),
                ("HOODIE-GRE-L", "Hoodie Grey L", 45.0),
            )
        }
        for product in cls.products.values():
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, 20
            )
        cls.backend = cls.env["retail.backend"].create(
            {
                "name": "Test store",
                "channel": "woocommerce",
                "warehouse_id": cls.warehouse.id,
                "pricelist_id": cls.pricelist.id,
                "woocommerce_store_url": cls.server.url,
                "woocommerce_auth_mode": "basic",
                "woocommerce_consumer_key": DEFAULT_CONSUMER_KEY,
                "woocommerce_consumer_secret": DEFAULT_CONSUMER_SECRET,
                "webhook_secret": WEBHOOK_SECRET,
                "rate_limit": 0,
                "breaker_threshold": 100,
                "stock_export_delay": 0,
            }
        )
        cls.env["retail.tax.mapping"].create(
            {"rate": 21.0, "tax_id": cls.tax_21.id, "backend_id": cls.backend.id}
        )
        cls.backend.action_activate()

    def setUp(self):
        super().setUp()
        self.store.faults.configure(FaultConfig())
        self.store.reset()

    @classmethod
    def make_product(cls, sku, name, price, **values):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": sku,
                "is_storable": True,
                "list_price": price,
                "taxes_id": [Command.set(cls.tax_21.ids)],
                **values,
            }
        )

    # -- the store -------------------------------------------------------------

    def checkout(self, *items, payment_method="stripe", **options):
        """Customers check out on the store; returns the orders as rendered."""
        data = {
            "items": [{"sku": sku, "quantity": quantity} for sku, quantity in items],
            "payment_method": payment_method,
            **options,
        }
        response = http_request(
            "POST",
            f"{self.server.url}/_sandbox/checkout",
            body=json.dumps(data).encode(),
        )
        self.assertEqual(response.status, 200, response.text)
        return response.json()["orders"]

    def store_requests(self, suffix=""):
        """API calls the store received (its /_sandbox/requests log)."""
        response = http_request("GET", f"{self.server.url}/_sandbox/requests")
        return [r for r in response.json() if r["path"].endswith(suffix)]

    def store_order(self, order_id):
        with self.store.lock:
            return json.loads(
                php_json(self.store.render_order(self.store.orders[order_id]))
            )

    def client(self):
        return self.backend._woocommerce_client()

    # -- Odoo ------------------------------------------------------------------

    def deliver(self, payload, topic="order.updated", delivery_id=None):
        """Pass one signed delivery through the webhook intake; return it.

        The body is encoded as the store encodes it and signed with the
        connection's secret, with WooCommerce's headers.
        """
        body = php_json(payload)
        signature = base64.b64encode(
            hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()
        ).decode()
        resource, _, event = topic.partition(".")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": HOOKSHOT_USER_AGENT,
            "X-WC-Webhook-Source": f"{self.server.url}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": "1",
            "X-WC-Webhook-Delivery-ID": delivery_id or uuid.uuid4().hex,
        }
        backend = self.backend
        delivery = InboundDelivery(backend.webhook_url, headers, body)
        with trap_jobs():
            outcome = backend._webhook_receive(delivery)
        event = backend._webhook_parse(delivery)
        exchange = self.env["retail.exchange"].search(
            [("backend_id", "=", backend.id), ("dedup_key", "=", event.dedup_key)]
        )
        return outcome, exchange

    def process(self, payload, topic="order.updated", delivery_id=None):
        """Deliver and process one event; return its exchange."""
        _outcome, exchange = self.deliver(payload, topic, delivery_id)
        with trap_jobs():
            exchange._process_job()
        return exchange

    def import_order(self, *items, **options):
        """A store checkout applied in Odoo; return (store order, sale order)."""
        (order,) = self.checkout(*items, **options)
        exchange = self.process(self.store_order(order["id"]), "order.created")
        self.assertEqual(exchange.state, "done", exchange.error)
        return order, self.sale_order(order["id"])

    def sale_order(self, order_id):
        return self.env["sale.order"].search(
            [
                ("retail_backend_id", "=", self.backend.id),
                ("retail_external_id", "=", str(order_id)),
            ]
        )

    def bind(self, product, store_sku):
        """Bind an Odoo product to the store product or variation with a SKU."""
        with self.store.lock:
            owner = self.store._sku_owner(store_sku)
            variation = self.store.variations.get(owner)
        return self.env["retail.product.binding"].create(
            {
                "backend_id": self.backend.id,
                "product_id": product.id,
                "external_id": str(owner),
                "external_parent_id": str(variation["parent_id"])
                if variation
                else False,
                "external_sku": store_sku,
            }
        )

    def store_record(self, sku):
        with self.store.lock:
            owner = self.store._sku_owner(sku)
            return dict(self.store.products.get(owner) or self.store.variations[owner])

    def perform_jobs(self, trap, method_name):
        """Perform the trapped jobs of one method, in order; return results."""
        results = []
        for job in list(trap.enqueued_jobs):
            if job.method_name == method_name:
                results.append(job.perform())
        return results
