"""Loop Returns webhooks: signatures, subscriptions and payloads -> canonical.

Pure functions: no Odoo, no network (see PROTOCOLS.md, "Returns platform:
Loop Returns style"). Loop signs the raw body, compact JSON with escaped
slashes, with a base64 HMAC-SHA256 in ``X-Loop-Signature``; it sends no event
id, so a delivery is known by a digest of its body. Amounts arrive as strings
and become Decimals; times without a time zone are UTC.

The mappers do not judge states and outcomes they do not know: they pass them
on, and the canonical parser refuses them with a message naming the Loop
field and the known values, for a person to read on the failed exchange.
"""

import json
from collections.abc import Mapping

from odoo.addons.retail_connector_base.tools import (
    canonical_return,
    inbound,
    signatures,
)
from odoo.addons.retail_connector_base.tools.canonical import CanonicalError

SIGNATURE_HEADER = "X-Loop-Signature"
API_KEY_HEADER = "X-Authorization"
WEBHOOKS_PATH = "/api/v1/webhooks"
SUBSCRIPTION_STATUSES = ("active", "inactive")

TOPIC_RETURN = "return"
TOPIC_LABEL = "label"
TOPIC_RESTOCK = "restock"
TOPICS = (TOPIC_RETURN, TOPIC_LABEL, TOPIC_RESTOCK, "giftcard", "label.request")
TRIGGERS = (
    "return.created",
    "return.updated",
    "return.closed",
    "label.created",
    "label.updated",
    "restock.requested",
    "giftcard.requested",
    "label.request.issued",
    "label.request.cancelled",
)
# The (topic, trigger) pairs the connector subscribes to, one webhook each.
SUBSCRIPTIONS = (
    (TOPIC_RETURN, "return.created"),
    (TOPIC_RETURN, "return.updated"),
    (TOPIC_RETURN, "return.closed"),
    (TOPIC_LABEL, "label.created"),
    (TOPIC_LABEL, "label.updated"),
    (TOPIC_RESTOCK, "restock.requested"),
)
# Loop includes ``trigger`` only when a webhook listens to several; without
# it, this is what a delivery of the topic means.
DEFAULT_TRIGGERS = {
    TOPIC_RETURN: "return.updated",
    TOPIC_LABEL: "label.updated",
    TOPIC_RESTOCK: "restock.requested",
    "giftcard": "giftcard.requested",
}

# Loop return states -> canonical statuses. Others pass through unchanged
# (and fail readably in the canonical parser).
STATES = {
    "open": "open",
    "needs review": "review",
    "needs_review": "review",
    "review": "review",
    "closed": "closed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "expired": "expired",
}
# Loop line outcomes -> canonical outcomes; "default" was seen in a real
# payload for a plain refund. A connection may extend this table.
DEFAULT_OUTCOMES = {
    "refund": "refund",
    "default": "refund",
    "exchange": "exchange",
    "credit": "credit",
}
# What Loop writes where a carrier, tracking number or label status is not
# known yet.
_NOT_AVAILABLE = ("n/a", "na", "none", "null")

# Canonical field -> Loop field, to name the Loop field in error messages.
_RETURN_FIELDS = {
    "external_id": "id",
    "order_external_id": "provider_order_id",
    "status": "state",
    "updated_at": "edited_at",
    "customer_email": "customer_detail.email",
    "lines": "line_items",
    "total_refund": "refund",
    "credit_total": "gift_card",
}
_LINE_FIELDS = {
    "external_id": "line_item_id",
    "order_line_external_id": "provider_line_item_id",
    "unit_price": "price",
    "refund_amount": "refund",
    "reason": "return_reason",
    "reason_label": "return_reason",
    "comment": "return_comment",
    "exchange_sku": "exchange_variant.sku",
    "exchange_variant_id": "exchange_variant",
    "name": "title",
    "product_external_id": "product_id",
    "variant_external_id": "variant_id",
}
_REFUND_FIELDS = {"external_id": "provider_refund_id"}
_LABEL_EVENT_FIELDS = {
    "return_external_id": "return_id",
    "order_external_id": "provider_order_id",
    "status": "label_status",
    "updated_at": "label_updated_at",
}
_RESTOCK_FIELDS = {"return_external_id": "return_id", "items": "restock_items"}
_RESTOCK_ITEM_FIELDS = {"quantity": "available_adjustment"}


# --- signatures -----------------------------------------------------------------


def expected_signature(secret: str | bytes, raw_body: bytes) -> str:
    """The ``X-Loop-Signature`` of ``raw_body``: base64 HMAC-SHA256.

    Raises ``signatures.SignatureError`` when no secret is configured.
    """
    return signatures.hmac_sha256_base64(secret, raw_body)


def check_signature(secret, raw_body: bytes, header: str | None) -> None:
    """Verify ``header`` over the raw bytes in constant time.

    Raises ``signatures.SignatureError`` whose text is safe to answer with
    (missing secret or header, mismatch); never re-encodes the JSON.
    """
    signatures.verify_base64_hmac(secret, raw_body, header)


def verify_signature(secret, raw_body: bytes, header: str | None) -> bool:
    """Whether ``header`` is Loop's signature of ``raw_body`` under ``secret``."""
    try:
        check_signature(secret, raw_body, header)
    except signatures.SignatureError:
        return False
    return True


def signature_header(headers: Mapping) -> str | None:
    """The ``X-Loop-Signature`` value of a header mapping, in any letter case."""
    value = headers.get(SIGNATURE_HEADER)
    if value is None:
        wanted = SIGNATURE_HEADER.lower()
        value = next(
            (item for key, item in headers.items() if key.lower() == wanted), None
        )
    return value


def encode_body(payload) -> bytes:
    """Serialise ``payload`` the way Loop sends it (a sandbox's and tests' aid).

    Compact JSON, non-ASCII as ``\\uXXXX`` and slashes escaped as ``\\/``,
    as PHP's ``json_encode`` writes it by default. A slash only ever
    appears inside JSON strings, so escaping it in the output is exact.
    """
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


# --- deliveries -----------------------------------------------------------------


def load_payload(raw_body: bytes) -> dict:
    """The JSON object of a delivery; ``inbound.MalformedPayload`` otherwise."""
    return inbound.load_json_object(raw_body)


def _word(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def event_kind(payload: dict) -> tuple[str, str]:
    """``(topic, trigger)`` of a delivery, as read from its body.

    A short trigger (``created``) is qualified by the topic; a missing one
    is the topic's usual trigger (``DEFAULT_TRIGGERS``), and a missing topic
    is read from the trigger. Unknown topics and triggers are returned as
    they are: the caller decides. Raises ``inbound.MalformedPayload`` when
    neither is there.
    """
    if not isinstance(payload, dict):
        raise inbound.MalformedPayload("body must be a JSON object")
    topic = _word(payload.get("topic")).lower()
    trigger = _word(payload.get("trigger")).lower()
    if trigger and topic and "." not in trigger:
        trigger = f"{topic}.{trigger}"
    if not topic and "." in trigger:
        topic = trigger.rpartition(".")[0]
    if not topic:
        raise inbound.MalformedPayload(
            "the body has no topic: it is not a Loop webhook delivery"
        )
    trigger = trigger or DEFAULT_TRIGGERS.get(topic, topic)
    return topic[:255], trigger[:255]


def dedup_key(raw_body: bytes) -> str:
    """Loop sends no event id: a redelivery is the same body, digested."""
    return inbound.body_digest(raw_body)


def _external_id(topic, payload):
    return inbound.storable_external_id(
        payload.get("id" if topic == TOPIC_RETURN else "return_id")
    )


def webhook_event(raw_body: bytes) -> inbound.InboundEvent:
    """The ``InboundEvent`` of a verified delivery; its topic is the trigger.

    Cheap: the payload is mapped later. ``external_id`` is the Loop return
    id. Raises ``inbound.MalformedPayload`` for a body Loop never sends.
    """
    payload = load_payload(raw_body)
    topic, trigger = event_kind(payload)
    return inbound.InboundEvent(
        topic=trigger,
        dedup_key=dedup_key(raw_body),
        external_id=_external_id(topic, payload),
    )


def subscription_body(topic: str, trigger: str, url: str, status="active") -> dict:
    """The body of ``POST /api/v1/webhooks`` for one (topic, trigger).

    Raises ValueError for a pair Loop does not know or a status other than
    active or inactive.
    """
    if topic not in TOPICS:
        raise ValueError(f"{topic!r} is not a Loop webhook topic ({', '.join(TOPICS)})")
    if trigger not in TRIGGERS or trigger.rpartition(".")[0] != topic:
        raise ValueError(f"{trigger!r} is not a trigger of the Loop topic {topic!r}")
    if status not in SUBSCRIPTION_STATUSES:
        raise ValueError(f"{status!r} is not active or inactive")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError("the webhook URL must be an absolute http(s) URL")
    return {"topic": topic, "trigger": trigger, "url": url, "status": status}


# --- payloads -> canonical --------------------------------------------------------


def _renamed(path, fields):
    """``path`` with its first segment named as Loop names it."""
    head, dot, rest = path.partition(".")
    name, bracket, index = head.partition("[")
    return fields.get(name, name) + bracket + index + dot + rest


def _loop_path(path):
    """Name the Loop field behind a canonical return path."""
    head, dot, rest = path.partition(".")
    if head.startswith("lines[") and rest:
        return "line_items" + head[len("lines") :] + "." + _renamed(rest, _LINE_FIELDS)
    if head.startswith("refunds[") and rest:
        return head + "." + _renamed(rest, _REFUND_FIELDS)
    return _renamed(path, _RETURN_FIELDS)


def _restock_path(path, origins):
    """Name the Loop field behind a restock path; ``origins`` maps indices."""
    head, dot, rest = path.partition(".")
    name, bracket, index = head.partition("[")
    if name == "items" and bracket and index[:-1].isdigit():
        origin = origins[int(index[:-1])]
        item_path = f"restock_items[{origin}]"
        return item_path + (dot + _renamed(rest, _RESTOCK_ITEM_FIELDS) if rest else "")
    return _renamed(path, _RESTOCK_FIELDS)


def _parsed(parse, data, translate):
    """Run a canonical parser; its errors name the Loop fields."""
    try:
        return parse(data)
    except CanonicalError as exc:
        raise CanonicalError(translate(exc.path), exc.message) from None


def _object(payload, key, path):
    value = payload.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CanonicalError(path, "expected an object")
    return value


def _list(payload, key):
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise CanonicalError(key, "expected a list")
    return value


def _known(value):
    """``value`` unless it is Loop's placeholder for "not known yet"."""
    if isinstance(value, str) and value.strip().lower() in _NOT_AVAILABLE:
        return ""
    return value


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def map_state(state):
    """The canonical status of a Loop state; unknown ones pass through."""
    key = _lower(state)
    if isinstance(key, str):
        key = " ".join(key.split())
    return STATES.get(key, state) if isinstance(key, str) else state


def map_outcome(outcome, outcomes: Mapping | None = None):
    """The canonical outcome of a Loop line outcome; unknown ones pass through."""
    table = DEFAULT_OUTCOMES if outcomes is None else outcomes
    key = _lower(outcome)
    if not isinstance(key, str):
        return outcome
    return table.get(key, outcome) if key else "refund"


def _exchange_variant(value, path):
    """(variant id, SKU) of ``exchange_variant``: an id or an object."""
    if value is None or value == "":
        return "", ""
    if isinstance(value, dict):
        return value.get("id") or value.get("variant_id") or "", value.get("sku")
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value, ""
    raise CanonicalError(path, "expected a variant id or an object")


def _reason_label(item):
    """ "Parent: reason" when Loop files the reason under a broader one."""
    reason = _known(item.get("return_reason"))
    parent = _known(item.get("parent_return_reason"))
    if isinstance(reason, str) and isinstance(parent, str):
        reason, parent = reason.strip(), parent.strip()
        if parent and reason and parent != reason:
            return f"{parent}: {reason}"
        return reason or parent
    return reason


def _line(item, index, outcomes):
    path = f"line_items[{index}]"
    if not isinstance(item, dict):
        raise CanonicalError(path, "expected an object")
    variant_id, variant_sku = _exchange_variant(
        item.get("exchange_variant"), f"{path}.exchange_variant"
    )
    return {
        "external_id": item.get("line_item_id"),
        "order_line_external_id": item.get("provider_line_item_id"),
        "sku": item.get("sku"),
        "quantity": 1,
        "unit_price": item.get("price"),
        "discount": item.get("discount"),
        "tax": item.get("tax"),
        "refund_amount": item.get("refund"),
        "reason": _known(item.get("return_reason")),
        "reason_label": _reason_label(item),
        "outcome": map_outcome(item.get("outcome"), outcomes),
        "exchange_sku": variant_sku,
        "exchange_variant_id": variant_id,
        "comment": item.get("return_comment"),
        "returned_at": item.get("returned_at"),
        "name": item.get("title"),
        "product_external_id": item.get("product_id"),
        "variant_external_id": item.get("variant_id"),
    }


def _label(item, index):
    if not isinstance(item, dict):
        raise CanonicalError(f"labels[{index}]", "expected an object")
    return {
        "carrier": _known(item.get("carrier")),
        "tracking_number": _known(item.get("tracking_number")),
        "url": item.get("url"),
        "status": _lower(_known(item.get("status"))),
        "updated_at": item.get("updated_at"),
    }


def _refund(item, index):
    if not isinstance(item, dict):
        raise CanonicalError(f"refunds[{index}]", "expected an object")
    currency = item.get("currency")
    return {
        "gateway": item.get("gateway"),
        "amount": item.get("amount"),
        "currency": currency.strip().upper() if isinstance(currency, str) else currency,
        "external_id": item.get("provider_refund_id"),
    }


def _customer(payload):
    detail = _object(payload, "customer_detail", "customer_detail")
    email = detail.get("email") or payload.get("customer")
    parts = (detail.get(key) for key in ("first_name", "middle_name", "last_name"))
    name = " ".join(part.strip() for part in parts if isinstance(part, str))
    return email, " ".join(name.split())


def return_dict(payload: dict, outcomes: Mapping | None = None) -> dict:
    """A Loop return payload in the canonical dict form, not yet validated.

    One canonical line per Loop line item, each of quantity 1 (Loop has one
    entry per returned unit); ``Return.quantities_by_order_line()`` sums them.
    """
    if not isinstance(payload, dict):
        raise CanonicalError("", "a Loop return must be a JSON object")
    email, name = _customer(payload)
    currency = payload.get("currency")
    return {
        "external_id": payload.get("id"),
        "order_external_id": payload.get("provider_order_id"),
        "order_name": payload.get("order_name"),
        "status": map_state(payload.get("state")),
        "currency": currency.strip().upper() if isinstance(currency, str) else currency,
        "created_at": payload.get("created_at"),
        "updated_at": payload.get("edited_at"),
        "customer_email": email,
        "customer_name": name,
        "lines": [
            _line(item, index, outcomes)
            for index, item in enumerate(_list(payload, "line_items"))
        ],
        "labels": [
            _label(item, index) for index, item in enumerate(_list(payload, "labels"))
        ],
        "refunds": [
            _refund(item, index) for index, item in enumerate(_list(payload, "refunds"))
        ],
        "total_refund": payload.get("refund"),
        "exchange_total": payload.get("exchange_total"),
        "credit_total": payload.get("gift_card"),
        # Loop states prices before tax and the tax apart.
        "prices_include_tax": False,
    }


def return_to_canonical(
    payload: dict, outcomes: Mapping | None = None
) -> canonical_return.Return:
    """Map a Loop return payload to a canonical Return.

    ``outcomes`` replaces ``DEFAULT_OUTCOMES`` (Loop outcome -> canonical
    outcome). Raises CanonicalError naming the Loop field (``state``,
    ``line_items[2].outcome``, ``provider_order_id``...) and, for a state or
    an outcome, the values the connector knows.
    """
    data = return_dict(payload, outcomes)
    return _parsed(canonical_return.return_from_dict, data, _loop_path)


def label_to_canonical(payload: dict) -> canonical_return.LabelEvent:
    """Map a Loop label payload (``label.created``/``updated``) to a LabelEvent."""
    if not isinstance(payload, dict):
        raise CanonicalError("", "a Loop label must be a JSON object")
    data = {
        "return_external_id": payload.get("return_id"),
        "order_external_id": payload.get("provider_order_id"),
        "carrier": _known(payload.get("carrier")),
        "tracking_number": _known(payload.get("tracking_number")),
        "status": _lower(_known(payload.get("label_status"))),
        "updated_at": payload.get("label_updated_at"),
    }
    return _parsed(
        canonical_return.label_event_from_dict,
        data,
        lambda path: _renamed(path, _LABEL_EVENT_FIELDS),
    )


def _zero(value):
    try:
        return value is not None and float(value) == 0
    except (TypeError, ValueError):
        return False


def restock_to_canonical(payload: dict) -> canonical_return.RestockRequest:
    """Map a Loop restock payload to a RestockRequest.

    Items whose ``available_adjustment`` is zero ask for nothing and are left
    out; a request left with no item is refused.
    """
    if not isinstance(payload, dict):
        raise CanonicalError("", "a Loop restock request must be a JSON object")
    items, origins = [], []
    for index, item in enumerate(_list(payload, "restock_items")):
        if not isinstance(item, dict):
            raise CanonicalError(f"restock_items[{index}]", "expected an object")
        if _zero(item.get("available_adjustment")):
            continue
        items.append(
            {
                "location_id": item.get("location_id"),
                "variant_id": item.get("variant_id"),
                "sku": item.get("sku"),
                "quantity": item.get("available_adjustment"),
            }
        )
        origins.append(index)
    data = {"return_external_id": payload.get("return_id"), "items": items}
    return _parsed(
        canonical_return.restock_request_from_dict,
        data,
        lambda path: _restock_path(path, origins),
    )
