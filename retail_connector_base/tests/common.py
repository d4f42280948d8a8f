import json
import os
import sys
import time
import uuid
from contextlib import contextmanager
from unittest.mock import patch

from cryptography.fernet import Fernet

from odoo import Command, fields
from odoo.tests import TransactionCase
from odoo.tests import common as odoo_test_common

if not hasattr(odoo_test_common, "SETATTR_SOURCES"):
    # Odoo 18.0 builds older than queue_job's test helpers lack this registry,
    # which those helpers only use to silence a warning about patched methods.
    odoo_test_common.SETATTR_SOURCES = {}

from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: E402

from .. import const
from ..tools import signatures
from ..tools.inbound import InboundDelivery

WEBHOOK_SECRET = "whsec-test-7f3a"

# The channel stand-ins (sandbox/) live beside the addons in the repository:
# the channel addons' tests import them once they import this module.
REPOSITORY = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
if REPOSITORY not in sys.path:
    sys.path.append(REPOSITORY)


def make_order_data(external_id="1001", **overrides):
    """A realistic generic-channel order: 2 desks with a discount, shipping, a
    fee, 21 % tax excluded. Total = 217.00 untaxed + 45.57 tax = 262.57."""
    data = {
        "external_id": external_id,
        "name": f"WEB-{external_id}",
        "status": "confirmed",
        "currency": "EUR",
        "ordered_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "prices_include_tax": False,
        "customer": {
            "external_id": f"c-{external_id}",
            "email": "Ana.Lopez@Example.com ",
            "name": "Ana López",
            "phone": "+34 600 000 000",
        },
        "billing_address": {
            "name": "Ana López",
            "company": "",
            "street": "Calle Mayor 1",
            "street2": "",
            "city": "Madrid",
            "zip": "28013",
            "state_code": "",
            "country_code": "ES",
            "email": "ana.lopez@example.com",
            "phone": "+34 600 000 000",
        },
        "shipping_address": {
            "name": "Ana López",
            "company": "Oficina",
            "street": "Gran Vía 2",
            "street2": "3º",
            "city": "Madrid",
            "zip": "28013",
            "state_code": "",
            "country_code": "ES",
            "email": "",
            "phone": "",
        },
        "lines": [
            {
                "external_id": "l1",
                "sku": "RC-DESK",
                "name": "Standing desk",
                "quantity": "2",
                "unit_price": "100.00",
                "discount": "10.00",
                "tax_rate": "21.0",
            },
            {
                "external_id": "l2",
                "sku": "RC-LAMP",
                "name": "Desk lamp",
                "quantity": "1",
                "unit_price": "20.00",
                "discount": "0",
                "tax_rate": "21.0",
            },
        ],
        "shipping": [
            {
                "code": "flat_rate",
                "name": "Flat rate",
                "amount": "5.00",
                "tax_rate": "21.0",
            }
        ],
        "fees": [{"name": "Gift wrap", "amount": "2.00", "tax_rate": "21.0"}],
        "payment": {
            "method": "stripe",
            "reference": "ch_1",
            "status": "paid",
            "amount": "262.57",
        },
        "note": "Leave at the reception",
        "total": "262.57",
    }
    data.update(overrides)
    return data


def make_event(data, topic="order.created", event_id=None):
    return {
        "id": event_id or f"evt-{uuid.uuid4()}",
        "topic": topic,
        "occurred_at": data.get("updated_at") or "2026-11-25T10:00:00Z",
        "data": data,
    }


def encode(event):
    return json.dumps(event, separators=(",", ":")).encode()


def sign(body, secret=WEBHOOK_SECRET, timestamp=None):
    return signatures.sign_generic(
        secret, body, int(time.time() if timestamp is None else timestamp)
    )


class RetailKeyMixin:
    """Run the test class with its own encryption key."""

    @classmethod
    def _setup_encryption_key(cls):
        cls.encryption_key = Fernet.generate_key().decode()
        cls.startClassPatcher(
            patch.dict(os.environ, {const.ENCRYPTION_KEY_ENV: cls.encryption_key})
        )


def currency_at_company_rate(env, xmlid, company=None):
    """Activate a currency worth the company's own today; return it.

    A channel selling in it then has prices equal to Odoo's list prices.
    Today in UTC and in the user's time zone: they differ around midnight,
    and conversions use one or the other.
    """
    company = company or env.company
    currency = env.ref(xmlid)
    currency.active = True
    Rate = env["res.currency.rate"]
    for today in {fields.Date.today(), fields.Date.context_today(Rate)}:
        Rate.search(
            [
                ("currency_id", "=", currency.id),
                ("name", "=", today),
                ("company_id", "in", (False, company.id)),
            ]
        ).unlink()
        Rate.create(
            {
                "currency_id": currency.id,
                "name": today,
                "rate": company.currency_id.rate,
            }
        )
    return currency


class RetailCase(RetailKeyMixin, TransactionCase):
    """A generic connection, products with stock, 21 % tax mappings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_encryption_key()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Channel EUR", "currency_id": cls.eur.id}
        )
        Tax = cls.env["account.tax"]
        cls.tax_21 = Tax.create(
            {
                "name": "RC 21% excl.",
                "amount": 21.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        cls.tax_21_included = Tax.create(
            {
                "name": "RC 21% incl.",
                "amount": 21.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        Product = cls.env["product.product"]
        cls.desk = Product.create(
            {
                "name": "Standing desk",
                "default_code": "RC-DESK",
                "is_storable": True,
                "list_price": 100.0,
                "taxes_id": [Command.set(cls.tax_21.ids)],
            }
        )
        cls.lamp = Product.create(
            {
                "name": "Desk lamp",
                "default_code": "RC-LAMP",
                "barcode": "8400000000017",
                "is_storable": True,
                "list_price": 20.0,
                "taxes_id": [Command.set(cls.tax_21.ids)],
            }
        )
        cls.set_stock(cls.desk, 10)
        cls.set_stock(cls.lamp, 4)
        cls.backend = cls.env["retail.backend"].create(
            {
                "name": "Test channel",
                "channel": "generic",
                "warehouse_id": cls.warehouse.id,
                "pricelist_id": cls.pricelist.id,
                "webhook_secret": WEBHOOK_SECRET,
                "outbound_url": "http://127.0.0.1:9/events",
            }
        )
        Mapping = cls.env["retail.tax.mapping"]
        Mapping.create(
            {"rate": 21.0, "tax_id": cls.tax_21.id, "backend_id": cls.backend.id}
        )
        Mapping.create(
            {
                "rate": 21.0,
                "price_include": True,
                "tax_id": cls.tax_21_included.id,
                "backend_id": cls.backend.id,
            }
        )
        cls.backend.action_activate()

    @classmethod
    def set_stock(cls, product, quantity):
        cls.env["stock.quant"]._update_available_quantity(
            product, cls.warehouse.lot_stock_id, quantity
        )

    def receive(self, data, topic="order.created", event_id=None, backend=None):
        """Store an event as the webhook would and return its exchange."""
        backend = backend or self.backend
        body = encode(make_event(data, topic, event_id))
        event = backend._webhook_parse(InboundDelivery(backend.webhook_url, {}, body))
        with trap_jobs():
            backend._webhook_store(event, {}, body)
        return self.env["retail.exchange"].search(
            [("backend_id", "=", backend.id), ("dedup_key", "=", event.dedup_key)]
        )

    def process(self, data, topic="order.created", event_id=None):
        exchange = self.receive(data, topic, event_id)
        exchange._process_job()
        return exchange

    def sale_orders(self, external_id="1001"):
        return self.env["sale.order"].search(
            [
                ("retail_backend_id", "=", self.backend.id),
                ("retail_external_id", "=", external_id),
            ]
        )

    @contextmanager
    def no_new_sale_orders(self):
        before = self.env["sale.order"].search_count([])
        yield
        self.assertEqual(self.env["sale.order"].search_count([]), before)
