"""WooCommerce store stand-in over real loopback HTTP.

The sandbox is checked against independent code written here (OAuth signing,
HMAC verification, a webhook receiver), then against the connector's own
WooCommerce client and mappers, which must agree with it.
"""

import base64
import hashlib
import hmac
import json
import secrets
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from sandbox import available_channels
from sandbox.common import FaultConfig, Faults, http_request
from sandbox.woocommerce import (
    DEFAULT_CONSUMER_KEY as KEY,
)
from sandbox.woocommerce import (
    DEFAULT_CONSUMER_SECRET as SECRET,
)
from sandbox.woocommerce import (
    HOOKSHOT_USER_AGENT,
    WooStore,
    php_json,
    serve_store,
)

from .receiver import Receiver as BaseReceiver

REPO = Path(__file__).resolve().parents[2]
API = "/wp-json/wc/v3"
HOOK_SECRET = "whsec-\u00e9t\u00e9 & more"


# ---------------------------------------------------------------------------
# Independent helpers: OAuth signer, HMAC check, webhook receiver
# ---------------------------------------------------------------------------


def pct(value) -> str:
    return urllib.parse.quote(str(value), safe="-_.~")


def oauth_query(method, url, params=(), *, key=KEY, secret=SECRET, **overrides):
    """Sign like the official WooCommerce Python client; returns a query string."""
    signed = dict(params)
    signed.update(
        oauth_consumer_key=key,
        oauth_timestamp=str(int(time.time())),
        oauth_nonce=secrets.token_hex(16),
        oauth_signature_method="HMAC-SHA256",
    )
    signed.update(overrides)
    method_name = signed["oauth_signature_method"]
    pairs = "%26".join(f"{pct(k)}%3D{pct(pct(v))}" for k, v in sorted(signed.items()))
    base = f"{method}&{pct(url)}&{pairs}"
    digest = hashlib.sha1 if method_name == "HMAC-SHA1" else hashlib.sha256
    signature = hmac.new(f"{secret}&".encode(), base.encode(), digest).digest()
    signed["oauth_signature"] = base64.b64encode(signature).decode()
    return urllib.parse.urlencode(signed)


def basic(key=KEY, secret=SECRET):
    return {
        "Authorization": "Basic "
        + base64.b64encode(f"{key}:{secret}".encode()).decode()
    }


def api(server, method, path, payload=None, *, auth="basic", query=None, **kw):
    """Call the store's REST API; ``auth`` is basic, query, oauth or None."""
    url = f"{server.url}{API}/{path}"
    params = dict(query or {})
    headers = {}
    if auth == "basic":
        headers.update(basic(kw.get("key", KEY), kw.get("secret", SECRET)))
    elif auth == "query":
        params.update(
            consumer_key=kw.get("key", KEY), consumer_secret=kw.get("secret", SECRET)
        )
    if auth == "oauth":
        target = f"{url}?{oauth_query(method, url, params)}"
    else:
        target = f"{url}?{urllib.parse.urlencode(params)}" if params else url
    body = None if payload is None else json.dumps(payload).encode()
    response = http_request(method, target, body=body, headers=headers)
    return response


def hmac_b64(secret: str, body: bytes) -> str:
    return base64.b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()
    ).decode()


class Receiver(BaseReceiver):
    """The shared receiver; ``status`` answers every request (or a callable
    of the body)."""

    def __init__(self, status=200):
        super().__init__((status,))

    def deliveries(self, topic=None):
        with self.lock:
            return [
                r
                for r in self.requests
                if "X-WC-Webhook-Topic" in r["headers"]
                and (topic is None or r["headers"]["X-WC-Webhook-Topic"] == topic)
            ]

    def pings(self):
        with self.lock:
            return [r for r in self.requests if r["body"].startswith(b"webhook_id=")]


@pytest.fixture
def receiver():
    instance = Receiver()
    yield instance
    instance.close()


def start(**options):
    seed_catalog = options.pop("seed_catalog", True)
    options.setdefault("seed", 7)
    store = WooStore(**options)
    if seed_catalog:
        store.seed_catalog()
    return serve_store(store)


@pytest.fixture
def store():
    """A plain-HTTP store (OAuth only), seeded catalog."""
    server = start()
    yield server
    server.shutdown()


@pytest.fixture
def https_store():
    """An HTTPS store (as behind a TLS proxy): Basic and query-string auth."""
    server = start(assume_https=True)
    yield server
    server.shutdown()


def checkout(server, **data):
    data.setdefault("payment_method", "stripe")
    response = http_request(
        "POST", f"{server.url}/_sandbox/checkout", body=json.dumps(data).encode()
    )
    status, body = response.status, response.json()
    assert status == 200, body
    return body["orders"]


def register(server, receiver, topic, secret=HOOK_SECRET, status="active"):
    response = api(
        server,
        "POST",
        "webhooks",
        {
            "name": f"test {topic}",
            "topic": topic,
            "delivery_url": receiver.url,
            "secret": secret,
            "status": status,
        },
    )
    assert response.status == 201, response.body
    return response.json()


# ---------------------------------------------------------------------------
# Command line and catalog
# ---------------------------------------------------------------------------


def test_registered_and_help_runs():
    assert "woocommerce" in available_channels()
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "woocommerce", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for option in ("--assume-https", "--checkout-rate", "--seed-catalog", "--drop"):
        assert option in result.stdout


def test_command_line_store_announces_itself_and_answers():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "woocommerce",
            "--seed-catalog",
            "--assume-https",
            "--duration",
            "20",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(process.stdout.readline())
        assert ready["event"] == "ready"
        assert ready["products"] == 50
        response = http_request(
            "GET",
            f"{ready['api_url']}/products?per_page=1",
            headers=basic(ready["consumer_key"], ready["consumer_secret"]),
        )
        assert response.status == 200
        assert response.headers["x-wp-total"] == "50"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_seeded_catalog(https_store):
    store = https_store.app
    assert len(store.products) == 50
    variable = [p for p in store.products.values() if p["type"] == "variable"]
    assert len(variable) == 8
    assert all(p["variations"] for p in variable)
    skus = [r["sku"] for r in [*store.products.values(), *store.variations.values()]]
    assert all(skus) and len(skus) == len(set(skus))

    response = api(https_store, "GET", "products", query={"sku": "HOODIE-BLU-M"})
    (found,) = response.json()
    # The SKU filter finds variations too, shown as products of type variation.
    assert (found["type"], found["sku"]) == ("variation", "HOODIE-BLU-M")
    hoodie = store.products[found["parent_id"]]
    listed = api(https_store, "GET", f"products/{hoodie['id']}/variations")
    assert {v["sku"] for v in listed.json()} == {
        "HOODIE-BLU-M",
        "HOODIE-BLU-L",
        "HOODIE-GRE-M",
        "HOODIE-GRE-L",
    }


# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------


def test_plain_http_store_ignores_basic_and_query_credentials(store):
    for auth in ("basic", "query"):
        response = api(store, "GET", "orders", auth=auth)
        assert response.status == 401
        assert response.json()["code"] == "woocommerce_rest_cannot_view"
    response = api(store, "POST", "products", {"name": "x"}, auth="basic")
    assert response.json()["code"] == "woocommerce_rest_cannot_create"


@pytest.mark.parametrize("method_name", ["HMAC-SHA256", "HMAC-SHA1"])
def test_plain_http_store_accepts_oauth(store, method_name):
    url = f"{store.url}{API}/products"
    query = oauth_query(
        "GET", url, {"per_page": "3"}, oauth_signature_method=method_name
    )
    response = http_request("GET", f"{url}?{query}")
    assert response.status == 200, response.body
    assert len(response.json()) == 3


def test_oauth_header_form_is_accepted(store):
    url = f"{store.url}{API}/orders"
    params = dict(urllib.parse.parse_qsl(oauth_query("GET", url)))
    header = "OAuth " + ", ".join(f'{k}="{pct(v)}"' for k, v in params.items())
    response = http_request("GET", url, headers={"Authorization": header})
    assert response.status == 200, response.body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"oauth_timestamp": str(int(time.time()) - 16 * 60)}, "Invalid timestamp."),
        ({"oauth_signature_method": "PLAINTEXT"}, "signature method is invalid"),
        ({"oauth_consumer_key": "ck_unknown"}, "Consumer key is invalid."),
    ],
)
def test_oauth_refusals(store, overrides, message):
    url = f"{store.url}{API}/orders"
    response = http_request("GET", f"{url}?{oauth_query('GET', url, **overrides)}")
    assert response.status == 401
    assert message in response.json()["message"]


def test_oauth_wrong_secret_and_replayed_nonce(store):
    url = f"{store.url}{API}/orders"
    forged = oauth_query("GET", url, secret="cs_wrong")
    response = http_request("GET", f"{url}?{forged}")
    assert response.status == 401
    assert response.json()["message"] == (
        "Invalid signature - provided signature does not match."
    )
    query = oauth_query("GET", url)
    assert http_request("GET", f"{url}?{query}").status == 200
    replay = http_request("GET", f"{url}?{query}")
    assert replay.status == 401
    assert "nonce has already been used" in replay.json()["message"]


def test_oauth_signature_covers_the_query(store):
    url = f"{store.url}{API}/orders"
    query = oauth_query("GET", url, {"per_page": "5"}).replace(
        "per_page=5", "per_page=6"
    )
    assert http_request("GET", f"{url}?{query}").status == 401


def test_https_store_basic_and_query(https_store):
    assert api(https_store, "GET", "orders", auth="basic").status == 200
    assert api(https_store, "GET", "orders", auth="query").status == 200
    for auth in ("basic", "query"):
        response = api(https_store, "GET", "orders", auth=auth, secret="cs_nope")
        assert response.status == 401
        assert response.json() == {
            "code": "woocommerce_rest_authentication_error",
            "message": "Consumer secret is invalid.",
            "data": {"status": 401},
        }
    unknown = api(https_store, "GET", "orders", key="ck_unknown")
    assert unknown.json()["code"] == "woocommerce_rest_cannot_view"
    assert api(https_store, "GET", "orders", auth=None).status == 401


def test_key_permissions(https_store):
    http_request(
        "POST",
        f"{https_store.url}/_sandbox/keys",
        body=json.dumps(
            {
                "consumer_key": "ck_read",
                "consumer_secret": "cs_read",
                "permissions": "read",
            }
        ).encode(),
    )
    assert (
        api(https_store, "GET", "orders", key="ck_read", secret="cs_read").status == 200
    )
    response = api(
        https_store, "POST", "products", {"name": "x"}, key="ck_read", secret="cs_read"
    )
    assert response.status == 401
    assert response.json()["message"] == (
        "The API key provided does not have write permissions."
    )


def test_unknown_route_and_method(https_store):
    for method, path in (("GET", "nothing"), ("PUT", "orders")):
        response = api(https_store, method, path)
        assert response.status == 404
        assert response.json()["code"] == "rest_no_route"


# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------


def test_orders_pagination_headers(https_store):
    checkout(https_store, count=25, items=[{"sku": "MUG-ENAMEL", "quantity": 1}])
    first = api(https_store, "GET", "orders", query={"per_page": 10})
    assert first.headers["x-wp-total"] == "25"
    assert first.headers["x-wp-totalpages"] == "3"
    links = first.headers["link"]
    assert 'rel="next"' in links and 'rel="last"' in links
    assert 'rel="prev"' not in links
    assert "status%5B0%5D=any" in links  # as the real store writes it

    seen = []
    for page in (1, 2, 3):
        response = api(
            https_store,
            "GET",
            "orders",
            query={"per_page": 10, "page": page, "orderby": "id", "order": "asc"},
        )
        seen += [o["id"] for o in response.json()]
    assert seen == sorted(seen) and len(set(seen)) == 25

    past = api(https_store, "GET", "orders", query={"per_page": 10, "page": 4})
    assert past.json() == []
    assert past.headers["x-wp-total"] == "0"

    too_many = api(https_store, "GET", "orders", query={"per_page": 101})
    assert too_many.status == 400
    assert too_many.json()["code"] == "rest_invalid_param"


def test_modified_after_and_status_filters():
    moment = [1_700_000_000]
    server = start(assume_https=True, clock=lambda: moment[0], utc_offset=2)
    try:
        early = checkout(server, items=[{"sku": "MUG-ENAMEL"}], payment_method="bacs")
        moment[0] += 3600
        late = checkout(server, items=[{"sku": "MUG-ENAMEL"}], payment_method="stripe")
        assert late[0]["date_modified_gmt"] == "2023-11-14T23:13:20"
        assert late[0]["date_modified"] == "2023-11-15T01:13:20"  # UTC+2

        def ids(**query):
            return [o["id"] for o in api(server, "GET", "orders", query=query).json()]

        cutoff = "2023-11-14T22:40:00"
        assert ids(modified_after=cutoff, dates_are_gmt="true") == [late[0]["id"]]
        # Without dates_are_gmt the store reads it in its own timezone.
        assert ids(modified_after=cutoff) == [late[0]["id"], early[0]["id"]]
        assert ids(status="on-hold") == [early[0]["id"]]
        assert ids(status="processing,on-hold", orderby="id", order="asc") == [
            early[0]["id"],
            late[0]["id"],
        ]

        # Any change bumps date_modified; so a poll catches it.
        moment[0] += 60
        response = api(
            server, "PUT", f"orders/{early[0]['id']}", {"status": "completed"}
        )
        assert response.json()["date_modified_gmt"] == "2023-11-14T23:14:20"
        assert response.json()["date_completed_gmt"] == "2023-11-14T23:14:20"
        assert ids(modified_after="2023-11-14T23:14:00", dates_are_gmt="true") == [
            early[0]["id"]
        ]
    finally:
        server.shutdown()


def test_order_amounts_add_up(https_store):
    (order,) = checkout(
        https_store,
        items=[{"sku": "HOODIE-BLU-L", "quantity": 2}, {"sku": "DESK-OAK"}],
        coupon="spring10",
        fee=True,
    )
    lines = order["line_items"]
    assert lines[0]["variation_id"] and lines[0]["sku"] == "HOODIE-BLU-L"
    assert [line["subtotal"] for line in lines] == ["90.00", "189.00"]
    assert [line["total"] for line in lines] == ["81.00", "170.10"]
    assert order["coupon_lines"][0]["code"] == "spring10"
    assert order["coupon_lines"][0]["discount"] == "27.90"
    assert order["tax_lines"][0]["rate_percent"] == 21.0
    untaxed = 81 + 170.10 + 2.00 + 5.00
    assert order["total"] == f"{round(untaxed * 1.21, 2):.2f}"
    assert order["status"] == "processing"


def test_tax_inclusive_store_line_price():
    server = start(assume_https=True, prices_include_tax=True, seed_catalog=False)
    try:
        product = api(
            server,
            "POST",
            "products",
            {"name": "Linen Shirt", "sku": "SHIRT", "regular_price": "90.00"},
        ).json()
        response = api(
            server,
            "POST",
            "orders",
            {
                "line_items": [{"product_id": product["id"], "quantity": 1}],
                "set_paid": True,
                "payment_method": "stripe",
            },
        )
        line = response.json()["line_items"][0]
        assert line["price"] == 74.380165
        assert (line["subtotal"], line["subtotal_tax"]) == ("74.38", "15.62")
        assert line["taxes"][0]["total"] == "15.619835"
        assert response.json()["total"] == "90.00"
        assert response.json()["prices_include_tax"] is True
    finally:
        server.shutdown()


def test_delete_moves_to_trash_then_410(https_store, receiver):
    register(https_store, receiver, "order.deleted")
    (order,) = checkout(https_store, items=[{"sku": "MUG-ENAMEL"}])
    first = api(https_store, "DELETE", f"orders/{order['id']}")
    assert first.status == 200
    assert first.json()["status"] == "processing"  # the order as it was
    assert api(https_store, "GET", f"orders/{order['id']}").json()["status"] == "trash"
    second = api(https_store, "DELETE", f"orders/{order['id']}")
    assert second.status == 410
    (delivery,) = receiver.wait(lambda: receiver.deliveries("order.deleted"))
    assert delivery["body"] == php_json({"id": order["id"]})
    assert api(https_store, "GET", "orders/999999").json()["code"] == (
        "woocommerce_rest_shop_order_invalid_id"
    )


def test_note_changes_nothing_and_fires_nothing(https_store, receiver):
    register(https_store, receiver, "order.updated")
    (order,) = checkout(https_store, items=[{"sku": "MUG-ENAMEL"}])
    receiver.wait(lambda: receiver.deliveries("order.updated"))
    https_store.app.wait_idle()
    before = len(receiver.deliveries())
    response = api(
        https_store,
        "POST",
        f"orders/{order['id']}/notes",
        {"note": "Shipped with DHL, tracking JD014600006281230", "customer_note": True},
    )
    assert response.status == 201
    assert response.json()["customer_note"] is True
    https_store.app.wait_idle()
    assert len(receiver.deliveries()) == before
    after = api(https_store, "GET", f"orders/{order['id']}").json()
    assert after["date_modified_gmt"] == order["date_modified_gmt"]
    missing = api(https_store, "POST", f"orders/{order['id']}/notes", {"note": ""})
    assert missing.status == 400


def test_refunds(https_store, receiver):
    register(https_store, receiver, "order.updated")
    register(https_store, receiver, "product.updated")
    (order,) = checkout(
        https_store,
        items=[{"sku": "CHAIR-OAK", "quantity": 2}],
        payment_method="stripe",
    )
    chair = https_store.app.products[order["line_items"][0]["product_id"]]
    stock_after_sale = chair["stock_quantity"]
    https_store.app.wait_idle()
    receiver.requests.clear()
    path = f"orders/{order['id']}/refunds"

    negative = api(https_store, "POST", path, {"amount": "-5.00"})
    assert negative.status == 500
    assert negative.json() == {
        "code": "woocommerce_rest_invalid_order_refund",
        "message": "Refund amount must be greater than zero.",
        "data": 400,
    }
    too_much = api(https_store, "POST", path, {"amount": "9999.00"})
    assert (too_much.status, too_much.json()["message"]) == (
        500,
        "Invalid refund amount.",
    )

    line = order["line_items"][0]
    response = api(
        https_store,
        "POST",
        path,
        {
            "amount": "108.90",
            "reason": "Damaged in transit",
            "line_items": [
                {
                    "id": line["id"],
                    "quantity": 1,
                    "refund_total": "90.00",
                    "refund_tax": [{"id": 1, "refund_total": "18.90"}],
                }
            ],
        },
    )
    assert response.status == 201, response.body
    refund = response.json()
    assert refund["amount"] == "108.90"
    assert refund["line_items"][0]["quantity"] == -1
    assert refund["line_items"][0]["meta_data"][0]["value"] == str(line["id"])

    after = api(https_store, "GET", f"orders/{order['id']}").json()
    assert after["refunds"] == [
        {"id": refund["id"], "reason": "Damaged in transit", "total": "-108.90"}
    ]
    # A partial refund changes neither status, total nor quantities.
    assert (after["status"], after["total"]) == (order["status"], order["total"])
    assert after["line_items"][0]["quantity"] == 2
    assert chair["stock_quantity"] == stock_after_sale + 1  # restocked

    updated = receiver.wait(lambda: receiver.deliveries("order.updated"))
    assert json.loads(updated[-1]["body"])["refunds"][0]["total"] == "-108.90"
    receiver.wait(lambda: receiver.deliveries("product.updated"))


def test_refund_through_a_gateway_that_cannot(https_store):
    (order,) = checkout(
        https_store, items=[{"sku": "MUG-ENAMEL"}], payment_method="bacs"
    )
    path = f"orders/{order['id']}/refunds"
    response = api(https_store, "POST", path, {"amount": "1.00"})
    assert response.status == 500
    assert "does not support automatic refunds" in response.json()["message"]
    manual = api(https_store, "POST", path, {"amount": "1.00", "api_refund": False})
    assert manual.status == 201


# ---------------------------------------------------------------------------
# Products and batches
# ---------------------------------------------------------------------------


def test_batch_limit_and_per_item_errors(https_store, receiver):
    register(https_store, receiver, "product.updated")
    store = https_store.app
    too_big = api(
        https_store,
        "POST",
        "products/batch",
        {"update": [{"id": pid, "stock_quantity": 1} for pid in range(101)]},
    )
    assert too_big.status == 413
    assert too_big.json() == {
        "code": "woocommerce_rest_request_entity_too_large",
        "message": "Unable to accept more than 100 items for this request.",
        "data": {"status": 413},
    }
    desk = next(p for p in store.products.values() if p["sku"] == "DESK-OAK")
    response = api(
        https_store,
        "POST",
        "products/batch",
        {
            "update": [
                {"id": desk["id"], "manage_stock": True, "stock_quantity": 0},
                {"id": 999999, "manage_stock": True, "stock_quantity": 3},
            ]
        },
    )
    assert response.status == 200
    ok, failed = response.json()["update"]
    assert (ok["stock_quantity"], ok["stock_status"]) == (0, "outofstock")
    assert failed == {
        "id": 999999,
        "error": {
            "code": "woocommerce_rest_product_invalid_id",
            "message": "Invalid ID.",
            "data": {"status": 400},
        },
    }
    (delivery,) = receiver.wait(lambda: receiver.deliveries("product.updated"))
    assert json.loads(delivery["body"])["id"] == desk["id"]


def test_variation_batch(https_store):
    store = https_store.app
    hoodie = next(p for p in store.products.values() if p["sku"] == "HOODIE")
    first, *_ = hoodie["variations"]
    other = next(p for p in store.products.values() if p["sku"] == "BEANIE")
    response = api(
        https_store,
        "POST",
        f"products/{hoodie['id']}/variations/batch",
        {
            "update": [
                {"id": first, "stock_quantity": 12, "manage_stock": True},
                {"id": other["variations"][0], "stock_quantity": 1},
            ]
        },
    )
    ok, failed = response.json()["update"]
    assert ok["stock_quantity"] == 12
    assert failed["error"]["code"] == "woocommerce_rest_product_variation_invalid_id"


def test_admin_stock_tells_when_each_quantity_was_set(https_store):
    store = https_store.app
    desk = next(p for p in store.products.values() if p["sku"] == "DESK-OAK")
    hoodie = next(p for p in store.products.values() if p["sku"] == "HOODIE")
    variation = store.variations[hoodie["variations"][0]]
    before = time.time()
    api(
        https_store,
        "POST",
        "products/batch",
        {"update": [{"id": desk["id"], "stock_quantity": 7}]},
    )
    api(
        https_store,
        "PUT",
        f"products/{hoodie['id']}/variations/{variation['id']}",
        {"stock_quantity": 2},
    )
    after = time.time()
    response = http_request("GET", f"{https_store.url}/_sandbox/stock")
    assert response.status == 200
    levels = response.json()
    for sku, record_id, quantity in (
        ("DESK-OAK", desk["id"], 7),
        (variation["sku"], variation["id"], 2),
    ):
        assert levels[sku]["id"] == record_id
        assert levels[sku]["quantity"] == quantity
        assert before <= levels[sku]["written_at"] <= after
    # Seeded, untouched since: set before the calls; no stock, not listed.
    chair = levels["CHAIR-OAK"]
    assert chair["written_at"] < before
    assert "HOODIE" not in levels


def test_product_create_duplicate_sku(https_store):
    response = api(https_store, "POST", "products", {"name": "x", "sku": "DESK-OAK"})
    assert response.status == 400
    assert response.json()["code"] == "product_invalid_sku"
    created = api(
        https_store,
        "POST",
        "products",
        {
            "name": "Stool",
            "sku": "STOOL-NEW",
            "regular_price": "20",
            "manage_stock": True,
            "stock_quantity": "4",
        },
    )
    assert created.status == 201
    assert (created.json()["stock_quantity"], created.json()["price"]) == (4, "20.00")


# ---------------------------------------------------------------------------
# Webhooks
# ---------------------------------------------------------------------------


def test_webhook_creation_pings_and_hides_the_secret(https_store, receiver):
    webhook = register(https_store, receiver, "order.created")
    assert "secret" not in webhook
    assert webhook["status"] == "active"
    (ping,) = receiver.pings()
    assert ping["body"] == f"webhook_id={webhook['id']}".encode()
    assert ping["headers"]["User-Agent"] == HOOKSHOT_USER_AGENT
    assert ping["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert not any(name.startswith("X-WC") for name in ping["headers"])

    listed = api(https_store, "GET", "webhooks").json()
    assert [w["id"] for w in listed] == [webhook["id"]]
    assert api(https_store, "DELETE", f"webhooks/{webhook['id']}").status == 501
    deleted = api(
        https_store, "DELETE", f"webhooks/{webhook['id']}", query={"force": "true"}
    )
    assert deleted.status == 200
    assert api(https_store, "GET", "webhooks").json() == []


def test_failed_ping_still_creates_the_webhook(https_store):
    failing = Receiver(status=500)
    try:
        webhook = register(https_store, failing, "order.created")
        assert webhook["id"]
        assert https_store.app.webhooks[webhook["id"]]["ping"]["status"] == 500
    finally:
        failing.close()
    bad_topic = api(
        https_store,
        "POST",
        "webhooks",
        {"topic": "order.exploded", "delivery_url": "http://127.0.0.1:9/x"},
    )
    assert bad_topic.json()["code"] == "woocommerce_rest_webhook_invalid_topic"


def test_checkout_delivers_signed_created_and_updated(https_store, receiver):
    created = register(https_store, receiver, "order.created")
    updated = register(https_store, receiver, "order.updated")
    register(https_store, receiver, "product.updated")
    (order,) = checkout(https_store, items=[{"sku": "CAF\u00c9-BEANS", "quantity": 2}])

    (first,) = receiver.wait(lambda: receiver.deliveries("order.created"))
    (second,) = receiver.wait(lambda: receiver.deliveries("order.updated"))
    stock = receiver.wait(lambda: receiver.deliveries("product.updated"))
    assert json.loads(stock[0]["body"])["sku"] == "CAF\u00c9-BEANS"

    headers = first["headers"]
    assert headers["User-Agent"] == HOOKSHOT_USER_AGENT
    assert headers["Content-Type"] == "application/json"
    assert headers["X-WC-Webhook-Source"] == f"{https_store.url}/"
    assert (
        headers["X-WC-Webhook-Topic"],
        headers["X-WC-Webhook-Resource"],
        headers["X-WC-Webhook-Event"],
    ) == ("order.created", "order", "created")
    assert headers["X-WC-Webhook-ID"] == str(created["id"])
    assert second["headers"]["X-WC-Webhook-ID"] == str(updated["id"])
    assert len(headers["X-WC-Webhook-Delivery-ID"]) == 32
    for delivery in (first, second):
        assert delivery["headers"]["X-WC-Webhook-Signature"] == hmac_b64(
            HOOK_SECRET, delivery["body"]
        )
    # Bodies as the plugin encodes them; only the raw bytes verify.
    body = first["body"]
    assert b"\\/" in body and b"\\u00c9" in body and b"\\u20ac" in body
    assert json.dumps(json.loads(body)).encode() != body
    assert first["body"] == second["body"]
    delivered = json.loads(body)
    assert delivered["id"] == order["id"]
    assert delivered == api(https_store, "GET", f"orders/{order['id']}").json()


def test_body_is_rendered_when_the_delivery_runs(receiver):
    server = start(assume_https=True, delivery_delay=0.5)
    try:
        register(server, receiver, "order.created")
        (order,) = checkout(server, items=[{"sku": "MUG-ENAMEL"}])
        api(server, "PUT", f"orders/{order['id']}", {"status": "completed"})
        (delivery,) = receiver.wait(lambda: receiver.deliveries("order.created"))
        assert json.loads(delivery["body"])["status"] == "completed"
    finally:
        server.shutdown()


def test_webhook_disabled_after_more_than_five_failures_then_reenabled(https_store):
    failing = Receiver(status=lambda body: 200 if body.startswith(b"webhook_") else 503)
    try:
        webhook = register(https_store, failing, "order.created")
        state = https_store.app.webhooks[webhook["id"]]
        for count in range(1, 8):
            checkout(https_store, items=[{"sku": "MUG-ENAMEL"}])
            failing.wait(lambda c=count: len(failing.deliveries()) >= c)
            https_store.app.wait_idle()
            expected = "disabled" if count == 7 else "active"
            assert (count, state["status"]) == (count, expected)
        assert (
            api(https_store, "GET", f"webhooks/{webhook['id']}").json()["status"]
            == "disabled"
        )
        checkout(https_store, items=[{"sku": "MUG-ENAMEL"}])
        https_store.app.wait_idle()
        assert len(failing.deliveries()) == 7  # nothing sent while disabled

        failing.status = 200
        response = api(
            https_store, "PUT", f"webhooks/{webhook['id']}", {"status": "active"}
        )
        assert response.json()["status"] == "active"
        checkout(https_store, items=[{"sku": "MUG-ENAMEL"}])
        failing.wait(lambda: len(failing.deliveries()) == 8)
        https_store.app.wait_idle()
        assert state["failure_count"] == 0
    finally:
        failing.close()


def test_delivery_faults_duplicate_drop_and_bad_signature(receiver):
    faults = Faults(FaultConfig(duplicate_rate=1.0, seed=1))
    server = start(assume_https=True, faults=faults)
    try:
        register(server, receiver, "order.created")
        checkout(server, items=[{"sku": "MUG-ENAMEL"}])
        copies = receiver.wait(
            lambda: len(receiver.deliveries()) == 2 and receiver.deliveries()
        )
        # A duplicate is a byte-exact redelivery with the same delivery id.
        assert copies[0]["body"] == copies[1]["body"]
        assert copies[0]["headers"] == copies[1]["headers"]

        faults.configure(duplicate_rate=0.0, drop_rate=1.0)
        checkout(server, items=[{"sku": "MUG-ENAMEL"}])
        server.app.wait_idle()
        assert len(receiver.deliveries()) == 2

        faults.configure(drop_rate=0.0, bad_signature_rate=1.0)
        checkout(server, items=[{"sku": "MUG-ENAMEL"}])
        forged = receiver.wait(
            lambda: len(receiver.deliveries()) == 3 and receiver.deliveries()[-1]
        )
        assert forged["headers"]["X-WC-Webhook-Signature"] != hmac_b64(
            HOOK_SECRET, forged["body"]
        )
    finally:
        server.shutdown()


def test_inbound_429_with_retry_after():
    faults = Faults(FaultConfig(rate_limit_rate=1.0, retry_after=7))
    server = start(assume_https=True, faults=faults, seed_catalog=False)
    try:
        response = api(server, "GET", "orders")
        assert response.status == 429
        assert response.headers["retry-after"] == "7"
        faults.configure(rate_limit_rate=0.0, error_rate=1.0, error_status=503)
        outage = api(server, "GET", "orders")
        assert outage.status == 503
        assert outage.headers["content-type"].startswith("text/html")
    finally:
        server.shutdown()


def test_simulated_checkouts_at_a_rate(https_store):
    thread = https_store.app.start_checkouts(per_minute=1200, count=3)
    thread.join(timeout=15)
    assert len(https_store.app.orders) == 3


def test_restore_from_trash_fires_restored(https_store, receiver):
    register(https_store, receiver, "order.restored")
    (order,) = checkout(https_store, items=[{"sku": "MUG-ENAMEL"}])
    api(https_store, "DELETE", f"orders/{order['id']}")
    response = http_request(
        "POST", f"{https_store.url}/_sandbox/orders/{order['id']}/restore"
    )
    assert response.json()["status"] == "processing"
    (delivery,) = receiver.wait(lambda: receiver.deliveries("order.restored"))
    assert json.loads(delivery["body"])["status"] == "processing"


# ---------------------------------------------------------------------------
# The connector's client and mappers against the sandbox
# ---------------------------------------------------------------------------


@pytest.fixture
def woo():
    """The connector's pure WooCommerce tools (needs Odoo importable)."""
    pytest.importorskip("odoo")
    from odoo.addons.retail_connector_woocommerce.tools import client, const, mappers

    return client, const, mappers


def make_client(woo, server, mode, **options):
    client, _, _ = woo
    return client.WooCommerceClient(server.url, KEY, SECRET, mode, **options)


@pytest.mark.parametrize(
    ("https", "mode"),
    [(False, "oauth"), (True, "basic"), (True, "query")],
)
def test_client_auth_modes_and_pagination(woo, https, mode):
    server = start(assume_https=https)
    try:
        checkout(server, count=250, items=[{"sku": "MUG-ENAMEL"}])
        checkout(server, count=1, items=[{"sku": "MUG-ENAMEL"}])  # 251 in all
        server.app.reset()
        woo_client = make_client(woo, server, mode)
        orders = list(woo_client.iter_orders())
        assert len(orders) == 251
        assert [o["id"] for o in orders] == sorted(server.app.orders)
        calls = [r for r in server.app.requests if r["path"].endswith("/orders")]
        assert len(calls) == 3
        assert {r["auth"] for r in calls} == {mode}
    finally:
        server.shutdown()


def test_client_errors_carry_the_store_code(woo):
    client, const, _ = woo
    plain = start(seed_catalog=False)
    https = start(assume_https=True, seed_catalog=False)
    try:
        with pytest.raises(client.WooCommerceError) as error:
            make_client(woo, plain, "basic").system_status()
        assert error.value.code == const.ERROR_CANNOT_VIEW
        assert error.value.status == 401

        wrong = client.WooCommerceClient(https.url, KEY, "cs_wrong", "basic")
        with pytest.raises(client.WooCommerceError) as error:
            wrong.system_status()
        assert error.value.code == const.ERROR_AUTHENTICATION
        assert error.value.message == "Consumer secret is invalid."
        assert error.value.retryable is False
        assert "cs_wrong" not in str(error.value)

        woo_client = make_client(woo, https, "basic")
        with pytest.raises(client.WooCommerceError) as error:
            woo_client.get_order(424242)
        assert error.value.code == const.ERROR_INVALID_ORDER
    finally:
        plain.shutdown()
        https.shutdown()


def test_client_store_summary(woo, https_store):
    _, _, mappers = woo
    summary = mappers.store_summary(
        make_client(woo, https_store, "basic").system_status()
    )
    assert summary == {
        "store_url": https_store.url,
        "currency": "EUR",
        "woocommerce_version": "8.9.1",
        "wordpress_version": "6.5.3",
    }


def test_client_batch_250_stock_updates_in_3_requests(woo, https_store):
    _, _, mappers = woo
    from odoo.addons.retail_connector_base.tools.canonical import StockLevel

    store = https_store.app
    for index in range(250 - len(store.products)):
        store.create_product(
            {"name": f"Extra {index}", "sku": f"EXTRA-{index}", "regular_price": "1"}
        )
    levels = [
        StockLevel(p["sku"], n % 7, str(p["id"]))
        for n, p in enumerate(list(store.products.values())[:249])
    ] + [StockLevel("GONE", 1, "999999")]
    store.reset()

    result = make_client(woo, https_store, "basic").batch_products(
        update=mappers.stock_update_items(levels)
    )

    assert result.requests == 3
    batches = [r for r in store.requests if r["path"].endswith("products/batch")]
    assert [r["items"] for r in batches] == [100, 100, 50]
    assert len(result.updated) == 249
    (error,) = result.errors
    assert (error.id, error.code, error.status) == (
        999999,
        "woocommerce_rest_product_invalid_id",
        400,
    )
    assert error.item["stock_quantity"] == 1
    sample = store.products[int(levels[10].external_id)]
    assert (sample["manage_stock"], sample["stock_quantity"]) == (True, 10 % 7)


def test_client_variation_stock_and_catalog_links(woo, https_store):
    _, _, mappers = woo
    woo_client = make_client(woo, https_store, "basic")
    (hoodie,) = [p for p in woo_client.iter_products(sku="HOODIE")]
    variations = list(woo_client.iter_variations(hoodie["id"]))
    entries = mappers.catalog_entries(hoodie, variations)
    assert {e["sku"] for e in entries} >= {"HOODIE", "HOODIE-BLU-M"}
    result = woo_client.batch_variations(
        hoodie["id"],
        update=[{"id": variations[0]["id"], "stock_quantity": 3, "manage_stock": True}],
    )
    assert not result.errors
    assert [item["id"] for item in result.updated] == [variations[0]["id"]]
    found = woo_client.find_by_sku(variations[0]["sku"])
    assert found[0]["stock_quantity"] == 3


def test_client_refund_errors_are_not_retried(woo, https_store):
    client, const, mappers = woo
    (order,) = checkout(
        https_store, items=[{"sku": "CHAIR-OAK"}], payment_method="stripe"
    )
    woo_client = make_client(woo, https_store, "basic")
    with pytest.raises(client.WooCommerceError) as error:
        woo_client.create_refund(order["id"], {"amount": "-1.00"})
    assert error.value.code == const.ERROR_INVALID_REFUND
    assert error.value.retryable is False

    payload = mappers.refund_payload(
        "108.90",
        "Damaged",
        [{"sku": "CHAIR-OAK", "quantity": 1, "amount": "90.00"}],
        order=woo_client.get_order(order["id"]),
    )
    refund = woo_client.create_refund(order["id"], payload)
    canonical_refund = mappers.refund_to_canonical(refund, str(order["id"]))
    assert str(canonical_refund.amount) == "108.90"
    assert canonical_refund.lines[0].line_external_id == str(
        order["line_items"][0]["id"]
    )
    mapped = mappers.order_to_canonical(woo_client.get_order(order["id"]))
    assert [r.external_id for r in mapped.refunds] == [str(refund["id"])]


def test_client_honours_retry_after(woo):
    faults = Faults(FaultConfig(rate_limit_rate=0.5, retry_after=1, seed=3))
    server = start(assume_https=True, faults=faults, seed_catalog=False)
    slept = []
    try:
        woo_client = make_client(
            woo, server, "basic", sleep=slept.append, max_retries=8
        )
        for _ in range(6):
            woo_client.system_status()
        assert slept and set(slept) == {1.0}
    finally:
        server.shutdown()


def test_client_registers_webhooks_and_verifies_deliveries(woo, https_store, receiver):
    client, const, mappers = woo
    woo_client = make_client(woo, https_store, "basic")
    ids = [
        woo_client.create_webhook(
            topic=topic, delivery_url=receiver.url, secret=HOOK_SECRET
        )["id"]
        for topic in ("order.created", "order.updated")
    ]
    pings = receiver.pings()
    assert len(pings) == 2
    assert all(mappers.is_ping(p["body"], p["headers"]) for p in pings)
    assert {mappers.ping_webhook_id(p["body"]) for p in pings} == set(ids)

    (order,) = checkout(
        https_store,
        items=[{"sku": "HOODIE-BLU-L", "quantity": 2}, {"sku": "DESK-OAK"}],
        coupon="spring10",
        fee=True,
    )
    deliveries = receiver.wait(
        lambda: len(receiver.deliveries()) == 2 and receiver.deliveries()
    )
    keys = set()
    for delivery in deliveries:
        assert not mappers.is_ping(delivery["body"], delivery["headers"])
        mappers.verify_webhook(HOOK_SECRET, delivery["body"], delivery["headers"])
        topic, resource, event, payload = mappers.parse_webhook(
            delivery["headers"], delivery["body"]
        )
        assert resource == "order" and event in ("created", "updated")
        keys.add(mappers.webhook_dedup_key(delivery["headers"], payload))
        mapped = mappers.order_to_canonical(payload)
        assert mapped.external_id == str(order["id"])
        assert mapped.status == "confirmed"
        assert [line.sku for line in mapped.lines] == ["HOODIE-BLU-L", "DESK-OAK"]
        assert mapped.discounts[0].code == "spring10"
        assert str(mapped.total) == order["total"]
    assert len(keys) == 2  # two webhooks, two deliveries: not duplicates

    # Disabled by the store, re-enabled from the connector.
    webhook_id = ids[0]
    https_store.app.webhooks[webhook_id]["status"] = "disabled"
    listed = {w["id"]: w["status"] for w in woo_client.list_webhooks()}
    assert listed[webhook_id] == "disabled"
    woo_client.update_webhook(webhook_id, {"status": "active"})
    assert woo_client.get_webhook(webhook_id)["status"] == "active"
    woo_client.delete_webhook(webhook_id)
    assert webhook_id not in {w["id"] for w in woo_client.list_webhooks()}


def test_out_of_order_deliveries(receiver):
    faults = Faults(FaultConfig(reorder=4, seed=5))
    server = start(assume_https=True, faults=faults, delivery_workers=1)
    try:
        register(server, receiver, "order.created")
        created = [
            checkout(server, items=[{"sku": "MUG-ENAMEL"}])[0]["id"] for _ in range(4)
        ]
        deliveries = receiver.wait(
            lambda: len(receiver.deliveries()) == 4 and receiver.deliveries()
        )
        received = [json.loads(d["body"])["id"] for d in deliveries]
        assert sorted(received) == created
        assert received != created
    finally:
        server.shutdown()


def test_strict_delivery_ports_refuse_like_wordpress(receiver):
    server = start(assume_https=True, strict_delivery_ports=True)
    try:
        webhook = register(server, receiver, "order.created")
        checkout(server, items=[{"sku": "MUG-ENAMEL"}])
        server.app.wait_idle()
        assert receiver.deliveries() == []
        log = [e for e in server.app.delivery_log if e["kind"] == "delivery"]
        assert log[0]["error"] == "A valid URL was not provided."
        assert server.app.webhooks[webhook["id"]]["failure_count"] == 1
    finally:
        server.shutdown()
