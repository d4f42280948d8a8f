"""Webhooks: management, the creation ping, signed deliveries, disabling.

Deliveries leave from the store's outbox some time after the change
(``--delivery-delay``), the body rendered when the delivery runs, encoded
like PHP (``\\/`` and ``\\u20ac``), signed ``X-WC-Webhook-Signature:
base64(HMAC-SHA256(secret, raw body))``, with WooCommerce's headers; a
webhook is set ``disabled`` after more than 5 consecutive failures; a failed
delivery is never retried.
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse

from ..common import DeliveryAttempt, hmac_base64, hmac_hex, http_request, once
from .const import (
    ALLOWED_DELIVERY_PORTS,
    HOOKSHOT_USER_AGENT,
    MAX_DELIVERY_FAILURES,
    PING_TIMEOUT,
    WEBHOOK_EVENTS,
    WEBHOOK_RESOURCES,
)
from .errors import WooError, invalid_param
from .values import iso, php_json


class Webhooks:
    """Store mixin: ``webhooks`` and their ``delivery_log``."""

    def _validate_webhook(self, data: dict, partial: bool) -> None:
        if "topic" in data or not partial:
            topic = str(data.get("topic") or "")
            resource, _, event = topic.partition(".")
            valid = (
                (resource in WEBHOOK_RESOURCES and event in WEBHOOK_EVENTS)
                or (topic.startswith("action.") and len(topic) > 7)
                or topic == "product.published"
            )
            if not valid:
                raise WooError(
                    400,
                    "woocommerce_rest_webhook_invalid_topic",
                    "Webhook topic is required and must be valid.",
                )
        if "delivery_url" in data or not partial:
            url = str(data.get("delivery_url") or "")
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise invalid_param("delivery_url", "Invalid URL.")
        if "status" in data and data["status"] not in ("active", "paused", "disabled"):
            raise invalid_param(
                "status", "status is not one of active, paused and disabled."
            )

    def create_webhook(self, data: dict) -> dict:
        """POST webhooks; the ping is sent by the handler once the lock is free."""
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        self._validate_webhook(data, partial=False)
        now = self.now()
        webhook_id = next(self._webhook_ids)
        topic = data["topic"]
        resource, _, event = topic.partition(".")
        webhook = {
            "id": webhook_id,
            "name": str(data.get("name") or f"Webhook created on {iso(now)}"),
            "status": data.get("status", "active"),
            "topic": topic,
            "resource": resource,
            "event": event,
            "delivery_url": data["delivery_url"],
            # Without a secret WooCommerce derives one from the API user.
            "secret": str(
                data.get("secret")
                or hashlib.md5(b"1|admin", usedforsecurity=False).hexdigest()
            ),
            "date_created": now,
            "date_modified": now,
            "failure_count": 0,
            "pending_delivery": True,
            "ping": None,
        }
        self.webhooks[webhook_id] = webhook
        return webhook

    def update_webhook(self, webhook_id: int, data: dict) -> dict:
        """PUT webhooks/<id> (e.g. re-enable one disabled after failures)."""
        webhook = self._webhook(webhook_id)
        if not isinstance(data, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        self._validate_webhook(data, partial=True)
        for field in ("name", "status", "delivery_url", "secret"):
            if field in data:
                webhook[field] = str(data[field])
        if "topic" in data:
            webhook["topic"] = data["topic"]
            webhook["resource"], _, webhook["event"] = data["topic"].partition(".")
        webhook["date_modified"] = self.now()
        return webhook

    def _webhook(self, webhook_id: int) -> dict:
        webhook = self.webhooks.get(webhook_id)
        if webhook is None:
            raise WooError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
        return webhook

    def ping(self, webhook_id: int) -> dict:
        """Send the creation ping: form body ``webhook_id=N``, no X-WC headers."""
        with self.lock:
            webhook = dict(self.webhooks[webhook_id])
        result = {"status": None, "error": ""}
        try:
            response = http_request(
                "POST",
                webhook["delivery_url"],
                body=f"webhook_id={webhook_id}".encode(),
                headers={
                    "User-Agent": HOOKSHOT_USER_AGENT,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                timeout=PING_TIMEOUT,
            )
            result["status"] = response.status
            if response.status != 200:
                result["error"] = (
                    f"Error: Delivery URL returned response code: {response.status}"
                )
        except (OSError, ValueError) as exc:
            result["error"] = f"Error: Delivery URL cannot be reached: {exc}"
        with self.lock:
            if webhook_id in self.webhooks:
                self.webhooks[webhook_id]["ping"] = result
                if result["status"] == 200:
                    self.webhooks[webhook_id]["pending_delivery"] = False
            self.delivery_log.append(
                {"webhook_id": webhook_id, "kind": "ping", **result, "at": time.time()}
            )
        return result

    def _delivery_id(self, webhook_id: int) -> str:
        # wp_hash($webhook_id . strtotime('now')): equal within one second.
        message = f"{webhook_id}{int(self.clock())}"
        return hmac_hex(self.hash_salt, message, hashlib.md5)

    def _render_delivery(self, event: str, resource: str, resource_id: int) -> bytes:
        with self.lock:
            if event == "deleted":
                payload = {"id": resource_id}
            elif resource == "order" and resource_id in self.orders:
                payload = self.render_order(self.orders[resource_id])
            elif resource == "product":
                payload = self.render_any_product(resource_id) or {"id": resource_id}
            else:
                payload = {"id": resource_id}
        return php_json(payload)

    def _fan_out(self, event: tuple) -> list[tuple]:
        """The deliveries of one event: one per active webhook on its topic."""
        resource, action, resource_id = event
        topic = f"{resource}.{action}"
        return [
            (webhook["id"], action, resource, resource_id)
            for webhook in self.webhooks.values()
            if webhook["status"] == "active" and webhook["topic"] == topic
        ]

    def _send(self, job: tuple) -> None:
        self._submit(*job)

    def _submit(self, webhook_id, event, resource, resource_id) -> None:
        with self.lock:
            webhook = self.webhooks.get(webhook_id)
            if webhook is None:
                return
            webhook = dict(webhook)
        if self.strict_delivery_ports:
            parts = urllib.parse.urlsplit(webhook["delivery_url"])
            port = parts.port or (443 if parts.scheme == "https" else 80)
            if port not in ALLOWED_DELIVERY_PORTS:
                with self.lock:
                    self.delivery_log.append(
                        {
                            "webhook_id": webhook_id,
                            "kind": "delivery",
                            "status": None,
                            "error": "A valid URL was not provided.",
                            "at": time.time(),
                        }
                    )
                    self._count_failure(webhook_id)
                return

        # Rendered when the delivery runs, once for both copies of a
        # duplicated delivery, so a duplicate is a byte-exact redelivery.
        @once
        def body() -> bytes:
            return self._render_delivery(event, resource, resource_id)

        @once
        def headers(raw: bytes) -> dict:
            signature = hmac_base64(webhook["secret"], raw)
            if self.faults.bad_signature():
                signature = signature[::-1]
            return {
                "Content-Type": "application/json",
                "User-Agent": HOOKSHOT_USER_AGENT,
                "X-WC-Webhook-Source": f"{self.site_url}/",
                "X-WC-Webhook-Topic": webhook["topic"],
                "X-WC-Webhook-Resource": webhook["resource"],
                "X-WC-Webhook-Event": webhook["event"],
                "X-WC-Webhook-Signature": signature,
                "X-WC-Webhook-ID": str(webhook_id),
                "X-WC-Webhook-Delivery-ID": self._delivery_id(webhook_id),
            }

        self.deliverer.submit(
            webhook["delivery_url"],
            body,
            headers,
            meta={
                "webhook_id": webhook_id,
                "topic": webhook["topic"],
                "resource_id": resource_id,
            },
        )

    def _on_attempt(self, attempt: DeliveryAttempt) -> None:
        if attempt.dropped:
            return
        webhook_id = attempt.meta.get("webhook_id")
        with self.lock:
            self.delivery_log.append(
                {
                    "webhook_id": webhook_id,
                    "kind": "delivery",
                    "topic": attempt.meta.get("topic"),
                    "resource_id": attempt.meta.get("resource_id"),
                    "status": attempt.status,
                    "error": attempt.error,
                    "at": attempt.sent_at,
                }
            )
            if webhook_id not in self.webhooks:
                return
            if attempt.ok:
                self.webhooks[webhook_id]["failure_count"] = 0
            else:
                self._count_failure(webhook_id)

    def _count_failure(self, webhook_id: int) -> None:
        # WC_Webhook::failed_delivery(): disabled once the count already
        # exceeds the limit, i.e. on the 7th failure in a row.
        webhook = self.webhooks[webhook_id]
        if webhook["failure_count"] > MAX_DELIVERY_FAILURES:
            webhook["status"] = "disabled"
        else:
            webhook["failure_count"] += 1
