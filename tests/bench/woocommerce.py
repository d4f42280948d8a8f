"""The WooCommerce rows of ``make bench``.

Measured only when ``retail_connector_woocommerce`` is installed in the bench
database (decided at run time by ``run.py``); otherwise each row says why it
was not measured. Deliveries are built by the WooCommerce sandbox store
(``sandbox/woocommerce.py``): real checkouts rendered as the plugin renders
``GET orders/<id>``, PHP-style JSON, signed ``X-WC-Webhook-Signature:
base64(HMAC-SHA256(secret, raw body))`` with the plugin's headers.

Still to add by the WooCommerce work (issue 3), in this module: the stock
export of 10,000 SKUs to the sandbox store (``products/batch``, at most 100
items a request) against one ``PUT products/<id>`` per product, and the
stock-move-to-store latency; ``run.py`` prints them as "not measured" until
then.
"""

import base64
import hashlib
import hmac
import uuid

from sandbox.common import http_request
from sandbox.woocommerce import (
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    HOOKSHOT_USER_AGENT,
    WooStore,
    php_json,
)
from tests.bench.scenarios import ack_row, inbound_queue_idle, post_all, wait_for

NOT_INSTALLED = "not measured: WooCommerce addon not installed"


class _WooSender:
    """Posts WooCommerce order deliveries to one connection's webhook URL."""

    def __init__(self, webhook_url, secret, site_url):
        self.webhook_url = webhook_url
        self.secret = secret
        self.site_url = site_url

    def post(self, body, timeout=60):
        """Send one ``order.created`` delivery; return (status, answer, s)."""
        signature = base64.b64encode(
            hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        ).decode("ascii")
        reply = http_request(
            "POST",
            self.webhook_url,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": HOOKSHOT_USER_AGENT,
                "X-WC-Webhook-Source": f"{self.site_url}/",
                "X-WC-Webhook-Topic": "order.created",
                "X-WC-Webhook-Resource": "order",
                "X-WC-Webhook-Event": "created",
                "X-WC-Webhook-Signature": signature,
                "X-WC-Webhook-ID": "1",
                "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
            },
            timeout=timeout,
        )
        return reply.status, reply.json(), reply.latency


def _connection(server, secret, site_url):
    """A WooCommerce connection created over RPC, as an administrator would."""
    backend = server.rpc(
        "retail.backend",
        "create",
        {
            "name": f"Bench WooCommerce {uuid.uuid4().hex[:6]}",
            "channel": "woocommerce",
            "woocommerce_store_url": site_url,
            # Never called here (deliveries only), but required to activate.
            "woocommerce_consumer_key": DEFAULT_CONSUMER_KEY,
            "woocommerce_consumer_secret": DEFAULT_CONSUMER_SECRET,
            "webhook_secret": secret,
        },
    )
    server.rpc("retail.backend", "action_activate", [backend])
    (record,) = server.rpc("retail.backend", "read", [backend], ["webhook_url"])
    path = record["webhook_url"].split("/retail/webhook/", 1)[1]
    return backend, f"{server.url}/retail/webhook/{path}"


def bench_ack_woocommerce(server, levels, log):
    """Signed WooCommerce deliveries at each concurrency level."""
    rows = []
    for concurrency, count in levels:
        store = WooStore(seed=concurrency, currency="USD", site_url="http://shop.test")
        store.seed_catalog(stock_max=1_000_000)
        bodies = []
        for _ in range(count):
            order = store.checkout()
            bodies.append(php_json(store.render_order(order)))
        secret = f"wcsec-{uuid.uuid4().hex}"
        backend, url = _connection(server, secret, store.site_url)
        sender = _WooSender(url, secret, store.site_url)
        log(f"  woocommerce, concurrency {concurrency}: {count} signed deliveries")
        results, wall = post_all(sender, bodies, concurrency)
        rows.append(ack_row("woocommerce", concurrency, results, wall))
        server.rpc("retail.backend", "action_pause", [backend])
        wait_for(
            lambda: inbound_queue_idle(server),
            timeout=600,
            interval=1,
            what="inbound queue drained",
        )
    return rows
