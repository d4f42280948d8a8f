"""The demo's WooCommerce part: the sandbox store, its catalog in Odoo, and
the demo connection set up as a user would."""

import shlex
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime

from demo_support import (
    DEMO_DIR,
    DEMO_STOCK,
    REPO_ROOT,
    DemoError,
    http_json,
    log,
    notification_message,
    restock,
    start_process,
    wait_for_answer,
    wait_for_job,
    xmlid_res_id,
)

WOO_LOG = DEMO_DIR / "sandbox-woocommerce.log"


WOO_ADDON = "retail_connector_woocommerce"


WOO_API = "/wp-json/wc/v3"


# The sandbox store's default API key (read_write), public by design.
sys.path.insert(0, str(REPO_ROOT))
from sandbox import woocommerce as woo_sandbox  # noqa: E402

WOO_CONSUMER_KEY = woo_sandbox.DEFAULT_CONSUMER_KEY


WOO_CONSUMER_SECRET = woo_sandbox.DEFAULT_CONSUMER_SECRET


def store_get_all(store_url, path):
    """Every page of a wc/v3 collection, read with the store's API key."""
    items, page, pages = [], 1, 1
    while page <= pages:
        batch, headers = http_json(
            f"{store_url}{WOO_API}/{path}?per_page=100&page={page}",
            auth=(WOO_CONSUMER_KEY, WOO_CONSUMER_SECRET),
        )
        items.extend(batch)
        pages = int(headers.get("X-WP-TotalPages") or 1)
        page += 1
    return items


def store_catalog(store_url):
    """The store's sellable SKUs: simple products and variations.

    A list of {"sku", "name", "price"}; a variable product is sold through its
    variations, each with its own SKU.
    """
    catalog = []
    for product in store_get_all(store_url, "products"):
        if product.get("type") == "variable":
            for variation in store_get_all(
                store_url, f"products/{product['id']}/variations"
            ):
                options = ", ".join(
                    a.get("option", "") for a in variation.get("attributes") or []
                )
                catalog.append(
                    {
                        "sku": variation.get("sku") or "",
                        "name": f"{product['name']} ({options})"
                        if options
                        else variation.get("name") or product["name"],
                        "price": variation.get("regular_price") or product["price"],
                    }
                )
        else:
            catalog.append(
                {
                    "sku": product.get("sku") or "",
                    "name": product["name"],
                    "price": product.get("regular_price") or product.get("price"),
                }
            )
    return [entry for entry in catalog if entry["sku"]]


def ensure_store_products(rpc, catalog, warehouse_id):
    """Give Odoo a storable product for every store SKU, with some stock.

    Catalog linking and order import find products by SKU (internal
    reference): the store's SKUs that Odoo lacks are created, taxed like the
    demo products, then restocked. Returns (created, restocked).
    """
    skus = [entry["sku"] for entry in catalog]
    existing = {
        row["default_code"]
        for row in rpc(
            "product.product",
            "search_read",
            [("default_code", "in", skus)],
            fields=["default_code"],
        )
    }
    tax_id = xmlid_res_id(rpc, "retail_connector_base.demo_tax_sale_21")
    missing = [entry for entry in catalog if entry["sku"] not in existing]
    if missing:
        rpc(
            "product.product",
            "create",
            [
                {
                    "name": entry["name"],
                    "default_code": entry["sku"],
                    "type": "consu",
                    "is_storable": True,
                    "list_price": float(entry["price"] or 0),
                    "taxes_id": [(6, 0, [tax_id] if tax_id else [])],
                }
                for entry in missing
            ],
        )
    return len(missing), restock(rpc, skus, warehouse_id)


def woocommerce_connection(rpc):
    """The demo WooCommerce connection, fresh when the store is.

    The sandbox store keeps nothing between runs and numbers its orders from
    the same start every time: the new store's order 83 is not the order 83
    an earlier run imported. A connection that already has orders served an
    earlier store, so it is archived under a name saying so, with its orders
    and exchanges, and a copy of it serves the new store. Returns its id.
    """
    backend_ids = rpc(
        "retail.backend",
        "search",
        [("channel", "=", "woocommerce")],
        limit=1,
        order="id desc",
    )
    if not backend_ids:
        raise DemoError("the demo data has no WooCommerce connection (retail.backend)")
    backend_id = backend_ids[0]
    if not rpc("sale.order", "search_count", [("retail_backend_id", "=", backend_id)]):
        return backend_id
    (backend,) = rpc("retail.backend", "read", [backend_id], ["name"])
    name = backend["name"]
    copy = rpc("retail.backend", "copy", [backend_id], {"name": name})
    copy_id = copy[0] if isinstance(copy, list) else copy
    rpc("retail.backend", "action_pause", [backend_id])
    archived = (
        f"{name} (earlier sandbox store, archived {datetime.now():%Y-%m-%d %H:%M})"
    )
    rpc("retail.backend", "write", [backend_id], {"name": archived, "active": False})
    log(f"{name!r} has the orders of an earlier sandbox store: archived as")
    log(f"  {archived!r}; a copy of it connects the new store")
    return copy_id


def setup_woocommerce(rpc, backend_id, base_url, store_url, store_started_at):
    """Connect the demo WooCommerce connection to the sandbox store.

    What a user does on the connection form, over JSON-RPC.
    """
    # The store delivers webhooks to the connection's webhook URL, built from
    # web.base.url: loopback, where this Odoo listens. Frozen, so that logging
    # in through another host name does not change the URL registered below.
    rpc("ir.config_parameter", "set_param", "web.base.url", base_url)
    rpc("ir.config_parameter", "set_param", "web.base.url.freeze", "True")
    rpc(
        "retail.backend",
        "write",
        [backend_id],
        {
            "woocommerce_store_url": store_url,
            "woocommerce_auth_mode": "basic",
            "woocommerce_consumer_key": WOO_CONSUMER_KEY,
            "woocommerce_consumer_secret": WOO_CONSUMER_SECRET,
        },
    )
    (backend,) = rpc(
        "retail.backend",
        "read",
        [backend_id],
        ["name", "state", "warehouse_id", "webhook_url"],
    )
    name = backend["name"]
    if backend["state"] != "active":
        rpc("retail.backend", "action_activate", [backend_id])

    catalog = store_catalog(store_url)
    created, restocked = ensure_store_products(rpc, catalog, backend["warehouse_id"][0])
    log(
        f"store catalog: {len(catalog)} SKUs; {created} products created in Odoo, "
        f"{restocked} restocked to {DEMO_STOCK} free"
    )

    log(f"{name}: Test connection")
    message = notification_message(
        rpc("retail.backend", "action_test_connection", [backend_id])
    )
    log(f"  {message}")

    log(f"{name}: Register webhooks ({backend['webhook_url']})")
    message = notification_message(
        rpc("retail.backend", "action_register_webhooks", [backend_id])
    )
    log(f"  {message}")

    # Checkouts placed before the webhooks existed reach Odoo this way.
    since = store_started_at - 60
    wizard_id = rpc(
        "retail.import.wizard",
        "create",
        {
            "backend_id": backend_id,
            "stream": "orders",
            "since": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(since)),
        },
    )
    log(f"{name}: Import orders since the store started")
    rpc("retail.import.wizard", "action_import", [wizard_id])

    log(f"{name}: Link catalog")
    rpc("retail.backend", "action_link_catalog", [backend_id])
    result = wait_for_job(
        rpc, f"retail-catalog-{backend_id}", "linking the store catalog"
    )
    log(f"  {result}")

    log(f"{name}: Push all stock")
    rpc("retail.backend", "action_push_all_stock", [backend_id])


def woo_figures(store_admin_url):
    """What the sandbox store saw: orders, webhook deliveries, stock updates."""
    state, _headers = http_json(f"{store_admin_url}/_sandbox/state", timeout=5)
    requests, _headers = http_json(f"{store_admin_url}/_sandbox/requests", timeout=5)
    stock_requests = [
        r
        for r in requests
        if r.get("method") == "POST"
        and str(r.get("path", "")).endswith("/batch")
        and r.get("status") == 200
    ]
    deliveries = state.get("deliveries", {})
    failed = deliveries.get("attempts", 0) - deliveries.get("delivered", 0)
    text = (
        f"store orders {state.get('channel', {}).get('orders', 0)}"
        f" | webhooks delivered {deliveries.get('delivered', 0)}"
        f"/{deliveries.get('submitted', 0)}"
    )
    if failed:
        text += f" ({failed} failed)"
    if deliveries.get("dropped"):
        text += f" ({deliveries['dropped']} dropped)"
    text += (
        f" | stock updates {sum(r.get('items') or 0 for r in stock_requests)}"
        f" in {len(stock_requests)} batches"
    )
    return text


def start_woocommerce(args, rpc, base_url, children):
    """Start the sandbox store and connect the demo connection to it.

    Returns (connection id or None, store URL). A failed setup step is
    reported and the demo goes on: the store keeps running and the
    connection form shows what to fix.
    """
    store_url = f"http://127.0.0.1:{args.store_port}"
    backend_id = woocommerce_connection(rpc)
    command = [
        sys.executable, "-m", "sandbox", "-v", "woocommerce",
        "--host", "127.0.0.1",
        "--port", str(args.store_port),
        "--assume-https",
        "--seed-catalog",
        "--checkout-rate", str(args.checkout_rate),
    ]  # fmt: skip
    command += shlex.split(args.store_args)
    log(
        f"starting the WooCommerce sandbox store on {store_url}, "
        f"{args.checkout_rate:g} checkouts a minute (log: {WOO_LOG})"
    )
    started_at = time.time()
    store = start_process(command, WOO_LOG)
    children.insert(0, ("the WooCommerce sandbox store", store, WOO_LOG))
    wait_for_answer(
        "the sandbox", f"{store_url}/_sandbox/state", store, WOO_LOG, 30, 0.3
    )
    try:
        setup_woocommerce(rpc, backend_id, base_url, store_url, started_at)
    except (DemoError, urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        log(f"WooCommerce setup did not complete: {exc}")
        log("the store keeps running; see the connection form in Odoo")
    return backend_id, store_url
