from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import const


class RetailImportWizard(models.TransientModel):
    """Import what a channel changed since a moment (first setup, repairs)."""

    _name = "retail.import.wizard"
    _description = "Retail Import Since"

    backend_id = fields.Many2one("retail.backend", required=True)
    stream = fields.Selection(
        selection="_selection_stream",
        required=True,
        default=const.POLL_STREAM_ORDERS,
    )
    since = fields.Datetime(
        required=True,
        default=lambda self: fields.Datetime.now() - timedelta(days=30),
        help="Everything the channel changed after this moment is read and fed "
        "through the exception queue; what Odoo already shows is skipped.",
    )

    @api.model
    def _selection_stream(self):
        backend = self.env["retail.backend"].browse(
            self.env.context.get("default_backend_id")
        )
        if backend.exists() and backend._channel_supports(const.FEATURE_POLLING):
            streams = backend._poll_streams()
            if streams:
                return list(streams.items())
        return [(const.POLL_STREAM_ORDERS, _("Orders"))]

    def action_import(self):
        self.ensure_one()
        backend = self.backend_id
        if not backend._channel_supports(const.FEATURE_POLLING):
            raise backend._channel_unsupported(const.FEATURE_POLLING)
        if self.stream not in backend._poll_streams():
            raise UserError(_("This channel has no stream %s.", self.stream))
        backend.with_delay(
            channel=const.JOB_CHANNEL_BATCH,
            description=_(
                "Import %(stream)s of %(backend)s since %(since)s",
                stream=dict(backend._poll_streams())[self.stream],
                backend=backend.name,
                since=self.since,
            ),
        )._poll_job(self.stream, fields.Datetime.to_string(self.since), "import")
        return backend._notification(
            _("Import queued"),
            _("What changed since %s will arrive in a moment.", self.since),
        )
