from odoo import api, fields, models

from .. import const


class RetailPollStream(models.Model):
    """Where the polling of one stream of a connection stands.

    One row per connection and stream (orders, transaction logs…): the
    checkpoint the next reconciliation starts from (less the connection's
    re-read window), when it last ran and what it found.
    """

    _name = "retail.poll.stream"
    _inherit = "retail.connection.record"
    _description = "Retail Polled Stream"
    _order = "backend_id, stream"
    _rec_name = "stream"

    stream = fields.Char(required=True)
    stream_label = fields.Char(string="Stream Name", compute="_compute_stream_label")
    checkpoint = fields.Datetime(
        help="Changes after this moment (minus the re-read window) are read by "
        "the next run."
    )
    last_run_at = fields.Datetime(string="Last Run", readonly=True)
    last_result = fields.Char(readonly=True)
    # A run that stopped after a page (see PollContinues) and resumes later.
    resume_cursor = fields.Text(
        readonly=True, help="Where the paused run goes on from (JSON)."
    )
    resume_since = fields.Datetime(readonly=True)
    resume_started_at = fields.Datetime(readonly=True)
    resume_source = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "backend_stream_uniq",
            "unique(backend_id, stream)",
            "A connection has one checkpoint per stream.",
        ),
    ]

    @api.depends("backend_id.channel", "stream")
    def _compute_stream_label(self):
        for record in self:
            backend = record.backend_id
            streams = (
                backend._poll_streams()
                if backend and backend._channel_supports(const.FEATURE_POLLING)
                else {}
            )
            record.stream_label = streams.get(record.stream, record.stream)
