"""Fault suite: every order delivered three times, concurrently and shuffled.

Channels redeliver (Square retries for days, WooCommerce duplicates), and
deliveries overtake each other. Whatever the order of arrival, each channel
order must end as exactly one sale order in its latest state. Short version:
100 orders (part of ``make test``); full: 1,000 (``make test-faults``).
"""

import pytest

from tests.retail_channel import create_connection, deliver_all, order_event, shuffled

pytestmark = pytest.mark.faults

ORDERS = {"short": 100, "full": 1000}
COPIES = 3


def _versions(connection, external_id, index):
    """The events of one order, oldest first, and its expected final state.

    Every order is created as a quotation; two in three are later paid
    (confirmed, one more unit), and one in five of those is then cancelled.
    """
    events = [order_event(connection, external_id, quantity=1, status="pending")]
    final = ("draft", 1)
    if index % 3:
        events.append(
            order_event(connection, external_id, quantity=2, status="confirmed")
        )
        final = ("sale", 2)
        if index % 5 == 0:
            events.append(
                order_event(
                    connection,
                    external_id,
                    quantity=2,
                    status="cancelled",
                    topic="order.cancelled",
                )
            )
            final = ("cancel", 2)
    return events, final


def test_each_order_once_in_its_latest_state(odoo_server, fault_scale):
    count = ORDERS[fault_scale]
    connection = create_connection(
        odoo_server, "redeliver", sku_count=10, stock=100_000, seed=11
    )
    expected, bodies = {}, []
    for index in range(count):
        external_id = f"{connection.channel.prefix}{index}"
        events, final = _versions(connection, external_id, index)
        last_total = events[-1]["data"]["total"]
        expected[external_id] = (*final, float(last_total))
        for event in events:
            bodies += [connection.body(event)] * COPIES
    answers = deliver_all(connection, shuffled(bodies, seed=4), concurrency=12)

    statuses = [answer for status, answer in answers if status == 200]
    assert len(statuses) == len(bodies), [a for a in answers if a[0] != 200][:5]
    accepted = sum(answer["status"] == "accepted" for answer in statuses)
    assert accepted == len(bodies) // COPIES, "each distinct event stored once"

    connection.wait_settled(timeout=240 if fault_scale == "short" else 1200)
    failed = connection.exchanges(domain=[("state", "=", "failed")])
    assert not failed, failed[:5]

    orders = connection.orders(
        fields=("retail_external_id", "state", "amount_total", "order_line")
    )
    by_external_id = {}
    for order in orders:
        by_external_id.setdefault(order["retail_external_id"], []).append(order)
    assert len(orders) == count, "exactly one sale order per channel order"
    assert set(by_external_id) == set(expected)
    wrong = []
    for external_id, (state, quantity, total) in expected.items():
        (order,) = by_external_id[external_id]
        if order["state"] != state or abs(order["amount_total"] - total) > 0.005:
            wrong.append((external_id, order, state, quantity, total))
    assert not wrong, f"{len(wrong)} orders not in their latest state: {wrong[:5]}"
    lines = odoo_server.rpc(
        "sale.order.line",
        "read_group",
        [("order_id.retail_backend_id", "=", connection.backend_id)],
        ["product_uom_qty:sum"],
        [],
    )
    assert lines[0]["product_uom_qty"] == sum(q for _s, q, _t in expected.values())
