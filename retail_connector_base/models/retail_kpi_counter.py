"""Events the exchanges cannot tell, counted per connection and day.

Two things leave no exchange behind: a webhook delivery the connection
refused (bad signature, malformed, too large: nothing is stored, by design),
and an outbound call the channel answered 429 or 5xx (its job is postponed
and rolls back, the exchange recording the call with it). They are counted
here instead, each in a transaction of its own that commits at once, so
that the count survives the rollback of what observed it.
"""

import logging

from psycopg2 import errors

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

COUNTER_KINDS = [
    ("webhook_rejected", "Webhook delivery rejected"),
    ("call_refused", "Call refused by the channel"),
]
# Attempts of one increment racing others on the same row.
INCREMENT_ATTEMPTS = 3


class RetailKpiCounter(models.Model):
    """How many times something happened to a connection on one (UTC) day."""

    _name = "retail.kpi.counter"
    _description = "Retail KPI Counter"
    _order = "day desc, backend_id, kind"

    backend_id = fields.Many2one(
        "retail.backend", string="Connection", required=True, ondelete="cascade"
    )
    day = fields.Date(required=True)
    kind = fields.Selection(COUNTER_KINDS, required=True)
    count = fields.Integer(default=0)

    _sql_constraints = [
        (
            "backend_day_kind_uniq",
            "unique(backend_id, day, kind)",
            "One counter per connection, day and kind.",
        ),
    ]

    @api.model
    def _increment(self, backend_id, kind):
        """Add one to today's `kind` counter of the connection, and commit.

        Never raises: counting must not change the outcome of what is
        counted. A connection not committed yet (or deleted) counts nothing.
        """
        query = SQL(
            """
            INSERT INTO retail_kpi_counter (backend_id, day, kind, count,
                                            create_date, write_date)
            SELECT id, (now() at time zone 'UTC')::date, %(kind)s, 1,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM retail_backend WHERE id = %(backend)s
            ON CONFLICT (backend_id, day, kind)
            DO UPDATE SET count = retail_kpi_counter.count + 1,
                          write_date = EXCLUDED.write_date
            """,
            kind=kind,
            backend=backend_id,
        )
        for attempt in range(1, INCREMENT_ATTEMPTS + 1):
            try:
                with self.env.registry.cursor() as counter_cr:
                    counter_cr.execute(query, log_exceptions=False)
                return True
            except errors.SerializationFailure:
                # Another increment of the same row committed meanwhile.
                if attempt == INCREMENT_ATTEMPTS:
                    _logger.warning(
                        "KPI counter %s of connection %s not incremented: "
                        "too many concurrent increments",
                        kind,
                        backend_id,
                    )
            except Exception:
                _logger.exception(
                    "KPI counter %s of connection %s not incremented", kind, backend_id
                )
                return False
        return False

    @api.model
    def _counts(self, backend_ids, first_day, last_day):
        """``{(backend id, day, kind): count}`` between two days (included)."""
        if not backend_ids:
            return {}
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                "SELECT backend_id, day, kind, count FROM retail_kpi_counter"
                " WHERE backend_id IN %s AND day BETWEEN %s AND %s",
                tuple(backend_ids),
                first_day,
                last_day,
            )
        )
        return {(backend, day, kind): count for backend, day, kind, count in rows}
