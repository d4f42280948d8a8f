"""Small Odoo-aware helpers (configuration look-ups)."""

import os

from odoo.tools import config

from . import const
from .tools import crypto


def get_encryption_key():
    """Return the Fernet key that protects credentials at rest.

    The key lives outside the database (Odoo config file or environment), so a
    database dump alone never reveals a credential.
    """
    return crypto.resolve_key(
        config.get(const.ENCRYPTION_KEY_OPTION),
        os.environ.get(const.ENCRYPTION_KEY_ENV),
    )
