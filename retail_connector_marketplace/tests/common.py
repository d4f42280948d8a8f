"""A Mirakl connection to a sandbox marketplace on loopback.

The sandbox runs in this process (``sandbox/mirakl``) with Mirakl's published
call frequencies, its minute shortened to 60 ms; the connection keeps the
real ones, with its own record of calls (``retail.call.slot``). A test lets a
minute pass on both sides with ``minute_passes``.
"""

import time

from odoo import Command
from odoo.tests import HttpCase

from odoo.addons.retail_connector_base.tests.common import (
    RetailKeyMixin,
    currency_at_company_rate,
    trap_jobs,
)

from sandbox.mirakl import (
    DEFAULT_API_KEY,
    DEFAULT_SHOP_ID,
    MiraklMarketplace,
    serve_marketplace,
)

__all__ = ["MiraklCase", "trap_jobs"]

CUSTOMER = {
    "customer_id": "jeanne.martin@example.com",
    "firstname": "Jeanne",
    "lastname": "Martin",
    "billing_address": {
        "firstname": "Jeanne",
        "lastname": "Martin",
        "street_1": "12 rue des Lilas",
        "zip_code": "69001",
        "city": "Lyon",
        "country_iso_code": "FRA",
        "phone": "+33 4 00 00 00 00",
    },
    "shipping_address": {
        "firstname": "Jeanne",
        "lastname": "Martin",
        "street_1": "12 rue des Lilas",
        "zip_code": "69001",
        "city": "Lyon",
        "country_iso_code": "FRA",
    },
}


class MiraklCase(RetailKeyMixin, HttpCase):
    """A connection to shop 2001 of a sandbox marketplace, selling in EUR.

    An HttpCase: the call schedule and the circuit breaker write in cursors
    of their own, which then share the test's transaction.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_encryption_key()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.eur = currency_at_company_rate(cls.env, "base.EUR", cls.company)
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Marketplace EUR", "currency_id": cls.eur.id}
        )
        cls.tax_20 = cls.env["account.tax"].create(
            {
                "name": "Marketplace 20% incl.",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        cls.tax_20_excl = cls.env["account.tax"].create(
            {
                "name": "Marketplace 20% excl.",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        cls.products = {
            sku: cls.make_product(sku, name, price)
            for sku, name, price in (
                ("MKP-MUG", "Enamel Mug", 12.0),
                ("MKP-LAMP", "Brass Lamp", 60.0),
                ("MKP-RUG", "Wool Rug", 120.0),
            )
        }
        for product in cls.products.values():
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, 10
            )
        cls.backend = cls.make_backend("Marketplace FR", DEFAULT_SHOP_ID)

    def setUp(self):
        super().setUp()
        # A marketplace of its own for each test: what one test ordered is
        # not polled by the next.
        self.marketplace = MiraklMarketplace(
            debit_delay=None,
            refund_delay=None,
            import_delay=0.0,
            seed=11,
            # Its minute lasts 60 ms: see minute_passes.
            limit_scale=0.001,
        )
        self.marketplace.set_shop_options(
            DEFAULT_SHOP_ID, offers=list(self.products), partial_acceptance=True
        )
        self.server = serve_marketplace(self.marketplace)
        self.addCleanup(self.server.shutdown)
        self.env["retail.backend"].search([("channel", "=", "mirakl")]).write(
            {"mirakl_url": self.server.url}
        )

    @classmethod
    def make_backend(cls, name, shop_id, api_key=DEFAULT_API_KEY):
        backend = cls.env["retail.backend"].create(
            {
                "name": name,
                "channel": "mirakl",
                "warehouse_id": cls.warehouse.id,
                "pricelist_id": cls.pricelist.id,
                "mirakl_url": "http://127.0.0.1:9",
                "mirakl_api_key": api_key,
                "mirakl_shop_id": str(shop_id),
                "rate_limit": 0,
                "breaker_threshold": 100,
                "stock_export_delay": 0,
                "auto_confirm": True,
            }
        )
        cls.env["retail.tax.mapping"].create(
            [
                {
                    "backend_id": backend.id,
                    "rate": 20.0,
                    "price_include": True,
                    "tax_id": cls.tax_20.id,
                },
                {
                    "backend_id": backend.id,
                    "rate": 20.0,
                    "price_include": False,
                    "tax_id": cls.tax_20_excl.id,
                },
            ]
        )
        backend.action_activate()
        return backend

    @classmethod
    def make_product(cls, sku, name, price):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": sku,
                "is_storable": True,
                "list_price": price,
                "taxes_id": [Command.set(cls.tax_20.ids)],
            }
        )

    # -- the marketplace ---------------------------------------------------

    def place(self, *lines, shop_id=DEFAULT_SHOP_ID, customer=None, **options):
        """A customer orders on the marketplace; returns the shop's order."""
        orders = self.marketplace.place_order(
            [
                {
                    "sku": sku,
                    "quantity": quantity,
                    "shop_id": shop_id,
                    "price_unit": self.products[sku].list_price
                    if sku in self.products
                    else 10.0,
                }
                for sku, quantity in lines
            ],
            customer=customer or CUSTOMER,
            tax_rate=options.pop("tax_rate", 20),
            shipping_price=options.pop("shipping_price", 5),
            **options,
        )
        return orders[0]

    def minute_passes(self):
        """A minute passes, on the marketplace and for the call schedule."""
        time.sleep(0.07)
        self.env["retail.call.slot"].search([]).unlink()

    def mirakl_order(self, order_id):
        with self.marketplace.lock:
            return self.marketplace.render(self.marketplace.orders[order_id])

    # -- Odoo --------------------------------------------------------------

    def poll(self, backend=None, stream="orders"):
        """Run the stream's poll job, then every job it queued; return the
        poll's summary."""
        backend = backend or self.backend
        self.minute_passes()
        with trap_jobs() as trap:
            summary = backend._poll_job(stream)
            self.run_jobs(trap)
        return summary

    def run_jobs(self, trap, rounds=5):
        """Perform the trapped jobs, and the jobs they queue, a few rounds."""
        for _round in range(rounds):
            jobs = list(trap.enqueued_jobs)
            if not jobs:
                return
            trap.enqueued_jobs.clear()
            for job in jobs:
                if job.method_name != "_poll_job":
                    job.perform()

    def sale(self, order_id, backend=None):
        return self.env["sale.order"].search(
            [
                ("retail_backend_id", "=", (backend or self.backend).id),
                ("retail_external_id", "=", order_id),
            ]
        )

    def exchanges(self, backend=None, **domain):
        return self.env["retail.exchange"].search(
            [("backend_id", "=", (backend or self.backend).id)]
            + [(key, "=", value) for key, value in domain.items()],
            order="id",
        )
