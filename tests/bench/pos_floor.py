"""Odoo's own floor for a store-day; runs inside ``odoo shell`` (``env`` given).

The receipts the connection booked (``BENCH_BACKEND``) are read back as the
values Odoo's POS screen sends (lines, taxes, discounts, payments, totals),
then, in a fresh session of the same point of sale (``BENCH_CONFIG``, its
store-day session closed by then):

1. the same orders are created through ``pos.order._process_order``, a
   commit per order as each booking job commits its own (stock moved in
   real time alike): no channel, no exchange, no job, no store day;
2. the session is closed by Odoo itself, ``action_pos_session_closing_control``
   with the expected cash counted.

Prints one line ``BENCH_RESULT {json}``.
"""

import json
import os
import time
import uuid

from psycopg2.errors import SerializationFailure

# Defined by `odoo shell`, which runs this file with its own globals.
env = globals()["env"]

backend_id = int(os.environ["BENCH_BACKEND"])
config = env["pos.config"].browse(int(os.environ["BENCH_CONFIG"]))
company = config.company_id
Order = (
    env["pos.order"]
    .with_company(company)
    .with_context(allowed_company_ids=company.ids, tracking_disable=True)
)
booked = Order.search([("retail_backend_id", "=", backend_id)], order="id")

session = (
    env["pos.session"]
    .with_company(company)
    .create({"config_id": config.id, "user_id": env.uid})
)
if session.state == "opening_control":
    session.state = "opened"
env.cr.commit()


def _values(order):
    """What the POS screen sends for `order` (prepared before the clock)."""
    return {
        "name": f"floor-{order.name}",
        "uuid": str(uuid.uuid4()),
        "session_id": session.id,
        "company_id": company.id,
        "user_id": env.uid,
        "partner_id": False,
        "date_order": order.date_order,
        "lines": [
            (
                0,
                0,
                {
                    "product_id": line.product_id.id,
                    "full_product_name": line.full_product_name,
                    "qty": line.qty,
                    "price_unit": line.price_unit,
                    "discount": line.discount,
                    "tax_ids": [(6, 0, line.tax_ids.ids)],
                    "price_subtotal": line.price_subtotal,
                    "price_subtotal_incl": line.price_subtotal_incl,
                },
            )
            for line in order.lines
        ],
        "payment_ids": [
            (
                0,
                0,
                {
                    "payment_method_id": payment.payment_method_id.id,
                    "amount": payment.amount,
                    "payment_date": payment.payment_date,
                },
            )
            for payment in order.payment_ids
        ],
        "amount_total": order.amount_total,
        "amount_tax": order.amount_tax,
        "amount_paid": order.amount_paid,
        "amount_return": 0.0,
        "state": "paid",
        "to_invoice": False,
    }


prepared = [_values(order) for order in booked]
env.invalidate_all()

started = time.perf_counter()
paid = retried = 0
for values in prepared:
    for _attempt in range(5):
        try:
            order = Order.browse(Order._process_order(values, False))
            paid += order.state == "paid"
            env.cr.commit()
            break
        except SerializationFailure:
            # Another transaction took a row this one needs: again, as a
            # job is retried.
            env.cr.rollback()
            env.invalidate_all()
            retried += 1
created_s = time.perf_counter() - started

session = session.with_company(company)
started = time.perf_counter()
session.cash_register_balance_end_real = session.cash_register_balance_end
result = session.action_pos_session_closing_control()
balanced = isinstance(result, dict) and result.get("res_model") == (
    "pos.close.session.wizard"
)
if balanced:
    # Square's rounding and Odoo's disagree by cents: balanced as a person
    # would (the store-day closing does the same).
    wizard = env["pos.close.session.wizard"].browse(result["res_id"])
    amount = wizard.amount_to_balance
    session = env["pos.session"].browse(session.id).with_company(company)
    session.cash_register_balance_end_real = session.cash_register_balance_end
    session.action_pos_session_closing_control(
        balancing_account=session._get_balancing_account(),
        amount_to_balance=amount,
    )
env.cr.commit()
closing_s = time.perf_counter() - started

print(
    "BENCH_RESULT "
    + json.dumps(
        {
            "orders": len(prepared),
            "paid": paid,
            "retried": retried,
            "seconds": created_s,
            "closing_s": closing_s,
            "session_state": session.state,
            "needs_balancing": balanced,
            "entries": len(session.move_id) + len(session.bank_payment_ids.move_id),
        }
    )
)
