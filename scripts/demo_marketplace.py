"""The demo's marketplace part: the Mirakl sandbox, its offers in Odoo, the
demo connection set up as a user would, and the warehouse and accounting work
that moves its orders on to a settled payout."""

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
    DEMO_STOCK,
    REPO_ROOT,
    DemoError,
    http_json,
    log,
    notification_message,
    restock,
    run_chores,
    ship_deliveries,
    start_process,
    wait_for_answer,
    xmlid_res_id,
)

MKP_LOG = DEMO_DIR / "sandbox-mirakl.log"


MKP_ADDON = "retail_connector_marketplace"


# The sandbox marketplace's default API key and shop, public by design.
sys.path.insert(0, str(REPO_ROOT))
from sandbox import mirakl as mirakl_sandbox  # noqa: E402

MKP_API_KEY = mirakl_sandbox.DEFAULT_API_KEY


MKP_SHOP_ID = mirakl_sandbox.DEFAULT_SHOP_ID


# The shop's offers (prices include 20 % VAT). The limited edition starts with
# little stock and is never restocked: once sold out, acceptance by stock
# refuses its lines.
OFFERS = (
    ("MUG-ENAMEL", "Enamel Mug", "12.90"),
    ("CANDLE-SOY", "Soy Candle", "16.90"),
    ("MKP-RUG-WOOL", "Wool Rug", "119.00"),
    ("MKP-LAMP-BRASS", "Brass Lamp", "59.90"),
    ("MKP-VASE-GLASS", "Glass Vase", "24.50"),
    ("MKP-THROW-LINEN", "Linen Throw", "44.00"),
    ("MKP-CLOCK-WALL", "Wall Clock", "32.00"),
    ("MKP-PRINT-LTD", "Art Print (limited edition)", "89.00"),
)
LIMITED_SKU = "MKP-PRINT-LTD"
LIMITED_STOCK = 4

# Deliveries validated, orders invoiced and payouts banked per status tick.
BATCH = 10

SHIPPED_STATES = ("SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED")
ACCEPTED_STATES = ("WAITING_DEBIT", "WAITING_DEBIT_PAYMENT", "SHIPPING")
ACCEPTED_STATES += SHIPPED_STATES


def add_arguments(parser):
    """The marketplace's options of ``scripts/demo.py``."""
    group = parser.add_argument_group(
        "Mirakl sandbox marketplace (when retail_connector_marketplace is installed)"
    )
    group.add_argument(
        "--marketplace-port",
        type=int,
        default=8077,
        help="port of the sandbox marketplace (default %(default)s)",
    )
    group.add_argument(
        "--marketplace-orders",
        type=float,
        default=3.0,
        metavar="N",
        help="simulated marketplace orders per minute (default %(default)s)",
    )
    group.add_argument(
        "--billing-cycle",
        type=float,
        default=150.0,
        metavar="SECONDS",
        help="the marketplace closes a billing cycle and pays out this often "
        "(default %(default)s)",
    )
    group.add_argument(
        "--marketplace-args",
        default="",
        help='extra options for the marketplace sandbox, e.g. "--receive-delay 60" '
        "(python -m sandbox mirakl --help)",
    )
    group.add_argument(
        "--no-marketplace",
        action="store_true",
        help="do not start the sandbox marketplace",
    )


def _post_json(url, body, timeout=10):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read() or b"{}")


def marketplace_connection(rpc):
    """The demo marketplace connection, fresh when the sandbox is.

    The sandbox keeps nothing between runs and numbers its accounting
    documents from the same start every time: a connection that already has
    orders or payouts served an earlier sandbox. It is archived under a name
    saying so, and a copy of it (carriers and refund reasons included)
    serves the new one. Returns its id.
    """
    backend_ids = rpc(
        "retail.backend",
        "search",
        [("channel", "=", "mirakl")],
        limit=1,
        order="id desc",
    )
    if not backend_ids:
        raise DemoError("the demo data has no Mirakl connection (retail.backend)")
    backend_id = backend_ids[0]
    used = rpc(
        "sale.order", "search_count", [("retail_backend_id", "=", backend_id)]
    ) or rpc(
        "retail.mirakl.document", "search_count", [("backend_id", "=", backend_id)]
    )
    if not used:
        return backend_id
    (backend,) = rpc("retail.backend", "read", [backend_id], ["name", "state"])
    name = backend["name"]
    copy = rpc("retail.backend", "copy", [backend_id], {"name": name})
    copy_id = copy[0] if isinstance(copy, list) else copy
    for model in ("retail.mirakl.carrier", "retail.mirakl.refund.reason"):
        if not rpc(model, "search_count", [("backend_id", "=", copy_id)]):
            ids = rpc(model, "search", [("backend_id", "=", backend_id)])
            for record_id in ids:
                rpc(model, "copy", [record_id], {"backend_id": copy_id})
    if backend["state"] == "active":
        rpc("retail.backend", "action_pause", [backend_id])
    moment = f"{datetime.now():%Y-%m-%d %H:%M}"
    archived = f"{name} (earlier sandbox marketplace, archived {moment})"
    rpc("retail.backend", "write", [backend_id], {"name": archived, "active": False})
    log(f"{name!r} has the orders of an earlier sandbox marketplace: archived as")
    log(f"  {archived!r}; a copy of it connects the new marketplace")
    return copy_id


def ensure_offer_products(rpc, backend_id, offers, warehouse_id):
    """A storable product with stock for every offer SKU, bound to the shop.

    Returns (products created, restocked, bindings created).
    """
    skus = [offer["sku"] for offer in offers]
    existing = {
        row["default_code"]: row["id"]
        for row in rpc(
            "product.product",
            "search_read",
            [("default_code", "in", skus)],
            fields=["default_code"],
        )
    }
    tax_id = xmlid_res_id(rpc, f"{MKP_ADDON}.demo_tax_sale_20_included")
    missing = [offer for offer in offers if offer["sku"] not in existing]
    if missing:
        new_ids = rpc(
            "product.product",
            "create",
            [
                {
                    "name": offer["title"],
                    "default_code": offer["sku"],
                    "type": "consu",
                    "is_storable": True,
                    "list_price": float(offer["price"] or 0),
                    "taxes_id": [(6, 0, [tax_id] if tax_id else [])],
                }
                for offer in missing
            ],
        )
        existing.update(zip([o["sku"] for o in missing], new_ids, strict=True))
    if LIMITED_SKU in {offer["sku"] for offer in missing}:
        (warehouse,) = rpc("stock.warehouse", "read", [warehouse_id], ["lot_stock_id"])
        quant_ids = rpc(
            "stock.quant",
            "create",
            [
                {
                    "product_id": existing[LIMITED_SKU],
                    "location_id": warehouse["lot_stock_id"][0],
                    "inventory_quantity": LIMITED_STOCK,
                }
            ],
            context={"inventory_mode": True},
        )
        rpc("stock.quant", "action_apply_inventory", quant_ids)
    restocked = restock(rpc, [s for s in skus if s != LIMITED_SKU], warehouse_id)
    bound = {
        row["product_id"][0]
        for row in rpc(
            "retail.product.binding",
            "search_read",
            [("backend_id", "=", backend_id)],
            fields=["product_id"],
        )
    }
    bindings = [
        {
            "backend_id": backend_id,
            "product_id": product_id,
            "external_id": sku,
            "external_sku": sku,
        }
        for sku, product_id in existing.items()
        if product_id not in bound
    ]
    if bindings:
        rpc("retail.product.binding", "create", bindings)
    return len(missing), restocked, len(bindings)


def setup_marketplace(rpc, backend_id, marketplace_url):
    """Connect the demo marketplace connection: what a user does on its form."""
    offers = [
        {"sku": sku, "title": title, "price": price} for sku, title, price in OFFERS
    ]
    _post_json(f"{marketplace_url}/_sandbox/shops/{MKP_SHOP_ID}", {"offers": offers})
    rpc("retail.backend", "write", [backend_id], {"mirakl_url": marketplace_url})
    (backend,) = rpc(
        "retail.backend",
        "read",
        [backend_id],
        ["name", "state", "warehouse_id", "mirakl_api_key_set"],
    )
    name = backend["name"]
    if not backend["mirakl_api_key_set"]:
        log(f"{name}: API key set to the sandbox's")
        rpc("retail.backend", "write", [backend_id], {"mirakl_api_key": MKP_API_KEY})

    created, restocked, bound = ensure_offer_products(
        rpc, backend_id, offers, backend["warehouse_id"][0]
    )
    log(
        f"marketplace offers: {len(offers)} SKUs; {created} products created in "
        f"Odoo, {restocked} restocked to {DEMO_STOCK} free, {bound} bound"
    )

    log(f"{name}: Test connection")
    message = notification_message(
        rpc("retail.backend", "action_test_connection", [backend_id])
    )
    log(f"  {message}")

    log(f"{name}: Settlement > Set up accounting")
    try:
        rpc("retail.backend", "action_mirakl_setup_accounting", [backend_id])
    except DemoError as exc:
        log(f"  not done ({exc}); payouts are posted once it is")

    # Bank statement lines are full accounting: the demo's accountant (admin)
    # turns on "Show Full Accounting Features" on their user.
    group_id = xmlid_res_id(rpc, "account.group_account_user")
    if group_id and not rpc(
        "res.users",
        "search_count",
        [("id", "=", rpc.uid), ("groups_id", "in", group_id)],
    ):
        log("admin: Show Full Accounting Features (to import bank statement lines)")
        rpc("res.users", "write", [rpc.uid], {"groups_id": [(4, group_id)]})

    if backend["state"] != "active":
        log(f"{name}: Activate")
        rpc("retail.backend", "action_activate", [backend_id])

    log(f"{name}: Push all stock")
    rpc("retail.backend", "action_push_all_stock", [backend_id])


class MarketplaceFlow:
    """The warehouse and the accountant of the demo, over JSON-RPC.

    Each ``step``: deliveries of confirmed marketplace orders validated with a
    tracking number (the connector then sends it and ships the order),
    delivered orders invoiced and the invoices posted (the settlement then
    reconciles them), and each payout the marketplace made imported as a bank
    statement line of the payout journal (the settlement matches it).
    """

    def __init__(self, rpc, backend_id, marketplace_url):
        self.rpc = rpc
        self.backend_id = backend_id
        self.url = marketplace_url
        self.banked = set()
        self.problem = ""
        self.random = random.Random()

    def step(self):
        """One round of the three chores; a failing one is shown, not fatal."""
        self.problem = run_chores((self.ship, self.invoice, self.bank), (OSError,))

    def ship(self):
        """Validate the marketplace orders' deliveries: tracking, then shipped."""
        ship_deliveries(self.rpc, self.backend_id, self.random, BATCH)

    def invoice(self):
        rpc = self.rpc
        order_ids = rpc(
            "sale.order",
            "search",
            [
                ("retail_backend_id", "=", self.backend_id),
                ("state", "=", "sale"),
                ("delivery_status", "=", "full"),
                ("invoice_status", "=", "to invoice"),
            ],
            limit=BATCH,
            order="id",
        )
        if order_ids:
            wizard_id = rpc(
                "sale.advance.payment.inv",
                "create",
                {
                    "advance_payment_method": "delivered",
                    "sale_order_ids": [(6, 0, order_ids)],
                },
            )
            rpc("sale.advance.payment.inv", "create_invoices", [wizard_id])
        drafts = rpc(
            "account.move",
            "search",
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "draft"),
                ("invoice_line_ids.sale_line_ids.order_id", "in", self.order_ids()),
            ],
            limit=BATCH,
        )
        if drafts:
            rpc("account.move", "action_post", drafts)

    def order_ids(self):
        return self.rpc(
            "sale.order", "search", [("retail_backend_id", "=", self.backend_id)]
        )

    def bank(self):
        rpc = self.rpc
        documents = rpc(
            "retail.mirakl.document",
            "search_read",
            [
                ("backend_id", "=", self.backend_id),
                ("state", "in", ("paid", "discrepancy")),
                ("statement_line_id", "=", False),
                ("id", "not in", list(self.banked)),
            ],
            fields=["number", "paid_amount", "currency_id"],
            limit=BATCH,
        )
        if not documents:
            return
        (backend,) = rpc(
            "retail.backend",
            "read",
            [self.backend_id],
            ["mirakl_bank_journal_id", "mirakl_operator_partner_id", "name"],
        )
        if not backend["mirakl_bank_journal_id"]:
            return
        partner = backend["mirakl_operator_partner_id"]
        for document in documents:
            rpc(
                "account.bank.statement.line",
                "create",
                {
                    "journal_id": backend["mirakl_bank_journal_id"][0],
                    "date": time.strftime("%Y-%m-%d"),
                    "payment_ref": f"{backend['name']} payout {document['number']}",
                    "partner_id": partner[0] if partner else False,
                    "amount": document["paid_amount"],
                },
            )
            self.banked.add(document["id"])

    def figures(self):
        """The sandbox's orders next to Odoo's orders, lines and payouts."""
        body, _headers = http_json(f"{self.url}/_sandbox/state", timeout=5)
        state = body.get("channel") or {}
        by_state = state.get("orders_by_state", {})
        rpc = self.rpc
        sales = rpc(
            "sale.order", "search_count", [("retail_backend_id", "=", self.backend_id)]
        )
        lines = {
            group["state"]: group["__count"]
            for group in rpc(
                "retail.mirakl.transaction",
                "read_group",
                [("backend_id", "=", self.backend_id)],
                ["state"],
                ["state"],
                lazy=False,
            )
        }
        payouts = {
            group["state"]: group["__count"]
            for group in rpc(
                "retail.mirakl.document",
                "read_group",
                [("backend_id", "=", self.backend_id)],
                ["state"],
                ["state"],
                lazy=False,
            )
        }
        text = (
            f"marketplace orders {state.get('orders', 0)}"
            f" | accepted {sum(by_state.get(s, 0) for s in ACCEPTED_STATES)}"
            f" refused {by_state.get('REFUSED', 0)}"
            f" shipped {sum(by_state.get(s, 0) for s in SHIPPED_STATES)}"
            f" | Odoo: {sales} sale orders"
            f", transaction lines posted {lines.get('posted', 0)}"
            f"/{sum(lines.values())}"
            f", payouts {payouts.get('paid', 0) + payouts.get('matched', 0)} paid"
            f" ({payouts.get('matched', 0)} matched with the bank)"
        )
        if payouts.get("discrepancy"):
            text += f" ({payouts['discrepancy']} with a discrepancy)"
        if self.problem:
            text += f"\n      (last round: {self.problem})"
        return text


def start_marketplace(args, rpc, children):
    """Start the sandbox marketplace and connect the demo connection to it.

    Returns (connection id, MarketplaceFlow). A failed setup step is reported
    and the demo goes on: the connection form shows what to fix.
    """
    url = f"http://127.0.0.1:{args.marketplace_port}"
    backend_id = marketplace_connection(rpc)
    command = [
        sys.executable, "-m", "sandbox", "-v", "mirakl",
        "--host", "127.0.0.1",
        "--port", str(args.marketplace_port),
        "--api-key", MKP_API_KEY,
        "--shop-id", str(MKP_SHOP_ID),
        "--partial-acceptance",
        "--orders-per-minute", str(args.marketplace_orders),
        "--debit-delay", "5",
        "--receive-delay", "20",
        "--billing-cycle", str(args.billing_cycle),
    ]  # fmt: skip
    command += shlex.split(args.marketplace_args)
    log(
        f"starting the Mirakl sandbox marketplace on {url}, "
        f"{args.marketplace_orders:g} orders a minute, a billing cycle every "
        f"{args.billing_cycle:g} s (log: {MKP_LOG})"
    )
    process = start_process(command, MKP_LOG)
    children.insert(0, ("the Mirakl sandbox marketplace", process, MKP_LOG))
    wait_for_answer("the sandbox", f"{url}/_sandbox/state", process, MKP_LOG, 30, 0.3)
    try:
        setup_marketplace(rpc, backend_id, url)
    except (DemoError, urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        log(f"marketplace setup did not complete: {exc}")
        log("the marketplace keeps running; see the connection form in Odoo")
    return backend_id, MarketplaceFlow(rpc, backend_id, url)
