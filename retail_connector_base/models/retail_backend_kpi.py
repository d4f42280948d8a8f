"""A connection's business KPIs and its health, at a glance.

The health is one of green, degraded, silent, down, with the sentence that
says why (``tools/kpi.py``, ``health``). It is read from what is true now
(the circuit breaker, the silence flag, the exchanges of the last
``HEALTH_WINDOW_HOURS`` hours and those waiting) rather than stored: it
would otherwise be written on every exchange, by jobs of one connection
running in parallel.

The KPIs of the last ``KPI_DAYS`` days shown on the connection are read from
their sources, so that their percentiles are exact over the period (the
median of seven daily medians is not the median of the week); the daily
rows (``retail.kpi.daily``) draw the graphs.
"""

from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..tools import circuit_breaker, kpi

KPI_DAYS = 7
HEALTH_STATES = [
    (kpi.GREEN, "Green"),
    (kpi.DEGRADED, "Degraded"),
    (kpi.SILENT, "Silent"),
    (kpi.DOWN, "Down"),
]


class RetailBackend(models.Model):
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    health_state = fields.Selection(
        HEALTH_STATES,
        string="Health",
        compute="_compute_health_state",
        search="_search_health_state",
        help="Down: the circuit breaker refuses calls to the channel. Silent: "
        "the usual orders stopped arriving. Degraded: too many recent failures, "
        "or too many exchanges waiting. Green: none of these.",
    )
    health_reason = fields.Char(compute="_compute_health_state")
    kpi_order_lag_p50 = fields.Float(
        string="Order Lag p50 (min)", compute="_compute_kpi_summary"
    )
    kpi_order_lag_p95 = fields.Float(
        string="Order Lag p95 (min)", compute="_compute_kpi_summary"
    )
    kpi_orders_confirmed = fields.Integer(
        string="Orders Confirmed", compute="_compute_kpi_summary"
    )
    kpi_stock_delay_p50 = fields.Float(
        string="Stock Delay p50 (s)", compute="_compute_kpi_summary"
    )
    kpi_stock_delay_p95 = fields.Float(
        string="Stock Delay p95 (s)", compute="_compute_kpi_summary"
    )
    kpi_stock_pushes = fields.Integer(
        string="Stock Pushes", compute="_compute_kpi_summary"
    )
    kpi_failure_rate = fields.Float(
        string="Failure Rate (%)", compute="_compute_kpi_summary"
    )
    kpi_webhook_success_rate = fields.Float(
        string="Delivery Success (%)", compute="_compute_kpi_summary"
    )
    kpi_calls_refused = fields.Integer(
        string="Calls Refused", compute="_compute_kpi_summary"
    )

    # ------------------------------------------------------------------
    # Health
    # ------------------------------------------------------------------
    def _health(self, now=None):
        """``{backend id: kpi.Health}`` for these connections, now."""
        now = now or fields.Datetime.now()
        since = now - timedelta(hours=kpi.HEALTH_WINDOW_HOURS)
        Exchange = self.env["retail.exchange"].sudo()
        waiting = dict(
            Exchange._read_group(
                [
                    ("backend_id", "in", self.ids),
                    ("state", "in", ("received", "queued")),
                ],
                ["backend_id"],
                ["__count"],
            )
        )
        recent = dict(
            Exchange._read_group(
                [("backend_id", "in", self.ids), ("received_at", ">=", since)],
                ["backend_id"],
                ["__count"],
            )
        )
        recent_failed = dict(
            Exchange._read_group(
                [
                    ("backend_id", "in", self.ids),
                    ("received_at", ">=", since),
                    ("state", "=", "failed"),
                ],
                ["backend_id"],
                ["__count"],
            )
        )
        result = {}
        for backend in self:
            result[backend.id] = kpi.health(
                circuit_open=(backend.circuit_state or circuit_breaker.CLOSED)
                != circuit_breaker.CLOSED,
                silent=backend.silence_state == "silent",
                failed=recent_failed.get(backend, 0),
                total=recent.get(backend, 0),
                backlog=waiting.get(backend, 0),
            )
        return result

    def _health_sentence(self, health):
        """Why the connection is in its health state, in one sentence."""
        self.ensure_one()
        if health.reason == "circuit_open":
            return _(
                "The channel is refusing calls: the circuit breaker opened after "
                "%(failures)s failed calls in a row; calls are paused, then "
                "probed.",
                failures=self.circuit_failures,
            )
        if health.reason == "silent":
            return _(
                "Far fewer orders than usual arrive at this hour: %s",
                (self.silence_note or "").split("\n")[0],
            )
        if health.reason == "failures":
            return _(
                "%(failed)s of the %(total)s exchanges of the last %(hours)s hours "
                "failed (%(rate)s %%).",
                failed=health.failed,
                total=health.total,
                hours=kpi.HEALTH_WINDOW_HOURS,
                rate=health.failure_rate,
            )
        if health.reason == "backlog":
            if self.state == "paused":
                return _(
                    "%s exchanges wait for the connection to be resumed.",
                    health.backlog,
                )
            return _("%s exchanges wait to be processed.", health.backlog)
        return _(
            "Calls flow, orders arrive as usual, %(failed)s failed exchanges in "
            "the last %(hours)s hours, %(backlog)s waiting.",
            failed=health.failed,
            hours=kpi.HEALTH_WINDOW_HOURS,
            backlog=health.backlog,
        )

    def _compute_health_state(self):
        healths = self.filtered("id")._health()
        healths.update(
            (
                backend.id,
                kpi.health(
                    circuit_open=False, silent=False, failed=0, total=0, backlog=0
                ),
            )
            for backend in self
            if not backend.id
        )
        for backend in self:
            health = healths[backend.id]
            backend.health_state = health.state
            backend.health_reason = backend._health_sentence(health)

    def _search_health_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Health can only be searched by its values."))
        values = {value} if isinstance(value, str) else set(value or ())
        # A handful of connections: computing them all is the search.
        backends = self.with_context(active_test=False).search([])
        healths = backends._health()
        matching = [
            backend_id
            for backend_id, health in healths.items()
            if health.state in values
        ]
        if operator in ("=", "in"):
            return [("id", "in", matching)]
        return [("id", "not in", matching)]

    # ------------------------------------------------------------------
    # KPIs of the last days
    # ------------------------------------------------------------------
    def _compute_kpi_summary(self):
        Daily = self.env["retail.kpi.daily"]
        today = fields.Datetime.now().date()
        first = today - timedelta(days=KPI_DAYS - 1)
        # A connection being created has nothing yet.
        saved = self.filtered("id")
        if saved:
            # The backlog shown is the one of now (exchange_waiting_count).
            sources = Daily._read_sources(saved, first, today, backlog=False)
        else:
            sources = dict.fromkeys(
                ("order_lags", "stock_delays", "exchanges", "webhooks", "counters"),
                {},
            )
        for backend in self:
            lags, delays = [], []
            total = failed = accepted = rejected = refused = 0
            for offset in range(KPI_DAYS):
                key = (backend.id, first + timedelta(days=offset))
                lags += sources["order_lags"].get(key, [])
                delays += sources["stock_delays"].get(key, [])
                day_total, day_failed = sources["exchanges"].get(key, (0, 0))
                total += day_total
                failed += day_failed
                accepted += sources["webhooks"].get(key, 0)
                counters = sources["counters"]
                rejected += counters.get((*key, "webhook_rejected"), 0)
                refused += counters.get((*key, "call_refused"), 0)
            lag, delay = kpi.spread(lags), kpi.spread(delays)
            backend.kpi_orders_confirmed = lag.count
            backend.kpi_order_lag_p50 = (lag.p50 or 0.0) / 60
            backend.kpi_order_lag_p95 = (lag.p95 or 0.0) / 60
            backend.kpi_stock_pushes = delay.count
            backend.kpi_stock_delay_p50 = delay.p50 or 0.0
            backend.kpi_stock_delay_p95 = delay.p95 or 0.0
            backend.kpi_failure_rate = kpi.rate(failed, total) or 0.0
            backend.kpi_webhook_success_rate = (
                kpi.rate(accepted, accepted + rejected) or 0.0
            )
            backend.kpi_calls_refused = refused

    def action_open_kpis(self):
        """The daily KPIs of these connections, as a graph."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "retail_connector_base.action_retail_kpi_daily"
        )
        action["domain"] = [("backend_id", "in", self.ids)]
        return action

    # ------------------------------------------------------------------
    # Counting what leaves no exchange
    # ------------------------------------------------------------------
    def _kpi_count(self, kind):
        """Count one ``retail.kpi.counter`` event of this connection today."""
        self.ensure_one()
        return self.env["retail.kpi.counter"]._increment(self.id, kind)

    def _http_client(self, base_url, **kwargs):
        backend = self
        previous = kwargs.get("on_call")

        def on_call(record):
            if previous is not None:
                previous(record)
            if kpi.is_refused_status(record.status):
                backend._kpi_count("call_refused")

        kwargs["on_call"] = on_call
        return super()._http_client(base_url, **kwargs)
