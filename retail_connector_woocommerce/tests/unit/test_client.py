"""Client pieces that need no network: batching, batch answers, pagination
headers, error bodies. The calls themselves are tested against the sandbox
(sandbox/tests/test_woocommerce.py)."""

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from odoo.addons.retail_connector_base.tools.http_client import ChannelHttpError
from odoo.addons.retail_connector_woocommerce.tools import client, const

FIXTURES = Path(__file__).parent / "fixtures"


def test_250_updates_make_three_requests_of_at_most_100():
    bodies = client.chunk_batch(update=[{"id": n} for n in range(250)])
    assert [len(body["update"]) for body in bodies] == [100, 100, 50]
    assert [item["id"] for body in bodies for item in body["update"]] == list(
        range(250)
    )


def test_limit_counts_create_update_and_delete_together():
    bodies = client.chunk_batch(
        create=[{"sku": f"N{n}"} for n in range(60)],
        update=[{"id": n} for n in range(60)],
        delete=list(range(30)),
    )
    assert [sum(len(v) for v in body.values()) for body in bodies] == [100, 50]
    assert [len(body.get("create", ())) for body in bodies] == [60, 0]
    assert [len(body.get("update", ())) for body in bodies] == [40, 20]
    assert [len(body.get("delete", ())) for body in bodies] == [0, 30]
    assert client.chunk_batch() == []


def test_per_item_errors_inside_a_200_answer():
    sent = {
        "update": [
            {"id": 18, "stock_quantity": 7, "manage_stock": True},
            {"id": 999999, "stock_quantity": 3, "manage_stock": True},
            {"id": 22, "stock_quantity": 0, "manage_stock": True},
        ]
    }
    answer = json.loads((FIXTURES / "products_batch_response.json").read_text())
    result = client.BatchResult()

    client.parse_batch_response(sent, answer, result)

    assert [item["id"] for item in result.updated] == [18, 22]
    (error,) = result.errors
    assert error == client.BatchItemError(
        action="update",
        id=999999,
        code=const.ERROR_INVALID_PRODUCT,
        message="Invalid ID.",
        status=400,
        item={"id": 999999, "stock_quantity": 3, "manage_stock": True},
    )


def test_failed_create_and_silently_missing_items():
    sent = {"create": [{"sku": "A"}, {"sku": "B"}], "delete": [5, 6]}
    answer = {
        "create": [
            {"id": 0, "error": {"code": "product_invalid_sku", "message": "dup"}},
            {"id": 41, "sku": "B"},
        ],
        "delete": [{"id": 5}],
    }
    result = client.BatchResult()
    client.parse_batch_response(sent, answer, result)
    assert [item["id"] for item in (*result.created, *result.deleted)] == [41, 5]
    assert [(e.action, e.id, e.code, e.item) for e in result.errors] == [
        ("create", 0, "product_invalid_sku", {"sku": "A"}),
        ("delete", 6, "missing_in_response", {"id": 6}),
    ]


def test_link_header():
    base = "https://shop.example.com/wp-json/wc/v3/orders"
    header = (
        f'<{base}?page=1&per_page=100>; rel="prev", '
        f'<{base}?page=3&per_page=100>; rel="next"'
    )
    links = client.parse_link_header(header)
    assert links["next"].endswith("page=3&per_page=100")
    assert links["prev"].endswith("page=1&per_page=100")
    assert client.parse_link_header(None) == {}


def test_page_knows_when_another_follows():
    assert client.Page([{}], 2, 250, 3, {}).has_next
    assert not client.Page([{}], 3, 250, 3, {"prev": "x"}).has_next
    assert client.Page([{}], 1, None, None, {"next": "x"}).has_next


def test_query_datetimes_are_utc_without_offset():
    aware = datetime(2024, 5, 14, 11, 12, 43, 999, tzinfo=timezone(timedelta(hours=2)))
    assert client.format_query_datetime(aware) == "2024-05-14T09:12:43"
    naive = datetime(2024, 5, 14, 9, 12, 43)
    assert client.format_query_datetime(naive) == "2024-05-14T09:12:43"
    assert client.format_query_datetime(naive.replace(tzinfo=UTC)) == (
        "2024-05-14T09:12:43"
    )


def test_client_error_answered_as_500_is_not_retried():
    # WP_Error(code, message, 400) is served as HTTP 500 with "data": 400.
    body = json.dumps(
        {
            "code": const.ERROR_INVALID_REFUND,
            "message": "Refund amount must be greater than zero.",
            "data": 400,
        }
    )
    error = client._woo_error(
        ChannelHttpError("x", status=500, retryable=True, body=body)
    )
    assert isinstance(error, client.WooCommerceError)
    assert error.retryable is False
    assert error.code == const.ERROR_INVALID_REFUND
    assert error.message == "Refund amount must be greater than zero."


def test_outage_stays_retryable():
    body = json.dumps({"code": "internal_server_error", "message": "x", "data": {}})
    error = client._woo_error(
        ChannelHttpError("x", status=500, retryable=True, body=body)
    )
    assert error.retryable is True
    html = ChannelHttpError("Bad Gateway", status=502, retryable=True, body="<html>")
    assert client._woo_error(html) is html


def test_store_url_is_validated():
    with pytest.raises(ValueError, match="http:// or https://"):
        client.WooCommerceClient("shop.example.com", "ck", "cs")
    woo = client.WooCommerceClient("https://shop.example.com/", "ck", "cs")
    assert woo.api_url == "https://shop.example.com/wp-json/wc/v3"
    assert woo.http.timeout == const.DEFAULT_TIMEOUT
