"""HMAC signatures as channels compute them, and their constant-time check.

Channels sign webhooks with an HMAC over the raw body (sometimes with more
in front: a timestamp, the notification URL) and show it in hex or base64.
Verify over the raw bytes received, never over re-encoded JSON.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def as_bytes(value: str | bytes) -> bytes:
    """``value`` as bytes (a string is encoded as UTF-8)."""
    return value.encode("utf-8") if isinstance(value, str) else value


def hmac_digest(secret: str | bytes, message: str | bytes, digest=hashlib.sha256):
    """The raw HMAC of ``message`` with key ``secret`` (SHA-256 by default)."""
    return hmac.new(as_bytes(secret), as_bytes(message), digest).digest()


def hmac_hex(secret: str | bytes, message: str | bytes, digest=hashlib.sha256) -> str:
    """The HMAC in lower-case hex (Stripe-style and GitHub signatures)."""
    return hmac.new(as_bytes(secret), as_bytes(message), digest).hexdigest()


def hmac_base64(
    secret: str | bytes, message: str | bytes, digest=hashlib.sha256
) -> str:
    """The HMAC in base64 (WooCommerce, Shopify, Loop, Square signatures)."""
    mac = hmac_digest(secret, message, digest)
    return base64.b64encode(mac).decode("ascii")


def constant_time_equal(expected: str | bytes, candidate: str | bytes) -> bool:
    """Compare two secrets or signatures without leaking where they differ."""
    return hmac.compare_digest(as_bytes(expected), as_bytes(candidate))
