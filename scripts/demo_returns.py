"""The demo's returns part: the Loop sandbox returning the WooCommerce sandbox
store's completed orders, the demo Loop connection set up as a user would, and
the warehouse work that moves returns on to a refund on the store."""

import json
import random
import shlex
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime

from demo_support import (
    DEMO_DIR,
    REPO_ROOT,
    DemoError,
    http_json,
    log,
    notification_message,
    port_is_free,
    run_chores,
    ship_deliveries,
    start_process,
    wait_for_answer,
)
from demo_woocommerce import WOO_API, WOO_CONSUMER_KEY, WOO_CONSUMER_SECRET

LOOP_LOG = DEMO_DIR / "sandbox-loop.log"
RETURNS_ADDON = "retail_connector_returns"


# The Loop sandbox's default API key and webhook secret, public by design
# (the demo data gives them to the demo connection).
sys.path.insert(0, str(REPO_ROOT))
from sandbox import loop as loop_sandbox  # noqa: E402

LOOP_API_KEY = loop_sandbox.DEFAULT_API_KEY
LOOP_WEBHOOK_SECRET = loop_sandbox.DEFAULT_WEBHOOK_SECRET
INSPECTION_WIZARD = "retail.return.inspection.wizard"


# Deliveries validated, receipts validated and returns inspected per tick.
BATCH = 10


def add_arguments(parser):
    """The returns options of ``scripts/demo.py``."""
    group = parser.add_argument_group(
        "Loop returns sandbox (when retail_connector_returns is installed; "
        "needs the store)"
    )
    group.add_argument(
        "--returns-port",
        type=int,
        default=8078,
        help="port of the Loop sandbox (default %(default)s)",
    )
    group.add_argument(
        "--returns-per-minute",
        type=float,
        default=2.0,
        metavar="N",
        help="simulated returns of completed store orders per minute "
        "(default %(default)s)",
    )
    group.add_argument(
        "--label-step",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="a return parcel moves one step (in transit, out for delivery, "
        "delivered) this often (default %(default)s)",
    )
    group.add_argument(
        "--returns-args",
        default="",
        help='extra options for the Loop sandbox, e.g. "--duplicates 0.1" '
        "(python -m sandbox loop --help)",
    )
    group.add_argument(
        "--no-returns", action="store_true", help="do not start the Loop sandbox"
    )


def check_port(args):
    """Fail early, with what to do, when the Loop sandbox's port is taken."""
    port = args.returns_port
    if not port_is_free(port):
        raise DemoError(
            f"port {port} is in use (a Loop sandbox left running?); stop it or "
            f'run make demo DEMO_ARGS="--returns-port {port + 1}"'
        )


def _post_json(url, body, timeout=10):
    request = urllib.request.Request(
        url,
        data=json.dumps(body, default=str).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read() or b"{}")


def loop_connection(rpc):
    """The demo Loop connection, fresh when the sandbox is.

    The sandbox keeps nothing between runs and numbers its returns from 1
    every time: a connection that already has returns served an earlier
    sandbox. It is archived under a name saying so, and a copy of it (reason
    mappings included) serves the new one. Returns its id.
    """
    backend_ids = rpc(
        "retail.backend", "search", [("channel", "=", "loop")], limit=1, order="id desc"
    )
    if not backend_ids:
        raise DemoError("the demo data has no Loop connection (retail.backend)")
    backend_id = backend_ids[0]
    used = rpc(
        "rma.batch", "search_count", [("retail_backend_id", "=", backend_id)]
    ) or rpc("retail.exchange", "search_count", [("backend_id", "=", backend_id)])
    if not used:
        return backend_id
    (backend,) = rpc("retail.backend", "read", [backend_id], ["name", "state"])
    name = backend["name"]
    copy = rpc("retail.backend", "copy", [backend_id], {"name": name})
    copy_id = copy[0] if isinstance(copy, list) else copy
    if not rpc("retail.return.reason", "search_count", [("backend_id", "=", copy_id)]):
        for reason_id in rpc(
            "retail.return.reason", "search", [("backend_id", "=", backend_id)]
        ):
            rpc("retail.return.reason", "copy", [reason_id], {"backend_id": copy_id})
    if backend["state"] == "active":
        rpc("retail.backend", "action_pause", [backend_id])
    moment = f"{datetime.now():%Y-%m-%d %H:%M}"
    archived = f"{name} (earlier Loop sandbox, archived {moment})"
    rpc("retail.backend", "write", [backend_id], {"name": archived, "active": False})
    log(f"{name!r} has the returns of an earlier Loop sandbox: archived as")
    log(f"  {archived!r}; a copy of it connects the new sandbox")
    return copy_id


def setup_returns(rpc, backend_id, woo_id, loop_url):
    """Connect the demo Loop connection: what a user does on its form."""
    rpc(
        "retail.backend",
        "write",
        [backend_id],
        {"loop_api_url": loop_url, "return_storefront_ids": [(6, 0, [woo_id])]},
    )
    (backend,) = rpc(
        "retail.backend",
        "read",
        [backend_id],
        ["name", "state", "loop_api_key_set", "webhook_secret_set"],
    )
    name = backend["name"]
    if not backend["loop_api_key_set"] or not backend["webhook_secret_set"]:
        log(f"{name}: API key and webhook secret set to the sandbox's")
        rpc(
            "retail.backend",
            "write",
            [backend_id],
            {"loop_api_key": LOOP_API_KEY, "webhook_secret": LOOP_WEBHOOK_SECRET},
        )
    if backend["state"] != "active":
        log(f"{name}: Activate")
        rpc("retail.backend", "action_activate", [backend_id])
    log(f"{name}: Register webhooks")
    message = notification_message(
        rpc("retail.backend", "action_register_webhooks", [backend_id])
    )
    log(f"  {message}")


class ReturnsFlow:
    """The warehouse of the demo's returns, over JSON-RPC.

    Each ``step``: deliveries of the store's orders validated with a tracking
    number (the connector completes the store orders, which Loop returns),
    return receipts validated once Loop reports their parcel delivered (with
    the refund-after-receipt policy the credit note is then posted and
    refunded on the store), received returns inspected as new, back to stock
    (when the inspection wizard is installed), exchanges held for want of a
    variant SKU given one from Loop's return and retried; and, until made, a
    return with an exchange and one with store credit.
    """

    def __init__(self, rpc, backend_id, woo_id, loop_url, store_url):
        self.rpc = rpc
        self.backend_id = backend_id
        self.woo_id = woo_id
        self.url = loop_url
        self.store_url = store_url
        self.started = time.monotonic()
        self.first_refund = None
        self.problem = ""
        self.random = random.Random()
        self.loop_returns = []
        self.steered = {}  # outcome -> Loop return id
        self.used_orders = set()
        self.store_refunds = {}  # credit note id -> store refund id, seen
        self.inspected = 0
        self.fixed = 0
        self.relabelled = 0
        self.inspection = None  # unknown until asked

    def step(self):
        """One round of the chores; a failing one is shown, not fatal."""
        chores = (self.ship, self.steer, self.read_loop, self.receive, self.inspect)
        self.problem = run_chores((*chores, self.fix_exchanges, self.retry_labels))

    # -- the store's orders ---------------------------------------------------
    def ship(self):
        """Validate the store orders' deliveries: the store completes them."""
        ship_deliveries(self.rpc, self.woo_id, self.random, BATCH)

    def _store_get(self, path):
        body, _headers = http_json(
            f"{self.store_url}{WOO_API}/{path}",
            auth=(WOO_CONSUMER_KEY, WOO_CONSUMER_SECRET),
            timeout=10,
        )
        return body

    # -- Loop -------------------------------------------------------------------
    def read_loop(self):
        self.loop_returns, _headers = http_json(
            f"{self.url}/_sandbox/returns", timeout=5
        )
        for ret in self.loop_returns:
            self.used_orders.add(str(ret["provider_order_id"]))

    def _delivered_in_odoo(self, order):
        """Whether Odoo has the store order confirmed and delivered."""
        return bool(
            self.rpc(
                "sale.order",
                "search_count",
                [
                    ("retail_backend_id", "=", self.woo_id),
                    ("retail_external_id", "=", str(order["id"])),
                    ("state", "=", "sale"),
                    ("delivery_status", "=", "full"),
                ],
            )
        )

    def _exchange_variant(self, order):
        """(line, {"id", "sku"}) of another variant of a variable product of
        ``order`` that Odoo has, or None."""
        for line in order.get("line_items") or []:
            if not line.get("variation_id"):
                continue
            variations = self._store_get(
                f"products/{line['product_id']}/variations?per_page=100"
            )
            others = [
                v["sku"]
                for v in variations
                if v.get("sku") and v["id"] != line["variation_id"]
            ]
            known = {
                row["default_code"]
                for row in self.rpc(
                    "product.product",
                    "search_read",
                    [("default_code", "in", others)],
                    fields=["default_code"],
                )
            }
            for variation in variations:
                if variation.get("sku") in known:
                    return line, {"id": variation["id"], "sku": variation["sku"]}
        return None

    def steer(self):
        """Until made: a return for an exchange and one for store credit."""
        if len(self.steered) == 2:
            return
        orders = [
            o
            for o in self._store_get("orders?status=completed&per_page=100")
            if str(o["id"]) not in self.used_orders and o.get("line_items")
        ]
        for order in orders:
            if len(self.steered) == 2:
                return
            if not self._delivered_in_odoo(order):
                continue
            if "exchange" not in self.steered:
                found = self._exchange_variant(order)
                if found:
                    line, variant = found
                    units = [[line["id"], "Too small", "exchange", variant]]
                    self._create_return(order, "exchange", units)
                    log(f"Loop: a return of store order {order['id']} for an exchange")
                    log(f"  of {line.get('sku')} for {variant['sku']}")
                    continue
            if "credit" not in self.steered:
                line = order["line_items"][0]
                units = [[line["id"], "Changed my mind", "credit"]]
                self._create_return(order, "credit", units)
                log(f"Loop: a return of store order {order['id']} for store credit")

    def _create_return(self, order, outcome, units):
        body = {
            "order": loop_sandbox.order_from_woocommerce(order),
            "units": units,
            "label": True,
        }
        ret = _post_json(f"{self.url}/_sandbox/returns", body)
        self.steered[outcome] = ret["id"]
        self.used_orders.add(str(order["id"]))

    # -- the warehouse ----------------------------------------------------------
    def receive(self):
        """Validate the receipts of returns whose parcel Loop delivered."""
        delivered = [
            str(r["id"])
            for r in self.loop_returns
            if r.get("labels") and r["labels"][-1]["status"] == "delivered"
        ]
        if not delivered:
            return
        batch = "move_ids.rma_receiver_ids.batch_id"
        picking_ids = self.rpc(
            "stock.picking",
            "search",
            [
                (f"{batch}.retail_backend_id", "=", self.backend_id),
                (f"{batch}.retail_external_id", "in", delivered),
                ("state", "not in", ("done", "cancel")),
            ],
            limit=BATCH,
            order="id",
        )
        for picking_id in picking_ids:
            done = self.rpc(
                "stock.picking",
                "button_validate",
                [picking_id],
                context={"skip_sms": True},
            )
            if isinstance(done, dict):
                raise DemoError(f"validating a receipt asks for {done.get('name')}")

    def inspect(self):
        """Inspect the received returns: as new, back to stock."""
        rpc = self.rpc
        if self.inspection is None:
            self.inspection = bool(
                rpc("ir.model", "search_count", [("model", "=", INSPECTION_WIZARD)])
            )
        if not self.inspection:
            return
        rmas = rpc(
            "rma",
            "search_read",
            [
                ("retail_backend_id", "=", self.backend_id),
                ("retail_inspection_state", "in", ("todo", "partial")),
            ],
            fields=["batch_id"],
            limit=BATCH * 3,
        )
        batch_ids = sorted({r["batch_id"][0] for r in rmas if r["batch_id"]})
        for batch_id in batch_ids[:BATCH]:
            action = rpc("rma.batch", "action_retail_inspect", [batch_id])
            rpc(INSPECTION_WIZARD, "action_confirm", [action["res_id"]])
            self.inspected += 1

    def fix_exchanges(self):
        """An exchange held for want of a variant SKU: set Exchange For from
        the variant Loop names (a variant of the returned line), then Retry."""
        rpc = self.rpc
        batches = rpc(
            "rma.batch",
            "search_read",
            [
                ("retail_backend_id", "=", self.backend_id),
                ("retail_outcome_error", "!=", False),
            ],
            fields=["retail_external_id", "rma_ids"],
            limit=BATCH,
        )
        by_id = {str(r["id"]): r for r in self.loop_returns}
        for batch in batches:
            ret = by_id.get(batch["retail_external_id"])
            if not ret:
                continue
            skus = {}
            for unit in ret["line_items"]:
                if unit["outcome"] != "exchange":
                    continue
                wanted = unit.get("exchange_variant")
                sku = wanted.get("sku") if isinstance(wanted, dict) else None
                if not sku:
                    sku = next(
                        (
                            u["sku"]
                            for u in ret["line_items"]
                            if u["variant_id"] == wanted
                        ),
                        None,
                    )
                if sku:
                    skus[unit["sku"]] = sku
            rmas = rpc(
                "rma",
                "search_read",
                [
                    ("id", "in", batch["rma_ids"]),
                    ("retail_outcome", "=", "exchange"),
                    ("retail_exchange_sku", "=", False),
                ],
                fields=["product_id"],
            )
            for rma in rmas:
                (product,) = rpc(
                    "product.product", "read", [rma["product_id"][0]], ["default_code"]
                )
                sku = skus.get(product["default_code"])
                if sku:
                    rpc("rma", "write", [rma["id"]], {"retail_exchange_sku": sku})
            rpc("rma.batch", "action_retail_retry_outcomes", [batch["id"]])
            self.fixed += 1

    def retry_labels(self):
        """A label event Odoo took before its return (Loop sends them at
        once): Retry, as its message says, once the return is in Odoo."""
        rpc = self.rpc
        failed = rpc(
            "retail.exchange",
            "search_read",
            [
                ("backend_id", "=", self.backend_id),
                ("state", "=", "failed"),
                ("topic", "like", "loop.label."),
            ],
            fields=["external_id"],
            limit=BATCH,
        )
        known = {
            row["retail_external_id"]
            for row in rpc(
                "rma.batch",
                "search_read",
                [
                    ("retail_backend_id", "=", self.backend_id),
                    ("retail_external_id", "in", [f["external_id"] for f in failed]),
                ],
                fields=["retail_external_id"],
            )
        }
        ids = [f["id"] for f in failed if f["external_id"] in known]
        if ids:
            rpc("retail.exchange", "action_retry", ids)
            self.relabelled += len(ids)

    # -- the status line ----------------------------------------------------------
    def refunded_on_store(self):
        """Credit notes of returns whose refund the store shows; counts them."""
        rpc = self.rpc
        batches = rpc(
            "rma.batch",
            "search_read",
            [
                ("retail_backend_id", "=", self.backend_id),
                ("retail_refund_id.retail_external_refund_id", "!=", False),
                ("retail_refund_id", "not in", list(self.store_refunds)),
            ],
            fields=["retail_refund_id", "retail_order_id"],
        )
        for batch in batches:
            note_id = batch["retail_refund_id"][0]
            (note,) = rpc(
                "account.move", "read", [note_id], ["retail_external_refund_id"]
            )
            (sale,) = rpc(
                "sale.order",
                "read",
                [batch["retail_order_id"][0]],
                ["retail_external_id"],
            )
            refunds = self._store_get(f"orders/{sale['retail_external_id']}/refunds")
            if note["retail_external_refund_id"] in {str(r["id"]) for r in refunds}:
                self.store_refunds[note_id] = note["retail_external_refund_id"]
                if self.first_refund is None:
                    self.first_refund = time.monotonic() - self.started
        return len(self.store_refunds)

    def figures(self):
        """Returns on Loop next to Odoo's batches, receipts, refunds, outcomes."""
        rpc = self.rpc
        state, _headers = http_json(f"{self.url}/_sandbox/state", timeout=5)
        loop_returns = self.loop_returns
        closed = sum(1 for r in loop_returns if r["state"] == "closed")
        mine = [("retail_backend_id", "=", self.backend_id)]

        def count(domain):
            return rpc("rma.batch", "search_count", mine + domain)

        deliveries = state.get("deliveries", {})
        text = (
            f"returns on Loop {len(loop_returns)} ({closed} closed)"
            f", webhooks delivered {deliveries.get('delivered', 0)}"
            f"/{deliveries.get('submitted', 0)}"
            f" | Odoo: batches {count([])}"
            f", received {count([('rma_ids.reception_move_id.state', '=', 'done')])}"
            f", refunded on the store {self.refunded_on_store()}"
            f", exchanges {count([('retail_exchange_order_ids', '!=', False)])}"
            f", store credits {count([('retail_credit_history_id', '!=', False)])}"
        )
        waiting = count(
            [
                ("retail_refund_id", "!=", False),
                ("retail_refund_id.retail_external_refund_id", "=", False),
            ]
        )
        if waiting:
            text += f", {waiting} credit notes not refunded on the store yet"
        held = count([("retail_outcome_error", "!=", False)])
        if held:
            text += f", {held} held"
        if self.inspection is False:
            text += "; inspection wizard not installed: not inspected"
        elif self.inspection:
            text += f"; {self.inspected} inspected"
        if self.fixed:
            text += f"; {self.fixed} exchanges given their variant"
        if self.relabelled:
            text += f"; {self.relabelled} early labels retried"
        if self.first_refund is not None:
            text += f"\n      first store refund {self.first_refund / 60:.1f} min in"
        if self.problem:
            text += f"\n      (last round: {self.problem})"
        return text


def start_returns(args, rpc, children, woo_id, store_url):
    """Start the Loop sandbox on the store's orders and connect the demo
    connection to it. Returns (connection id, ReturnsFlow); a failed setup
    step is reported and the demo goes on."""
    url = f"http://127.0.0.1:{args.returns_port}"
    backend_id = loop_connection(rpc)
    command = [
        sys.executable, "-m", "sandbox", "-v", "loop",
        "--host", "127.0.0.1",
        "--port", str(args.returns_port),
        "--api-key", LOOP_API_KEY,
        "--webhook-secret", LOOP_WEBHOOK_SECRET,
        "--store-url", store_url,
        "--returns-per-minute", str(args.returns_per_minute),
        "--label-step", str(args.label_step),
    ]  # fmt: skip
    command += shlex.split(args.returns_args)
    log(
        f"starting the Loop sandbox on {url}, {args.returns_per_minute:g} returns "
        f"a minute of completed store orders, parcels moving every "
        f"{args.label_step:g} s (log: {LOOP_LOG})"
    )
    process = start_process(command, LOOP_LOG)
    children.insert(0, ("the Loop sandbox", process, LOOP_LOG))
    wait_for_answer("the sandbox", f"{url}/_sandbox/state", process, LOOP_LOG, 30, 0.3)
    try:
        setup_returns(rpc, backend_id, woo_id, url)
    except (DemoError, urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        log(f"returns setup did not complete: {exc}")
        log("the Loop sandbox keeps running; see the connection form in Odoo")
    return backend_id, ReturnsFlow(rpc, backend_id, woo_id, url, store_url)
