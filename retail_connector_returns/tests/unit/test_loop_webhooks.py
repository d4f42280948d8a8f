"""Loop deliveries: signatures over the raw bytes, kinds, dedup, subscriptions."""

import base64
import hashlib
import hmac
import json

import pytest

from odoo.addons.retail_connector_base.tools import inbound, signatures
from odoo.addons.retail_connector_returns.tools import loop

SECRET = "loop-webhook-secret"
THREE_UNITS = "return_created_three_units.json"


def reference_signature(secret, body):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- signatures -------------------------------------------------------------------


def test_expected_signature_is_base64_hmac_sha256_of_the_raw_bytes(raw):
    body = raw(THREE_UNITS)
    assert loop.expected_signature(SECRET, body) == reference_signature(SECRET, body)
    assert loop.expected_signature(SECRET.encode(), body) == reference_signature(
        SECRET, body
    )


def test_the_raw_body_verifies(raw):
    body = raw(THREE_UNITS)
    assert b"\\/" in body  # Loop escapes slashes: the signed bytes carry them
    header = loop.expected_signature(SECRET, body)
    assert loop.verify_signature(SECRET, body, header)
    assert loop.verify_signature(SECRET, body, f"  {header} ")
    loop.check_signature(SECRET, body, header)


def test_re_serialised_json_does_not_verify(raw):
    body = raw(THREE_UNITS)
    header = loop.expected_signature(SECRET, body)
    data = json.loads(body)
    for reencoded in (
        json.dumps(data).encode(),
        json.dumps(data, separators=(",", ":")).encode(),
        json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(),
    ):
        assert reencoded != body
        assert not loop.verify_signature(SECRET, reencoded, header)


def test_encode_body_writes_what_loop_sends(raw):
    body = raw(THREE_UNITS)
    assert loop.encode_body(json.loads(body)) == body


@pytest.mark.parametrize(
    ("secret", "header", "reason"),
    [
        (SECRET, None, "missing signature header"),
        (SECRET, "", "missing signature header"),
        (SECRET, "bm90IGl0", "signature mismatch"),
        (SECRET, "x" * 5000, "malformed signature header"),
        ("", "anything", "no webhook secret configured"),
        (None, "anything", "no webhook secret configured"),
    ],
)
def test_bad_signatures(raw, secret, header, reason):
    body = raw(THREE_UNITS)
    assert not loop.verify_signature(secret, body, header)
    with pytest.raises(signatures.SignatureError) as info:
        loop.check_signature(secret, body, header)
    assert str(info.value) == reason


def test_another_secret_does_not_verify(raw):
    body = raw(THREE_UNITS)
    header = loop.expected_signature("another secret", body)
    assert not loop.verify_signature(SECRET, body, header)


def test_one_changed_byte_does_not_verify(raw):
    body = raw(THREE_UNITS)
    header = loop.expected_signature(SECRET, body)
    tampered = body.replace(b'"refund":"132.00"', b'"refund":"932.00"')
    assert tampered != body
    assert not loop.verify_signature(SECRET, tampered, header)


def test_signature_header_in_any_case():
    assert loop.SIGNATURE_HEADER == "X-Loop-Signature"
    assert loop.signature_header({"x-loop-signature": "abc"}) == "abc"
    assert loop.signature_header({"X-Loop-Signature": "abc"}) == "abc"
    assert loop.signature_header({"Content-Type": "application/json"}) is None


# --- kinds and dedup ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (
            {"topic": "return", "trigger": "return.created"},
            ("return", "return.created"),
        ),
        ({"topic": "return", "trigger": "closed"}, ("return", "return.closed")),
        ({"topic": "Label", "trigger": "label.updated"}, ("label", "label.updated")),
        ({"topic": "return"}, ("return", "return.updated")),
        ({"topic": "restock"}, ("restock", "restock.requested")),
        (
            {"trigger": "label.request.issued"},
            ("label.request", "label.request.issued"),
        ),
        # Unknown ones are the caller's to judge.
        ({"topic": "parcel", "trigger": "parcel.lost"}, ("parcel", "parcel.lost")),
    ],
)
def test_event_kind(body, kind):
    assert loop.event_kind(body) == kind


@pytest.mark.parametrize("body", [{}, {"topic": 3}, {"trigger": "created"}, []])
def test_event_kind_without_topic(body):
    with pytest.raises(inbound.MalformedPayload):
        loop.event_kind(body)


def test_fixtures_kinds(payload):
    assert loop.event_kind(payload(THREE_UNITS)) == ("return", "return.created")
    assert loop.event_kind(payload("label_updated.json")) == ("label", "label.updated")
    assert loop.event_kind(payload("restock_requested.json")) == (
        "restock",
        "restock.requested",
    )


def test_dedup_key_is_a_digest_of_the_raw_body(raw):
    body = raw(THREE_UNITS)
    key = loop.dedup_key(body)
    assert key == "sha256:" + hashlib.sha256(body).hexdigest()
    assert key == loop.dedup_key(bytes(body))  # a redelivery: the same key
    assert key != loop.dedup_key(body.replace(b"88001", b"88009"))
    assert len(key) <= 255


def test_webhook_event(raw):
    event = loop.webhook_event(raw(THREE_UNITS))
    assert event == inbound.InboundEvent(
        topic="return.created",
        dedup_key=loop.dedup_key(raw(THREE_UNITS)),
        external_id="88001",
    )
    label = loop.webhook_event(raw("label_updated.json"))
    assert (label.topic, label.external_id) == ("label.updated", "88001")


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[1, 2]", b"\xff\xfe", b'{"id": "1"}']
)
def test_webhook_event_refuses_what_loop_never_sends(body):
    with pytest.raises(inbound.MalformedPayload):
        loop.webhook_event(body)


# --- subscriptions ------------------------------------------------------------------


def test_subscriptions():
    assert loop.SUBSCRIPTIONS == (
        ("return", "return.created"),
        ("return", "return.updated"),
        ("return", "return.closed"),
        ("label", "label.created"),
        ("label", "label.updated"),
        ("restock", "restock.requested"),
    )
    for topic, trigger in loop.SUBSCRIPTIONS:
        assert topic in loop.TOPICS
        assert trigger in loop.TRIGGERS


def test_subscription_body():
    url = "https://odoo.example.com/retail/webhook/7"
    assert loop.subscription_body("return", "return.closed", url) == {
        "topic": "return",
        "trigger": "return.closed",
        "url": url,
        "status": "active",
    }
    assert loop.subscription_body(
        "label.request", "label.request.issued", url, status="inactive"
    )["status"] == ("inactive")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("parcel", "parcel.lost", "https://x"), "not a Loop webhook topic"),
        (("return", "label.created", "https://x"), "not a trigger of the Loop topic"),
        (("label", "label.request.issued", "https://x"), "not a trigger"),
        (("return", "return.created", "odoo.example.com"), "absolute http(s) URL"),
    ],
)
def test_subscription_body_errors(args, message):
    with pytest.raises(ValueError) as info:
        loop.subscription_body(*args)
    assert message in str(info.value)


def test_subscription_status_error():
    with pytest.raises(ValueError, match="active or inactive"):
        loop.subscription_body("return", "return.created", "https://x", "paused")
