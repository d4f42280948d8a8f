"""Returns of WooCommerce store orders, requested on a Loop-style platform.

The storefront is the WooCommerce sandbox store of the WooCommerce addon's
tests; the returns platform delivers signed webhooks to the Loop
connection's intake, as Loop does: compact JSON with escaped slashes,
signed over those exact bytes.
"""

import base64
import hashlib
import hmac
import json
import uuid

from odoo.addons.retail_connector_base.tests.common import trap_jobs
from odoo.addons.retail_connector_base.tools.inbound import InboundDelivery
from odoo.addons.retail_connector_woocommerce.tests.common import WooCommerceCase

LOOP_SECRET = "loop-webhook-secret-t3st"


def loop_body(payload):
    """The bytes Loop sends: compact JSON, slashes escaped."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


class LoopReturnsCase(WooCommerceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loop = cls.env["retail.backend"].create(
            {
                "name": "Loop returns",
                "channel": "loop",
                "loop_api_url": "http://127.0.0.1:9",
                "loop_api_key": "loop-key",
                "webhook_secret": LOOP_SECRET,
                "return_storefront_ids": [(6, 0, cls.backend.ids)],
                "rate_limit": 0,
            }
        )
        cls.loop.action_activate()

    def delivered_order(self, *items):
        """A store order imported, delivered and invoiced in Odoo."""
        order, sale = self.import_order(*items)
        picking = sale.picking_ids
        picking.move_ids.picked = True
        with trap_jobs():
            picking.button_validate()
        invoice = sale._create_invoices()
        invoice.action_post()
        return order, sale

    def return_payload(
        self,
        order,
        sale,
        units,
        *,
        return_id=None,
        state="open",
        edited_at="2026-12-01T10:00:00+00:00",
        trigger="return.created",
    ):
        """A Loop return of `units` ((sku, reason, outcome), one per unit)."""
        lines = {
            line.product_id.default_code: line
            for line in sale.order_line
            if line.retail_external_line_id
        }
        line_items = []
        for index, (sku, reason, outcome) in enumerate(units):
            line = lines[sku]
            line_items.append(
                {
                    "line_item_id": f"li-{index + 1}",
                    "provider_line_item_id": line.retail_external_line_id,
                    "product_id": 1,
                    "variant_id": 1,
                    "sku": sku,
                    "title": line.name,
                    "price": f"{line.price_unit:.2f}",
                    "discount": "0.00",
                    "tax": "0.00",
                    "refund": f"{line.price_unit:.2f}",
                    "outcome": outcome,
                    "return_reason": reason,
                    "parent_return_reason": reason,
                    "return_comment": "",
                    "returned_at": "2026-12-01 09:00:00",
                }
            )
        return {
            "topic": "return",
            "trigger": trigger,
            "id": return_id or uuid.uuid4().int % 10**7,
            "shop_id": 77,
            "state": state,
            "created_at": "2026-12-01T09:00:00+00:00",
            "edited_at": edited_at,
            "order_id": 9000 + int(order["id"]),
            "order_name": f"#{order['number']}",
            "order_number": str(order["number"]),
            "provider_order_id": str(order["id"]),
            "currency": "EUR",
            "customer": "ana@example.com",
            "customer_detail": {"email": "ana@example.com", "first_name": "Ana"},
            "return_total": "0.00",
            "refund": "0.00",
            "labels": [],
            "refunds": [],
            "exchanges": [],
            "line_items": line_items,
            "url": "https://returns.example.com/r/1",
        }

    def loop_deliver(self, payload, *, secret=LOOP_SECRET):
        """Deliver one signed webhook to the Loop connection; return
        (outcome, exchange)."""
        body = loop_body(payload)
        signature = base64.b64encode(
            hmac.new(secret.encode(), body, hashlib.sha256).digest()
        ).decode()
        headers = {"Content-Type": "application/json", "X-Loop-Signature": signature}
        delivery = InboundDelivery(self.loop.webhook_url, headers, body)
        with trap_jobs():
            outcome = self.loop._webhook_receive(delivery)
        event = self.loop._webhook_parse(delivery)
        exchange = self.env["retail.exchange"].search(
            [("backend_id", "=", self.loop.id), ("dedup_key", "=", event.dedup_key)]
        )
        return outcome, exchange

    def loop_process(self, payload):
        _outcome, exchange = self.loop_deliver(payload)
        with trap_jobs() as trap:
            exchange._process_job()
            self.perform_jobs(trap, "_export_refund_job")
        return exchange

    def batch(self, payload):
        return self.env["rma.batch"].search(
            [
                ("retail_backend_id", "=", self.loop.id),
                ("retail_external_id", "=", str(payload["id"])),
            ]
        )
