"""The demo's store POS part: the Square sandbox merchant's three stores booked
in Odoo's Point of Sale.

The sandbox (``python -m sandbox square``) runs on a fixed port with the
merchant's three stores: Paris Marais (the group's French company), Berlin
Mitte (a franchise in a company of its own) and New York SoHo (the main
company). The demo connection is set up as a user would: the access token
typed in, Test connection (the locations become stores), each store given its
company's warehouse, Create Point of Sale per store, Register webhooks (to
this Odoo), Activate. Then a day of sales in the three stores goes through the
sandbox, its webhooks and Odoo's jobs: cash and card sales, tips in New York,
a return at each till; the franchise's till is offline for its last hour
(card payments kept on the device). Once Odoo booked every sale it received,
each store counts its cash drawer (Paris comes up short) and the days close;
then Berlin's till comes back online and uploads its sales with their device
times: Odoo books them after the closing, in the day's rescue session, which
the next closing run closes. The status block shows, per store, the receipts
in Odoo against the sales in the sandbox, those made offline or booked after
the closing, and the day.
"""

import json
import random
import shlex
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from demo_support import (
    DEMO_DIR,
    REPO_ROOT,
    DemoError,
    log,
    notification_message,
    port_is_free,
    run_chores,
    start_process,
    wait_for_answer,
    xmlid_res_id,
)

POS_ADDON = "retail_connector_pos"
SQUARE_LOG = DEMO_DIR / "sandbox-square.log"

sys.path.insert(0, str(REPO_ROOT))
from sandbox.square import DEFAULT_ACCESS_TOKEN, LOCATIONS  # noqa: E402

PARIS, BERLIN, NEW_YORK = (location["id"] for location in LOCATIONS)
NAMES = {location["id"]: location["name"] for location in LOCATIONS}
ZONES = {location["id"]: location["timezone"] for location in LOCATIONS}
CURRENCIES = {location["id"]: location["currency"] for location in LOCATIONS}
# The company of each store's warehouse (demo data); New York: the main one.
COMPANIES = {
    PARIS: "retail_connector_pos.demo_company_paris",
    BERLIN: "retail_connector_pos.demo_company_franchise",
    NEW_YORK: "base.main_company",
}
FRANCHISE_USER = "retail_connector_pos.demo_user_franchise"
# Each store's tax (demo data), its rate and whether prices include it.
TAXES = {
    PARIS: ("retail_connector_pos.demo_tax_paris_vat", 20.0, True),
    BERLIN: ("retail_connector_pos.demo_tax_franchise_vat", 19.0, True),
    NEW_YORK: ("retail_connector_pos.demo_tax_ny_sales", 8.875, False),
}
BACKEND = "retail_connector_pos.demo_backend_square"
# Each store's drawer opens with 150.00; stock per SKU at the start of a run.
OPENING_FLOAT = 15000
STORE_STOCK = 40
# After the drawers are counted: how long the demo waits for Odoo to read
# the counts and close the days itself before a person closes them.
CLOSING_PATIENCE = 90
CASH_STREAM = "cash_shifts"


def add_arguments(parser):
    """The store POS options of ``scripts/demo.py``."""
    group = parser.add_argument_group(
        "Square stores sandbox (when retail_connector_pos is installed)"
    )
    group.add_argument(
        "--pos-port",
        type=int,
        default=8079,
        help="port of the Square sandbox (default %(default)s, the demo "
        "connection's API URL)",
    )
    group.add_argument(
        "--pos-sales",
        type=int,
        default=25,
        metavar="N",
        help="sales per store in the demo's day (default %(default)s)",
    )
    group.add_argument(
        "--pos-shortfall",
        type=float,
        default=12.5,
        metavar="AMOUNT",
        help="cash missing from the Paris drawer at closing (default %(default)s)",
    )
    group.add_argument(
        "--pos-args",
        default="",
        help='extra options for the Square sandbox, e.g. "--duplicates 0.1" '
        "(python -m sandbox square --help)",
    )
    group.add_argument(
        "--no-pos", action="store_true", help="do not start the Square sandbox"
    )


def check_port(args):
    """Fail early, with what to do, when the Square sandbox's port is taken."""
    port = args.pos_port
    if not port_is_free(port):
        raise DemoError(
            f"port {port} is in use (a Square sandbox left running?); stop it or "
            f'run make demo DEMO_ARGS="--pos-port {port + 1}"'
        )


def _post(url, body=None, timeout=10):
    request = urllib.request.Request(
        url,
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read() or b"{}")


def _get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return json.loads(reply.read() or b"{}")


def _stamp(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------------------
# The connection, as a user sets it up
# ---------------------------------------------------------------------------


class Stores:
    """The demo's companies and the connection's stores, read over JSON-RPC."""

    def __init__(self, rpc):
        self.rpc = rpc
        self.companies = {
            code: xmlid_res_id(rpc, ref) for code, ref in COMPANIES.items()
        }
        if not all(self.companies.values()):
            raise DemoError("the demo data lacks the stores' companies")
        self.context = {"allowed_company_ids": sorted(set(self.companies.values()))}
        self.backend_id = self.fresh_connection()

    def fresh_connection(self):
        """The demo Square connection, fresh when the sandbox is.

        The sandbox keeps nothing between runs: a connection that already
        has store days served an earlier sandbox, and today's may be closed.
        It is archived under a name saying so, and a copy of it (its stores
        and their points of sale) serves the new one. Returns its id.
        """
        found = self(
            "retail.backend",
            "search",
            [("channel", "=", "square")],
            limit=1,
            order="id desc",
        ) or [xmlid_res_id(self.rpc, BACKEND)]
        backend_id = found[0]
        if not backend_id:
            raise DemoError("the demo data has no Square connection (retail.backend)")
        used = self("retail.pos.day", "search_count", [("backend_id", "=", backend_id)])
        if not used:
            return backend_id
        (backend,) = self("retail.backend", "read", [backend_id], ["name", "state"])
        name = backend["name"]
        copy = self("retail.backend", "copy", [backend_id], {"name": name})
        copy_id = copy[0] if isinstance(copy, list) else copy
        if backend["state"] == "active":
            self("retail.backend", "action_pause", [backend_id])
        moment = f"{datetime.now():%Y-%m-%d %H:%M}"
        archived = f"{name} (earlier Square sandbox, archived {moment})"
        self(
            "retail.backend", "write", [backend_id], {"name": archived, "active": False}
        )
        log(f"{name!r} has the store days of an earlier Square sandbox: archived as")
        log(f"  {archived!r}; a copy of it (same points of sale) connects the new one")
        return copy_id

    def __call__(self, model, method, *args, **kwargs):
        """An RPC call seeing the three companies (as admin switched to all)."""
        kwargs.setdefault("context", self.context)
        return self.rpc(model, method, *args, **kwargs)

    def mappings(self):
        """``{location code: store row}`` of the connection."""
        rows = self(
            "retail.location.mapping",
            "search_read",
            [("backend_id", "=", self.backend_id)],
            fields=["location_code", "warehouse_id", "pos_config_id", "company_id"],
        )
        return {row["location_code"]: row for row in rows}

    def warehouse(self, company_id):
        ids = self(
            "stock.warehouse", "search", [("company_id", "=", company_id)], limit=1
        )
        if not ids:
            raise DemoError(f"company {company_id} has no warehouse")
        return ids[0]


def setup_connection(stores, base_url, url):
    """What a user does on the connection's form, step by step."""
    rpc, backend_id = stores, stores.backend_id
    (backend,) = rpc(
        "retail.backend",
        "read",
        [backend_id],
        ["name", "state", "square_access_token_set", "square_api_url"],
    )
    name = backend["name"]
    values = {"square_api_url": url}
    if not backend["square_access_token_set"]:
        log(f"{name}: access token set to the sandbox's")
        values["square_access_token"] = DEFAULT_ACCESS_TOKEN
    rpc("retail.backend", "write", [backend_id], values)
    # Square signs the notification URL: Odoo's must be where it listens.
    rpc("ir.config_parameter", "set_param", "web.base.url", base_url)
    rpc("ir.config_parameter", "set_param", "web.base.url.freeze", "True")
    log(f"{name}: Test connection")
    message = notification_message(
        rpc("retail.backend", "action_test_connection", [backend_id])
    )
    log(f"  {message}")
    manager = xmlid_res_id(stores.rpc, FRANCHISE_USER)
    for code, store in stores.mappings().items():
        company_id = stores.companies.get(code)
        if not company_id:
            continue
        if store["company_id"] and store["company_id"][0] != company_id:
            warehouse = stores.warehouse(company_id)
            values = {"warehouse_id": warehouse}
            if code == BERLIN and manager:
                values["pos_manager_id"] = manager
            log(f"{NAMES[code]}: sells from the warehouse of its own company")
            rpc("retail.location.mapping", "write", [store["id"]], values)
        if not store["pos_config_id"]:
            log(f"{NAMES[code]}: Create Point of Sale")
            rpc("retail.location.mapping", "action_create_pos_config", [store["id"]])
    log(f"{name}: Register webhooks")
    message = notification_message(
        rpc("retail.backend", "action_register_webhooks", [backend_id])
    )
    log(f"  {message}")
    if backend["state"] != "active":
        log(f"{name}: Activate")
        rpc("retail.backend", "action_activate", [backend_id])


def map_taxes(stores):
    """Retail Connector › Mappings › Taxes: each store's rate, in its company."""
    for code, (xmlid, rate, included) in TAXES.items():
        company_id = stores.companies[code]
        mapped = stores(
            "retail.tax.mapping",
            "search_read",
            [("company_id", "=", company_id), ("price_include", "=", included)],
            fields=["rate"],
        )
        if any(abs(row["rate"] - rate) < 0.0001 for row in mapped):
            continue
        tax_id = xmlid_res_id(stores.rpc, xmlid)
        if not tax_id:
            raise DemoError(f"the demo data has no tax {xmlid}")
        log(f"{NAMES[code]}: {rate:g} % tax mapped")
        stores(
            "retail.tax.mapping",
            "create",
            {
                "company_id": company_id,
                "rate": rate,
                "price_include": included,
                "tax_id": tax_id,
            },
        )


def create_products(stores, catalog):
    """A product for each SKU of the stores' catalog Odoo lacks; the SKUs."""
    skus = [variation["sku"] for variation in catalog]
    known = {
        row["default_code"]
        for row in stores(
            "product.product",
            "search_read",
            [("default_code", "in", skus)],
            fields=["default_code"],
        )
    }
    kilogram = xmlid_res_id(stores.rpc, "uom.product_uom_kgm")
    missing = []
    for variation in catalog:
        if variation["sku"] in known:
            continue
        values = {
            "name": f"{variation['item_name']} ({variation['name']})",
            "default_code": variation["sku"],
            "is_storable": True,
            "available_in_pos": True,
            "list_price": variation["prices"]["USD"] / 100,
            "taxes_id": [(5, 0, 0)],
        }
        if variation.get("measured") and kilogram:
            values.update(uom_id=kilogram, uom_po_id=kilogram)
        missing.append(values)
    if missing:
        log(f"{len(missing)} products created for the stores' SKUs")
        stores("product.product", "create", missing)
    return skus


def stock_stores(stores, skus):
    """Each store's warehouse holds STORE_STOCK of every SKU it lacks."""
    products = stores(
        "product.product",
        "search_read",
        [("default_code", "in", skus), ("is_storable", "=", True)],
        fields=["default_code"],
    )
    for store in stores.mappings().values():
        if not store["warehouse_id"]:
            continue
        (warehouse,) = stores(
            "stock.warehouse", "read", [store["warehouse_id"][0]], ["lot_stock_id"]
        )
        location_id = warehouse["lot_stock_id"][0]
        context = {
            **stores.context,
            "inventory_mode": True,
            "allowed_company_ids": [store["company_id"][0]],
        }
        held = {
            quant["product_id"][0]
            for quant in stores(
                "stock.quant",
                "search_read",
                [
                    ("location_id", "=", location_id),
                    ("product_id", "in", [p["id"] for p in products]),
                    ("quantity", ">", 5),
                ],
                fields=["product_id"],
                context=context,
            )
        }
        missing = [p for p in products if p["id"] not in held]
        if not missing:
            continue
        quant_ids = stores(
            "stock.quant",
            "create",
            [
                {
                    "product_id": product["id"],
                    "location_id": location_id,
                    "inventory_quantity": STORE_STOCK,
                }
                for product in missing
            ],
            context=context,
        )
        stores("stock.quant", "action_apply_inventory", quant_ids, context=context)


# ---------------------------------------------------------------------------
# The day
# ---------------------------------------------------------------------------


def day_plan(rng, catalog, sales_per_store, now=None):
    """The day: ``(opening, plan)``, when each store opens its drawer and
    every sale, oldest first, as ``(moment, location, body)``.

    Each store opens eight hours ago, or a quarter past its local midnight
    if later (its drawer belongs to today), and sells from five minutes
    after opening until two minutes ago.
    """
    now = now or datetime.now(UTC)
    opening, plan = {}, []
    for code in (PARIS, BERLIN, NEW_YORK):
        zone = ZoneInfo(ZONES[code])
        local_now = now.astimezone(zone)
        midnight = local_now.replace(hour=0, minute=15, second=0, microsecond=0)
        start = max(midnight, local_now - timedelta(hours=8))
        opening[code] = start.astimezone(UTC)
        first = start + timedelta(minutes=5)
        span = max(60.0, (local_now - timedelta(minutes=2) - first).total_seconds())
        for _ in range(sales_per_store):
            moment = first + timedelta(seconds=rng.uniform(0, span))
            plan.append((moment.astimezone(UTC), code, _sale(rng, catalog, code)))
    plan.sort(key=lambda row: row[0])
    return opening, plan


def _sale(rng, catalog, code):
    lines = []
    for variation in rng.sample(catalog, rng.randint(1, 3)):
        if variation.get("measured"):
            quantity = f"{rng.randint(50, 400) / 1000:.3f}"
        else:
            quantity = rng.choice((1, 1, 1, 2, 3))
        lines.append([variation["sku"], quantity, None])
    body = {"location_id": code, "lines": lines}
    body["tender"] = "CASH" if rng.random() < 0.35 else "CARD"
    if CURRENCIES[code] == "USD" and rng.random() < 0.5:
        body["tip"] = rng.choice((100, 200, 300, 500))
    if rng.random() < 0.1:
        body["discount_percent"] = 10
    return body


class PosFlow:
    """The demo's day in the three stores, then its closing.

    ``sell_the_day`` goes through the sandbox at once; ``step`` (between
    status blocks) waits for Odoo to book every sale, then has each store
    count its drawer and the days closed.
    """

    def __init__(self, stores, url, args):
        self.stores = stores
        self.url = url
        self.args = args
        self.sold = {code: set() for code in NAMES}
        self.offline = {}  # store -> (from, to, sales held)
        self.counted_at = None
        self.triggered_at = 0.0
        self.closing = "selling"
        self.problem = ""

    # -- the day ----------------------------------------------------------
    def sell_the_day(self, rng):
        """Open the drawers, sell, go offline for an hour, return at each till."""
        catalog = _get(f"{self.url}/_sandbox/catalog")
        opening, plan = day_plan(rng, catalog, self.args.pos_sales)
        for code, moment in opening.items():
            self._location(
                code,
                "open-shift",
                {"opened_cash": OPENING_FLOAT, "at": _stamp(moment)},
            )
        # The franchise's till loses its connection for its last hour: it
        # takes cards offline and forwards them once back online.
        last = max(moment for moment, where, _body in plan if where == BERLIN)
        down = last - timedelta(hours=1)
        self.offline[BERLIN] = (down, None, 0)
        log(
            f"a day of sales: {len(plan)} sales in {len(NAMES)} stores; "
            f"{NAMES[BERLIN]} offline from {self._local(BERLIN, down)} local time"
        )
        offline = False
        for moment, code, body in plan:
            if code == BERLIN and moment >= down:
                if not offline:
                    self._location(BERLIN, "offline")
                    offline = True
                body = {**body, "tender": "CARD"}
            sale = _post(f"{self.url}/_sandbox/sales", {**body, "at": _stamp(moment)})
            if sale.get("offline"):
                start, back, held = self.offline[BERLIN]
                self.offline[BERLIN] = (start, back, held + 1)
            else:
                self.sold[code].add(sale["order"]["id"])
        self._returns(rng)

    def come_online(self):
        """Berlin's till is back: it uploads the sales it kept, now."""
        answer = self._location(BERLIN, "online")
        for sale in answer.get("uploaded", []):
            self.sold[BERLIN].add(sale["order"]["id"])
        down, _back, held = self.offline[BERLIN]
        self.offline[BERLIN] = (down, datetime.now(UTC), held)
        log(
            f"{NAMES[BERLIN]}'s till is back online: {held} sales uploaded with "
            "their device times, after the day's closing"
        )

    def _returns(self, rng):
        """A customer brings an item back at each till."""
        for code in NAMES:
            orders = sorted(self.sold[code])
            if not orders:
                continue
            source = _get_order(self.url, rng.choice(orders))
            line = source["line_items"][0]
            quantity = "1" if "." not in line["quantity"] else line["quantity"]
            at = datetime.now(UTC) - timedelta(minutes=1)
            ret = _post(
                f"{self.url}/_sandbox/returns",
                {
                    "source_order_id": source["id"],
                    "lines": [[line["uid"], quantity]],
                    "at": _stamp(at),
                },
            )
            self.sold[code].add(ret["order"]["id"])

    def _location(self, code, step, body=None):
        return _post(f"{self.url}/_sandbox/locations/{code}/{step}", body)

    @staticmethod
    def _local(code, moment):
        return f"{moment.astimezone(ZoneInfo(ZONES[code])):%H:%M}"

    # -- the closing ------------------------------------------------------
    def step(self):
        """Between status blocks: count the drawers once all is booked, close."""
        self.problem = run_chores((self.close_when_booked,))

    def booked(self):
        """``{store: pos.order count}`` of the connection's receipts."""
        groups = self.stores(
            "pos.order",
            "read_group",
            [("retail_backend_id", "=", self.stores.backend_id)],
            ["config_id"],
            ["config_id"],
            lazy=False,
        )
        by_config = {g["config_id"][0]: g["__count"] for g in groups if g["config_id"]}
        return {
            code: by_config.get(store["pos_config_id"][0], 0)
            for code, store in self.stores.mappings().items()
            if store["pos_config_id"]
        }

    def close_when_booked(self):
        if self.closing == "selling":
            if self._all_booked():
                self.count_drawers()
        elif self.closing == "counted":
            self.close_days()
        elif self.closing == "late uploads":
            self.close_rescue()

    def _all_booked(self):
        booked = self.booked()
        return all(booked.get(code, 0) >= len(self.sold[code]) for code in NAMES)

    def _run_closing_cron(self):
        """Run Manually the closing cron (every 30 s at most), rather than
        wait up to five minutes for it."""
        cron = xmlid_res_id(
            self.stores.rpc, "retail_connector_pos.ir_cron_pos_close_days"
        )
        if cron and time.monotonic() - self.triggered_at > 30:
            self.triggered_at = time.monotonic()
            self.stores("ir.cron", "method_direct_trigger", [cron])

    def count_drawers(self):
        """Each store ends its shift and counts its drawer: Paris is short."""
        shortfall = round(self.args.pos_shortfall * 100)
        for code in NAMES:
            shift = self._location(code, "end-shift")
            expected = shift["expected_cash_money"]["amount"]
            counted = expected - shortfall if code == PARIS else expected
            self._location(code, "close-shift", {"counted_cash": counted})
        log(
            f"every sale booked; drawers counted ({NAMES[PARIS]} "
            f"{self.args.pos_shortfall:.2f} EUR short)"
        )
        self.counted_at = time.monotonic()
        self.closing = "counted"
        self.import_cash_shifts()
        self.close_days()

    def import_cash_shifts(self):
        """Square sends no webhook for drawer counts: Odoo polls them. Rather
        than wait for the next poll, "Import since…" the cash drawer shifts."""
        context = {**self.stores.context, "default_backend_id": self.stores.backend_id}
        stream = self.stores(
            "retail.import.wizard", "fields_get", ["stream"], context=context
        )["stream"]
        if CASH_STREAM not in dict(stream.get("selection") or []):
            return
        since = datetime.now(UTC) - timedelta(days=1)
        wizard = self.stores(
            "retail.import.wizard",
            "create",
            {
                "backend_id": self.stores.backend_id,
                "stream": CASH_STREAM,
                "since": f"{since:%Y-%m-%d %H:%M:%S}",
            },
            context=context,
        )
        log("Import since…: the cash drawer shifts")
        self.stores("retail.import.wizard", "action_import", [wizard], context=context)

    def _days(self):
        return self.stores(
            "retail.pos.day",
            "search_read",
            [("backend_id", "=", self.stores.backend_id)],
            fields=[
                "store_id",
                "store_name",
                "business_date",
                "state",
                "cash_counted_known",
                "cash_difference",
                "receipt_count",
                "late_count",
                "discrepancy",
                "currency_id",
            ],
            order="business_date desc, id",
        )

    def close_days(self):
        """The closing cron closes a day once its drawer count is read; when
        this Odoo does not read the counts, a person closes the days."""
        days = [d for d in self._days() if d["state"] == "open"]
        if not days:
            log("the day is closed in every store")
            self.closing = "late uploads"
            self.come_online()
            return
        if any(d["cash_counted_known"] for d in days):
            self._run_closing_cron()
        waiting = [d for d in days if not d["cash_counted_known"]]
        if not waiting or time.monotonic() - self.counted_at < CLOSING_PATIENCE:
            return
        names = ", ".join(d["store_id"][1] for d in waiting)
        log(f"no drawer count read for {names}: Close Day (the expected cash counted)")
        self.stores("retail.pos.day", "action_close_day", [d["id"] for d in waiting])

    def close_rescue(self):
        """Once Berlin's late sales are booked, the closing run closes the
        rescue session they went to."""
        if not self._all_booked():
            return
        configs = [
            row["pos_config_id"][0]
            for row in self.stores.mappings().values()
            if row["pos_config_id"]
        ]
        still_open = self.stores(
            "pos.session",
            "search_count",
            [("config_id", "in", configs), ("state", "!=", "closed")],
        )
        if still_open:
            self._run_closing_cron()
            return
        self.closing = "closed"
        log(f"{NAMES[BERLIN]}'s rescue session closed: every session is closed")

    # -- status -----------------------------------------------------------
    def figures(self):
        """Per store: receipts in Odoo against sales in the sandbox, late ones,
        the day."""
        booked = self.booked()
        mappings = self.stores.mappings()
        config_of = {
            code: row["pos_config_id"][0]
            for code, row in mappings.items()
            if row["pos_config_id"]
        }
        flags = {}
        for field in ("retail_offline", "retail_late"):
            for group in self.stores(
                "pos.order",
                "read_group",
                [
                    ("retail_backend_id", "=", self.stores.backend_id),
                    (field, "=", True),
                ],
                ["config_id"],
                ["config_id"],
                lazy=False,
            ):
                if group["config_id"]:
                    flags[(field, group["config_id"][0])] = group["__count"]
        days = {}
        for day in self._days():
            days.setdefault(day["store_id"][0], day)
        lines = []
        for code, name in NAMES.items():
            store = mappings.get(code)
            if not store:
                lines.append(f"{name}: not a store of the connection yet")
                continue
            config = config_of.get(code)
            text = (
                f"{name}: receipts in Odoo {booked.get(code, 0)}"
                f" / sales in the sandbox {len(self.sold[code])}"
                f"; made offline {flags.get(('retail_offline', config), 0)}"
                f", booked after closing {flags.get(('retail_late', config), 0)}"
            )
            day = days.get(store["id"])
            if day:
                text += f"; day {day['business_date']} {day['state']}"
                if day["state"] == "closed":
                    text += f", cash difference {day['cash_difference']:+.2f}"
                    if day["discrepancy"]:
                        text += " (manager told)"
            lines.append(text)
        if BERLIN in self.offline:
            down, back, held = self.offline[BERLIN]
            text = (
                f"{NAMES[BERLIN]} offline from {self._local(BERLIN, down)}: {held} "
                "card sales kept on the till"
            )
            if back:
                text += (
                    f", uploaded at {self._local(BERLIN, back)} (after the "
                    "closing) with their device times"
                )
            else:
                text += ", uploaded once the day is closed"
            lines.append(text)
        lines.append(f"closing: {self.closing}")
        if self.problem:
            lines.append(f"(last round: {self.problem})")
        return "\n      ".join(lines)


def _get_order(url, order_id):
    request = urllib.request.Request(
        f"{url}/v2/orders/{order_id}",
        headers={"Authorization": f"Bearer {DEFAULT_ACCESS_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())["order"]


def start_pos(args, rpc, base_url, children):
    """Start the Square sandbox, set the demo connection up and sell a day.

    Returns (connection id, PosFlow). A failed setup step is reported and the
    demo goes on: the connection form shows what to fix.
    """
    url = f"http://127.0.0.1:{args.pos_port}"
    stores = Stores(rpc)
    command = [
        sys.executable, "-m", "sandbox", "-v", "square",
        "--host", "127.0.0.1",
        "--port", str(args.pos_port),
        "--no-history",
        "--retry-scale", "0.01",
    ]  # fmt: skip
    command += shlex.split(args.pos_args)
    log(f"starting the Square sandbox merchant on {url} (log: {SQUARE_LOG})")
    process = start_process(command, SQUARE_LOG)
    children.insert(0, ("the Square sandbox", process, SQUARE_LOG))
    wait_for_answer(
        "the sandbox", f"{url}/_sandbox/state", process, SQUARE_LOG, 30, 0.3
    )
    flow = PosFlow(stores, url, args)
    try:
        setup_connection(stores, base_url, url)
        map_taxes(stores)
        catalog = _get(f"{url}/_sandbox/catalog")
        stock_stores(stores, create_products(stores, catalog))
        flow.sell_the_day(random.Random())
    except (DemoError, urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        log(f"store POS setup did not complete: {exc}")
        log("the Square sandbox keeps running; see the connection form in Odoo")
        flow.closing = "not started"
    return stores.backend_id, flow
