"""Webhook intake (the hot path of every delivery) and inbound processing."""

import logging

from odoo import api, models
from odoo.tools import SQL

from .. import const
from ..services.errors import WebhookRejected
from ..tools import signatures
from ..tools.crypto import EncryptionKeyMissing, SecretDecryptError

_logger = logging.getLogger(__name__)

# The credential every channel's webhooks are signed with.
WEBHOOK_SECRET = "webhook_secret"
# The connection's fields a delivery reads, fetched with its token.
HOT_PATH_FIELDS = (
    "company_id",
    "channel",
    "state",
    "name",
    "max_body_bytes",
    "max_retries",
)


class RetailBackend(models.Model):
    # One file per concern on the same model; Odoo merges them at load time.
    _inherit = "retail.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # Webhook intake (called by the controller, hot path)
    # ------------------------------------------------------------------
    @api.model
    def _find_by_webhook_token(self, token):
        """Return the active connection owning `token`, or an empty recordset."""
        if not token or len(token) > 128:
            return self.browse()
        # Plain SQL: this runs before anything else on every delivery. It also
        # reads what the rest of the delivery needs, which then costs no query
        # (the ORM would load the connection's whole row for the first field),
        # the webhook secret's ciphertext included.
        self.flush_model(["webhook_token", "active", *HOT_PATH_FIELDS])
        Secrets = self.env["retail.backend.secret"]
        Secrets.flush_model(["backend_id", "name", "ciphertext"])
        self.env.cr.execute(
            SQL(
                "SELECT backend.id, %s, secret.ciphertext "
                "FROM retail_backend backend "
                "LEFT JOIN retail_backend_secret secret "
                "ON secret.backend_id = backend.id AND secret.name = %s "
                "WHERE backend.webhook_token = %s AND backend.active LIMIT 1",
                SQL(", ").join(
                    SQL.identifier("backend", name) for name in HOT_PATH_FIELDS
                ),
                WEBHOOK_SECRET,
                token,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return self.browse()
        Secrets._remember(row[0], WEBHOOK_SECRET, row[-1])
        row = row[:-1]
        values = dict(zip(HOT_PATH_FIELDS, row[1:], strict=True))
        # The delivery is handled in the connection's company; saying so up
        # front also spares a look-up of the public user's company.
        backend = (
            self.sudo()
            .with_context(allowed_company_ids=[values["company_id"]])
            .browse(row[0])
        )
        for name, value in values.items():
            field = self._fields[name]
            self.env.cache.update(
                backend, field, [field.convert_to_cache(value, backend, validate=False)]
            )
        return backend

    def _webhook_receive(self, delivery):
        """Verify, parse and store one delivery; return the answer's status.

        "pong" for a channel's connectivity check, "accepted" or "duplicate".
        Raises WebhookRejected (answered with its status) or MalformedPayload
        (400) before anything is stored.
        """
        self.ensure_one()
        if not self._channel_supports(const.FEATURE_WEBHOOKS):
            raise WebhookRejected(400, "this connection does not accept webhooks")
        try:
            self._webhook_verify(delivery)
        except signatures.SignatureError as exc:
            # The helpers of tools/signatures.py say why in words safe to
            # answer with.
            raise WebhookRejected(401, str(exc)) from exc
        event = self._webhook_parse(delivery)
        if event.is_ping:
            return "pong"
        return self._webhook_store(event, delivery.headers, delivery.raw_body)

    def _webhook_secret_for_verification(self, name=WEBHOOK_SECRET):
        """The clear secret; a 401 when none is set, a 503 when this server
        cannot decrypt it.

        A 5xx (not 401) because the sender did nothing wrong: channels retry,
        and nothing is lost once the key is configured.
        """
        try:
            secret = self._get_secret(name)
        except (EncryptionKeyMissing, SecretDecryptError) as exc:
            _logger.error("Connection %s: %s", self.id, exc)
            raise WebhookRejected(
                503, "webhook secret unavailable on the server"
            ) from exc
        if not secret:
            # Never verify against an empty key: anybody could sign with it.
            raise WebhookRejected(401, "no webhook secret configured")
        return secret

    def _webhook_store(self, event, headers, raw_body):
        """Store a verified event exactly once and queue it (one statement).

        Returns "accepted" or "duplicate". A concurrent delivery of the same
        event waits on the unique index and then finds the row: duplicates are
        detected by PostgreSQL, not by a read-then-write race.
        """
        self.ensure_one()
        exchange = (
            self.env["retail.exchange"]
            .sudo()
            ._insert_inbound(self, event, headers, raw_body)
        )
        # Queued with its processing job when the connection is active.
        return "accepted" if exchange else "duplicate"

    # ------------------------------------------------------------------
    # Inbound processing (jobs)
    # ------------------------------------------------------------------
    def _process_inbound_exchange(self, exchange):
        """Map the exchange and apply it to Odoo; return the record produced."""
        self.ensure_one()
        # What the channel did itself (a cancellation, say) must not be
        # exported back to it: see sale.order._action_cancel.
        backend = self.with_context(retail_from_channel=True)
        mapped = backend._map_inbound(exchange)
        if mapped is None:
            return None
        records = mapped if isinstance(mapped, list | tuple) else [mapped]
        result = None
        for record in records:
            result = backend._processor_for(record).apply(record, exchange) or result
        return result

    def _enqueue_waiting_exchanges(self):
        """Queue the events stored while the connection was paused."""
        waiting = self.env["retail.exchange"].search(
            [
                ("backend_id", "in", self.filtered(lambda b: b.state == "active").ids),
                ("direction", "=", "inbound"),
                ("state", "=", "received"),
            ],
            order="id",
        )
        for exchange in waiting:
            exchange._enqueue_processing()
