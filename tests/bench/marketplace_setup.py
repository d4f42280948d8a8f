"""Preparing the marketplace rows of ``make bench`` (``marketplace.py``).

The Odoo side (EUR, the 20 % tax included in prices, products, Mirakl
connections on the bench server, stream imports, invoices) through JSON-RPC,
the sandbox marketplace in this process, and the bench server's environment
that shortens Mirakl's minute as the sandbox's ``limit_scale`` does
(``RETAIL_CONNECTOR_CALL_LIMIT_SCALE``, read by the base's call schedule).
"""

import configparser
import uuid
from datetime import UTC, datetime

from sandbox.mirakl import DEFAULT_API_KEY, MiraklMarketplace, serve_marketplace
from tests.retail_channel import set_stock

PAGE_SIZE = 100
# A minute of Mirakl's lasts PACE_SCALE minutes, on both sides.
PACE_SCALE = 0.1
MINUTE = 60.0
PACE_ENV = "RETAIL_CONNECTOR_CALL_LIMIT_SCALE"
STREAMS = ("orders", "transaction_logs", "accounting_documents")

# The baseline of row 2, inside ``odoo shell`` (``env`` given).
READ_QUANTITIES = """
import json, os, time
env = globals()["env"]
backend = env["retail.backend"].browse(int(os.environ["BENCH_BACKEND"]))
started = time.perf_counter()
bindings = env["retail.product.binding"].search([("backend_id", "=", backend.id)])
quantities = backend._get_available_quantities(bindings.product_id)
elapsed = time.perf_counter() - started
print("BENCH_RESULT " + json.dumps({"skus": len(quantities), "seconds": elapsed}))
"""


def server_env(scale=PACE_SCALE):
    """Environment of the bench server: Mirakl's minute shortened by ``scale``
    (the base's call schedule reads it, see retail_call_slot.py)."""
    return {PACE_ENV: str(scale)}


def utc(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Setup:
    """What every Mirakl connection of the bench shares (created once)."""

    def __init__(self, server):
        self.server = server
        rpc = server.rpc
        (self.eur,) = rpc(
            "res.currency",
            "search",
            [("name", "=", "EUR")],
            context={"active_test": False},
        )
        rpc("res.currency", "write", [self.eur], {"active": True})
        (warehouse,) = rpc(
            "stock.warehouse", "search_read", [], fields=["company_id"], limit=1
        )
        self.warehouse = warehouse["id"]
        company = warehouse["company_id"][0]
        today = datetime.now(UTC).strftime("%Y-%m-%d")
        if not rpc(
            "res.currency.rate",
            "search",
            [
                ("currency_id", "=", self.eur),
                ("name", "=", today),
                ("company_id", "in", (False, company)),
            ],
        ):
            rpc(
                "res.currency.rate",
                "create",
                {"currency_id": self.eur, "name": today, "rate": 1.0},
            )
        suffix = uuid.uuid4().hex[:6]
        self.pricelist = rpc(
            "product.pricelist",
            "create",
            {"name": f"Bench Mirakl EUR {suffix}", "currency_id": self.eur},
        )
        self.tax = rpc(
            "account.tax",
            "create",
            {
                "name": f"Bench Mirakl 20% incl. {suffix}",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            },
        )

    def connection(self, name, url, **values):
        """An active Mirakl connection to the sandbox at ``url``.

        Its streams count as polled just now with a long interval: only the
        bench's imports poll them, never the cron in the middle of a row.
        """
        rpc = self.server.rpc
        backend = rpc(
            "retail.backend",
            "create",
            {
                "name": f"{name} {uuid.uuid4().hex[:6]}",
                "channel": "mirakl",
                "warehouse_id": self.warehouse,
                "pricelist_id": self.pricelist,
                "mirakl_url": url,
                "mirakl_api_key": DEFAULT_API_KEY,
                "mirakl_page_size": PAGE_SIZE,
                "rate_limit": 0,
                "breaker_threshold": 100,
                "stock_export_delay": 0,
                "auto_confirm": True,
                "poll_interval": 100_000,
                **values,
            },
        )
        rpc(
            "retail.tax.mapping",
            "create",
            {
                "backend_id": backend,
                "rate": 20.0,
                "price_include": True,
                "tax_id": self.tax,
            },
        )
        now = utc(datetime.now(UTC))
        rpc(
            "retail.poll.stream",
            "create",
            [
                {"backend_id": backend, "stream": stream, "last_run_at": now}
                for stream in STREAMS
            ],
        )
        rpc("retail.backend", "action_activate", [backend])
        return backend

    def products(self, prefix, count, stock):
        """Storable products invoiced on order, taxed 20 % included."""
        skus = [f"{prefix}-{index:05d}" for index in range(count)]
        ids = self.server.rpc(
            "product.product",
            "create",
            [
                {
                    "name": f"Bench marketplace item {sku}",
                    "default_code": sku,
                    "is_storable": True,
                    "invoice_policy": "order",
                    "list_price": 60.0,
                    "taxes_id": [(6, 0, [self.tax])],
                }
                for sku in skus
            ],
            context={"tracking_disable": True, "mail_create_nolog": True},
        )
        set_stock(self.server, ids, stock)
        return dict(zip(skus, ids, strict=True))


def import_stream(server, backend, stream, since):
    """ "Import since…" of one stream of the connection (queues its poll job)."""
    context = {"default_backend_id": backend}
    wizard = server.rpc(
        "retail.import.wizard",
        "create",
        {"backend_id": backend, "stream": stream, "since": utc(since)},
        context=context,
    )
    server.rpc("retail.import.wizard", "action_import", [wizard], context=context)


def sandbox_marketplace(**options):
    app = MiraklMarketplace(
        debit_delay=None,
        refund_delay=None,
        limit_scale=PACE_SCALE,
        seed=31,
        **options,
    )
    return app, serve_marketplace(app)


def requests_by_operation(app):
    """``{operation: {"calls", "limited"}}`` the marketplace received."""
    return {
        operation: {"calls": data["calls"], "limited": data["limited"]}
        for operation, data in sorted(app.limits.summary().items())
    }


def failed_exchanges(server, backend):
    return server.rpc(
        "retail.exchange",
        "search_read",
        [("backend_id", "=", backend), ("state", "=", "failed")],
        fields=["error"],
        limit=3,
    )


def place_orders(app, skus, count, rng):
    """``count`` one-line orders, accepted and debited; every other one has
    5.00 of shipping. Returns the orders as OR11 shows them."""
    orders = []
    for index in range(count):
        (order,) = app.place_order(
            [
                {
                    "sku": rng.choice(skus),
                    "quantity": rng.randint(1, 3),
                    "price_unit": 60,
                }
            ],
            tax_rate=20,
            shipping_price=5 if index % 2 == 0 else None,
        )
        app.accept(
            order["order_id"],
            {line["order_line_id"]: True for line in order["order_lines"]},
        )
        app.debit(order["order_id"])
        with app.lock:
            orders.append(app.render(app.orders[order["order_id"]]))
    return orders


def floor_order(order):
    """A sandbox order as the canonical dict ``orm_floor.py`` reads."""
    customer = order.get("customer") or {}
    ident = str(customer.get("customer_id") or order["order_id"])
    email = ident if "@" in ident else f"{ident.lower()}@floor.invalid"
    name = " ".join(filter(None, (customer.get("firstname"), customer.get("lastname"))))
    shipping = sum(
        float(line.get("shipping_price") or 0) for line in order["order_lines"]
    )
    return {
        "name": order["order_id"],
        "currency": order.get("currency_iso_code") or "EUR",
        "customer": {"email": email, "name": name or ident},
        "lines": [
            {
                "sku": line["offer_sku"],
                "name": line.get("product_title") or line["offer_sku"],
                "quantity": str(line["quantity"]),
                "unit_price": str(line["price_unit"]),
                "tax_rate": "20",
            }
            for line in order["order_lines"]
        ],
        "shipping": [
            {"name": "Shipping", "amount": f"{shipping:.2f}", "tax_rate": "20"}
        ]
        if shipping
        else [],
    }


def confirmed(server, backend):
    return server.rpc(
        "sale.order",
        "search_count",
        [("retail_backend_id", "=", backend), ("state", "=", "sale")],
    )


def intervals(times):
    times = sorted(times)
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def job_done_at(server, method, since):
    jobs = server.rpc(
        "queue.job",
        "search_read",
        [
            ("method_name", "=", method),
            ("state", "=", "done"),
            ("date_created", ">=", since),
        ],
        fields=["date_done"],
    )
    return jobs[0]["date_done"] if jobs else None


def limit_time_real(server):
    """The bench server's ``limit_time_real`` (seconds a request, a job, may run)."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(server.config_path)
    return config.get("options", "limit_time_real", fallback="?")


def job_seconds(server, method, since):
    """How long each done job of ``method`` created since ``since`` ran."""
    jobs = server.rpc(
        "queue.job",
        "search_read",
        [("method_name", "=", method), ("date_created", ">=", since)],
        fields=["date_started", "date_done"],
    )
    parse = datetime.fromisoformat
    return [
        (parse(job["date_done"]) - parse(job["date_started"])).total_seconds()
        for job in jobs
        if job["date_started"] and job["date_done"]
    ]


def invoice_orders(server, backend):
    """Invoice and post every sale order of the connection; the invoice ids."""
    sales = server.rpc("sale.order", "search", [("retail_backend_id", "=", backend)])
    for start in range(0, len(sales), 100):
        chunk = sales[start : start + 100]
        context = {"active_model": "sale.order", "active_ids": chunk}
        wizard = server.rpc(
            "sale.advance.payment.inv",
            "create",
            {
                "advance_payment_method": "delivered",
                "consolidated_billing": False,
                "sale_order_ids": [(6, 0, chunk)],
            },
            context=context,
        )
        server.rpc(
            "sale.advance.payment.inv", "create_invoices", [wizard], context=context
        )
    invoices = server.rpc(
        "account.move",
        "search",
        [
            ("move_type", "=", "out_invoice"),
            ("line_ids.sale_line_ids.order_id", "in", sales),
        ],
    )
    for start in range(0, len(invoices), 100):
        server.rpc("account.move", "action_post", invoices[start : start + 100])
    return sales, invoices


def receive_all(app, orders):
    for order in orders:
        order_id = order["order_id"]
        app.set_tracking(order_id, {"carrier_name": "Post", "tracking_number": "1Z"})
        app.ship(order_id)
        app.receive(order_id)


def settled(server, backend, expected, invoices):
    tx = server.rpc(
        "retail.mirakl.transaction", "search_count", [("backend_id", "=", backend)]
    )
    if tx < expected:
        return False
    unposted = server.rpc(
        "retail.mirakl.transaction",
        "search_count",
        [("backend_id", "=", backend), ("state", "!=", "posted")],
    )
    unpaid = server.rpc(
        "account.move",
        "search_count",
        [("id", "in", invoices), ("payment_state", "not in", ("paid", "in_payment"))],
    )
    return not unposted and not unpaid
