"""``make demo``: Odoo with every Retail Connector addon, fed by the sandboxes.

1. Writes ``.demo/odoo.conf`` (prefork workers, ``server_wide_modules =
   web,queue_job``, queue_job channels, an encryption key generated once and
   kept across runs).
2. Creates the database ``retail_connector_demo`` with every
   ``retail_connector_*`` addon and demo data, or reuses it and upgrades our
   addons.
3. Starts Odoo on http://localhost:8069, points the demo generic connection at
   a generic-channel sandbox (fresh webhook secret, push URL) and starts that
   sandbox sending signed orders and receiving Odoo's pushes.
4. When ``retail_connector_woocommerce`` is installed, starts the WooCommerce
   sandbox store on http://127.0.0.1:8076 (HTTPS assumed, so Basic auth with
   the sandbox's default API key; about 50 seeded products, some variable;
   simulated checkouts), gives Odoo a product for every store SKU it lacks
   (with some stock), and sets the demo WooCommerce connection up as a user
   would: Test connection, Register webhooks (to http://127.0.0.1:8069/...),
   Import orders since the store started, Link catalog, Push all stock.
5. Prints a status block every few seconds until Ctrl-C, then stops everything:
   per connection, Odoo's channel sale orders and exchanges next to what the
   sandbox saw (orders sent or placed, webhook deliveries, stock updates).

Options: ``python3 scripts/demo.py --help`` (``make demo DEMO_ARGS="..."``).
"""

import argparse
import base64
import configparser
import contextlib
import ctypes
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from urllib.parse import urlsplit

import child_process
import odoo_db
import odoo_paths
import odoo_rpc
import psycopg2
from cryptography.fernet import Fernet

REPO_ROOT = odoo_paths.REPO_ROOT
DEMO_DIR = REPO_ROOT / ".demo"
CONFIG_PATH = DEMO_DIR / "odoo.conf"
ODOO_LOG = DEMO_DIR / "odoo.log"
INSTALL_LOG = DEMO_DIR / "install.log"
SANDBOX_LOG = DEMO_DIR / "sandbox-generic.log"
WOO_LOG = DEMO_DIR / "sandbox-woocommerce.log"
CATALOG_PATH = DEMO_DIR / "catalog.json"
DEFAULT_DB = "retail_connector_demo"
QUEUE_JOB_CHANNELS = (
    "root:2,root.retail.inbound:2,root.retail.outbound:1,root.retail.batch:1"
)
ADMIN = ("admin", "admin")
WOO_ADDON = "retail_connector_woocommerce"
WOO_API = "/wp-json/wc/v3"
# A demo product found with less than LOW_STOCK free at the start of a run is
# topped up to DEMO_STOCK free, so that the channels keep selling across runs.
DEMO_STOCK = 30
LOW_STOCK = 5

# The sandbox store's default API key (read_write), public by design.
sys.path.insert(0, str(REPO_ROOT))
from sandbox import woocommerce as woo_sandbox  # noqa: E402

WOO_CONSUMER_KEY = woo_sandbox.DEFAULT_CONSUMER_KEY
WOO_CONSUMER_SECRET = woo_sandbox.DEFAULT_CONSUMER_SECRET


class DemoError(RuntimeError):
    """Something the person running the demo has to fix; the message says what."""


def log(message):
    """A line of the demo's own narration."""
    print(f"[demo] {message}", flush=True)


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


def _generate_fernet_key():
    return Fernet.generate_key().decode()


def write_config(db, port, gevent_port):
    """Write ``.demo/odoo.conf``; keep the key and master password it had."""
    DEMO_DIR.mkdir(exist_ok=True)
    previous = configparser.ConfigParser(interpolation=None)
    if CONFIG_PATH.exists():
        previous.read(CONFIG_PATH)

    def kept(key, make):
        return previous.get("options", key, fallback="") or make()

    parser = configparser.ConfigParser(interpolation=None)
    parser["options"] = {
        "addons_path": odoo_paths.addons_path(),
        "db_name": db,
        "list_db": "False",
        "admin_passwd": kept("admin_passwd", lambda: secrets.token_urlsafe(24)),
        "http_interface": "127.0.0.1",
        "http_port": str(port),
        "gevent_port": str(gevent_port),
        "workers": "2",
        "max_cron_threads": "1",
        "server_wide_modules": "web,queue_job",
        "limit_time_real": "300",
        # Encrypts channel credentials at rest. Generated for this demo only;
        # losing it makes the stored secrets unreadable, so it is kept here.
        "retail_connector_encryption_key": kept(
            "retail_connector_encryption_key", _generate_fernet_key
        ),
    }
    parser["queue_job"] = {"channels": QUEUE_JOB_CHANNELS}
    with open(CONFIG_PATH, "w", encoding="utf-8") as config_file:
        config_file.write("# Written by `make demo`; local to this checkout.\n")
        parser.write(config_file)
    CONFIG_PATH.chmod(0o600)


# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------


def _die_with_parent():
    """Ask Linux to SIGTERM the child if this script dies without cleaning up."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


def start_process(command, log_path, env=None):
    """Start ``command`` in its own session, output appended to ``log_path``."""
    with open(log_path, "a", encoding="utf-8") as log_file:
        log_file.write(f"\n=== {datetime.now():%Y-%m-%d %H:%M:%S} {command[:3]}\n")
        log_file.flush()
        return subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=REPO_ROOT,
            # Own session: Ctrl-C reaches only this script, which then stops
            # the children in order instead of all of them at once.
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )


def stop_process(name, process, timeout=20):
    """SIGTERM, wait, then SIGKILL the process group: nothing is left behind."""
    if process is None:
        return
    if process.poll() is None:
        log(f"stopping {name}")
    outcome = child_process.stop_session(process, timeout)
    if outcome == child_process.KILLED:
        log(f"{name} did not stop in {timeout}s; killed it")
    elif outcome == child_process.RUNNING:
        log(f"{name} (pid {process.pid}) is still running")


def port_is_free(port):
    """True when nothing listens on ``port`` on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port():
    """Any free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------


def installed_modules(db, modules):
    """Our addons installed in ``db`` (None when the database is missing)."""
    try:
        if not odoo_db.database_exists(db):
            return None
        return odoo_db.installed_modules(db, modules)
    except psycopg2.OperationalError as exc:
        raise DemoError(f"cannot reach PostgreSQL: {exc}") from exc


def prepare_database(db, modules, reset):
    """Install our addons with demo data, or upgrade them in an existing DB."""
    if reset:
        log(f"dropping database {db}")
        subprocess.run(["dropdb", "--if-exists", db], check=True)
    installed = installed_modules(db, modules)
    command = [*odoo_paths.odoo_command(), f"--config={CONFIG_PATH}", "-d", db]
    if installed is None:
        log(f"creating database {db} with {', '.join(modules)} and demo data")
        log("(first run: a few minutes; progress in .demo/install.log)")
        command.append(f"--init={','.join(modules)}")
    else:
        missing = sorted(set(modules) - installed)
        if missing:
            log(f"installing {', '.join(missing)} into {db}")
            command.append(f"--init={','.join(missing)}")
        if installed:
            log(f"reusing database {db}; upgrading {', '.join(sorted(installed))}")
            command.append(f"--update={','.join(sorted(installed))}")
    command += ["--stop-after-init", "--workers=0", "--max-cron-threads=0", "--no-http"]
    process = start_process(command, INSTALL_LOG)
    try:
        returncode = process.wait()
    except KeyboardInterrupt:
        stop_process("the installation", process)
        raise
    still_missing = set(modules) - (installed_modules(db, modules) or set())
    if returncode or still_missing:
        raise DemoError(
            f"installing the addons failed (exit status {returncode}); "
            f"end of {INSTALL_LOG}:\n{child_process.log_tail(INSTALL_LOG)}"
        )


# ---------------------------------------------------------------------------
# JSON-RPC
# ---------------------------------------------------------------------------


class Rpc:
    """Minimal JSON-RPC client for ``/jsonrpc`` as admin.

    Odoo's errors raise DemoError with Odoo's message.
    """

    def __init__(self, url, db):
        self.url = url
        self.db = db
        self.uid = None

    @staticmethod
    @contextlib.contextmanager
    def _odoo_errors():
        try:
            yield
        except odoo_rpc.RpcError as exc:
            raise DemoError(str(exc)) from exc

    def call(self, service, method, *args, timeout=30):
        """``service.method(*args)``."""
        with self._odoo_errors():
            return odoo_rpc.call(self.url, service, method, *args, timeout=timeout)

    def login(self):
        """Log in as admin/admin."""
        self.uid = self.call("common", "login", self.db, *ADMIN)
        if not self.uid:
            raise DemoError(f"admin/admin cannot log in to {self.db}")

    def __call__(self, model, method, *args, **kwargs):
        with self._odoo_errors():
            return odoo_rpc.execute_kw(
                self.url, self.db, self.uid, ADMIN[1], model, method, args, kwargs
            )


def wait_for_answer(name, url, process, log_path, timeout, interval=0.5):
    """Wait until ``url`` answers; fail fast if ``process`` (``name``) died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(
                f"{name} exited with status {process.returncode}; end of "
                f"{log_path}:\n{child_process.log_tail(log_path)}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(interval)
    raise DemoError(f"{name} did not answer within {timeout}s; see {log_path}")


def configure_connection(rpc, base_url, push_url, secret):
    """Point the demo generic connection at the sandbox; return what it needs."""
    backend_ids = rpc(
        "retail.backend", "search", [("channel", "=", "generic")], limit=1, order="id"
    )
    if not backend_ids:
        raise DemoError("the demo data has no generic connection (retail.backend)")
    backend_id = backend_ids[0]
    # The webhook secret is write-only: a fresh one each run, shared with the
    # sandbox, which also verifies Odoo's pushes with it.
    rpc(
        "retail.backend",
        "write",
        [backend_id],
        {"webhook_secret": secret, "outbound_url": push_url},
    )
    (backend,) = rpc(
        "retail.backend",
        "read",
        [backend_id],
        ["name", "state", "webhook_url", "pricelist_id"],
    )
    if backend["state"] != "active":
        rpc("retail.backend", "action_activate", [backend_id])
    if not backend["webhook_url"]:
        raise DemoError(f"connection {backend['name']!r} has no webhook URL")
    # Odoo builds the URL from its public base URL; locally, loopback it is.
    webhook_url = base_url + urlsplit(backend["webhook_url"]).path
    currency = None
    if backend["pricelist_id"]:
        (pricelist,) = rpc(
            "product.pricelist", "read", [backend["pricelist_id"][0]], ["currency_id"]
        )
        currency = pricelist["currency_id"][1]
    return backend_id, backend["name"], webhook_url, currency


def write_catalog(rpc):
    """The demo products (by SKU) as the sandbox's catalog; None if none."""
    data = rpc(
        "ir.model.data",
        "search_read",
        [("model", "=", "product.product"), ("module", "like", "retail_connector_%")],
        fields=["res_id"],
    )
    product_ids = [row["res_id"] for row in data]
    products = rpc(
        "product.product",
        "search_read",
        [
            ("id", "in", product_ids),
            ("default_code", "!=", False),
            ("is_storable", "=", True),
        ],
        fields=["default_code", "name", "list_price"],
    )
    if not products:
        return None
    catalog = [
        {
            "sku": product["default_code"],
            "name": product["name"],
            "price": f"{product['list_price']:.2f}",
        }
        for product in products
    ]
    CATALOG_PATH.write_text(json.dumps(catalog, indent=2) + "\n", encoding="utf-8")
    return CATALOG_PATH


# ---------------------------------------------------------------------------
# The WooCommerce sandbox store
# ---------------------------------------------------------------------------


def http_json(url, *, auth=None, timeout=30):
    """GET ``url``; return (decoded JSON, headers). ``auth``: (user, password)."""
    headers = {"Accept": "application/json"}
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read()), reply.headers


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


def xmlid_res_id(rpc, xmlid):
    """Database id of ``module.name``, or None."""
    module, name = xmlid.split(".", 1)
    rows = rpc(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
        limit=1,
    )
    return rows[0]["res_id"] if rows else None


def restock(rpc, skus, warehouse_id):
    """Top up the demo products with little free stock; return how many.

    Each run, a product of ``skus`` with less than LOW_STOCK free in the
    warehouse gets enough more, by an inventory adjustment in its stock
    location, to have DEMO_STOCK free: the orders of earlier runs keep their
    reservations, and the channels keep something to sell and to push.
    """
    (warehouse,) = rpc("stock.warehouse", "read", [warehouse_id], ["lot_stock_id"])
    location_id = warehouse["lot_stock_id"][0]
    low = {
        product["id"]: DEMO_STOCK - max(0, product["free_qty"])
        for product in rpc(
            "product.product",
            "search_read",
            [("default_code", "in", list(skus)), ("is_storable", "=", True)],
            fields=["free_qty"],
            context={"warehouse_id": warehouse_id},
        )
        if product["free_qty"] < LOW_STOCK
    }
    if not low:
        return 0
    on_hand = {
        quant["product_id"][0]: quant["quantity"]
        for quant in rpc(
            "stock.quant",
            "search_read",
            [
                ("product_id", "in", list(low)),
                ("location_id", "=", location_id),
                ("lot_id", "=", False),
                ("package_id", "=", False),
                ("owner_id", "=", False),
            ],
            fields=["product_id", "quantity"],
        )
    }
    quant_ids = rpc(
        "stock.quant",
        "create",
        [
            {
                "product_id": product_id,
                "location_id": location_id,
                "inventory_quantity": on_hand.get(product_id, 0) + missing,
            }
            for product_id, missing in low.items()
        ],
        context={"inventory_mode": True},
    )
    rpc("stock.quant", "action_apply_inventory", quant_ids)
    return len(low)


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


def wait_for_job(rpc, identity_key, what, timeout=180):
    """Wait for the newest queue job with ``identity_key``; return its result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = rpc(
            "queue.job",
            "search_read",
            [("identity_key", "=", identity_key)],
            fields=["state", "result", "exc_message"],
            order="id desc",
            limit=1,
        )
        if jobs and jobs[0]["state"] == "done":
            return jobs[0]["result"] or ""
        if jobs and jobs[0]["state"] in ("failed", "cancelled"):
            raise DemoError(f"{what} failed: {jobs[0]['exc_message'] or 'see the job'}")
        time.sleep(1)
    raise DemoError(f"{what} did not finish within {timeout}s (Queue > Jobs)")


def notification_message(action):
    """The text of a ``display_notification`` client action, if any."""
    if isinstance(action, dict):
        return (action.get("params") or {}).get("message") or ""
    return ""


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


# ---------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------


def generic_figures(state_url):
    """What the generic sandbox saw: orders sent, Odoo's pushes received."""
    with urllib.request.urlopen(state_url, timeout=5) as reply:
        sandbox = json.loads(reply.read())
    deliveries = sandbox.get("deliveries", {})
    pushes = sandbox.get("channel", {}).get("pushes", 0)
    return (
        f"sandbox sent {deliveries.get('delivered', 0)}"
        f"/{deliveries.get('submitted', 0)} orders, pushes received {pushes}"
    )


def status_lines(rpc, figures):
    """The status block: per connection, Odoo's figures and its sandbox's.

    ``figures`` maps a connection id to a function returning the sandbox's
    side of the story.
    """
    backends = rpc("retail.backend", "search_read", [], fields=["name"], order="id")
    orders = {
        group["retail_backend_id"][0]: group["__count"]
        for group in rpc(
            "sale.order",
            "read_group",
            [("retail_backend_id", "!=", False)],
            ["retail_backend_id"],
            ["retail_backend_id"],
            lazy=False,
        )
    }
    exchanges = {}
    for group in rpc(
        "retail.exchange",
        "read_group",
        [],
        ["backend_id", "state"],
        ["backend_id", "state"],
        lazy=False,
    ):
        if group["backend_id"]:
            exchanges.setdefault(group["backend_id"][0], []).append(
                f"{group['state']} {group['__count']}"
            )
    shown = sum(orders.get(backend["id"], 0) for backend in backends)
    lines = [f"{datetime.now():%H:%M:%S} sale orders from channels: {shown}"]
    for backend in backends:
        lines.append(
            f"  {backend['name']}: {orders.get(backend['id'], 0)} sale orders;"
            f" exchanges {', '.join(exchanges.get(backend['id'], [])) or 'none'}"
        )
        if backend["id"] in figures:
            try:
                lines.append(f"      {figures[backend['id']]()}")
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                lines.append("      sandbox not answering")
    return lines


class StatusBlock:
    """Prints the status block; on a terminal, redraws it in place."""

    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.shown = 0

    def show(self, lines):
        if not self.tty:
            print("\n".join(lines), flush=True)
            return
        width = shutil.get_terminal_size().columns - 1
        if self.shown:
            sys.stdout.write(f"\033[{self.shown}F")
        sys.stdout.write("\033[J" + "".join(f"{line[:width]}\n" for line in lines))
        sys.stdout.flush()
        self.shown = len(lines)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def parse_args(argv):
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Run the Retail Connector demo (Ctrl-C stops everything). "
        "Without arguments, options are read from the DEMO_ARGS environment "
        'variable (make demo DEMO_ARGS="...").',
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="database (default %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8069, help="Odoo HTTP port")
    parser.add_argument(
        "--rate", type=float, default=0.5, help="generic sandbox orders per second"
    )
    parser.add_argument(
        "--count",
        type=int,
        default=None,
        help="orders the generic sandbox sends (default: endless)",
    )
    parser.add_argument(
        "--sandbox-args",
        default="",
        help='extra options for the generic sandbox, e.g. "--duplicates 0.1"',
    )
    store = parser.add_argument_group(
        "WooCommerce sandbox store (when retail_connector_woocommerce is installed)"
    )
    store.add_argument(
        "--checkout-rate",
        type=float,
        default=6.0,
        metavar="N",
        help="simulated store checkouts per minute (default %(default)s; 0: none)",
    )
    store.add_argument(
        "--store-port",
        type=int,
        default=8076,
        help="port of the sandbox store (default %(default)s, the demo "
        "connection's store URL)",
    )
    store.add_argument(
        "--store-args",
        default="",
        help='extra options for the store sandbox, e.g. "--duplicates 0.1 '
        '--rate-limit 0.1" (python -m sandbox woocommerce --help)',
    )
    store.add_argument(
        "--no-store", action="store_true", help="do not start the sandbox store"
    )
    parser.add_argument(
        "--interval", type=float, default=3.0, help="seconds between status lines"
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop the demo database and start over"
    )
    return parser.parse_args(argv)


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


def start_generic(args, rpc, base_url, children):
    """Point the generic connection at a new generic sandbox and start it.

    Returns (connection id, its name, its webhook URL, the sandbox's state URL).
    """
    push_port = free_port()
    push_url = f"http://127.0.0.1:{push_port}/events"
    secret = secrets.token_urlsafe(32)
    backend_id, backend_name, webhook_url, currency = configure_connection(
        rpc, base_url, push_url, secret
    )
    catalog = write_catalog(rpc)
    (generic,) = rpc("retail.backend", "read", [backend_id], ["warehouse_id"])
    if catalog and generic["warehouse_id"]:
        skus = [entry["sku"] for entry in json.loads(catalog.read_text())]
        restocked = restock(rpc, skus, generic["warehouse_id"][0])
        if restocked:
            log(f"{restocked} demo products restocked to {DEMO_STOCK} free")

    command = [
        sys.executable, "-m", "sandbox", "generic",
        "--webhook-url", webhook_url,
        "--push-port", str(push_port),
        "--rate", str(args.rate),
        "--quiet",
    ]  # fmt: skip
    if args.count is not None:
        command += ["--count", str(args.count)]
    if catalog:
        command += ["--catalog", str(catalog)]
    if currency:
        command += ["--currency", currency]
    command += shlex.split(args.sandbox_args)
    log(f"starting the generic sandbox at {args.rate}/s (log: {SANDBOX_LOG})")
    # Secrets travel in the environment, not on a command line others can read.
    sandbox = start_process(
        command,
        SANDBOX_LOG,
        env={"SANDBOX_WEBHOOK_SECRET": secret, "SANDBOX_PUSH_SECRET": secret},
    )
    children.insert(0, ("the generic sandbox", sandbox, SANDBOX_LOG))
    state_url = f"http://127.0.0.1:{push_port}/_sandbox/state"
    wait_for_answer("the sandbox", state_url, sandbox, SANDBOX_LOG, 30, 0.3)
    return backend_id, backend_name, webhook_url, state_url


def check_ports(args, with_store):
    """Fail early, with what to do, when a port the demo needs is taken."""
    if not port_is_free(args.port):
        raise DemoError(
            f"port {args.port} is in use (another Odoo?); stop it or run "
            f'make demo DEMO_ARGS="--port {args.port + 1}"'
        )
    if with_store and not port_is_free(args.store_port):
        raise DemoError(
            f"port {args.store_port} is in use (a sandbox store left running?); "
            f'stop it or run make demo DEMO_ARGS="--store-port {args.store_port + 1}"'
        )


def report(args, rpc, children, figures):
    """Print the status block every few seconds; fail when a child died."""
    block = StatusBlock()
    while True:
        for name, process, log_path in children:
            if process.poll() is not None:
                if name != "Odoo" and process.returncode == 0:
                    continue  # --count reached: keep Odoo running
                raise DemoError(
                    f"{name} exited with status {process.returncode}; "
                    f"end of {log_path}:\n{child_process.log_tail(log_path)}"
                )
        try:
            lines = status_lines(rpc, figures)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            lines = [f"{datetime.now():%H:%M:%S} Odoo not answering ({exc})"]
        except DemoError as exc:
            lines = [f"{datetime.now():%H:%M:%S} Odoo answered an error: {exc}"]
        block.show(lines)
        time.sleep(args.interval)


def run(args):
    """Prepare, start, and report until interrupted."""
    modules = odoo_paths.our_addons()
    if not modules:
        raise DemoError("no retail_connector_* addon with a __manifest__.py found")
    with_store = WOO_ADDON in modules and not args.no_store
    check_ports(args, with_store)
    gevent_port = 8072 if port_is_free(8072) else free_port()
    write_config(args.db, args.port, gevent_port)
    prepare_database(args.db, modules, args.reset)

    children = []
    try:
        log(f"starting Odoo on http://localhost:{args.port} (log: .demo/odoo.log)")
        odoo = start_process(
            [*odoo_paths.odoo_command(), f"--config={CONFIG_PATH}"], ODOO_LOG
        )
        children.append(("Odoo", odoo, ODOO_LOG))
        base_url = f"http://127.0.0.1:{args.port}"
        wait_for_answer("Odoo", f"{base_url}/web/health", odoo, ODOO_LOG, 180)

        rpc = Rpc(base_url, args.db)
        rpc.login()
        backend_id, backend_name, webhook_url, state_url = start_generic(
            args, rpc, base_url, children
        )
        figures = {backend_id: lambda: generic_figures(state_url)}
        banner = (
            f"\n  Retail Connector demo is running.\n"
            f"  Open http://localhost:{args.port} and log in as admin / admin.\n"
            f"  Connection {backend_name!r} receives orders at {webhook_url}\n"
        )
        if with_store:
            woo_id, store_url = start_woocommerce(args, rpc, base_url, children)
            figures[woo_id] = lambda: woo_figures(store_url)
            banner += (
                f"  WooCommerce sandbox store: {store_url}{WOO_API}"
                f" (Basic auth, key {WOO_CONSUMER_KEY},\n"
                f"  secret {WOO_CONSUMER_SECRET}; counters at"
                f" {store_url}/_sandbox/state)\n"
            )
        banner += "  Retail Connector > Exchanges shows them arriving. Ctrl-C stops.\n"
        print(banner, flush=True)
        report(args, rpc, children, figures)
    finally:
        # A second Ctrl-C must not cut the cleanup short and leave orphans.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for name, process, _log_path in children:
            stop_process(name, process)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Entry point: exit 0 after Ctrl-C, 1 with a message on failure."""
    if argv is None:
        # `make demo DEMO_ARGS="..."`: make hands command-line variables to the
        # recipe's environment.
        argv = sys.argv[1:] or shlex.split(os.environ.get("DEMO_ARGS", ""))
    args = parse_args(argv)
    # SIGTERM (e.g. from a supervisor) stops the demo like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run(args)
    except KeyboardInterrupt:
        log("stopped")
        return 0
    except DemoError as exc:
        print(f"\n[demo] {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
