"""WooCommerce webhook deliveries: signature, ping, parsing and dedup key."""

import base64
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from odoo.addons.retail_connector_base.tools import signatures
from odoo.addons.retail_connector_woocommerce.tools import mappers

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "N3w$ecret-with spaces & symbols"


@pytest.fixture
def raw_body():
    return (FIXTURES / "webhook_order_updated_body.json").read_bytes()


@pytest.fixture
def headers():
    return json.loads((FIXTURES / "webhook_order_updated_headers.json").read_text())


def openssl_signature(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256) computed by openssl, independently of our code."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    digest = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret, "-binary"],
        input=body,
        capture_output=True,
        check=True,
    ).stdout
    return base64.b64encode(digest).decode()


def test_body_is_encoded_as_the_plugin_does(raw_body):
    # Escaped slashes and \u escapes: re-encoding never gives these bytes back.
    assert b"https:\\/\\/shop.example.com" in raw_body
    assert b'"currency_symbol":"\\u20ac"' in raw_body
    assert json.dumps(json.loads(raw_body)).encode() != raw_body


def test_signature_verified_against_openssl_vector(raw_body, headers):
    headers["X-WC-Webhook-Signature"] = openssl_signature(SECRET, raw_body)
    mappers.verify_webhook(SECRET, raw_body, headers)


def test_fixed_vector():
    # Computed once with `printf '{"id":727}' | openssl dgst -sha256 -hmac
    # secret -binary | base64`.
    mappers.verify_webhook(
        "secret",
        b'{"id":727}',
        {"x-wc-webhook-signature": "UtiK1DTZewPTdDmUeS7YHg+QGcWcgW08Tnjy5YKijZ0="},
    )


def test_header_lookup_is_case_insensitive(raw_body, headers):
    lowered = {name.lower(): value for name, value in headers.items()}
    lowered["x-wc-webhook-signature"] = openssl_signature(SECRET, raw_body)
    mappers.verify_webhook(SECRET, raw_body, lowered)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda body, hdrs: (body.replace(b"237.16", b"1.00"), hdrs), "mismatch"),
        (
            lambda body, hdrs: (json.dumps(json.loads(body)).encode(), hdrs),
            "mismatch",
        ),
        (
            lambda body, hdrs: (
                body,
                {k: v for k, v in hdrs.items() if k != "X-WC-Webhook-Signature"},
            ),
            "missing signature header",
        ),
    ],
    ids=["tampered body", "re-encoded JSON", "no signature"],
)
def test_signature_rejected(raw_body, headers, mutate, reason):
    headers["X-WC-Webhook-Signature"] = openssl_signature(SECRET, raw_body)
    body, sent_headers = mutate(raw_body, headers)
    with pytest.raises(signatures.SignatureError, match=reason):
        mappers.verify_webhook(SECRET, body, sent_headers)


def test_wrong_or_missing_secret_rejected(raw_body, headers):
    headers["X-WC-Webhook-Signature"] = openssl_signature(SECRET, raw_body)
    with pytest.raises(signatures.SignatureError, match="mismatch"):
        mappers.verify_webhook("another secret", raw_body, headers)
    with pytest.raises(signatures.SignatureError, match="no webhook secret"):
        mappers.verify_webhook("", raw_body, headers)


def test_ping_is_recognised_and_not_a_delivery(raw_body, headers):
    ping_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)",
    }
    assert mappers.is_ping(b"webhook_id=14", ping_headers)
    assert mappers.ping_webhook_id(b"webhook_id=14") == 14
    assert not mappers.is_ping(raw_body, headers)
    # A ping-looking body on a real delivery is a delivery.
    assert not mappers.is_ping(b"webhook_id=14", headers)
    assert not mappers.is_ping(b'{"webhook_id": 14}', ping_headers)
    assert not mappers.is_ping(b"webhook_id=14&x=1", ping_headers)


def test_creation_ping_recognised_after_odoo_parsed_the_form(raw_body, headers):
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    # Odoo consumed the form body: only the content type and the form remain.
    assert mappers.is_creation_ping(form_headers, b"", {"webhook_id": "14"})
    assert mappers.is_creation_ping(form_headers, b"")
    assert mappers.is_creation_ping(form_headers, b"webhook_id=14")
    assert not mappers.is_creation_ping(form_headers, b"", {"other": "1"})
    assert not mappers.is_creation_ping(headers, b"")
    assert not mappers.is_creation_ping(headers, raw_body)
    assert not mappers.is_creation_ping({"Content-Type": "application/json"}, b"")


def test_modified_at_reads_the_gmt_date_and_tolerates_garbage():
    assert mappers.modified_at(
        {"date_modified_gmt": "2024-05-02T10:15:00", "date_modified": "x"}
    ) == datetime(2024, 5, 2, 10, 15)
    assert mappers.modified_at({"date_modified": "not a date"}) is None
    assert mappers.modified_at({}) is None


def test_parse_delivery(raw_body, headers):
    topic, resource, event, payload = mappers.parse_webhook(headers, raw_body)
    assert (topic, resource, event) == ("order.updated", "order", "updated")
    assert payload["id"] == 727
    assert payload["_links"]["self"][0]["href"].startswith("https://shop.example.com")


def test_parse_deleted_event():
    headers = {
        "X-WC-Webhook-Topic": "order.deleted",
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "deleted",
    }
    body = (FIXTURES / "order_deleted_body.json").read_bytes()
    assert mappers.parse_webhook(headers, body) == (
        "order.deleted",
        "order",
        "deleted",
        {"id": 727},
    )


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        ({}, b'{"id": 1}', "X-WC-Webhook-Topic header is missing"),
        ({"X-WC-Webhook-Topic": "order.updated"}, b"{not json", "not valid JSON"),
        ({"X-WC-Webhook-Topic": "order.updated"}, b"[1, 2]", "JSON object"),
        ({"X-WC-Webhook-Topic": "order.updated"}, b"\xff\xfe", "not valid JSON"),
    ],
)
def test_malformed_delivery(headers, body, message):
    with pytest.raises(mappers.WebhookPayloadError, match=message):
        mappers.parse_webhook(headers, body)


def test_dedup_key_combines_delivery_resource_and_modification(raw_body, headers):
    payload = json.loads(raw_body)
    key = mappers.webhook_dedup_key(headers, payload)
    assert key == "4a0d7bb2c3f1e9d8a6b5c4d3e2f1a0b9:727:2024-05-14T09:12:47"

    # Same delivery id within one second, but a later state: another event.
    later = dict(payload, date_modified_gmt="2024-05-14T09:12:48")
    assert mappers.webhook_dedup_key(headers, later) != key
    # Same delivery id, another order: another event.
    other = dict(payload, id=728)
    assert mappers.webhook_dedup_key(headers, other) != key
    # A redelivery of the same bytes: the same key.
    assert mappers.webhook_dedup_key(dict(headers), json.loads(raw_body)) == key

    deleted = mappers.webhook_dedup_key(headers, {"id": 727})
    assert deleted == "4a0d7bb2c3f1e9d8a6b5c4d3e2f1a0b9:727:"
