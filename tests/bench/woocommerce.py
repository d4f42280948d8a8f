"""The WooCommerce rows of ``make bench``.

Measured only when ``retail_connector_woocommerce`` is installed in the bench
database (decided at run time by ``run.py``); otherwise each row says why it
was not measured. Deliveries are built by the WooCommerce sandbox store
(``sandbox/woocommerce/``): real checkouts rendered as the plugin renders
``GET orders/<id>``, PHP-style JSON, signed ``X-WC-Webhook-Signature:
base64(HMAC-SHA256(secret, raw body))`` with the plugin's headers.

The stock rows run a sandbox store on loopback (an HTTPS store, as behind a
TLS proxy, so that the connection's Basic auth is accepted) that sells the
same SKUs as Odoo; the connection links them by SKU with Link Catalog, as a
user would. No webhooks are registered on that store, so stock pushes come
back as no ``product.updated`` echoes, as with the generic push receiver.
The store records when each quantity was written (``/_sandbox/stock``):

- section 3: Push All Stock of the whole catalog (``products/batch``, at most
  100 items a request) until the store holds every new quantity, and the
  requests it received; against one ``PUT products/<id>`` per product
  (``naive_export.py``), run for a while and extrapolated;
- section 4: from a committed inventory change to the store holding the new
  quantity, changes one at a time and in a steady stream.
"""

import base64
import hashlib
import hmac
import time
import uuid

from sandbox.common import http_request
from sandbox.woocommerce import HOOKSHOT_USER_AGENT, WooStore, php_json, serve_store
from tests.bench.scenarios import (
    NOOP_PATH,
    ack_row,
    connection_settings,
    export_row,
    inbound_queue_idle,
    initial_push,
    latency_rows,
    naive_export,
    noop_during_jobs,
    noop_row,
    push_all_stock,
    timed_post_all,
    wait_for,
    with_noop,
)
from tests.retail_channel import create_products, create_woocommerce_connection

NOT_INSTALLED = "not measured: WooCommerce addon not installed"
# What the store shows before the export pushes Odoo's quantity (none).
STALE_QUANTITY = 5
# On hand in Odoo for the latency products (the store starts without stock).
LATENCY_STOCK = 100


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


def bench_ack_woocommerce(server, levels, log):
    """Signed WooCommerce deliveries at each concurrency level.

    Right before each level, the same deliveries to the no-op route (see
    ``scenarios.bench_ack_generic``).
    """
    rows = []
    for concurrency, count in levels:
        store = WooStore(seed=concurrency, currency="USD", site_url="http://shop.test")
        store.seed_catalog(stock_max=1_000_000)
        bodies = []
        for _ in range(count):
            order = store.checkout()
            bodies.append(php_json(store.render_order(order)))
        secret = f"wcsec-{uuid.uuid4().hex}"
        backend, url = create_woocommerce_connection(
            server,
            store.site_url,
            name=f"Bench WooCommerce {uuid.uuid4().hex[:6]}",
            secret=secret,
        )
        sender = _WooSender(url, secret, store.site_url)
        noop = noop_row(
            server,
            "woocommerce",
            concurrency,
            _WooSender(server.url + NOOP_PATH, secret, store.site_url),
            bodies,
            log,
        )
        log(f"  woocommerce, concurrency {concurrency}: {count} signed deliveries")
        results, wall, cpu_ms = timed_post_all(server, sender, bodies, concurrency)
        busy = None
        if "not_measured" not in noop:
            busy = noop_during_jobs(
                server,
                "woocommerce",
                concurrency,
                _WooSender(server.url + NOOP_PATH, secret, store.site_url),
                bodies,
                log,
            )
        row = with_noop(ack_row("woocommerce", concurrency, results, wall), noop, busy)
        row["server_cpu_ms_per_request"] = cpu_ms
        rows.append(row)
        server.rpc("retail.backend", "action_pause", [backend])
        wait_for(
            lambda: inbound_queue_idle(server),
            timeout=600,
            interval=1,
            what="inbound queue drained",
        )
    return rows


# ---------------------------------------------------------------------------
# stock: a store selling the same SKUs as Odoo, linked by SKU
# ---------------------------------------------------------------------------


def _serve_store(skus, quantity):
    """A sandbox store on loopback selling ``skus``, each holding ``quantity``."""
    store_server = serve_store(WooStore(assume_https=True, seed=11))
    with store_server.app.change() as store:
        for sku in skus:
            store.create_product(
                {
                    "name": f"Bench item {sku}",
                    "sku": sku,
                    "regular_price": "100.00",
                    "manage_stock": True,
                    "stock_quantity": quantity,
                }
            )
    return store_server


def _link_catalog(server, backend, count):
    """Link Catalog (store products to Odoo products by SKU); wait for the job.

    Returns the seconds it took; raises unless every product got linked.
    """
    started = time.monotonic()
    server.rpc("retail.backend", "action_link_catalog", [backend])
    wait_for(
        lambda: server.rpc("retail.backend", "read", [backend], ["catalog_linked_at"])[
            0
        ]["catalog_linked_at"],
        timeout=900,
        interval=1,
        what="store catalog linked",
    )
    linked = server.rpc(
        "retail.product.binding", "search_count", [("backend_id", "=", backend)]
    )
    if linked != count:
        raise RuntimeError(f"{linked} of {count} store products linked")
    return time.monotonic() - started


def _store_connection(server, label, sku_count, *, stock, store_quantity):
    """``sku_count`` products in Odoo and on a new store, linked by SKU.

    Odoo has ``stock`` of each on hand, the store ``store_quantity``.
    Returns (connection id, store server, {sku: product id}, link seconds).
    """
    suffix = uuid.uuid4().hex[:4]
    products = create_products(
        server, f"W{label.upper()[:6]}{suffix}", sku_count, stock=stock
    )
    store_server = _serve_store(products, store_quantity)
    backend, _webhook_url = create_woocommerce_connection(
        server, store_server.url, name=f"Bench WooCommerce {label} {suffix}"
    )
    return backend, store_server, products, _link_catalog(server, backend, sku_count)


def _store_stock(store):
    """``{sku: (quantity, Unix time the store got it)}`` of a sandbox store."""
    return {
        sku: (level["quantity"], level["written_at"])
        for sku, level in store.stock_levels().items()
    }


def _holds_since(store, started, quantity):
    """When the store last wrote a quantity, once every SKU holds ``quantity``
    written since ``started``; None until then."""
    levels = _store_stock(store).values()
    if all(qty == quantity and (at or 0) >= started for qty, at in levels):
        return max(at for _qty, at in levels)
    return None


def _requests_since(store, mark, method=None, path_end=""):
    """API calls the store received after the first ``mark`` ones.

    Only those with ``method`` (any when None) to a path ending in
    ``path_end``: the reconciliation cron polls the store's orders meanwhile,
    and those calls are no part of a stock push.
    """
    with store.lock:
        received = store.requests[mark:]
    return [
        r
        for r in received
        if method in (None, r["method"]) and r["path"].endswith(path_end)
    ]


def bench_stock_export_woocommerce(server, sku_count, naive_seconds, log):
    """Batched push of the whole catalog to the store, against one PUT each."""
    log(
        f"  creating {sku_count} products in Odoo and on the store, "
        "linking the catalog by SKU"
    )
    backend, store_server, _products, link_s = _store_connection(
        server, "export", sku_count, stock=0, store_quantity=STALE_QUANTITY
    )
    store = store_server.app
    settings = connection_settings(server, backend)

    log(f"  naive baseline: one PUT products/<id> each, for {naive_seconds:.0f} s")
    mark = len(_requests_since(store, 0))
    naive = naive_export(server, backend, naive_seconds)
    naive["channel_requests"] = len(_requests_since(store, mark, "PUT"))

    log("  batched: Push All Stock, until the store holds every quantity")
    mark = len(_requests_since(store, 0))
    wall, scheduled = push_all_stock(
        server,
        backend,
        lambda started: _holds_since(store, started, 0),
        f"{sku_count} quantities on the store",
    )
    requests = len(_requests_since(store, mark, "POST", "/batch"))
    store_server.shutdown()
    row = export_row(
        "woocommerce", sku_count, settings, (wall, requests, scheduled), naive
    )
    row["catalog_link_s"] = round(link_s, 1)
    return row


def bench_stock_latency_woocommerce(server, samples, log, seed=3):
    """Inventory changes one product at a time; when does the store hold them?

    The same two rows as the generic channel's (``latency_rows``).
    """
    log(f"  creating {2 * samples} products in Odoo and on the store")
    backend, store_server, products, _link_s = _store_connection(
        server, "latency", 2 * samples, stock=LATENCY_STOCK, store_quantity=0
    )
    store = store_server.app
    initial_push(
        server,
        backend,
        lambda: all(qty == LATENCY_STOCK for qty, _at in _store_stock(store).values()),
    )
    delay = connection_settings(server, backend)["stock_export_delay"]
    rows = latency_rows(
        server,
        "woocommerce",
        lambda: _store_stock(store),
        products,
        delay,
        log,
        seed,
    )
    store_server.shutdown()
    return rows
