"""Bad input against the real server: property-based fuzzing of the webhook.

Every body is correctly signed, so it gets past the signature and reaches
the parser, the store and the job: malformed JSON, non-objects, events with
fields missing, added, or of the wrong type, huge numbers, any Unicode, and
bodies over the connection's size limit. The server must answer a 4xx with
a reason, or 200 and then end the exchange done or failed with a readable
error; never a 5xx; and a failed order must leave nothing half-written (no
sale order without lines, no customer created for an order that failed).

The mappers themselves are fuzzed without a server in
retail_connector_base/tests/unit/test_canonical_properties.py. Examples:
150 in ``make test``, 800 in ``make test-faults``.
"""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.generic import compute_totals
from tests.retail_channel import create_connection

pytestmark = pytest.mark.faults

FULL = os.environ.get("RETAIL_CONNECTOR_FAULTS", "short").strip().lower() == "full"
MAX_BODY = 8192
PRICE = "100.00"
SETTINGS = settings(
    max_examples=800 if FULL else 150,
    deadline=None,
    database=None,
    # The short run is part of `make test`: the same examples every time.
    derandomize=not FULL,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# What senders really put in JSON: every kind of value, deep and shallow.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e999",
            "1e-999",
            "NaN",
            "Infinity",
            "99999999999999999999.99",
            "0.0000000000000000000000000000000000000000001",
            "2026-02-30T10:00:00Z",
            "\u0000",
            "\ud800",
            "\u202e\u0645\u0631\u062d\u0628\u0627",
            "🛒" * 50,
            "x" * 5000,
        ]
    ),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)

ENVELOPE_KEYS = ["id", "topic", "occurred_at", "data"]
DATA_KEYS = [
    "external_id",
    "name",
    "status",
    "currency",
    "ordered_at",
    "updated_at",
    "prices_include_tax",
    "customer",
    "billing_address",
    "shipping_address",
    "lines",
    "shipping",
    "fees",
    "payment",
    "note",
    "total",
]
LINE_KEYS = ["external_id", "sku", "name", "quantity", "unit_price", "discount"]
LINE_KEYS += ["tax_rate"]


@pytest.fixture(scope="module")
def fuzz_connection(odoo_server):
    """A connection with a small body limit; technical failures surface fast."""
    connection = create_connection(
        odoo_server,
        "fuzz",
        sku_count=3,
        stock=10_000,
        price=PRICE,
        settings={"max_body_bytes": MAX_BODY, "max_retries": 2},
        seed=9,
    )
    (last,) = odoo_server.rpc(
        "res.partner",
        "search_read",
        [],
        fields=["id"],
        order="id desc",
        limit=1,
        context={"active_test": False},
    )
    connection.extra["partner_floor"] = last["id"]
    connection.extra["answers"] = []
    return connection


CUSTOMERS = [
    ("Zoë Janssens", "zoe.janssens@example.com", "BE"),
    ("Søren Nielsen", "soren.nielsen@example.com", "DK"),
    ("Elif Yılmaz", "elif.yilmaz@example.com", "DE"),
]


@st.composite
def valid_events(draw, connection):
    """A valid order event built from draws only.

    Hypothesis replays and shrinks examples, so nothing here may depend on
    state outside its draws (no sandbox generator, no clock).
    """
    name, email, country = draw(st.sampled_from(CUSTOMERS))
    address = {
        "name": name,
        "street": "Rue de la Loi 16",
        "city": "Brussels",
        "zip": "1000",
        "country_code": country,
        "email": email,
    }
    skus = draw(st.lists(st.sampled_from(connection.skus), min_size=1, max_size=3))
    data = {
        "external_id": f"fz-{draw(st.uuids()).hex[:12]}",
        "name": "WEB-fuzz",
        "status": draw(st.sampled_from(["pending", "confirmed", "completed"])),
        "currency": "USD",
        "ordered_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "prices_include_tax": False,
        "customer": {"email": email, "name": name},
        "billing_address": address,
        "shipping_address": dict(address),
        "lines": [
            {
                "external_id": f"l{index}",
                "sku": sku,
                "name": sku,
                "quantity": str(draw(st.integers(1, 3))),
                "unit_price": PRICE,
                "tax_rate": "21.0",
            }
            for index, sku in enumerate(skus)
        ],
        "shipping": [{"code": "flat_rate", "name": "Flat", "amount": "5.00"}],
    }
    data["total"] = str(compute_totals(data).total)
    return {
        "id": f"evt-fz-{draw(st.uuids())}",
        "topic": draw(
            st.sampled_from(["order.created", "order.updated", "order.cancelled"])
        ),
        "occurred_at": "2026-11-25T10:00:00Z",
        "data": data,
    }


@st.composite
def mutated_events(draw, connection, mutations=None):
    """A valid order event with a few fields removed, replaced or added."""
    event = draw(valid_events(connection))
    steps = draw(st.integers(0, 3)) if mutations is None else mutations
    for _step in range(steps):
        where = draw(st.sampled_from(["envelope", "data", "line", "nested"]))
        if where == "envelope":
            target, keys = event, ENVELOPE_KEYS
        elif where == "data" and isinstance(event.get("data"), dict):
            target, keys = event["data"], DATA_KEYS
        elif (
            where == "line"
            and isinstance(event.get("data"), dict)
            and isinstance(event["data"].get("lines"), list)
            and event["data"]["lines"]
            and isinstance(event["data"]["lines"][0], dict)
        ):
            target, keys = event["data"]["lines"][0], LINE_KEYS
        else:
            continue
        key = draw(st.sampled_from([*keys, "extra_field", "🔑"]))
        action = draw(st.sampled_from(["delete", "replace", "replace"]))
        if action == "delete":
            target.pop(key, None)
        else:
            target[key] = draw(json_values)
    return event


# Values that break storage or arithmetic rather than type checks.
HOSTILE = [
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udfffy",
    "x" * 5000,
    "🛒" * 60,
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "",
    " ",
    10**40,
    -1,
    1.5,
    float("nan"),
    float("inf"),
    True,
    None,
    [],
    {},
]
# Where an identifier, a code or free text sits in an event.
HOSTILE_PATHS = [
    ("id",),
    ("occurred_at",),
    ("data", "external_id"),
    ("data", "name"),
    ("data", "currency"),
    ("data", "status"),
    ("data", "updated_at"),
    ("data", "note"),
    ("data", "total"),
    ("data", "customer", "email"),
    ("data", "customer", "name"),
    ("data", "customer", "external_id"),
    ("data", "billing_address", "country_code"),
    ("data", "shipping_address", "zip"),
    ("data", "lines", 0, "sku"),
    ("data", "lines", 0, "external_id"),
    ("data", "lines", 0, "quantity"),
    ("data", "lines", 0, "unit_price"),
    ("data", "lines", 0, "tax_rate"),
]


@st.composite
def hostile_events(draw, connection):
    """A valid event with one identifier or amount set to a hostile value."""
    event = draw(mutated_events(connection, mutations=0))
    *parents, key = draw(st.sampled_from(HOSTILE_PATHS))
    target = event
    for part in parents:
        target = target[part]
    target[key] = draw(st.sampled_from(HOSTILE))
    return event


def _encode(draw, value):
    """JSON as senders write it: ASCII-escaped or raw UTF-8, NaN allowed."""
    ascii_only = draw(st.booleans())
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@st.composite
def bodies(draw, connection):
    """A request body of one of the kinds a broken or hostile sender sends."""
    kind = draw(
        st.sampled_from(
            ["event", "event", "hostile", "hostile", "bytes", "text", "json"]
            + ["oversized"]
        )
    )
    if kind == "bytes":
        return kind, draw(st.binary(max_size=300))
    if kind == "text":
        return kind, draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if kind == "json":
        return kind, _encode(draw, draw(json_values))
    if kind == "hostile":
        return kind, _encode(draw, draw(hostile_events(connection)))
    event = draw(mutated_events(connection))
    body = _encode(draw, event)
    if kind == "oversized":
        # Around the limit and far beyond it; the bounds are constants so
        # that a replayed example draws the same way.
        event["padding"] = "p" * draw(st.integers(MAX_BODY - 3000, MAX_BODY * 4))
        body = _encode(draw, event)
    return kind, body


def _check_answer(kind, body, status, answer):
    assert status < 500, f"{status} for a {kind} body {body[:300]!r}: {answer!r}"
    if status == 200:
        assert isinstance(answer, dict), answer
        assert answer.get("status") in ("accepted", "duplicate"), answer
        return
    assert 400 <= status < 500, (status, answer)
    assert isinstance(answer, dict) and isinstance(answer.get("reason"), str), answer
    assert answer["reason"].strip(), f"{status} without a reason"
    if len(body) > MAX_BODY:
        assert status == 413, (status, answer)


def test_signed_garbage_gets_a_reason_never_a_crash(fuzz_connection):
    connection = fuzz_connection

    @SETTINGS
    @given(st.data())
    def run(data):
        kind, body = data.draw(bodies(connection))
        status, answer, _latency = connection.post(body, timeout=60)
        _check_answer(kind, body, status, answer)
        connection.extra["answers"].append((kind, status))

    run()
    kinds = {kind for kind, _status in connection.extra["answers"]}
    assert {"event", "hostile", "bytes", "oversized"} <= kinds, kinds


def test_accepted_garbage_ends_done_or_failed_and_half_writes_nothing(
    odoo_server, fuzz_connection
):
    connection = fuzz_connection
    accepted = sum(status == 200 for _kind, status in connection.extra["answers"])
    assert accepted, "no fuzzed event was accepted: the strategies are too narrow"
    # Retries of technical failures are 10 s apart (max_retries=2).
    connection.wait_settled(timeout=300, interval=2)
    exchanges = connection.exchanges(fields=("state", "error", "error_category"))
    assert {e["state"] for e in exchanges} <= {"done", "failed"}, exchanges[:5]
    failed = [e for e in exchanges if e["state"] == "failed"]
    unreadable = [
        e
        for e in failed
        if not (e["error"] or "").strip() or "Traceback" in (e["error"] or "")
    ]
    assert not unreadable, unreadable[:5]
    # A technical failure of a bad payload means a check is missing in the
    # mapper: bad data is the sender's (business) problem, not a crash.
    technical = [e for e in failed if e["error_category"] != "business"]
    assert not technical, technical[:5]

    orders = connection.orders(
        fields=("order_line", "partner_id", "partner_invoice_id", "partner_shipping_id")
    )
    assert all(order["order_line"] for order in orders), "sale order without lines"
    used = set()
    for order in orders:
        for key in ("partner_id", "partner_invoice_id", "partner_shipping_id"):
            used.add(order[key][0])
    new_partners = odoo_server.rpc(
        "res.partner",
        "search_read",
        [("id", ">", connection.extra["partner_floor"])],
        fields=["id", "name", "parent_id", "child_ids"],
        context={"active_test": False},
    )
    orphans = [
        partner
        for partner in new_partners
        if partner["id"] not in used
        and not (set(partner["child_ids"]) & used)
        and not (partner["parent_id"] and partner["parent_id"][0] in used)
    ]
    assert not orphans, f"customers left by failed orders: {orphans[:5]}"
    print(
        f"{len(connection.extra['answers'])} signed bodies, {accepted} answered 200 "
        f"({len(exchanges)} distinct events stored): "
        f"{len(exchanges) - len(failed)} done, {len(failed)} failed (business), "
        f"{len(orders)} sale orders"
    )
