"""Business KPIs per connection and day, for graphs over weeks and months.

One row per connection and (UTC) day, computed by a cron from the
exchanges, the channel sale orders, the stock push delays and the KPI
counters. Kept as rows rather than read live through an SQL view because
what they are computed from does not last: done exchanges are purged after
the connection's Keep Done Exchanges days, stock push delays after
``SAMPLE_RETENTION_DAYS``; the rows keep the figures beyond that, and a
graph over 30 days reads 30 rows per connection.

Computing a day replaces its row (and its failure causes): any day may be
computed again, with the same result as long as its sources are kept. The
cron computes today and yesterday again every hour (a late failure or retry
changes them), and the days of the last ``BACKFILL_DAYS`` that have no row
yet (a first install, a new connection), never an older day.
"""

from datetime import datetime, time, timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL

from .. import const
from ..tools import kpi
from .retail_stock_push_sample import SAMPLE_RETENTION_DAYS

BACKFILL_DAYS = 30
# Today and the day before are computed again on every run.
RECOMPUTE_DAYS = 2
# Inbound exchanges stored by polling or reconciliation carry this header;
# the others came through the webhook.
POLLED_HEADER = f'%"{const.POLLED_SOURCE_HEADER}"%'


def day_bounds(day):
    """``(start, end)`` of a UTC day, as naive datetimes."""
    start = datetime.combine(day, time.min)
    return start, start + timedelta(days=1)


class RetailKpiDaily(models.Model):
    """The business KPIs of one connection on one UTC day."""

    _name = "retail.kpi.daily"
    _description = "Retail Daily KPIs"
    _order = "day desc, backend_id"
    _rec_name = "day"

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        related="backend_id.company_id", store=True, index=True
    )
    channel = fields.Selection(related="backend_id.channel", store=True)
    day = fields.Date(required=True, index=True, readonly=True)
    computed_at = fields.Datetime(readonly=True)

    orders_confirmed = fields.Integer(
        readonly=True,
        help="Channel orders confirmed in Odoo that day.",
    )
    order_lag_p50 = fields.Float(
        string="Order Lag p50 (min)",
        readonly=True,
        aggregator="avg",
        help="Median time from the customer's order on the channel to its "
        "confirmed sale order in Odoo, over the orders confirmed that day. "
        "Over several days: the average of the daily medians.",
    )
    order_lag_p95 = fields.Float(
        string="Order Lag p95 (min)",
        readonly=True,
        aggregator="max",
        help="95 % of the orders confirmed that day took at most this long. "
        "Over several days: the worst day.",
    )
    stock_pushes = fields.Integer(
        readonly=True, help="Quantities the channel accepted that day."
    )
    stock_delay_p50 = fields.Float(
        string="Stock Delay p50 (s)",
        readonly=True,
        aggregator="avg",
        help="Median time from a stock change in Odoo to the quantity pushed "
        "to the channel. Over several days: the average of the daily medians.",
    )
    stock_delay_p95 = fields.Float(
        string="Stock Delay p95 (s)",
        readonly=True,
        aggregator="max",
        help="95 % of the quantities pushed that day waited at most this long. "
        "Over several days: the worst day.",
    )
    exchange_count = fields.Integer(
        string="Exchanges", readonly=True, help="Events and calls of the day."
    )
    failed_count = fields.Integer(
        string="Failed",
        readonly=True,
        help="Exchanges of the day that are failed now (a retried one that "
        "succeeded no longer counts).",
    )
    failure_rate = fields.Float(
        string="Failure Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Failed exchanges among those of the day. Over several days: the "
        "average of the daily rates.",
    )
    backlog = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Exchanges waiting to be processed at the end of the day (today: "
        "now): received by then, and processed later or still waiting.",
    )
    webhook_accepted = fields.Integer(
        string="Deliveries Accepted",
        readonly=True,
        help="Webhook deliveries stored that day (redeliveries not counted).",
    )
    webhook_rejected = fields.Integer(
        string="Deliveries Rejected",
        readonly=True,
        help="Webhook deliveries refused that day: bad signature, malformed, "
        "too large, or not supported.",
    )
    webhook_success_rate = fields.Float(
        string="Delivery Success (%)",
        readonly=True,
        aggregator="avg",
        help="Accepted among the webhook deliveries of the day.",
    )
    calls_refused = fields.Integer(
        readonly=True,
        help="Calls to the channel it answered with 429 (too many requests) or "
        "a server error (5xx), after the HTTP client's own retries.",
    )
    circuit_state = fields.Selection(
        related="backend_id.circuit_state", string="Circuit (now)"
    )
    cause_ids = fields.One2many(
        "retail.kpi.daily.cause", "daily_id", string="Failures by Cause"
    )

    _sql_constraints = [
        (
            "backend_day_uniq",
            "unique(backend_id, day)",
            "One KPI row per connection and day.",
        ),
    ]

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_compute(self):
        """Compute today and yesterday again, and the missing recent days."""
        today = fields.Datetime.now().date()
        backends = self.env["retail.backend"].search([])
        self._compute_days(backends, today - timedelta(days=RECOMPUTE_DAYS - 1), today)
        first = today - timedelta(days=BACKFILL_DAYS - 1)
        existing = {
            (backend.id, day)
            for backend, day in self._read_group(
                [("backend_id", "in", backends.ids), ("day", ">=", first)],
                ["backend_id", "day:day"],
            )
        }
        # No row before the connection existed, nor before its first exchange
        # (demo data, a connection migrated with its history).
        oldest = dict(
            self.env["retail.exchange"]._read_group(
                [("backend_id", "in", backends.ids)],
                ["backend_id"],
                ["received_at:min"],
            )
        )
        for backend in backends:
            start = backend.create_date
            if oldest.get(backend):
                start = min(start, oldest[backend])
            days = [
                first + timedelta(days=offset)
                for offset in range(BACKFILL_DAYS)
                if first + timedelta(days=offset) >= start.date()
            ]
            missing = [day for day in days if (backend.id, day) not in existing]
            if missing:
                self._compute_days(backend, min(missing), max(missing))
        self._purge_sources(today)

    @api.model
    def _purge_sources(self, today):
        """Delete stock push delays and counters no row will read again."""
        limit = today - timedelta(days=SAMPLE_RETENTION_DAYS)
        self.env.cr.execute(
            SQL(
                "DELETE FROM retail_stock_push_sample WHERE pushed_at < %s",
                day_bounds(limit)[0],
            )
        )
        self.env.cr.execute(SQL("DELETE FROM retail_kpi_counter WHERE day < %s", limit))

    # ------------------------------------------------------------------
    # Computing days
    # ------------------------------------------------------------------
    @api.model
    def _compute_days(self, backends, first_day, last_day):
        """Replace the rows of `backends` from `first_day` to `last_day`."""
        if not backends or first_day > last_day:
            return self.browse()
        sources = self._read_sources(backends, first_day, last_day)
        now = fields.Datetime.now()
        existing = {
            (row.backend_id.id, row.day): row
            for row in self.sudo().search(
                [
                    ("backend_id", "in", backends.ids),
                    ("day", ">=", first_day),
                    ("day", "<=", last_day),
                ]
            )
        }
        rows = self.browse()
        day = first_day
        while day <= last_day:
            for backend in backends:
                values = self._day_values(sources, backend.id, day, now)
                row = existing.get((backend.id, day))
                if row:
                    row.cause_ids.unlink()
                    row.write(values)
                else:
                    row = self.sudo().create(
                        {"backend_id": backend.id, "day": day, **values}
                    )
                rows |= row
            day += timedelta(days=1)
        return rows

    def _day_values(self, sources, backend_id, day, now):
        key = (backend_id, day)
        lags = kpi.spread(sources["order_lags"].get(key, []))
        delays = kpi.spread(sources["stock_delays"].get(key, []))
        total, failed = sources["exchanges"].get(key, (0, 0))
        accepted = sources["webhooks"].get(key, 0)
        rejected = sources["counters"].get((backend_id, day, "webhook_rejected"), 0)
        causes = kpi.failure_causes(sources["causes"].get(key, []))
        labels = sources["labels"]
        return {
            "computed_at": now,
            "orders_confirmed": lags.count,
            "order_lag_p50": (lags.p50 or 0.0) / 60,
            "order_lag_p95": (lags.p95 or 0.0) / 60,
            "stock_pushes": delays.count,
            "stock_delay_p50": delays.p50 or 0.0,
            "stock_delay_p95": delays.p95 or 0.0,
            "exchange_count": total,
            "failed_count": failed,
            "failure_rate": kpi.rate(failed, total) or 0.0,
            "backlog": sources["backlog"].get(key, 0),
            "webhook_accepted": accepted,
            "webhook_rejected": rejected,
            "webhook_success_rate": kpi.rate(accepted, accepted + rejected) or 0.0,
            "calls_refused": sources["counters"].get(
                (backend_id, day, "call_refused"), 0
            ),
            "cause_ids": [
                Command.create(
                    {
                        "cause": cause,
                        "name": labels.get(cause, cause),
                        "failed_count": count,
                        "failure_rate": kpi.rate(count, total) or 0.0,
                    }
                )
                for cause, count in causes
            ],
        }

    @api.model
    def _cause_labels(self):
        Exchange = self.env["retail.exchange"]
        labels = dict(Exchange._fields["failure_kind"]._description_selection(self.env))
        labels.update(
            Exchange._fields["error_category"]._description_selection(self.env)
        )
        return labels

    @api.model
    def _read_sources(self, backends, first_day, last_day, backlog=True):
        """Everything the days need, a few grouped queries for all of them.

        Keys are ``(backend id, day)``; see ``_day_values``. Without
        `backlog`, the backlog at the end of each day is not read.
        """
        start, end = day_bounds(first_day)[0], day_bounds(last_day)[1]
        ids = tuple(backends.ids)
        self.env["retail.exchange"].flush_model()
        self.env["sale.order"].flush_model(
            ["retail_backend_id", "retail_ordered_at", "retail_confirmed_at"]
        )
        self.env["retail.stock.push.sample"].flush_model()
        query = self.env.execute_query
        exchanges = {
            (backend, day): (total, failed)
            for backend, day, total, failed in query(
                SQL(
                    """
                    SELECT backend_id, received_at::date, count(*),
                           count(*) FILTER (WHERE state = 'failed')
                      FROM retail_exchange
                     WHERE backend_id IN %s AND received_at >= %s
                       AND received_at < %s
                  GROUP BY 1, 2
                    """,
                    ids,
                    start,
                    end,
                )
            )
        }
        causes = {}
        for backend, day, kind, category, count in query(
            SQL(
                """
                SELECT backend_id, received_at::date, failure_kind,
                       error_category, count(*)
                  FROM retail_exchange
                 WHERE backend_id IN %s AND received_at >= %s
                   AND received_at < %s AND state = 'failed'
              GROUP BY 1, 2, 3, 4
                """,
                ids,
                start,
                end,
            )
        ):
            causes.setdefault((backend, day), []).append((kind, category, count))
        webhooks = dict(
            ((backend, day), count)
            for backend, day, count in query(
                SQL(
                    """
                    SELECT backend_id, received_at::date, count(*)
                      FROM retail_exchange
                     WHERE backend_id IN %s AND received_at >= %s
                       AND received_at < %s AND direction = 'inbound'
                       AND COALESCE(headers, '') NOT LIKE %s
                  GROUP BY 1, 2
                    """,
                    ids,
                    start,
                    end,
                    POLLED_HEADER,
                )
            )
        )
        order_lags = {}
        for backend, day, lag in query(
            SQL(
                """
                SELECT retail_backend_id, retail_confirmed_at::date,
                       EXTRACT(EPOCH FROM retail_confirmed_at - retail_ordered_at)
                  FROM sale_order
                 WHERE retail_backend_id IN %s AND retail_confirmed_at >= %s
                   AND retail_confirmed_at < %s
                   AND retail_ordered_at IS NOT NULL
                """,
                ids,
                start,
                end,
            )
        ):
            order_lags.setdefault((backend, day), []).append(float(lag))
        stock_delays = {}
        for backend, day, delay in query(
            SQL(
                """
                SELECT backend_id, pushed_at::date, delay
                  FROM retail_stock_push_sample
                 WHERE backend_id IN %s AND pushed_at >= %s AND pushed_at < %s
                """,
                ids,
                start,
                end,
            )
        ):
            stock_delays.setdefault((backend, day), []).append(delay)
        return {
            "labels": self._cause_labels(),
            "exchanges": exchanges,
            "causes": causes,
            "webhooks": webhooks,
            "order_lags": order_lags,
            "stock_delays": stock_delays,
            "backlog": self._read_backlog(ids, first_day, last_day) if backlog else {},
            "counters": self.env["retail.kpi.counter"]._counts(
                ids, first_day, last_day
            ),
        }

    @api.model
    def _read_backlog(self, ids, first_day, last_day):
        """``{(backend id, day): exchanges waiting at the end of the day}``.

        At the end of each day (now, for today): received by then, and
        either still waiting or processed after it. A failure says not when
        it happened: failed exchanges are not counted.
        """
        now = fields.Datetime.now()
        result = {}
        day = first_day
        while day <= last_day:
            cutoff = min(day_bounds(day)[1], now)
            for backend, count in self.env.execute_query(
                SQL(
                    """
                    SELECT backend_id, count(*)
                      FROM retail_exchange
                     WHERE backend_id IN %s AND received_at < %s
                       AND (state IN ('received', 'queued')
                            OR (state = 'done' AND done_at >= %s))
                  GROUP BY 1
                    """,
                    ids,
                    cutoff,
                    cutoff,
                )
            ):
                result[backend, day] = count
            day += timedelta(days=1)
        return result


class RetailKpiDailyCause(models.Model):
    """The failed exchanges of one connection's day that share a cause."""

    _name = "retail.kpi.daily.cause"
    _description = "Retail Daily Failures by Cause"
    _order = "day desc, failed_count desc, id"

    daily_id = fields.Many2one(
        "retail.kpi.daily", required=True, ondelete="cascade", index=True
    )
    backend_id = fields.Many2one(
        related="daily_id.backend_id", string="Connection", store=True
    )
    company_id = fields.Many2one(related="daily_id.company_id", store=True)
    day = fields.Date(related="daily_id.day", store=True)
    cause = fields.Char(
        string="Cause Code",
        required=True,
        help="The failure cause (an unknown SKU, an unknown tax rate), else "
        "the error category (technical, business).",
    )
    name = fields.Char(string="Cause", required=True)
    failed_count = fields.Integer(string="Failed")
    failure_rate = fields.Float(
        string="Failure Rate (%)",
        aggregator="avg",
        help="These failures among the exchanges of the day.",
    )
