"""The Mirakl marketplace sandbox, over real loopback HTTP."""

import json
import subprocess
import sys
import time
import urllib.parse
import uuid

import pytest

from sandbox.common import http_request, request_json
from sandbox.mirakl import DEFAULT_API_KEY, MiraklMarketplace, serve_marketplace
from sandbox.mirakl.values import iso

KEY = {"Authorization": DEFAULT_API_KEY}


@pytest.fixture
def market():
    app = MiraklMarketplace(
        limits=False, debit_delay=None, refund_delay=None, import_delay=0.0, seed=7
    )
    server = serve_marketplace(app)
    yield server
    server.shutdown()


def api(server, method, path, payload=None, *, headers=KEY, **query):
    url = f"{server.url}/api{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    return request_json(method, url, payload, headers=headers)


def place(server, lines, **options):
    status, body = request_json(
        "POST", f"{server.url}/_sandbox/orders", {"lines": lines, **options}
    )
    assert status == 201, body
    return body["orders"]


def accept_all(server, order):
    lines = [
        {"id": li["order_line_id"], "accepted": True} for li in order["order_lines"]
    ]
    return api(
        server, "PUT", f"/orders/{order['order_id']}/accept", {"order_lines": lines}
    )


def debited_order(server, lines=None, **options):
    order = place(server, lines or [{"sku": "SKU-1", "quantity": 2}], **options)[0]
    assert accept_all(server, order)[0] == 204
    server.app.debit(order["order_id"])
    return get_order(server, order["order_id"])


def get_order(server, order_id):
    status, body = api(server, "GET", "/orders", order_ids=order_id)
    assert status == 200 and body["total_count"] == 1, body
    return body["orders"][0]


def test_auth_and_account(market):
    assert api(market, "GET", "/account", headers={})[0] == 401
    status, body = api(market, "GET", "/account", headers={"Authorization": "nope"})
    assert (status, body) == (401, {"status": 401, "message": "Unauthorized"})
    status, body = api(
        market,
        "GET",
        "/account",
        headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"},
    )
    assert status == 401
    status, body = api(market, "GET", "/account")
    assert status == 200
    assert body["shop_id"] == 2001 and body["currency_iso_code"] == "EUR"
    assert api(market, "GET", "/account", shop_id=999)[0] == 403


def test_orders_paging_update_filters_and_split(market):
    app = market.app
    app.add_shop(2002, "Second", api_key=DEFAULT_API_KEY)
    orders = []
    for n in range(12):
        orders += place(
            market, [{"sku": f"SKU-{n}", "price_unit": "10", "shop_id": 2001}]
        )
        app.advance_clock(1)
    split = place(
        market,
        [{"sku": "A", "shop_id": 2001}, {"sku": "B", "shop_id": 2002}],
        commercial_id="C42",
    )
    assert [o["order_id"] for o in split] == ["C42-A", "C42-B"]
    assert [o["shop_id"] for o in split] == [2001, 2002]

    status, first = api(market, "GET", "/orders")
    assert status == 200 and first["total_count"] == 13 and len(first["orders"]) == 10
    created = [o["created_date"] for o in first["orders"]]
    assert created == sorted(created)
    status, rest = api(market, "GET", "/orders", offset=10, max=10)
    assert [o["order_id"] for o in rest["orders"]][-1] == "C42-A"
    assert api(market, "GET", "/orders", max=101)[0] == 400
    other = api(market, "GET", "/orders", shop_id=2002)[1]
    assert [o["order_id"] for o in other["orders"]] == ["C42-B"]

    # Accepting the 3rd order moves its update date past every other one.
    mark = app.now()
    app.advance_clock(5)
    assert accept_all(market, orders[2])[0] == 204
    since = api(market, "GET", "/orders", start_update_date=iso(mark + 1))[1]
    assert [o["order_id"] for o in since["orders"]] == [orders[2]["order_id"]]
    assert since["orders"][0]["last_updated_date"] > orders[2]["last_updated_date"]
    before = api(market, "GET", "/orders", end_update_date=iso(mark))[1]
    assert before["total_count"] == 12
    waiting = api(market, "GET", "/orders", order_state_codes="WAITING_ACCEPTANCE")[1]
    assert waiting["total_count"] == 12


def test_acceptance_rules(market):
    order = place(market, [{"sku": "S1"}, {"sku": "S2"}])[0]
    path = f"/orders/{order['order_id']}/accept"
    line_ids = [li["order_line_id"] for li in order["order_lines"]]
    status, body = api(
        market, "PUT", path, {"order_lines": [{"id": line_ids[0], "accepted": True}]}
    )
    assert status == 400 and body["code"] == "ORDER_LINE_ACCEPTANCE_DECISION_MISSING"
    partial = {
        "order_lines": [
            {"id": line_ids[0], "accepted": True},
            {"id": line_ids[1], "accepted": False},
        ]
    }
    status, body = api(market, "PUT", path, partial)
    assert status == 400 and body["code"] == "ORDER_PARTIAL_ACCEPTANCE_DISABLED"
    assert (
        body["status"] == 400 and "ORDER_PARTIAL_ACCEPTANCE_DISABLED" in body["message"]
    )
    assert accept_all(market, order) == (204, None)
    assert (
        get_order(market, order["order_id"])["order_state"] == "WAITING_DEBIT_PAYMENT"
    )
    status, body = accept_all(market, order)
    assert status == 400 and body["code"] == "ORDER_INVALID_STATE"

    refused = place(market, [{"sku": "S1"}])[0]
    decisions = [{"id": refused["order_lines"][0]["order_line_id"], "accepted": False}]
    path = f"/orders/{refused['order_id']}/accept"
    assert api(market, "PUT", path, {"order_lines": decisions})[0] == 204
    assert get_order(market, refused["order_id"])["order_state"] == "REFUSED"

    market.app.set_shop_options(partial_acceptance=True)
    other = place(market, [{"sku": "S1"}, {"sku": "S2"}])[0]
    ids = [li["order_line_id"] for li in other["order_lines"]]
    body = {
        "order_lines": [
            {"id": ids[0], "accepted": True},
            {"id": ids[1], "accepted": False},
        ]
    }
    assert api(market, "PUT", f"/orders/{other['order_id']}/accept", body)[0] == 204
    states = [
        li["order_line_state"]
        for li in get_order(market, other["order_id"])["order_lines"]
    ]
    assert states == ["WAITING_DEBIT_PAYMENT", "REFUSED"]
    assert api(market, "PUT", "/orders/nope-A/accept", body)[0] == 404


def test_customer_hidden_until_debit_then_tracking_and_ship(market):
    order = place(
        market,
        [{"sku": "SKU-1", "quantity": 2, "price_unit": "12.00", "shipping_price": "5"}],
        tax_rate=20,
    )[0]
    assert set(order["customer"]) <= {
        "customer_id",
        "firstname",
        "lastname",
        "civility",
        "locale",
    }
    assert order["customer"]["firstname"] == "" and order["customer"]["customer_id"]
    line = order["order_lines"][0]
    assert (line["price"], line["shipping_price"], line["total_price"]) == (
        24.0,
        5.0,
        29.0,
    )
    assert line["taxes"] == [{"code": "VAT", "amount": 4.0, "rate": 20.0}]
    assert line["commission_fee"] == 2.9 and line["total_commission"] == 3.48
    assert order["order_tax_mode"] == "TAX_INCLUDED"
    assert accept_all(market, order)[0] == 204
    hidden = get_order(market, order["order_id"])
    assert "shipping_address" not in hidden["customer"]

    market.app.debit(order["order_id"])
    shown = get_order(market, order["order_id"])
    assert shown["order_state"] == "SHIPPING" and shown["can_cancel"] is True
    assert shown["customer"]["shipping_address"]["city"]
    assert shown["customer"]["lastname"]

    path = f"/orders/{order['order_id']}"
    status, body = api(market, "PUT", f"{path}/ship", {})
    assert status == 400 and body["code"] == "ORDER_TRACKING_MISSING"
    status, body = api(market, "PUT", f"{path}/tracking", {"carrier_code": "NOPE"})
    assert status == 400 and body["code"] == "CARRIER_UNKNOWN"
    tracking = {"carrier_code": "UPS", "tracking_number": "1Z999"}
    assert api(market, "PUT", f"{path}/tracking", tracking) == (204, None)
    assert api(market, "PUT", f"{path}/ship", {}) == (204, None)
    shipped = get_order(market, order["order_id"])
    assert (
        shipped["order_state"] == "SHIPPED" and shipped["shipping_tracking"] == "1Z999"
    )
    assert shipped["shipping_carrier_code"] == "UPS"
    status, body = api(market, "PUT", f"{path}/ship", {})
    assert status == 400 and body["code"] == "ORDER_INVALID_STATE"

    free = debited_order(market)
    free_path = f"/orders/{free['order_id']}/tracking"
    assert (
        api(
            market,
            "PUT",
            free_path,
            {
                "carrier_name": "Local",
                "carrier_url": "https://l/x",
                "tracking_number": "7",
            },
        )[0]
        == 204
    )
    assert get_order(market, free["order_id"])["shipping_company"] == "Local"

    market.app.receive(order["order_id"])
    market.app.close(order["order_id"])
    assert get_order(market, order["order_id"])["order_state"] == "CLOSED"


def test_debit_after_delay():
    app = MiraklMarketplace(limits=False, debit_delay=0.2, seed=1)
    server = serve_marketplace(app)
    try:
        order = place(server, [{"sku": "X"}])[0]
        assert accept_all(server, order)[0] == 204
        deadline = time.monotonic() + 5
        while get_order(server, order["order_id"])["order_state"] != "SHIPPING":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        server.shutdown()


def test_refunds_amounts_and_taxes(market):
    order = debited_order(
        market,
        [{"sku": "SKU-1", "quantity": 2, "price_unit": "10", "shipping_price": "5"}],
        tax_rate=20,
    )
    line_id = order["order_lines"][0]["order_line_id"]
    refund = {"order_line_id": line_id, "amount": 5, "reason_code": "DAMAGED"}
    status, body = api(market, "PUT", "/orders/refund", {"refunds": [refund]})
    assert status == 400 and body["code"] == "REFUND_TAXES_MISSING"
    refund.update(taxes=[{"code": "VAT", "amount": 0.83}], shipping_taxes=[])
    status, body = api(market, "PUT", "/orders/refund", {"refunds": [refund]})
    assert status == 200, body
    refund_id = body["refunds"][0]["refund_id"]
    assert body["refunds"][0]["order_line_id"] == line_id
    too_much = dict(refund, amount=15.01)
    status, body = api(market, "PUT", "/orders/refund", {"refunds": [too_much]})
    assert status == 400 and body["code"] == "REFUND_AMOUNT_TOO_HIGH"
    line = get_order(market, order["order_id"])["order_lines"][0]
    assert [(r["id"], r["amount"], r["state"]) for r in line["refunds"]] == [
        (refund_id, 5.0, "WAITING_REFUND")
    ]
    assert market.app.complete_refunds() == [refund_id]
    line = get_order(market, order["order_id"])["order_lines"][0]
    assert line["refunds"][0]["state"] == "REFUNDED"
    # The operator refunds the rest: the line is wholly refunded.
    request_json(
        "POST",
        f"{market.url}/_sandbox/order-lines/{line_id}/refund",
        {"shipping_amount": 5},
    )
    market.app.complete_refunds()
    line = get_order(market, order["order_id"])["order_lines"][0]
    assert len(line["refunds"]) == 2 and line["order_line_state"] == "REFUNDED"
    refund_types = {
        t["type"] for t in market.app.transactions() if "refund" in t["entities"]
    }
    assert refund_types == {
        "REFUND_ORDER_AMOUNT",
        "REFUND_ORDER_AMOUNT_TAX",
        "REFUND_ORDER_SHIPPING_AMOUNT",
        "REFUND_ORDER_SHIPPING_AMOUNT_TAX",
        "REFUND_COMMISSION_FEE",
        "REFUND_COMMISSION_VAT",
    }


def test_cancel_only_when_can_cancel_and_operator_line_cancel(market):
    waiting = place(market, [{"sku": "S1"}])[0]
    status, body = api(market, "PUT", f"/orders/{waiting['order_id']}/cancel", {})
    assert status == 400 and body["code"] == "ORDER_CANNOT_BE_CANCELED"
    order = debited_order(market)
    assert api(market, "PUT", f"/orders/{order['order_id']}/cancel", {}) == (204, None)
    assert get_order(market, order["order_id"])["order_state"] == "CANCELED"

    two = place(
        market, [{"sku": "S1", "quantity": 3, "price_unit": "4"}, {"sku": "S2"}]
    )[0]
    line_id = two["order_lines"][0]["order_line_id"]
    status, _ = request_json(
        "POST", f"{market.url}/_sandbox/order-lines/{line_id}/cancel", {"quantity": 1}
    )
    assert status == 200
    line = get_order(market, two["order_id"])["order_lines"][0]
    assert line["quantity"] == 2 and line["price"] == 8.0
    assert [(c["quantity"], c["amount"]) for c in line["cancelations"]] == [(1, 4.0)]
    for li in two["order_lines"]:
        market.app.cancel_line(li["order_line_id"])
    assert get_order(market, two["order_id"])["order_state"] == "CANCELED"


def multipart(field, filename, data):
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {**KEY, "Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_stock_import_with_errors(market):
    market.app.set_shop_options(offers=["SKU-1", "SKU-2"], warehouse_codes=["WH1"])
    csv_data = (
        b'"offer-sku";"quantity";"warehouse-code";"update-delete"\n'
        b'"SKU-1";"7";"";"update"\n'
        b'"SKU-2";"3";"WH1";"update"\n'
        b'"NOPE";"1";"";"update"\n'
        b'"SKU-2";"-1";"";"update"\n'
        b'"SKU-1";"2";"WH9";"update"\n'
    )
    body, headers = multipart("file", "stock.csv", csv_data)
    response = http_request(
        "POST", f"{market.url}/api/offers/stock/imports", body=body, headers=headers
    )
    assert response.status == 201, response.text
    import_id = response.json()["import_id"]
    deadline = time.monotonic() + 5
    while True:
        status, info = api(market, "GET", f"/offers/stock/imports/{import_id}")
        if info["status"] in ("COMPLETE", "FAILED"):
            break
        assert info["status"] in ("WAITING", "RUNNING") and time.monotonic() < deadline
        time.sleep(0.02)
    assert info["status"] == "COMPLETE"
    assert (info["lines_read"], info["lines_in_success"], info["lines_in_error"]) == (
        5,
        2,
        3,
    )
    assert info["has_error_report"] is True
    assert market.app.stock == {"SKU-1": {"": 7}, "SKU-2": {"WH1": 3}}
    report = http_request(
        "GET",
        f"{market.url}/api/offers/stock/imports/{import_id}/error_report",
        headers=KEY,
    )
    assert report.status == 200
    rows = report.text.splitlines()
    assert (
        rows[0]
        == '"offer-sku";"quantity";"warehouse-code";"update-delete";"error-message"'
    )
    assert len(rows) == 4 and rows[1].startswith('"NOPE";"1"')
    empty, headers = multipart("other", "x.csv", b"")
    response = http_request(
        "POST", f"{market.url}/api/offers/stock/imports", body=empty, headers=headers
    )
    assert response.status == 400


def test_transaction_logs_and_billing_cycle(market):
    app = market.app
    order = debited_order(
        market,
        [{"sku": "SKU-1", "quantity": 1, "price_unit": "60", "shipping_price": "6"}],
        tax_rate=20,
    )
    kinds = [t["type"] for t in app.transactions()]
    assert kinds == [
        "ORDER_AMOUNT",
        "ORDER_AMOUNT_TAX",
        "ORDER_SHIPPING_AMOUNT",
        "ORDER_SHIPPING_AMOUNT_TAX",
        "COMMISSION_FEE",
        "COMMISSION_VAT",
    ]
    lines = app.transactions()
    assert [t["amount"] for t in lines] == [50.0, 10.0, 5.0, 1.0, -6.6, -1.32]
    assert lines[-1]["balance"] == 58.08 and lines[4]["amount_debited"] == 6.6
    assert lines[1]["entities"]["order_tax"] == {"code": "VAT", "rate": 20.0}
    assert lines[0]["entities"]["order"]["id"] == order["order_id"]
    assert {t["payment_state"] for t in lines} == {"PENDING"}

    for n in range(4):
        app.add_transaction("SELLER_PENALTY_FEE" if n else "SOMETHING_NEW", -1)
    # Seek paging, 3 a page.
    status, page = api(market, "GET", "/sellerpayment/transactions_logs", limit=3)
    assert (
        status == 200 and len(page["data"]) == 3 and "previous_page_token" not in page
    )
    seen = [t["id"] for t in page["data"]]
    while "next_page_token" in page:
        page = api(
            market,
            "GET",
            "/sellerpayment/transactions_logs",
            page_token=page["next_page_token"],
            limit=1,  # ignored with a token
        )[1]
        assert len(page["data"]) <= 3
        seen += [t["id"] for t in page["data"]]
    assert seen == [t["id"] for t in app.transactions()] and len(seen) == 10
    assert api(market, "GET", "/sellerpayment/transactions_logs", limit=2001)[0] == 400

    api(market, "PUT", f"/orders/{order['order_id']}/tracking", {"carrier_code": "DHL"})
    api(market, "PUT", f"/orders/{order['order_id']}/ship", {})
    app.advance_clock(10)
    mark = app.now()
    app.advance_clock(1)
    app.receive(order["order_id"])
    invoice = app.close_billing_cycle()
    assert invoice["type"] == "AUTO_INVOICE" and invoice["payment"]["state"] == "PAID"
    status, body = api(
        market,
        "GET",
        "/sellerpayment/transactions_logs",
        sort="lastUpdated",
        last_updated_from=iso(mark),
    )
    assert status == 200
    paid = body["data"]
    assert {t["payment_state"] for t in paid} == {"PAID"}
    assert paid[-1]["type"] == "PAYMENT" and paid[-1]["balance"] == 0.0
    payout = sum(t["amount"] for t in paid if t["type"] != "PAYMENT")
    assert paid[-1]["amount"] == pytest.approx(-payout)
    assert {t["accounting_document_id"] for t in paid} == {str(invoice["id"])}
    assert {t["accounting_document_number"] for t in paid} == {invoice["invoice_id"]}
    assert all(
        t["payment_voucher_number"] == invoice["payment"]["reference"] for t in paid
    )
    assert {t["type"] for t in paid} >= {
        "SUBSCRIPTION_FEE",
        "SOMETHING_NEW",
        "ORDER_AMOUNT",
    }
    status, invoices = api(market, "GET", "/invoices")
    assert status == 200 and invoices["total_count"] == 1
    assert invoices["invoices"][0]["total_amount_excl_taxes"] == pytest.approx(
        6.6 + 9.99
    )


def test_limits_with_a_scaled_clock():
    app = MiraklMarketplace(limit_scale=0.01, seed=3)
    server = serve_marketplace(app)
    try:
        assert api(server, "GET", "/orders")[0] == 200
        status, body = api(server, "GET", "/orders")
        assert status == 429 and body == {
            "status": 429,
            "message": "OR11: too many calls, the maximum frequency is exceeded",
        }
        response = http_request("GET", f"{server.url}/api/orders", headers=KEY)
        assert response.status == 429 and "retry-after" not in response.headers
        assert api(server, "GET", "/account")[0] == 200  # A01 is unlimited
        time.sleep(0.65)
        assert api(server, "GET", "/orders")[0] == 200
        times = app.call_times("OR11")
        assert len(times) == 4 and len(app.call_times("OR11", accepted_only=True)) == 2
        status, calls = request_json(
            "GET", f"{server.url}/_sandbox/calls?operation=OR11"
        )
        assert calls == {"OR11": times}
        request_json("POST", f"{server.url}/_sandbox/limits", {"retry_after": True})
        response = http_request("GET", f"{server.url}/api/orders", headers=KEY)
        assert response.status == 429 and response.headers["retry-after"] == "1"
        app.advance_clock(60)
        assert api(server, "GET", "/orders")[0] == 200
        request_json("POST", f"{server.url}/_sandbox/limits", {"enabled": False})
        assert [api(server, "GET", "/orders")[0] for _ in range(3)] == [200] * 3
    finally:
        server.shutdown()


def test_injected_faults_answer_like_mirakl(market):
    status, _ = request_json(
        "POST", f"{market.url}/_sandbox/faults", {"error_rate": 1.0}
    )
    assert status == 200
    assert api(market, "GET", "/account") == (
        503,
        {"status": 503, "message": "Service unavailable"},
    )
    request_json("POST", f"{market.url}/_sandbox/faults", {"error_rate": 0.0})
    assert api(market, "GET", "/account")[0] == 200


def test_command_line_serves_a_marketplace():
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "mirakl", "--port", "0", "--no-limits"]
        + ["--skus", "A,B", "--shops", "2", "--duration", "20"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(process.stdout.readline())
        assert ready["event"] == "ready" and ready["shop_ids"] == [2001, 2002]
        headers = {"Authorization": ready["api_key"]}
        status, account = request_json(
            "GET", f"{ready['api_url']}/account?shop_id=2002", headers=headers
        )
        assert status == 200 and account["shop_id"] == 2002
        assert account["offers_count"] == 2
    finally:
        process.terminate()
        process.wait(10)
