"""Generic-channel connections on a running server, driven like a real channel.

Shared by the server-level tests and ``make bench``: everything goes through
the server's public faces (JSON-RPC as admin, the webhook URL, the push
receiver of ``sandbox.generic``), never through our addons' Python code, so
what passes here passes for a real integrator too. WooCommerce connections
are created the same way (`create_woocommerce_connection`).

Every wait is bounded in time; every retry loop in count.
"""

import http.client
import random
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from sandbox.common import http_request
from sandbox.generic import CatalogItem, GenericChannel, sign
from sandbox.woocommerce import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET

# States of an inbound exchange that still wait for their job.
OPEN_STATES = ("received", "queued")

# Every webhook secret set by this process: no server log may contain one
# (tests/test_security.py).
SECRETS_SET = []


@dataclass
class GenericConnection:
    """A generic connection created over RPC, with its products and sandbox."""

    server: object
    backend_id: int
    webhook_url: str
    secret: str
    skus: list
    products: dict  # sku -> product.product id
    channel: GenericChannel
    push_server: object = None
    tax_id: int = 0
    label: str = ""
    extra: dict = field(default_factory=dict)

    # --- sending ---------------------------------------------------------

    def body(self, event):
        """The exact bytes a channel puts on the wire for ``event``."""
        return GenericChannel.encode(event)

    def post(self, body, *, signature=None, headers=None, url=None, timeout=60):
        """POST raw ``body`` signed now (unless ``signature`` is given).

        Returns ``(status, parsed JSON or text, seconds)``; network errors
        raise OSError, as they would for a channel.
        """
        all_headers = {"Content-Type": "application/json"}
        if signature is None:
            all_headers["X-Retail-Signature"] = sign(self.secret, body, time.time())
        elif signature is not False:
            all_headers["X-Retail-Signature"] = signature
        all_headers.update(headers or {})
        reply = http_request(
            "POST",
            url or self.webhook_url,
            body=body,
            headers=all_headers,
            timeout=timeout,
        )
        return reply.status, reply.json(), reply.latency

    def deliver(self, body, *, attempts=20, pause=0.5, timeout=60):
        """Deliver like a channel that retries until it gets a 2xx.

        Anything else means "not stored" (a network error, a 5xx, or the 404
        Odoo answers while its database is unreachable), so the channel sends
        the same bytes again, freshly signed. Returns ``(status, answer)`` of
        the last try; gives up after ``attempts`` tries.
        """
        last = (None, None)
        for _attempt in range(attempts):
            try:
                status, answer, _latency = self.post(body, timeout=timeout)
            except (OSError, http.client.HTTPException) as exc:
                # The server died mid-request: nothing says it was stored.
                last = (None, str(exc))
            else:
                last = (status, answer)
                if 200 <= status < 300:
                    return last
            time.sleep(pause)
        return last

    # --- reading back ------------------------------------------------------

    def exchanges(self, domain=(), fields=("state", "error", "external_id")):
        """Inbound exchanges of this connection."""
        return self.server.rpc(
            "retail.exchange",
            "search_read",
            [
                ("backend_id", "=", self.backend_id),
                ("direction", "=", "inbound"),
                *domain,
            ],
            fields=list(fields),
        )

    def exchange_states(self):
        """``{state: count}`` of the inbound exchanges."""
        groups = self.server.rpc(
            "retail.exchange",
            "read_group",
            [("backend_id", "=", self.backend_id), ("direction", "=", "inbound")],
            ["state"],
            ["state"],
            lazy=False,
        )
        return {group["state"]: group["__count"] for group in groups}

    def wait_settled(self, timeout=300, interval=1.0):
        """Wait until every inbound exchange is done, failed or ignored.

        Returns ``{state: count}``; on timeout the error shows the last one.
        """
        deadline = time.monotonic() + timeout
        while True:
            states = self.exchange_states()
            if not any(states.get(state) for state in OPEN_STATES):
                return states
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"exchanges of connection {self.backend_id} not settled "
                    f"after {timeout}s: {states}"
                )
            time.sleep(interval)

    def orders(self, fields=("retail_external_id", "state", "amount_total")):
        """Sale orders of this connection."""
        return self.server.rpc(
            "sale.order",
            "search_read",
            [("retail_backend_id", "=", self.backend_id)],
            fields=list(fields),
        )

    def push_stock(self):
        """``{sku: quantity}`` the push receiver holds."""
        return self.push_server.app.stock()


def _suffix():
    return uuid.uuid4().hex[:8]


def create_products(server, prefix, count, *, price="100.00", stock=0):
    """Create ``count`` storable products ``<prefix>-<n>``; return {sku: id}.

    With ``stock`` each gets that quantity on hand in the main warehouse
    through an applied inventory adjustment (real done stock moves).
    """
    skus = [f"{prefix}-{index:05d}" for index in range(count)]
    chunks = [skus[start : start + 500] for start in range(0, count, 500)]

    def create(chunk):
        return server.rpc(
            "product.product",
            "create",
            [
                {
                    "name": f"Bench item {sku}",
                    "default_code": sku,
                    "is_storable": True,
                    "list_price": float(price),
                    "taxes_id": [(6, 0, [])],
                }
                for sku in chunk
            ],
            # A catalog import, not a user's edit: no chatter to write.
            context={"tracking_disable": True, "mail_create_nolog": True},
        )

    products = {}
    # Two requests at a time: one per HTTP worker of the test servers.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for chunk, ids in zip(chunks, pool.map(create, chunks), strict=True):
            products.update(zip(chunk, ids, strict=True))
    if stock:
        set_stock(server, list(products.values()), stock)
    return products


def stock_location(server):
    """The stock location of the main warehouse."""
    (warehouse,) = server.rpc(
        "stock.warehouse", "search_read", [], fields=["lot_stock_id"], limit=1
    )
    return warehouse["lot_stock_id"][0]


def set_stock(server, product_ids, quantity, *, location=None):
    """Set on-hand quantity through an applied inventory adjustment."""
    location = location or stock_location(server)
    for start in range(0, len(product_ids), 500):
        chunk = product_ids[start : start + 500]
        quants = server.rpc(
            "stock.quant",
            "create",
            [
                {
                    "product_id": product_id,
                    "location_id": location,
                    "inventory_quantity": quantity,
                }
                for product_id in chunk
            ],
            context={"inventory_mode": True},
        )
        server.rpc(
            "stock.quant",
            "action_apply_inventory",
            quants,
            context={"inventory_mode": True},
        )


def create_connection(
    server,
    label,
    *,
    sku_count=5,
    stock=0,
    price="100.00",
    push=False,
    settings=None,
    bind=False,
    activate=True,
    seed=None,
):
    """A generic connection with its own products, 21 % tax and mapping.

    ``push`` starts the sandbox push receiver and points the connection's
    push URL at it; ``bind`` binds every product (SKU as external id) so
    that stock changes are pushed. ``settings`` are written on the
    connection (breaker, delays...). The sandbox channel sells exactly these
    products, in USD (the demo company's currency).
    """
    suffix = _suffix()
    secret = f"whsec-{label}-{uuid.uuid4().hex}"
    SECRETS_SET.append(secret)
    prefix = f"B{label.upper()[:6]}{suffix[:4]}"
    products = (
        create_products(server, prefix, sku_count, price=price, stock=stock)
        if sku_count
        else {}
    )
    tax = server.rpc(
        "account.tax",
        "create",
        {
            "name": f"Bench 21% {label} {suffix}",
            "amount": 21.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_excluded",
        },
    )
    values = {"name": f"Bench {label} {suffix}", "webhook_secret": secret}
    values.update(settings or {})
    backend = server.rpc("retail.backend", "create", values)
    server.rpc(
        "retail.tax.mapping",
        "create",
        {"rate": 21.0, "tax_id": tax, "backend_id": backend},
    )
    catalog = [CatalogItem(sku, f"Item {sku}", Decimal(price)) for sku in products]
    channel = GenericChannel(
        secret=secret,
        catalog=catalog or None,
        currency="USD",
        seed=seed,
        prefix=f"{label}-{suffix}-",
    )
    push_server = None
    if push:
        push_server = channel.serve_pushes()
        server.rpc(
            "retail.backend",
            "write",
            [backend],
            {"outbound_url": f"{push_server.url}/events"},
        )
    if bind and products:
        bind_products(server, backend, products)
    if activate:
        server.rpc("retail.backend", "action_activate", [backend])
    (record,) = server.rpc("retail.backend", "read", [backend], ["webhook_url"])
    # The server's idea of its base URL may differ from where it listens.
    url = f"{server.url}{urlsplit(record['webhook_url']).path}"
    channel.webhook_url = url
    return GenericConnection(
        server=server,
        backend_id=backend,
        webhook_url=url,
        secret=secret,
        skus=list(products),
        products=products,
        channel=channel,
        push_server=push_server,
        tax_id=tax,
        label=label,
    )


def bind_products(server, backend, products):
    """Bind products to the connection with their SKU as external id."""
    items = list(products.items())
    for start in range(0, len(items), 1000):
        server.rpc(
            "retail.product.binding",
            "create",
            [
                {
                    "backend_id": backend,
                    "product_id": product_id,
                    "external_id": sku,
                    "external_sku": sku,
                }
                for sku, product_id in items[start : start + 1000]
            ],
        )


def create_woocommerce_connection(
    server, store_url, *, name, secret=None, settings=None, activate=True
):
    """A WooCommerce connection created over RPC, as an administrator would.

    Store URL, the sandbox store's API key (``sandbox.woocommerce``'s default
    one, required to activate even when the store is never called) and a
    webhook secret (a new one unless given); ``settings`` are written too.
    Returns ``(connection id, its webhook URL on this server)``.
    """
    secret = secret or f"wcsec-{uuid.uuid4().hex}"
    SECRETS_SET.append(secret)
    values = {
        "name": name,
        "channel": "woocommerce",
        "woocommerce_store_url": store_url,
        "woocommerce_consumer_key": DEFAULT_CONSUMER_KEY,
        "woocommerce_consumer_secret": DEFAULT_CONSUMER_SECRET,
        "webhook_secret": secret,
        **(settings or {}),
    }
    backend = server.rpc("retail.backend", "create", values)
    if activate:
        server.rpc("retail.backend", "action_activate", [backend])
    (record,) = server.rpc("retail.backend", "read", [backend], ["webhook_url"])
    # The server's idea of its base URL may differ from where it listens.
    return backend, f"{server.url}{urlsplit(record['webhook_url']).path}"


def order_event(connection, external_id, *, quantity, status, topic=None):
    """The next version of order ``external_id``: ``quantity`` of its SKU.

    The sandbox channel moves ``updated_at`` strictly forward for each new
    version of an order, so whatever order the events arrive in, the latest
    state is the last one built. One line of the order's own SKU (chosen
    from its id, so every version has the same product), 21 % tax.
    """
    sku = connection.skus[zlib.crc32(external_id.encode()) % len(connection.skus)]
    known = external_id in connection.channel.orders
    return connection.channel.make_order_event(
        topic or ("order.updated" if known else "order.created"),
        external_id=external_id,
        lines=[{"sku": sku, "quantity": quantity}],
        status=status,
    )


def deliver_all(connection, bodies, *, concurrency=10, attempts=20):
    """Deliver every body (retrying like a channel); return the answers."""
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(
            pool.map(lambda body: connection.deliver(body, attempts=attempts), bodies)
        )


def shuffled(items, seed):
    """A shuffled copy, reproducible from ``seed``."""
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


def queue_jobs(server, domain=(), fields=("state", "uuid", "method_name", "retry")):
    """Jobs of the server's queue (admin view)."""
    return server.rpc("queue.job", "search_read", list(domain), fields=list(fields))


def job_states(server, domain=()):
    """``{state: count}`` of queue jobs matching ``domain``."""
    groups = server.rpc(
        "queue.job", "read_group", list(domain), ["state"], ["state"], lazy=False
    )
    return {group["state"]: group["__count"] for group in groups}
