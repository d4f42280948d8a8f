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
4. Prints a status line every few seconds until Ctrl-C, then stops everything.

Options: ``python3 scripts/demo.py --help`` (``make demo DEMO_ARGS="..."``).
"""

import argparse
import configparser
import ctypes
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from urllib.parse import urlsplit

import odoo_paths
import psycopg2
from cryptography.fernet import Fernet

from odoo.tools import config as odoo_config

REPO_ROOT = odoo_paths.REPO_ROOT
DEMO_DIR = REPO_ROOT / ".demo"
CONFIG_PATH = DEMO_DIR / "odoo.conf"
ODOO_LOG = DEMO_DIR / "odoo.log"
INSTALL_LOG = DEMO_DIR / "install.log"
SANDBOX_LOG = DEMO_DIR / "sandbox-generic.log"
CATALOG_PATH = DEMO_DIR / "catalog.json"
DEFAULT_DB = "retail_connector_demo"
QUEUE_JOB_CHANNELS = (
    "root:2,root.retail.inbound:2,root.retail.outbound:1,root.retail.batch:1"
)
ADMIN = ("admin", "admin")


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
        "dbfilter": f"^{db}$",
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
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop in {timeout}s; killing it")
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"{name} (pid {process.pid}) is still running")


def log_tail(path, lines=40):
    """Last lines of a log file, for error messages."""
    try:
        with open(path, encoding="utf-8", errors="replace") as log_file:
            return "".join(log_file.readlines()[-lines:])
    except OSError:
        return ""


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
    """Our addons installed in ``db`` (empty when the database is missing)."""
    params = {"dbname": db}
    for key, option in (
        ("host", "db_host"),
        ("port", "db_port"),
        ("user", "db_user"),
        ("password", "db_password"),
    ):
        if odoo_config[option]:
            params[key] = odoo_config[option]
    try:
        connection = psycopg2.connect(**params)
    except psycopg2.OperationalError as exc:
        if f'"{db}" does not exist' in str(exc):
            return None
        raise DemoError(f"cannot reach PostgreSQL: {exc}") from exc
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM ir_module_module"
                " WHERE state = 'installed' AND name = ANY(%s)",
                [list(modules)],
            )
            return {row[0] for row in cursor.fetchall()}
    except psycopg2.Error:
        return set()
    finally:
        connection.close()


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
            f"end of {INSTALL_LOG}:\n{log_tail(INSTALL_LOG)}"
        )


# ---------------------------------------------------------------------------
# JSON-RPC
# ---------------------------------------------------------------------------


class Rpc:
    """Minimal JSON-RPC client for ``/jsonrpc`` as admin."""

    def __init__(self, url, db):
        self.url = url
        self.db = db
        self.uid = None

    def call(self, service, method, *args, timeout=30):
        """``service.method(*args)``; raises DemoError with Odoo's message."""
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": service, "method": method, "args": args},
                "id": 1,
            }
        ).encode()
        request = urllib.request.Request(
            f"{self.url}/jsonrpc",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            answer = json.loads(reply.read())
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise DemoError(data.get("message") or answer["error"].get("message"))
        # Odoo leaves "result" out when a method returns None.
        return answer.get("result")

    def login(self):
        """Log in as admin/admin."""
        self.uid = self.call("common", "login", self.db, *ADMIN)
        if not self.uid:
            raise DemoError(f"admin/admin cannot log in to {self.db}")

    def __call__(self, model, method, *args, **kwargs):
        return self.call(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            ADMIN[1],
            model,
            method,
            args,
            kwargs,
        )


def wait_for_health(url, process, timeout):
    """Wait until Odoo answers /web/health; fail fast if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(
                f"Odoo exited with status {process.returncode}; end of {ODOO_LOG}:\n"
                f"{log_tail(ODOO_LOG)}"
            )
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise DemoError(f"Odoo did not answer within {timeout}s; see {ODOO_LOG}")


def wait_for_sandbox(state_url, process, timeout):
    """Wait until the sandbox answers its state endpoint; fail if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(
                f"the sandbox exited with status {process.returncode}; end of "
                f"{SANDBOX_LOG}:\n{log_tail(SANDBOX_LOG)}"
            )
        try:
            with urllib.request.urlopen(state_url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise DemoError(f"the sandbox did not answer within {timeout}s; see {SANDBOX_LOG}")


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
    return backend["name"], webhook_url, currency


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


def status_line(rpc, state_url):
    """One line: exchanges by state, channel orders, sandbox deliveries."""
    groups = rpc("retail.exchange", "read_group", [], ["state"], ["state"])
    by_state = {group["state"]: group["state_count"] for group in groups}
    shown = ", ".join(f"{state} {count}" for state, count in by_state.items())
    orders = rpc("sale.order", "search_count", [("retail_backend_id", "!=", False)])
    line = (
        f"{datetime.now():%H:%M:%S} exchanges: {shown or 'none yet'}"
        f" | channel sale orders {orders}"
    )
    try:
        with urllib.request.urlopen(state_url, timeout=5) as reply:
            sandbox = json.loads(reply.read())
        deliveries = sandbox.get("deliveries", {})
        pushes = sandbox.get("channel", {}).get("pushes", 0)
        line += (
            f" | sandbox sent {deliveries.get('delivered', 0)}"
            f"/{deliveries.get('submitted', 0)}, pushes received {pushes}"
        )
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        line += " | sandbox not answering"
    return line


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def parse_args(argv):
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Run the Retail Connector demo (Ctrl-C stops everything)."
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="database (default %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8069, help="Odoo HTTP port")
    parser.add_argument(
        "--rate", type=float, default=0.5, help="sandbox orders per second"
    )
    parser.add_argument(
        "--count", type=int, default=None, help="orders to send (default: endless)"
    )
    parser.add_argument(
        "--sandbox-args",
        default="",
        help='extra options for the generic sandbox, e.g. "--duplicates 0.1"',
    )
    parser.add_argument(
        "--interval", type=float, default=3.0, help="seconds between status lines"
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop the demo database and start over"
    )
    return parser.parse_args(argv)


def run(args):
    """Prepare, start, and report until interrupted."""
    modules = odoo_paths.our_addons()
    if not modules:
        raise DemoError("no retail_connector_* addon with a __manifest__.py found")
    if not port_is_free(args.port):
        raise DemoError(
            f"port {args.port} is in use (another Odoo?); stop it or run "
            f'make demo DEMO_ARGS="--port {args.port + 1}"'
        )
    gevent_port = 8072 if port_is_free(8072) else free_port()
    write_config(args.db, args.port, gevent_port)
    prepare_database(args.db, modules, args.reset)

    children = []
    try:
        log(f"starting Odoo on http://localhost:{args.port} (log: .demo/odoo.log)")
        odoo = start_process(
            [*odoo_paths.odoo_command(), f"--config={CONFIG_PATH}"], ODOO_LOG
        )
        children.append(("Odoo", odoo))
        base_url = f"http://127.0.0.1:{args.port}"
        wait_for_health(base_url, odoo, timeout=180)

        rpc = Rpc(base_url, args.db)
        rpc.login()
        push_port = free_port()
        push_url = f"http://127.0.0.1:{push_port}/events"
        secret = secrets.token_urlsafe(32)
        backend_name, webhook_url, currency = configure_connection(
            rpc, base_url, push_url, secret
        )
        catalog = write_catalog(rpc)

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
        children.insert(0, ("the sandbox", sandbox))
        state_url = f"http://127.0.0.1:{push_port}/_sandbox/state"
        wait_for_sandbox(state_url, sandbox, timeout=30)

        print(
            f"\n  Retail Connector demo is running.\n"
            f"  Open http://localhost:{args.port} and log in as admin / admin.\n"
            f"  Connection {backend_name!r} receives orders at {webhook_url}\n"
            f"  Retail Connector > Exchanges shows them arriving. Ctrl-C stops.\n",
            flush=True,
        )
        tty = sys.stdout.isatty()
        while True:
            for name, process in children:
                if process.poll() is not None:
                    log_path = ODOO_LOG if process is odoo else SANDBOX_LOG
                    if process is sandbox and process.returncode == 0:
                        continue  # --count reached: keep Odoo running
                    raise DemoError(
                        f"{name} exited with status {process.returncode}; "
                        f"end of {log_path}:\n{log_tail(log_path)}"
                    )
            try:
                line = status_line(rpc, state_url)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                line = f"{datetime.now():%H:%M:%S} Odoo not answering ({exc})"
            if tty:
                print(f"\r\033[K{line}", end="", flush=True)
            else:
                print(line, flush=True)
            time.sleep(args.interval)
    finally:
        # A second Ctrl-C must not cut the cleanup short and leave orphans.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if sys.stdout.isatty():
            print()
        for name, process in children:
            stop_process(name, process)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Entry point: exit 0 after Ctrl-C, 1 with a message on failure."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
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
