"""Small Odoo-aware helpers: configuration look-ups, credential fields."""

import os

from odoo import fields
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


def secret_field(name, **kwargs):
    """A write-only credential field of ``retail.backend``, in one line.

    It always reads as empty; what a manager types is stored encrypted as the
    connection's secret `name` (``_set_secret``, surrounding blanks removed)
    and never shown again. Pair it with ``secret_set_field(name)`` to show
    whether it is set::

        acme_api_key = secret_field("acme_api_key", string="API Key")
        acme_api_key_set = secret_set_field("acme_api_key")
    """

    def _compute(records):
        for record in records:
            for field in _fields_of_secret(record, name):
                record[field] = False

    def _inverse(records):
        for record in records:
            for field in _fields_of_secret(record, name):
                value = record[field]
                if value:
                    record._set_secret(name, value.strip())

    kwargs.setdefault("copy", False)
    return fields.Char(compute=_compute, inverse=_inverse, retail_secret=name, **kwargs)


def secret_set_field(*names, **kwargs):
    """A boolean field: True when every credential of `names` is set."""

    def _compute(records):
        stored = records.env["retail.backend.secret"]._names_set(records)
        for record in records:
            for field in _fields_of_secret_set(record, names):
                record[field] = set(names) <= stored.get(record.id, set())

    return fields.Boolean(compute=_compute, retail_secret_set=names, **kwargs)


def _fields_of_secret(record, name):
    return [
        field_name
        for field_name, field in record._fields.items()
        if getattr(field, "retail_secret", None) == name
    ]


def _fields_of_secret_set(record, names):
    return [
        field_name
        for field_name, field in record._fields.items()
        if getattr(field, "retail_secret_set", None) == names
    ]
