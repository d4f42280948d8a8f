"""The generic channel's envelope parser: what the webhook stores before any
processing must always be storable, whatever the order inside looks like."""

import json

import pytest

from odoo.addons.retail_connector_base.tools import inbound


def _body(external_id):
    event = {
        "id": "evt-1",
        "topic": "order.created",
        "occurred_at": "2026-11-25T10:00:00Z",
        "data": {"external_id": external_id},
    }
    # ensure_ascii: "\u0000" and "\ud800" travel as JSON escapes, as a
    # sender's JSON library writes them.
    return json.dumps(event).encode()


@pytest.mark.parametrize(
    ("external_id", "label"),
    [("1001", "1001"), (1001, "1001"), ("x" * 300, "x" * 255), (None, "")],
)
def test_external_id_is_kept_as_a_label(external_id, label):
    assert inbound.parse_generic_event(_body(external_id)).external_id == label


@pytest.mark.parametrize("external_id", ["10\u000001", "\ud800", "a\udfffb", True])
def test_unstorable_external_id_is_left_for_processing_to_report(external_id):
    # PostgreSQL refuses NUL characters and lone surrogates in text: storing
    # them would fail the webhook with a 500 and lose the event. The event is
    # still accepted; order validation names the bad id when it is processed.
    event = inbound.parse_generic_event(_body(external_id))
    assert event.external_id == ""
    assert event.dedup_key == "evt-1"
