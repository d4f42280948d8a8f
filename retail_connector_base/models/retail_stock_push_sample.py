"""How long each stock change waited before the channel had it.

A stock change marks a product binding pending (``stock_pending_since``);
the push clears it. The delay between the two is only known at that
moment, so the push records it here, one row per binding pushed, read by
the daily KPIs (``retail.kpi.daily``) and purged after
``SAMPLE_RETENTION_DAYS``.
"""

from odoo import api, fields, models

SAMPLE_RETENTION_DAYS = 40


class RetailStockPushSample(models.Model):
    """One stock quantity pushed, and how long it had waited."""

    _name = "retail.stock.push.sample"
    _description = "Retail Stock Push Delay"
    _order = "pushed_at desc, id desc"
    _log_access = False

    backend_id = fields.Many2one(
        "retail.backend",
        string="Connection",
        required=True,
        ondelete="cascade",
        index=True,
    )
    pushed_at = fields.Datetime(required=True, index=True)
    delay = fields.Float(string="Delay (s)", required=True)

    @api.model
    def _record(self, backend, waited_since, pushed_at):
        """One sample per start of waiting in `waited_since` (datetimes)."""
        values = [
            {
                "backend_id": backend.id,
                "pushed_at": pushed_at,
                "delay": max(0.0, (pushed_at - since).total_seconds()),
            }
            for since in waited_since
            if since
        ]
        return self.sudo().create(values) if values else self.browse()
