"""Pure description of an inbound webhook delivery and the generic channel's
parser.

Channel modules return an :class:`InboundEvent` from their parse hook; the base
stores it as a ``retail.exchange`` without knowing the channel's payloads.
"""

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from . import canonical


class MalformedPayload(ValueError):
    """The body is not what the channel sends (answered with HTTP 400)."""


@dataclass(frozen=True)
class InboundDelivery:
    """One HTTP delivery as the sender made it, handed to verify and parse.

    ``url`` is the address the sender called, scheme and host included, as
    seen through a trusted proxy (Odoo's ``proxy_mode``): some channels sign
    it with the body. ``headers`` is a case-insensitive mapping, ``raw_body``
    the exact bytes received, ``form`` the decoded form fields of a
    form-encoded delivery, ``received_at`` a Unix time.
    """

    url: str
    headers: Mapping[str, str]
    raw_body: bytes
    form: Mapping[str, str] = field(default_factory=dict)
    received_at: float = 0.0


@dataclass(frozen=True)
class InboundEvent:
    """What the intake needs to store one delivery.

    ``dedup_key`` identifies the event across redeliveries; ``is_ping`` marks
    a channel's connectivity check that is answered but never stored.
    """

    topic: str
    dedup_key: str
    external_id: str = ""
    occurred_at: datetime | None = None
    is_ping: bool = False


def body_digest(raw_body):
    """Fallback dedup key when a channel sends no event or delivery id."""
    return "sha256:" + hashlib.sha256(raw_body).hexdigest()


def load_json_object(raw_body):
    """Decode a JSON object from raw bytes or raise MalformedPayload."""
    try:
        data = json.loads(raw_body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedPayload("body is not UTF-8 encoded") from exc
    except ValueError as exc:
        raise MalformedPayload(f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedPayload("body must be a JSON object")
    return data


def parse_generic_event(raw_body):
    """Parse a generic-channel delivery into an InboundEvent.

    The order itself is validated when the event is processed, so that a bad
    order becomes a readable failed exchange instead of a lost event; only the
    envelope must be right to be accepted.
    """
    body = load_json_object(raw_body)
    try:
        event = canonical.event_from_dict(body)
    except canonical.CanonicalError as exc:
        raise MalformedPayload(str(exc)) from exc
    return InboundEvent(
        topic=event.topic,
        dedup_key=event.id,
        external_id=storable_external_id(event.data.get("external_id")),
        occurred_at=event.occurred_at,
    )


def storable_external_id(value):
    """The order id to show on the exchange, or "" when it cannot be stored.

    Only a label at this stage: a NUL character or a lone surrogate would make
    PostgreSQL refuse the whole row (an HTTP 500 and a lost event), so such an
    id is left out here and reported by the order's validation when the event
    is processed, like any other bad field.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    text = str(value)[:255]
    if "\x00" in text:
        return ""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return ""
    return text


def generic_order_from_body(raw_body):
    """Return the canonical Order carried by a generic-channel event body."""
    event = canonical.event_from_dict(load_json_object(raw_body))
    order = canonical.order_from_dict(event.data)
    if event.topic == "order.cancelled" and order.status != "cancelled":
        # The topic is authoritative: a cancellation event cancels.
        order = dataclasses.replace(order, status="cancelled")
    return order
