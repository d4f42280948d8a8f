"""Encryption of credentials at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key lives outside the database, in the Odoo configuration or the
environment, so that a database dump alone never reveals a credential.
"""

import functools

from cryptography.fernet import Fernet, InvalidToken

CONFIG_OPTION = "retail_connector_encryption_key"
ENVIRONMENT_VARIABLE = "RETAIL_CONNECTOR_ENCRYPTION_KEY"


class EncryptionKeyMissing(Exception):
    """No encryption key is configured; the message says how to set one."""

    def __init__(self):
        super().__init__(
            "No encryption key is configured for Retail Connector credentials. "
            f"Set the Odoo configuration option {CONFIG_OPTION} or the "
            f"environment variable {ENVIRONMENT_VARIABLE} to a Fernet key, "
            'for example the output of: python3 -c "from cryptography.fernet '
            'import Fernet; print(Fernet.generate_key().decode())"'
        )


class SecretDecryptError(Exception):
    """A stored secret cannot be decrypted with the configured key."""


def generate_key() -> str:
    """Return a new random Fernet key as text."""
    return Fernet.generate_key().decode()


def _as_bytes(value):
    return value.encode() if isinstance(value, str) else value


@functools.lru_cache(maxsize=8)
def resolve_key(config_value: str | None, env_value: str | None) -> bytes:
    """Return the key from the Odoo config, else from the environment.

    Raises EncryptionKeyMissing when neither is set and ValueError("invalid
    key…") when the value is not a Fernet key; the key itself is never put in
    the message.
    """
    for candidate in (config_value, env_value):
        if candidate and candidate.strip():
            key = candidate.strip().encode()
            break
    else:
        raise EncryptionKeyMissing()
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise ValueError(
            "invalid key: the Retail Connector encryption key must be 32 "
            "url-safe base64-encoded bytes (a Fernet key)"
        ) from None
    return key


def encrypt(key: bytes, plaintext: str) -> str:
    """Encrypt text; the token embeds a timestamp and is different every call."""
    return Fernet(_as_bytes(key)).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(key: bytes, token: str) -> str:
    """Decrypt a token made by :func:`encrypt` or raise SecretDecryptError."""
    try:
        plaintext = Fernet(_as_bytes(key)).decrypt(_as_bytes(token))
        return plaintext.decode("utf-8")
    except (InvalidToken, TypeError, ValueError):
        raise SecretDecryptError(
            "A stored credential cannot be decrypted with the configured "
            "encryption key (was the key changed?). Enter the credential again."
        ) from None


@functools.lru_cache(maxsize=256)
def decrypt_cached(key: bytes, token: str) -> str:
    """:func:`decrypt`, remembered per (key, token) for this process.

    Webhook verification reads the same secret on every delivery; the token
    changes whenever the secret is set again, so a changed secret is never
    served from the cache. Failures are not cached.
    """
    return decrypt(key, token)
