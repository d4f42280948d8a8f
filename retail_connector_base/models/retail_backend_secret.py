from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import crypto
from ..utils import get_encryption_key

# Key of the ciphertexts read ahead, in the cursor's cache (one transaction).
_REMEMBERED = "retail_connector.remembered_secrets"


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
    def _remember(self, backend_id, name, ciphertext):
        """Keep a ciphertext read with something else, for the next
        ``_read_clear`` of that credential in this transaction only.

        The webhook's token look-up reads the secret with the connection:
        one query per delivery instead of two. The next read takes it.
        """
        self.env.cr.cache.setdefault(_REMEMBERED, {})[backend_id, name] = ciphertext

    @api.model
    def _store(self, backend, name, value):
        """Encrypt `value` and store it as credential `name` of `backend`.

        An empty value removes the credential.
        """
        self.env.cr.cache.get(_REMEMBERED, {}).pop((backend.id, name), None)
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
        # One query (none after ``_remember``) and a cached decryption: this
        # runs on every webhook.
        remembered = self.env.cr.cache.get(_REMEMBERED, {})
        if (backend.id, name) in remembered:
            ciphertext = remembered.pop((backend.id, name))
        else:
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
            ciphertext = row[0] if row else None
        if not ciphertext:
            return ""
        return crypto.decrypt_cached(get_encryption_key(), ciphertext)

    @api.model
    def _names_set(self, backends):
        """Map backend id -> set of credential names that are set."""
        result = {backend.id: set() for backend in backends}
        for secret in self.sudo().search([("backend_id", "in", backends.ids)]):
            result[secret.backend_id.id].add(secret.name)
        return result
