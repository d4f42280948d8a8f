from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import crypto
from ..utils import get_encryption_key


class RetailBackendSecret(models.Model):
    """Encrypted credential of a channel connection.

    Nobody has access rights on this model: it is only read and written through
    the connection's write-only fields, with sudo, so that credentials never
    travel back to a browser or an RPC client, not even as ciphertext.
    """

    _name = "retail.backend.secret"
    _description = "Retail Connection Credential (encrypted)"
    _log_access = False

    backend_id = fields.Many2one(
        "retail.backend", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(required=True)
    ciphertext = fields.Text(required=True)

    _sql_constraints = [
        (
            "backend_name_uniq",
            "unique(backend_id, name)",
            "A connection stores each credential once.",
        ),
    ]

    @api.model
    def _store(self, backend, name, value):
        """Encrypt `value` and store it as credential `name` of `backend`.

        An empty value removes the credential.
        """
        existing = self.sudo().search(
            [("backend_id", "=", backend.id), ("name", "=", name)]
        )
        if not value:
            existing.unlink()
            return
        ciphertext = crypto.encrypt(get_encryption_key(), value)
        if existing:
            existing.ciphertext = ciphertext
        else:
            self.sudo().create(
                {"backend_id": backend.id, "name": name, "ciphertext": ciphertext}
            )

    @api.model
    def _read_clear(self, backend, name):
        """Return the decrypted credential, or an empty string if unset."""
        # One query and a cached decryption: this runs on every webhook.
        self.flush_model(["backend_id", "name", "ciphertext"])
        self.env.cr.execute(
            SQL(
                "SELECT ciphertext FROM retail_backend_secret "
                "WHERE backend_id = %s AND name = %s",
                backend.id,
                name,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            return ""
        return crypto.decrypt_cached(get_encryption_key(), row[0])

    @api.model
    def _names_set(self, backends):
        """Map backend id -> set of credential names that are set."""
        result = {backend.id: set() for backend in backends}
        for secret in self.sudo().search([("backend_id", "in", backends.ids)]):
            result[secret.backend_id.id].add(secret.name)
        return result
