import json

from odoo.addons.retail_connector_base.tools import payload_diff, payload_view
from odoo.addons.retail_connector_base.tools.payload_diff import (
    ADDED,
    CHANGED,
    REMOVED,
    Change,
)
from odoo.addons.retail_connector_base.tools.redact import REDACTED

ORDER_V1 = {
    "id": 1001,
    "status": "processing",
    "billing": {"city": "Madrid", "email": "ana@example.com"},
    "line_items": [
        {"id": 11, "sku": "RC-DESK", "quantity": 2},
        {"id": 12, "sku": "RC-LAMP", "quantity": 1},
    ],
    "coupon_lines": [{"code": "WELCOME"}],
    "consumer_secret": "cs_0123456789",
}


def order_v2():
    order = json.loads(json.dumps(ORDER_V1))
    order["status"] = "completed"
    order["billing"]["city"] = "Sevilla"
    del order["billing"]["email"]
    order["billing"]["phone"] = "+34 600"
    # The first line removed, the second one changed, a new one added.
    order["line_items"] = [
        {"id": 12, "sku": "RC-LAMP", "quantity": 3},
        {"id": 13, "sku": "LAMP-99", "quantity": 1},
    ]
    order["coupon_lines"] = []
    order["consumer_secret"] = "cs_9876543210"
    return order


def test_two_versions_of_an_order_field_by_field():
    changes = payload_diff.diff_values(ORDER_V1, order_v2())
    assert changes == [
        Change(CHANGED, "status", "processing", "completed"),
        Change(CHANGED, "billing.city", "Madrid", "Sevilla"),
        Change(REMOVED, "billing.email", old="ana@example.com"),
        Change(ADDED, "billing.phone", new="+34 600"),
        Change(
            REMOVED,
            "line_items[id=11]",
            old={"id": 11, "sku": "RC-DESK", "quantity": 2},
        ),
        Change(CHANGED, "line_items[id=12].quantity", 1, 3),
        Change(
            ADDED, "line_items[id=13]", new={"id": 13, "sku": "LAMP-99", "quantity": 1}
        ),
        Change(REMOVED, "coupon_lines[0]", old={"code": "WELCOME"}),
        Change(CHANGED, "consumer_secret", "cs_0123456789", "cs_9876543210"),
    ]


def test_stored_payloads_are_compared_with_their_secrets_redacted():
    changes = payload_diff.diff_payloads(json.dumps(ORDER_V1), json.dumps(order_v2()))
    paths = [change.path for change in changes]
    # Both secrets read "***": no change is shown, and no secret either.
    assert "consumer_secret" not in paths
    assert "cs_" not in payload_diff.format_changes(changes)
    assert "status" in paths


def test_the_readable_lines_say_old_and_new():
    changes = payload_diff.diff_values(ORDER_V1, order_v2())
    lines = payload_diff.format_changes(changes).splitlines()
    assert lines[0] == 'changed  status: "processing" -> "completed"'
    assert lines[3] == 'added    billing.phone: "+34 600"'
    assert lines[4] == (
        'removed  line_items[id=11]: {"id": 11, "quantity": 2, "sku": "RC-DESK"}'
    )
    assert lines[5] == "changed  line_items[id=12].quantity: 1 -> 3"


def test_lists_without_ids_are_compared_by_position():
    old = {"notes": ["a", "b"], "lines": [{"sku": "A"}, {"sku": "B"}]}
    new = {"notes": ["a", "c", "d"], "lines": [{"sku": "B"}]}
    assert payload_diff.diff_values(old, new) == [
        Change(CHANGED, "notes[1]", "b", "c"),
        Change(ADDED, "notes[2]", new="d"),
        Change(CHANGED, "lines[0].sku", "A", "B"),
        Change(REMOVED, "lines[1]", old={"sku": "B"}),
    ]


def test_duplicate_ids_fall_back_to_positions():
    old = {"lines": [{"id": 1, "qty": 1}, {"id": 1, "qty": 2}]}
    new = {"lines": [{"id": 1, "qty": 1}, {"id": 1, "qty": 5}]}
    assert payload_diff.diff_values(old, new) == [Change(CHANGED, "lines[1].qty", 2, 5)]


def test_external_ids_match_canonical_lines():
    old = {"lines": [{"external_id": "l1", "qty": "1"}]}
    new = {"lines": [{"external_id": "l1", "qty": "2"}]}
    assert payload_diff.diff_values(old, new) == [
        Change(CHANGED, "lines[external_id=l1].qty", "1", "2")
    ]


def test_types_count_and_odd_keys_are_quoted():
    old = {"total": 1, "paid": 1, "meta.data": {"a b": "x"}}
    new = {"total": 1.0, "paid": True, "meta.data": {"a b": "y"}}
    assert payload_diff.diff_values(old, new) == [
        Change(CHANGED, "total", 1, 1.0),
        Change(CHANGED, "paid", 1, True),
        Change(CHANGED, '["meta.data"]["a b"]', "x", "y"),
    ]


def test_same_payload_no_change_and_a_replaced_whole():
    assert payload_diff.diff_values(ORDER_V1, json.loads(json.dumps(ORDER_V1))) == []
    assert payload_diff.format_changes([]) == ""
    assert payload_diff.diff_values([1], {"a": 1}) == [
        Change(CHANGED, payload_diff.WHOLE_PAYLOAD, [1], {"a": 1})
    ]


def test_payloads_that_are_not_json_cannot_be_compared():
    assert payload_diff.diff_payloads("a=1&b=2", "{}") is None
    assert payload_diff.diff_payloads("{}", "") is None


def test_long_values_are_cut():
    change = Change(ADDED, "note", new="x" * 500)
    line = payload_diff.format_change(change, width=20)
    assert line == 'added    note: "' + "x" * 18 + "…"


def test_readable_payload_is_indented_and_redacted():
    raw = json.dumps(
        {
            "id": 7,
            "consumer_key": "ck_0123456789",
            "hooks": [{"delivery_url": "https://shop.example/retail/webhook/tok3n"}],
            "links": "https://shop.example/wp-json?consumer_secret=cs_1&page=2",
            "x-acme-signature": "abc",
            "name": "Ana López",
        },
        separators=(",", ":"),
    )
    text = payload_view.readable_payload(raw, extra_keys=("X-Acme-Signature",))
    value = json.loads(text)
    assert text.startswith('{\n  "id": 7,')
    assert value["consumer_key"] == REDACTED
    assert value["x-acme-signature"] == REDACTED
    assert value["hooks"][0]["delivery_url"].endswith(f"/retail/webhook/{REDACTED}")
    assert f"consumer_secret={REDACTED}&page=2" in value["links"]
    assert "Ana López" in text, "accents stay readable"


def test_readable_payload_of_a_form_body_or_nothing():
    assert payload_view.readable_payload("") == ""
    assert payload_view.readable_payload("token=abcdef&topic=order") == (
        f"token={REDACTED}&topic=order"
    )
