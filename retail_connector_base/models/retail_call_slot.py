"""The recent calls of a connection per operation, shared by every worker.

Channels that publish a maximum frequency per operation (see
``tools/call_schedule.py``) reserve each call here first. The reservation
runs in a cursor of its own and commits at once: the row lock lasts a few
milliseconds, and a job that rolls back keeps its reservation counted, as
the channel counted the call.
"""

import json
import os
import time

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import call_schedule

# Sandboxes and benchmarks shorten a channel's windows the way their stand-in
# does (a 0.1 scale: Mirakl's minute lasts 6 s on both sides). Never set in
# production: the channel keeps its own pace and would answer 429.
SCALE_ENV = "RETAIL_CONNECTOR_CALL_LIMIT_SCALE"


def scaled_limits(limits):
    """`limits` with their windows scaled by ``$RETAIL_CONNECTOR_CALL_LIMIT_SCALE``
    and widened by a small margin: the channel counts a call when it receives
    it, a little after Odoo counted it sent."""
    scale = float(os.environ.get(SCALE_ENV) or 1)
    return tuple(
        (calls, seconds * scale * 1.01 + 0.25)
        for calls, seconds in call_schedule.normalize_limits(limits)
    )


class RetailCallSlot(models.Model):
    _name = "retail.call.slot"
    _description = "Retail Call Schedule"
    _order = "backend_id, operation"
    _rec_name = "operation"

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", index=True
    )
    operation = fields.Char(required=True)
    call_times = fields.Text(
        default="[]", help="Unix times of the calls still inside a window (JSON)."
    )
    last_call_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "backend_operation_uniq",
            "unique(backend_id, operation)",
            "A connection has one schedule per operation.",
        ),
    ]

    @api.model
    def _reserve(self, backend, operation, limits, *, max_wait=0.0, now=None):
        """Reserve the next call of `operation`; return the seconds to wait.

        When the next allowed moment is within `max_wait` seconds it is
        reserved (the caller sleeps that long, then calls); otherwise nothing
        is reserved and CallScheduled says how long to wait.
        """
        limits = scaled_limits(limits)
        with self.env.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "INSERT INTO retail_call_slot (backend_id, operation, call_times,"
                    " create_date, write_date) VALUES (%s, %s, '[]',"
                    " now() at time zone 'UTC', now() at time zone 'UTC')"
                    " ON CONFLICT (backend_id, operation) DO NOTHING",
                    backend.id,
                    operation,
                )
            )
            cr.execute(
                SQL(
                    "SELECT id, call_times FROM retail_call_slot"
                    " WHERE backend_id = %s AND operation = %s FOR UPDATE",
                    backend.id,
                    operation,
                )
            )
            slot_id, stored = cr.fetchone()
            now = time.time() if now is None else now
            times = call_schedule.prune(json.loads(stored or "[]"), limits, now)
            wait = call_schedule.wait_before_call(times, limits, now)
            if wait > max_wait:
                raise call_schedule.CallScheduled(operation, wait)
            times.append(now + wait)
            cr.execute(
                SQL(
                    "UPDATE retail_call_slot SET call_times = %s,"
                    " last_call_at = to_timestamp(%s) at time zone 'UTC',"
                    " write_date = now() at time zone 'UTC' WHERE id = %s",
                    json.dumps(times),
                    now + wait,
                    slot_id,
                )
            )
        return wait
