import hashlib
import hmac
import json
import time

from odoo.tests import HttpCase, tagged

from .common import (
    WEBHOOK_SECRET,
    RetailKeyMixin,
    encode,
    make_event,
    make_order_data,
    sign,
)


@tagged("post_install", "-at_install")
class TestWebhookIntake(RetailKeyMixin, HttpCase):
    """Every answer of POST /retail/webhook/<token>, over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_encryption_key()
        cls.backend = cls.env["retail.backend"].create(
            {"name": "Webhook channel", "webhook_secret": WEBHOOK_SECRET}
        )
        cls.backend.action_activate()

    def post(self, body, signature="sign", token=None, headers=None):
        headers = dict(headers or {}, **{"Content-Type": "application/json"})
        if signature == "sign":
            signature = sign(body)
        if signature:
            headers["X-Retail-Signature"] = signature
        token = token or self.backend.sudo().webhook_token
        return self.url_open(
            f"/retail/webhook/{token}", data=body, headers=headers, timeout=30
        )

    def exchanges(self):
        return self.env["retail.exchange"].search(
            [("backend_id", "=", self.backend.id)]
        )

    def test_accepted_then_duplicate(self):
        body = encode(make_event(make_order_data(), event_id="evt-1"))
        response = self.post(body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "accepted"})
        exchange = self.exchanges()
        self.assertEqual(len(exchange), 1)
        self.assertEqual(exchange.state, "queued")
        self.assertEqual(exchange.dedup_key, "evt-1")
        self.assertEqual(exchange.external_id, "1001")
        self.assertEqual(exchange.payload.encode(), body, "raw body kept as received")
        self.assertTrue(exchange.job_id, "processing job queued with the exchange")
        self.assertEqual(exchange.job_id.channel, "root.retail.inbound")
        self.assertEqual(
            json.loads(exchange.headers)["X-Retail-Signature"],
            "***",
            "the signature is not kept",
        )

        response = self.post(body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "duplicate"})
        self.assertEqual(len(self.exchanges()), 1)

    def test_unknown_and_archived_connection(self):
        body = encode(make_event(make_order_data()))
        self.assertEqual(self.post(body, token="not-a-token").status_code, 404)
        self.backend.active = False
        response = self.post(body)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.exchanges().exists())

    def test_oversized_body(self):
        self.backend.max_body_bytes = 2048
        data = make_order_data(note="x" * 4096)
        response = self.post(encode(make_event(data)))
        self.assertEqual(response.status_code, 413)
        self.assertIn("larger than", response.json()["reason"])
        self.assertFalse(self.exchanges())

    def test_bad_signatures_store_nothing(self):
        body = encode(make_event(make_order_data()))
        cases = {
            "missing": None,
            "wrong secret": sign(body, secret="other"),
            "malformed": "garbage",
            "truncated": sign(body)[:-6],
            "replayed": sign(body, timestamp=time.time() - 400),
            "from the future": sign(body, timestamp=time.time() + 400),
        }
        for label, signature in cases.items():
            with self.subTest(label):
                response = self.post(body, signature=signature)
                self.assertEqual(response.status_code, 401, label)
                self.assertTrue(response.json()["reason"])
        self.assertFalse(self.exchanges())

    def test_signature_is_over_raw_bytes(self):
        # Escaped unicode and slashes: re-encoding the JSON changes the bytes.
        event = make_event(make_order_data(note="Café \u20ac / ok"), event_id="evt-raw")
        raw = json.dumps(event, ensure_ascii=True).replace("/", "\\/").encode()
        timestamp = int(time.time())
        digest = hmac.new(
            WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256
        ).hexdigest()
        response = self.post(raw, signature=f"t={timestamp},v1={digest}")
        self.assertEqual(response.json(), {"status": "accepted"})
        reencoded = json.dumps(json.loads(raw)).encode()
        self.assertNotEqual(reencoded, raw)
        response = self.post(
            json.dumps(make_event(make_order_data(), event_id="evt-raw2")).encode(),
            signature=f"t={timestamp},v1={digest}",
        )
        self.assertEqual(response.status_code, 401)

    def test_malformed_bodies(self):
        for label, body in {
            "not json": b"{not json",
            "not an object": b"[1, 2]",
            "no id": encode({"topic": "order.created", "data": {}}),
            "unknown topic": encode({"id": "e", "topic": "order.exploded", "data": {}}),
            "not utf-8": b"\xff\xfe{}",
        }.items():
            with self.subTest(label):
                response = self.post(body)
                self.assertEqual(response.status_code, 400, label)
                self.assertTrue(response.json()["reason"])
        self.assertFalse(self.exchanges())

    def test_paused_connection_stores_and_resumes(self):
        self.backend.action_pause()
        body = encode(make_event(make_order_data(), event_id="evt-paused"))
        self.assertEqual(self.post(body).json(), {"status": "accepted"})
        exchange = self.exchanges()
        self.assertEqual(exchange.state, "received")
        self.assertFalse(exchange.job_uuid, "nothing processed while paused")
        self.backend.action_resume()
        self.assertEqual(exchange.state, "queued")
        self.assertTrue(exchange.job_id)

    def test_get_is_not_allowed(self):
        response = self.url_open(
            f"/retail/webhook/{self.backend.sudo().webhook_token}", timeout=30
        )
        self.assertEqual(response.status_code, 405)
