"""Square webhook deliveries: the signature over URL + raw body, envelopes."""

import json
from datetime import datetime

import pytest

from odoo.addons.retail_connector_base.tools import inbound, signatures
from odoo.addons.retail_connector_pos.tools import square

# Square's SDK test vector (PROTOCOLS.md, "POS: Square style").
SDK_KEY = "Ibxx_5AKakO-3qeNVR61Dw"
SDK_URL = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"
SDK_SIGNATURE = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="


def test_signature_matches_the_sdk_test_vector(raw):
    body = raw("test_notification.json")
    assert square.expected_signature(SDK_KEY, SDK_URL, body) == SDK_SIGNATURE
    assert square.verify_signature(SDK_KEY, SDK_URL, body, SDK_SIGNATURE)
    assert square.verify_signature(
        SDK_KEY.encode(), SDK_URL.encode(), body, SDK_SIGNATURE
    )


@pytest.mark.parametrize(
    "url",
    [
        SDK_URL + "/",
        SDK_URL.replace("https://", "http://"),
        "https://webhook.site/other",
    ],
)
def test_another_url_does_not_verify(raw, url):
    assert not square.verify_signature(
        SDK_KEY, url, raw("test_notification.json"), SDK_SIGNATURE
    )


def test_a_reserialised_body_does_not_verify(raw):
    body = raw("test_notification.json")
    for again in (
        json.dumps(json.loads(body)).encode(),
        json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True).encode(),
        body + b"\n",
    ):
        assert again != body
        assert not square.verify_signature(SDK_KEY, SDK_URL, again, SDK_SIGNATURE)


def test_a_delivery_signed_by_the_sandbox_verifies(raw, payload):
    signed = payload("signed_delivery.json")
    body = raw(signed["body_file"])
    header = signed["signature"]
    assert square.verify_signature(signed["key"], signed["url"], body, header)
    assert not square.verify_signature(signed["key"] + "x", signed["url"], body, header)
    assert not square.verify_signature(signed["key"], signed["url"], body, None)
    assert not square.verify_signature(signed["key"], signed["url"], body, "")
    assert not square.verify_signature(signed["key"], "", body, header)
    assert not square.verify_signature("", signed["url"], body, header)


def test_check_signature_says_why():
    with pytest.raises(signatures.SignatureError, match="no notification URL"):
        square.check_signature(SDK_KEY, "", b"{}", "x")
    with pytest.raises(signatures.SignatureError, match="no webhook secret"):
        square.check_signature("", SDK_URL, b"{}", "x")
    with pytest.raises(signatures.SignatureError, match="missing signature"):
        square.check_signature(SDK_KEY, SDK_URL, b"{}", None)
    with pytest.raises(signatures.SignatureError) as error:
        square.check_signature(SDK_KEY, SDK_URL, b"{}", SDK_SIGNATURE)
    # The expected value never leaks into the answer.
    assert square.expected_signature(SDK_KEY, SDK_URL, b"{}") not in str(error.value)


def test_signature_header_in_any_case():
    assert square.signature_header({"X-Square-HmacSha256-Signature": "abc"}) == "abc"
    assert square.signature_header({square.SIGNATURE_HEADER: "def"}) == "def"
    assert square.signature_header({"content-type": "application/json"}) is None


def test_the_subscribed_event_types():
    assert set(square.EVENT_TYPES) == {
        "payment.created",
        "payment.updated",
        "refund.created",
        "refund.updated",
        "order.created",
        "order.updated",
        "inventory.count.updated",
        "payout.sent",
        "payout.paid",
        "payout.failed",
    }
    assert len(square.EVENT_TYPES) == len(set(square.EVENT_TYPES))


SALE = "rLAFuKTOWS43DZzoi9DHEzvDLuM"
RETURN = "Ez2S5CpKL8Lwd0iwq1nZIyw3JzG"
ONLINE = "IEru4fO3eAjauGG16roU9OmXdQ0"
PAYOUT = "po_00a8e0b2-0b6f-45d0-afaa-fb62c6db7c77"


@pytest.mark.parametrize(
    ("name", "topic", "external_id", "occurred_at"),
    [
        ("payment_created.json", "payment.created", SALE, "2026-12-03T23:30:00"),
        ("payment_updated.json", "payment.updated", SALE, "2026-12-03T23:30:00"),
        # A refund names its return order, a new order.
        ("refund_created.json", "refund.created", RETURN, "2026-12-04T10:00:00"),
        ("refund_updated.json", "refund.updated", RETURN, "2026-12-04T10:00:00"),
        ("order_created_draft.json", "order.created", ONLINE, "2026-12-04T11:00:00"),
        ("order_updated.json", "order.updated", ONLINE, "2026-12-04T11:00:00"),
        ("inventory_count_updated.json", "inventory.count.updated", "", None),
        ("payout_sent.json", "payout.sent", PAYOUT, "2026-12-05T02:00:00"),
        ("payout_paid.json", "payout.paid", PAYOUT, "2026-12-05T02:00:00"),
        ("payout_failed.json", "payout.failed", None, "2026-12-06T02:00:00"),
    ],
)
def test_event_envelopes(raw, payload, name, topic, external_id, occurred_at):
    body = payload(name)
    event = square.event_from_body(raw(name))
    assert event.topic == topic
    assert event.dedup_key == body["event_id"]
    assert not event.is_ping
    if external_id is None:  # the failed payout of New York
        external_id = body["data"]["object"]["payout"]["id"]
        assert external_id.startswith("po_")
    assert event.external_id == external_id
    if occurred_at:
        assert event.occurred_at == datetime.fromisoformat(occurred_at)
    else:
        assert event.occurred_at == datetime.fromisoformat(
            body["created_at"].replace("Z", "")
        )
    assert topic in square.EVENT_TYPES


def test_order_summary_is_not_the_order(payload):
    body = payload("order_created_draft.json")
    summary = square.event_object(body)["order_created"]
    assert summary["state"] == "DRAFT"
    assert "line_items" not in summary  # fetch the order


def test_test_notification_is_a_ping(raw):
    event = square.event_from_body(raw("test_notification.json"))
    assert event.is_ping
    assert event.topic == "webhooks.test_notification"
    assert event.dedup_key == "ac3ac95b-f97d-458c-a6e6-18981597e05f"
    # Nanoseconds are cut to microseconds, the time is naive UTC.
    assert event.occurred_at == datetime(2022, 7, 13, 20, 30, 59, 37339)


def test_an_unknown_type_is_passed_on(raw):
    body = json.dumps(
        {"type": "location.updated", "event_id": "e-1", "data": {"id": "L1"}}
    ).encode()
    event = square.event_from_body(body)
    assert (event.topic, event.external_id, event.occurred_at) == (
        "location.updated",
        "L1",
        None,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"event_id": "e-1"}', "no type"),
        (b'{"type": "payment.created"}', "no event_id"),
        (b'{"type": "payment.created", "event_id": 12}', "no event_id"),
        (b'{"type": "payment.created", "event_id": " "}', "no event_id"),
        (
            b'{"type": "payment.created", "event_id": "e", "created_at": "yesterday"}',
            "created_at",
        ),
    ],
)
def test_malformed_envelopes(body, message):
    with pytest.raises(inbound.MalformedPayload, match=message):
        square.event_from_body(body)


def test_an_unstorable_order_id_is_left_out():
    body = json.dumps(
        {
            "type": "payment.updated",
            "event_id": "e-2",
            "data": {"object": {"payment": {"order_id": "a\u0000b"}}},
        }
    ).encode()
    assert square.event_from_body(body).external_id == ""
