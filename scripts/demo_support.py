"""What the demo's parts share: paths, narration, processes, ports, JSON-RPC."""

import base64
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime

import child_process
import odoo_paths
import odoo_rpc

REPO_ROOT = odoo_paths.REPO_ROOT


DEMO_DIR = REPO_ROOT / ".demo"


CONFIG_PATH = DEMO_DIR / "odoo.conf"


ODOO_LOG = DEMO_DIR / "odoo.log"


INSTALL_LOG = DEMO_DIR / "install.log"


ADMIN = ("admin", "admin")


class DemoError(RuntimeError):
    """Something the person running the demo has to fix; the message says what."""


def log(message):
    """A line of the demo's own narration."""
    print(f"[demo] {message}", flush=True)


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


# A demo product found with less than LOW_STOCK free at the start of a run is
# topped up to DEMO_STOCK free, so that the channels keep selling across runs.
DEMO_STOCK = 30


LOW_STOCK = 5


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


def run_chores(chores, errors=(OSError, ValueError)):
    """Run each chore; return what failed, one line each, joined (or "")."""
    problems = []
    for chore in chores:
        try:
            chore()
        except (DemoError, *errors) as exc:  # OSError: URLError, timeouts
            problems.append(f"{chore.__name__}: {str(exc).splitlines()[0][:120]}")
    return "; ".join(problems)


def ship_deliveries(rpc, backend_id, rng, limit=10):
    """Validate, with a tracking number, the deliveries of a connection's
    orders whose goods are all reserved: the warehouse at work."""
    pickings = rpc(
        "stock.picking",
        "search_read",
        [
            ("sale_id.retail_backend_id", "=", backend_id),
            ("picking_type_code", "=", "outgoing"),
            ("state", "=", "assigned"),
        ],
        fields=["move_ids"],
        limit=limit,
        order="id",
    )
    for picking in pickings:
        moves = rpc(
            "stock.move", "read", picking["move_ids"], ["quantity", "product_uom_qty"]
        )
        if any(m["quantity"] < m["product_uom_qty"] for m in moves):
            continue  # not all there: it waits for stock
        tracking = f"1Z{rng.randrange(10**15):015d}"
        rpc(
            "stock.picking",
            "write",
            [picking["id"]],
            {"carrier_tracking_ref": tracking},
        )
        # A warehouse validating in bulk: no SMS to confirm first.
        done = rpc(
            "stock.picking",
            "button_validate",
            [picking["id"]],
            context={"skip_sms": True},
        )
        if isinstance(done, dict):
            raise DemoError(f"validating a delivery asks for {done.get('name')}")
