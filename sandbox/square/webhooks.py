"""Webhook subscriptions, event envelopes and signed deliveries.

An event is fixed when the change happens: ``{merchant_id, location_id,
type, event_id, created_at, data: {type, id, object}}`` as compact JSON.
It goes to every enabled subscription listing its type, signed with that
subscription's key: ``x-square-hmacsha256-signature: base64(HMAC-SHA256(
signature key, notification URL + raw body))``, with ``square-environment``,
``square-initial-delivery-timestamp`` and ``square-retry-number``. Only a
2xx acknowledges; retries come after 1, 2, 4, 8, 16 and 32 minutes, then
every hour up to 72 hours after the first attempt (every wait times
``retry_scale``), a deleted or disabled subscription's retries stop, and a
subscription without a 2xx for three weeks (times ``retry_scale``) is
disabled.
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import urllib.parse

from ..common import Deliverer, DeliveryAttempt, compact_json, hmac_base64, once
from .const import (
    API_VERSION,
    DISABLE_AFTER,
    ENVIRONMENT,
    EVENT_TYPES,
    RETRY_HORIZON,
    RETRY_HOURLY,
    RETRY_WAITS,
    SIGNATURE_HEADER,
    USER_AGENT,
)
from .values import new_uuid, rfc3339


def signature(key: str | bytes, url: str | bytes, body: str | bytes) -> str:
    """Square's webhook signature: base64 HMAC-SHA256 of URL + raw body."""
    url = url.encode("utf-8") if isinstance(url, str) else url
    body = body.encode("utf-8") if isinstance(body, str) else body
    return hmac_base64(key, url + body)


def retry_waits() -> list[float]:
    """The waits (seconds, unscaled) between attempts: 1..32 min, then hourly."""
    waits, elapsed = [], 0.0
    for wait in RETRY_WAITS:
        waits.append(wait)
        elapsed += wait
    while elapsed + RETRY_HOURLY <= RETRY_HORIZON:
        waits.append(RETRY_HOURLY)
        elapsed += RETRY_HOURLY
    return waits


def subscription_stamp(epoch: float) -> str:
    """Subscriptions show times as ``2022-01-10 23:29:48 +0000 UTC``."""
    return rfc3339(epoch)[:19].replace("T", " ") + " +0000 UTC"


class SubscriptionError(ValueError):
    """A subscription Square refuses: ``(code, detail, field)``."""

    def __init__(self, code: str, detail: str, field: str):
        super().__init__(detail)
        self.code, self.field = code, field


class SquareDeliverer(Deliverer):
    """A `Deliverer` with Square's schedule; the retry number in the headers.

    ``waits`` records every wait taken (scaled).
    """

    def __init__(self, faults, *, retry_scale: float = 1.0, **options):
        self.schedule = retry_waits()
        super().__init__(faults, max_attempts=len(self.schedule) + 1, **options)
        self.retry_scale = retry_scale
        self.waits: list[float] = []

    def _retry_wait(self, attempt: int, retry_after) -> float:
        wait = self.schedule[attempt - 1] * self.retry_scale
        self.waits.append(wait)
        return wait

    def _attempt(self, item, attempt: int):
        headers = item.headers
        if callable(headers):
            item = dataclasses.replace(
                item, headers=lambda body: headers(body, retry=attempt - 1)
            )
        return super()._attempt(item, attempt)


class Webhooks:
    """Merchant mixin: ``subscriptions``, ``events`` and their deliveries."""

    def emit_event(self, event_type, location_id, data_type, data_id, obj) -> str:
        """Note one event (under the lock): its body is fixed now; its id."""
        event_id = new_uuid(self.ids)
        now = rfc3339(self.now())
        envelope = {"merchant_id": self.merchant_id}
        if location_id:
            envelope["location_id"] = location_id
        envelope.update(
            type=event_type,
            event_id=event_id,
            created_at=now,
            data={"type": data_type, "id": data_id, "object": obj},
        )
        self.events[event_id] = {
            "type": event_type,
            "location_id": location_id,
            "created_at": now,
            "body": compact_json(envelope),
        }
        self.emit(event_id)
        return event_id

    # -- subscriptions ----------------------------------------------------

    def subscribe(self, data: dict, idempotency_key=None) -> dict:
        """``POST /v2/webhooks/subscriptions``: the subscription, key included."""
        fields = self._subscription_fields(data, creating=True)
        return self.idempotent(
            "subscription", idempotency_key, lambda: self._create_subscription(fields)
        )

    def _create_subscription(self, fields: dict) -> dict:
        with self.lock:
            now = subscription_stamp(self.now())
            subscription = {
                "id": "wbhk_" + secrets.token_hex(16),
                "name": fields.get("name", ""),
                "enabled": fields.get("enabled", True),
                "event_types": fields["event_types"],
                "notification_url": fields["notification_url"],
                "api_version": fields.get("api_version", API_VERSION),
                "signature_key": secrets.token_urlsafe(16),
                "created_at": now,
                "updated_at": now,
            }
            self.subscriptions[subscription["id"]] = subscription
            return copy.deepcopy(subscription)

    def _subscription_fields(self, data, *, creating: bool) -> dict:
        if not isinstance(data, dict):
            raise SubscriptionError(
                "INVALID_VALUE", "subscription: an object", "subscription"
            )
        fields = {}
        if "event_types" in data or creating:
            types = data.get("event_types")
            if not isinstance(types, list) or not types:
                raise SubscriptionError(
                    "MISSING_REQUIRED_PARAMETER",
                    "event_types is required.",
                    "subscription.event_types",
                )
            for index, event_type in enumerate(types):
                if event_type not in EVENT_TYPES:
                    raise SubscriptionError(
                        "INVALID_VALUE",
                        f"Unknown event type `{event_type}`.",
                        f"subscription.event_types[{index}]",
                    )
            fields["event_types"] = list(dict.fromkeys(types))
        if "notification_url" in data or creating:
            url = data.get("notification_url")
            parts = urllib.parse.urlsplit(url if isinstance(url, str) else "")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SubscriptionError(
                    "INVALID_VALUE",
                    "Invalid notification_url.",
                    "subscription.notification_url",
                )
            fields["notification_url"] = url
        for name in ("name", "api_version"):
            if isinstance(data.get(name), str):
                fields[name] = data[name]
        if isinstance(data.get("enabled"), bool):
            fields["enabled"] = data["enabled"]
        return fields

    def update_subscription(self, subscription_id: str, data: dict) -> dict:
        """``PUT /v2/webhooks/subscriptions/{id}`` (no key in the answer)."""
        fields = self._subscription_fields(data, creating=False)
        with self.lock:
            subscription = self._subscription(subscription_id)
            subscription.update(fields, updated_at=subscription_stamp(self.now()))
            if fields.get("enabled"):
                self.failing_since.pop(subscription_id, None)
            return self.public_subscription(subscription)

    def unsubscribe(self, subscription_id: str) -> None:
        """``DELETE /v2/webhooks/subscriptions/{id}``."""
        with self.lock:
            self._subscription(subscription_id)
            del self.subscriptions[subscription_id]

    def _subscription(self, subscription_id: str) -> dict:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None:
            raise KeyError(f"Subscription `{subscription_id}` not found.")
        return subscription

    def get_subscription(self, subscription_id: str) -> dict:
        """One subscription as ``GET`` shows it (no signature key)."""
        with self.lock:
            return self.public_subscription(self._subscription(subscription_id))

    @staticmethod
    def public_subscription(subscription: dict) -> dict:
        """A subscription without its signature key."""
        return {
            k: copy.deepcopy(v) for k, v in subscription.items() if k != "signature_key"
        }

    # -- delivery ---------------------------------------------------------

    def _fan_out(self, event_id: str) -> list[tuple]:
        event = self.events[event_id]
        return [
            (subscription["id"], event_id)
            for subscription in self.subscriptions.values()
            if subscription["enabled"] and event["type"] in subscription["event_types"]
        ]

    def _send(self, job: tuple) -> None:
        subscription_id, event_id = job
        with self.lock:
            subscription = self.subscriptions.get(subscription_id)
            event = self.events.get(event_id)
            if subscription is None or event is None or not subscription["enabled"]:
                return
            url, key = subscription["notification_url"], subscription["signature_key"]
        raw, first = event["body"], []

        @once
        def signed(body: bytes) -> str:
            if self.faults.bad_signature():
                return signature(key + "-wrong", url, body)
            return signature(key, url, body)

        def headers(body: bytes, retry: int = 0) -> dict:
            if not first:
                first.append(rfc3339(self.now()))
            return {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                SIGNATURE_HEADER: signed(body),
                "square-environment": ENVIRONMENT,
                "square-initial-delivery-timestamp": first[0],
                "square-retry-number": str(retry),
            }

        self.deliverer.submit(
            url,
            raw,
            headers,
            meta={
                "subscription_id": subscription_id,
                "event_id": event_id,
                "type": event["type"],
            },
        )

    def _still_wanted(self, meta: dict) -> bool:
        with self.lock:
            subscription = self.subscriptions.get(meta.get("subscription_id"))
            return subscription is not None and subscription["enabled"]

    def _on_attempt(self, attempt: DeliveryAttempt) -> None:
        if attempt.dropped:
            return
        with self.lock:
            subscription_id = attempt.meta.get("subscription_id")
            subscription = self.subscriptions.get(subscription_id)
            if subscription is None:
                return
            failing = self.failing_since
            if attempt.ok:
                failing.pop(subscription_id, None)
                return
            since = failing.setdefault(subscription_id, self.now())
            if self.now() - since >= DISABLE_AFTER * self.retry_scale:
                subscription["enabled"] = False
                subscription["updated_at"] = subscription_stamp(self.now())

    def event_body(self, event_id: str) -> bytes:
        """The exact bytes delivered for one event."""
        with self.lock:
            return self.events[event_id]["body"]
