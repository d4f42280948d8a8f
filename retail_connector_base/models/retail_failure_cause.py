"""Failures grouped by cause: one line per connection, kind and value.

A business error raised with a cause (``RetailBusinessError(cause_kind=…,
cause_value=…)``) stores it on the failed exchange; this read-only view counts
the failed exchanges of each cause, so that "Unknown SKU LAMP-99 — 12 orders"
is fixed once, for all of them.
"""

from markupsafe import Markup, escape

from odoo import _, api, fields, models, tools
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# kind: (label, what happened, what to do). The runbook shown on a failed
# exchange and listed in the user documentation (readme/USAGE.md).
FAILURE_KINDS = {
    "unknown_sku": (
        _lt("Unknown SKU"),
        _lt(
            "The channel sold a SKU that is neither a SKU mapping of the "
            "connection, nor the internal reference or barcode of a product."
        ),
        _lt(
            "Press Map SKU and pick the product the SKU stands for: the mapping "
            "is created and every order failed on this SKU is processed again. "
            "Or create the product with this internal reference, then Retry."
        ),
    ),
    "unknown_tax_rate": (
        _lt("Unknown tax rate"),
        _lt(
            "An order line carries a tax rate that no tax mapping of the "
            "company (and price mode) translates into an Odoo tax."
        ),
        _lt(
            "Press Map Tax and pick the sale tax of that rate (the company's "
            "taxes of the same rate, price mode and country come first): the "
            "mapping is created and every order failed on this rate is "
            "processed again."
        ),
    ),
    "unknown_status": (
        _lt("Unknown status"),
        _lt(
            "The channel sent an order status that the connection's status "
            "mapping does not list (a status a shop's plug-in added)."
        ),
        _lt(
            "Press Map Status and say what orders in this status are in Odoo "
            "(a quotation, a confirmed order…): the row is added to the "
            "connection's status mapping and every order failed on it is "
            "processed again."
        ),
    ),
    "no_pricelist": (
        _lt("No pricelist for the currency"),
        _lt(
            "The order is in a currency for which the company has no "
            "pricelist (the connection's pricelist is in another currency)."
        ),
        _lt(
            "Press Set Pricelist: an archived pricelist in the currency is "
            "restored, or a new one is made (the currency is activated if it "
            "was not), and every order failed on it is processed again."
        ),
    ),
    "unknown_location": (
        _lt("Unknown location"),
        _lt(
            "The order names a store or warehouse of the channel that the "
            "connection's Locations tab does not map to a warehouse."
        ),
        _lt(
            "Press Map Location and pick the warehouse (the closest name is "
            "proposed): the location is added to the connection and every "
            "order failed on it is processed again."
        ),
    ),
    "unknown_payment_method": (
        _lt("Unknown payment method"),
        _lt(
            "The channel was paid with a tender for which the store or "
            "connection has no Odoo payment method."
        ),
        _lt(
            "Press Map Payment Method and pick the payment method (the one "
            "closest to the tender is proposed): it is set on the store and "
            "every sale failed on it is processed again."
        ),
    ),
}


def _text(value, lang):
    """A runbook text: lazily translated (``_lt``) or already plain."""
    return value._translate(lang) if hasattr(value, "_translate") else str(value)


def failure_kind_selection(env):
    """The failure kinds as a selection, labels in `env`'s language: the
    base's and those channel addons add (``retail.backend._failure_kinds``)."""
    lang = env.lang or "en_US"
    kinds = env["retail.backend"]._failure_kinds()
    return [(kind, _text(row[0], lang)) for kind, row in kinds.items()]


def failure_runbook_rows(lang="en_US"):
    """(cause, what happened, what to do) of each failure kind, in `lang`.

    The runbook table of readme/USAGE.md is these rows (a unit test compares
    them), so the documentation says what the banner says.
    """
    return [
        tuple(text._translate(lang) for text in row) for row in FAILURE_KINDS.values()
    ]


def failure_runbook(env, kind):
    """The runbook of a failure kind, as HTML (empty for an unknown kind)."""
    row = env["retail.backend"]._failure_kinds().get(kind) if kind else None
    if not row:
        return False
    lang = env.lang or "en_US"
    return Markup("<p><strong>{}</strong> {}</p><p><strong>{}</strong> {}</p>").format(
        escape(env._("What happened:")),
        escape(_text(row[1], lang)),
        escape(env._("What to do:")),
        escape(_text(row[2], lang)),
    )


class RetailFailureCause(models.Model):
    """Failed exchanges counted per connection and cause (SQL view)."""

    _name = "retail.failure.cause"
    _description = "Retail Failure Cause"
    _auto = False
    _order = "last_seen desc, id desc"
    _rec_name = "summary"
    # Searching the view flushes what it reads of the exchanges first.
    _depends = {
        "retail.exchange": [
            "backend_id",
            "company_id",
            "state",
            "failure_kind",
            "failure_value",
            "received_at",
        ],
    }

    backend_id = fields.Many2one("retail.backend", string="Connection", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    failure_kind = fields.Selection(
        selection=lambda self: self.env["retail.exchange"]._selection_failure_kind(),
        string="Cause",
        readonly=True,
    )
    failure_value = fields.Char(string="Value", readonly=True)
    exchange_count = fields.Integer(string="Failed Exchanges", readonly=True)
    first_seen = fields.Datetime(readonly=True)
    last_seen = fields.Datetime(readonly=True)
    summary = fields.Char(compute="_compute_summary")
    runbook = fields.Html(compute="_compute_runbook", sanitize=False)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # The id is the cause's oldest failed exchange: stable while it waits.
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT min(e.id) AS id,
                       e.backend_id,
                       e.company_id,
                       e.failure_kind,
                       e.failure_value,
                       count(*) AS exchange_count,
                       min(e.received_at) AS first_seen,
                       max(e.received_at) AS last_seen
                  FROM retail_exchange e
                 WHERE e.state = 'failed' AND e.failure_kind IS NOT NULL
              GROUP BY e.backend_id, e.company_id, e.failure_kind, e.failure_value
            )
            """
        )

    @api.depends("failure_kind", "failure_value", "exchange_count", "first_seen")
    def _compute_summary(self):
        labels = dict(self._fields["failure_kind"]._description_selection(self.env))
        for cause in self:
            since = ""
            if cause.first_seen:
                local = fields.Datetime.context_timestamp(cause, cause.first_seen)
                today = fields.Date.context_today(cause)
                since = local.strftime(
                    "%H:%M" if local.date() == today else "%Y-%m-%d %H:%M"
                )
            cause.summary = _(
                "%(kind)s %(value)s — %(count)s orders, since %(since)s",
                kind=labels.get(cause.failure_kind, cause.failure_kind or ""),
                value=cause.failure_value or "",
                count=cause.exchange_count,
                since=since,
            )

    @api.depends("failure_kind")
    def _compute_runbook(self):
        for cause in self:
            cause.runbook = failure_runbook(cause.env, cause.failure_kind)

    def _failed_exchanges(self):
        self.ensure_one()
        return self.backend_id._failed_exchanges_of(
            self.failure_kind, self.failure_value
        )

    def action_open_exchanges(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.summary,
            "res_model": "retail.exchange",
            "view_mode": "list,form",
            "domain": [("id", "in", self._failed_exchanges().ids)],
            "target": "current",
        }

    def action_guided_fix(self):
        """Open the fix of this cause (Map SKU, Map Tax…)."""
        self.ensure_one()
        return self.backend_id._open_guided_fix(
            self.failure_kind, self.failure_value, self._failed_exchanges()[:1]
        )
