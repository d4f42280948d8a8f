"""Subscriptions and signed deliveries with Loop's retries.

One subscription per (topic, trigger). A delivery POSTs the event's body,
fixed when the change happened: compact JSON with ``\\/`` and ``\\uXXXX``,
``X-Loop-Signature: base64(HMAC-SHA256(webhook secret, raw body))``, no
event id header. A non-2xx answer or no answer is retried: six attempts in
all, waits of 30 s, 60 s, 120 s... with +/-20 % jitter, or the answer's
``Retry-After`` (seconds) up to 30 minutes, every wait multiplied by
``retry_scale``. After more than 10 failed attempts in a row a subscription
is set ``inactive``; its pending retries stop and it gets no new events.
"""

from __future__ import annotations

import random
import threading
import urllib.parse

from ..common import Deliverer, DeliveryAttempt, hmac_base64, once
from .const import (
    MAX_ATTEMPTS,
    MAX_CONSECUTIVE_FAILURES,
    RETRY_AFTER_LIMIT,
    RETRY_BASE,
    RETRY_JITTER,
    SIGNATURE_HEADER,
    SUBSCRIPTION_STATUSES,
    TRIGGERS,
    USER_AGENT,
)
from .values import stamp


class SubscriptionError(ValueError):
    """A subscription Loop refuses (answered 422 with per-field errors)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.errors = {field: [message]}


class LoopDeliverer(Deliverer):
    """A `Deliverer` with Loop's policy: jittered backoff, scaled waits
    (a deactivated subscription's retries stop: ``still_wanted``)."""

    def __init__(
        self,
        faults,
        *,
        retry_scale: float = 1.0,
        seed: int | None = None,
        **options,
    ):
        super().__init__(
            faults,
            max_attempts=MAX_ATTEMPTS,
            retry_delay=RETRY_BASE,
            retry_after_limit=RETRY_AFTER_LIMIT,
            **options,
        )
        self.retry_scale = retry_scale
        self._jitter = random.Random(f"{seed}:jitter" if seed is not None else None)
        self._jitter_lock = threading.Lock()
        self.waits: list[float] = []

    def _retry_wait(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = None  # an HTTP-date: back off as usual
            if seconds is not None and seconds >= 0:
                wait = min(seconds, RETRY_AFTER_LIMIT) * self.retry_scale
                self.waits.append(wait)
                return wait
        with self._jitter_lock:
            factor = 1 + self._jitter.uniform(-RETRY_JITTER, RETRY_JITTER)
        wait = self.retry_delay * 2 ** (attempt - 1) * factor * self.retry_scale
        self.waits.append(wait)
        return wait


class Webhooks:
    """Platform mixin: ``subscriptions`` and their deliveries."""

    def subscribe(self, data: dict) -> tuple[dict, bool]:
        """``POST /webhooks``: returns the subscription and whether it is new."""
        if not isinstance(data, dict):
            raise SubscriptionError("body", "The body must be a JSON object.")
        topic, trigger = data.get("topic"), data.get("trigger")
        if topic not in TRIGGERS:
            raise SubscriptionError("topic", "The selected topic is invalid.")
        if trigger not in TRIGGERS[topic]:
            raise SubscriptionError("trigger", "The selected trigger is invalid.")
        url = data.get("url")
        parts = urllib.parse.urlsplit(url if isinstance(url, str) else "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SubscriptionError("url", "The url must be a valid URL.")
        status = data.get("status", "active")
        if status not in SUBSCRIPTION_STATUSES:
            raise SubscriptionError("status", "The selected status is invalid.")
        with self.lock:
            now = stamp(self.now())
            for existing in self.subscriptions.values():
                if (existing["topic"], existing["trigger"]) != (topic, trigger):
                    continue
                if self.duplicate_subscription == "refuse":
                    raise SubscriptionError(
                        "trigger",
                        "A webhook already exists for this topic and trigger.",
                    )
                existing.update(url=url, status=status, updated_at=now, failures=0)
                return self.public_subscription(existing), False
            subscription = {
                "id": next(self._subscription_ids),
                "topic": topic,
                "trigger": trigger,
                "url": url,
                "status": status,
                "created_at": now,
                "updated_at": now,
                "failures": 0,
            }
            self.subscriptions[subscription["id"]] = subscription
            return self.public_subscription(subscription), True

    def unsubscribe(self, subscription_id) -> dict:
        """``DELETE /webhooks/<id>``; `KeyError` when unknown."""
        with self.lock:
            try:
                subscription = self.subscriptions.pop(int(subscription_id))
            except (KeyError, ValueError):
                raise KeyError(f"no webhook {subscription_id}") from None
            return self.public_subscription(subscription)

    def set_subscription_status(self, subscription_id, status: str) -> dict:
        """Re-activate (or deactivate) a subscription; resets its failures."""
        if status not in SUBSCRIPTION_STATUSES:
            raise ValueError(f"status: one of {', '.join(SUBSCRIPTION_STATUSES)}")
        with self.lock:
            subscription = self.subscriptions[int(subscription_id)]
            subscription.update(status=status, failures=0, updated_at=stamp(self.now()))
            return self.public_subscription(subscription)

    @staticmethod
    def public_subscription(subscription: dict) -> dict:
        """A subscription as the API shows it (no failure count)."""
        return {k: v for k, v in subscription.items() if k != "failures"}

    # -- delivery ---------------------------------------------------------

    def _fan_out(self, event: tuple) -> list[tuple]:
        event_id, trigger = event
        return [
            (subscription["id"], event_id)
            for subscription in self.subscriptions.values()
            if subscription["status"] == "active" and subscription["trigger"] == trigger
        ]

    def _send(self, job: tuple) -> None:
        subscription_id, event_id = job
        with self.lock:
            subscription = self.subscriptions.get(subscription_id)
            event = self.events.get(event_id)
            if subscription is None or event is None:
                return
            if subscription["status"] != "active":
                return
            url, secret = subscription["url"], self.webhook_secret
        trigger, raw = event

        @once
        def headers(body: bytes) -> dict:
            signature = hmac_base64(secret, body)
            if self.faults.bad_signature():
                signature = hmac_base64(secret + "-wrong", body)
            return {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                SIGNATURE_HEADER: signature,
            }

        self.deliverer.submit(
            url,
            raw,
            headers,
            meta={
                "subscription_id": subscription_id,
                "event_id": event_id,
                "topic": subscription["topic"],
                "trigger": trigger,
            },
        )

    def _still_wanted(self, meta: dict) -> bool:
        with self.lock:
            subscription = self.subscriptions.get(meta.get("subscription_id"))
            return subscription is not None and subscription["status"] == "active"

    def _on_attempt(self, attempt: DeliveryAttempt) -> None:
        if attempt.dropped:
            return
        with self.lock:
            subscription = self.subscriptions.get(attempt.meta.get("subscription_id"))
            if subscription is None:
                return
            if attempt.ok:
                subscription["failures"] = 0
                return
            subscription["failures"] += 1
            if subscription["failures"] > MAX_CONSECUTIVE_FAILURES:
                subscription["status"] = "inactive"
                subscription["updated_at"] = stamp(self.now())

    def event_body(self, event_id: int) -> bytes:
        """The exact bytes delivered for one event."""
        with self.lock:
            return self.events[event_id][1]
