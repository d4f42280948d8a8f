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
5. When ``retail_connector_marketplace`` is installed, starts the Mirakl
   sandbox marketplace on http://127.0.0.1:8077 (simulated orders, billing
   cycles paying out every few minutes), gives Odoo a product with stock for
   every offer SKU it lacks, binds them, and sets the demo marketplace
   connection up as a user would: Test connection, Set up accounting,
   Activate, Push all stock. Then, as a warehouse and an accountant would, it
   validates the deliveries of confirmed marketplace orders with a tracking
   number, invoices and posts the delivered orders, and imports each payout as
   a bank statement line: Retail Connector > Settlements shows closed cycles.
   With ``retail_connector_returns`` (and the store), ``demo_returns`` starts
   the Loop sandbox on 8078 returning the store's completed orders, connects
   the demo Loop connection and receives the parcels: refunds on the store.
   With ``retail_connector_pos``, ``demo_pos`` starts the Square sandbox
   merchant on 8079 (Paris, Berlin as a franchise in its own company, New
   York), sets the demo Square connection up as a user would, sells a day in
   the three stores (Berlin's till offline for its last hour, its sales booked
   after the closing in a rescue session) and closes it with a cash
   difference: Retail Connector > Store Days.
6. Prints a status block every few seconds until Ctrl-C, then stops everything:
   per connection, Odoo's channel sale orders and exchanges next to what the
   sandbox saw (orders sent or placed, webhook deliveries, stock updates).

Options: ``python3 scripts/demo.py --help`` (``make demo DEMO_ARGS="..."``).
"""

import argparse
import configparser
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from urllib.parse import urlsplit

import child_process
import demo_marketplace
import demo_pos
import demo_returns
import odoo_db
import odoo_paths
import psycopg2
from cryptography.fernet import Fernet
from demo_marketplace import MKP_ADDON, MKP_API_KEY, start_marketplace
from demo_support import (
    CONFIG_PATH,
    DEMO_DIR,
    DEMO_STOCK,
    INSTALL_LOG,
    ODOO_LOG,
    DemoError,
    Rpc,
    free_port,
    log,
    port_is_free,
    restock,
    start_process,
    stop_process,
    wait_for_answer,
)
from demo_woocommerce import (
    WOO_ADDON,
    WOO_API,
    WOO_CONSUMER_KEY,
    WOO_CONSUMER_SECRET,
    start_woocommerce,
    woo_figures,
)

CATALOG_PATH = DEMO_DIR / "catalog.json"

SANDBOX_LOG = DEMO_DIR / "sandbox-generic.log"


DEFAULT_DB = "retail_connector_demo"


QUEUE_JOB_CHANNELS = (
    "root:2,root.retail.inbound:2,root.retail.outbound:1,root.retail.batch:1"
)


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


# The demo data's sample failures, each with a guided fix (README, make demo).
SAMPLE_FAILURES = (
    "demo_exchange_failed_business_1003",
    "demo_exchange_failed_tax_1006",
    "demo_exchange_failed_currency_1007",
)


def refresh_sample_failures(rpc):
    """Retry the sample failures that do not show their cause yet.

    Demo data is loaded once: a database made by an older version keeps its
    samples as they were (without a cause, or never processed). A Retry, as
    a user would press it, processes them with today's code; on a fresh
    database they already failed with their causes and are left alone.
    """
    rows = rpc(
        "ir.model.data",
        "search_read",
        [("module", "=", "retail_connector_base"), ("name", "in", SAMPLE_FAILURES)],
        ["res_id"],
    )
    ids = [row["res_id"] for row in rows]
    stale = [
        exchange["id"]
        for exchange in rpc("retail.exchange", "read", ids, ["state", "failure_kind"])
        if exchange["state"] in ("received", "failed") and not exchange["failure_kind"]
    ]
    if stale:
        rpc("retail.exchange", "action_retry", stale)
        log(f"{len(stale)} sample failures of the demo data processed again")


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
    demo_marketplace.add_arguments(parser)
    demo_returns.add_arguments(parser)
    demo_pos.add_arguments(parser)
    parser.add_argument(
        "--interval", type=float, default=3.0, help="seconds between status lines"
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop the demo database and start over"
    )
    return parser.parse_args(argv)


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
    refresh_sample_failures(rpc)
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


def check_ports(args, with_store, with_marketplace=False):
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
    if with_marketplace and not port_is_free(args.marketplace_port):
        port = args.marketplace_port
        raise DemoError(
            f"port {port} is in use (a sandbox marketplace left running?); stop it "
            f'or run make demo DEMO_ARGS="--marketplace-port {port + 1}"'
        )


def report(args, rpc, children, figures, chores=()):
    """Print the status block every few seconds; fail when a child died.

    ``chores`` are called before each block (the demo's warehouse and
    accountant moving the marketplace orders on).
    """
    block = StatusBlock()
    while True:
        for chore in chores:
            chore()
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
    with_marketplace = MKP_ADDON in modules and not args.no_marketplace
    check_ports(args, with_store, with_marketplace)
    with_returns = with_store and demo_returns.RETURNS_ADDON in modules
    with_returns = with_returns and not args.no_returns
    if with_returns:
        demo_returns.check_port(args)
    with_pos = demo_pos.POS_ADDON in modules and not args.no_pos
    if with_pos:
        demo_pos.check_port(args)
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
        chores = []
        if with_marketplace:
            mkp_id, flow = start_marketplace(args, rpc, children)
            figures[mkp_id] = flow.figures
            chores.append(flow.step)
            banner += (
                f"  Mirakl sandbox marketplace: {flow.url} (key {MKP_API_KEY});"
                f" payouts under\n  Retail Connector > Settlements\n"
            )
        if with_returns:
            loop_id, returns = demo_returns.start_returns(
                args, rpc, children, woo_id, store_url
            )
            figures[loop_id] = returns.figures
            chores.append(returns.step)
            banner += f"  Loop sandbox: {returns.url}; Retail Connector > Returns\n"
        if with_pos:
            pos_id, pos = demo_pos.start_pos(args, rpc, base_url, children)
            figures[pos_id] = pos.figures
            chores.append(pos.step)
            banner += (
                f"  Square sandbox merchant: {pos.url}; Retail Connector > Store Days"
                f" (the franchise's\n  manager: berlin / berlin)\n"
            )
        banner += "  Retail Connector > Exchanges shows them arriving. Ctrl-C stops.\n"
        print(banner, flush=True)
        report(args, rpc, children, figures, chores)
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
