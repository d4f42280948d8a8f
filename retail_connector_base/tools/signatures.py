"""Webhook signature computation and verification.

Every check compares in constant time over the raw body bytes, never over
re-serialised JSON. Error messages are safe to send back to the caller: they
never contain the expected signature.
"""

import base64
import hashlib
import hmac

GENERIC_SIGNATURE_HEADER = "X-Retail-Signature"
DEFAULT_TOLERANCE = 300

# A genuine header holds a timestamp and a few signatures; anything much
# longer is noise not worth parsing.
_MAX_HEADER_LENGTH = 2048
_MAX_TIMESTAMP_DIGITS = 12


class SignatureError(Exception):
    """The request is not signed by the holder of the secret.

    ``str()`` is the reason shown in the 401 answer.
    """


def _key(secret):
    if not secret:
        raise SignatureError("no webhook secret configured")
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def hmac_sha256_hex(secret: str | bytes, message: bytes) -> str:
    """Return the hex HMAC-SHA256 of ``message`` (GitHub, Stripe style)."""
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def hmac_sha256_base64(secret: str | bytes, message: bytes) -> str:
    """Return the base64 HMAC-SHA256 of ``message`` (WooCommerce style)."""
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_generic(secret, body: bytes, timestamp: int) -> str:
    """Return the ``X-Retail-Signature`` value for ``body`` sent at ``timestamp``."""
    signature = hmac_sha256_hex(secret, f"{int(timestamp)}.".encode() + body)
    return f"t={int(timestamp)},v1={signature}"


def _parse_generic_header(header):
    """Return (timestamp text, [v1 signatures]) or raise SignatureError."""
    if len(header) > _MAX_HEADER_LENGTH:
        raise SignatureError("malformed signature header")
    timestamps, signatures = [], []
    for item in header.split(","):
        key, separator, value = item.strip().partition("=")
        if not separator:
            raise SignatureError("malformed signature header")
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(value)
        # Other schemes (v0, future versions) are ignored, as Stripe does.
    if len(timestamps) != 1 or not signatures:
        raise SignatureError("malformed signature header")
    timestamp = timestamps[0]
    if (
        not timestamp.isascii()
        or not timestamp.isdigit()
        or len(timestamp) > _MAX_TIMESTAMP_DIGITS
    ):
        raise SignatureError("malformed signature header")
    return timestamp, signatures


def _matches(expected, candidate):
    return hmac.compare_digest(expected.encode("ascii"), candidate.encode("utf-8"))


def verify_generic(
    secret, body: bytes, header: str | None, *, now: float, tolerance: int = 300
) -> int:
    """Verify a ``t=<unix>,v1=<hex>`` header over the raw body; return ``t``.

    Several ``v1`` entries are accepted so that a sender can sign with an old
    and a new secret during rotation. Raises SignatureError otherwise.
    """
    key = _key(secret)
    if header is None or not header.strip():
        raise SignatureError("missing signature header")
    timestamp, signatures = _parse_generic_header(header)
    # The signed text is the timestamp exactly as sent, not a re-rendering.
    expected = hmac_sha256_hex(key, timestamp.encode("ascii") + b"." + body)
    # No early exit: every candidate costs the same, whatever matched.
    matched = [_matches(expected, candidate) for candidate in signatures]
    if not any(matched):
        raise SignatureError("signature mismatch")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    return int(timestamp)


def verify_base64_hmac(secret, message: bytes, signature: str | None) -> None:
    """Verify a base64 HMAC-SHA256 of ``message`` (WooCommerce, Loop, Square).

    Raises SignatureError when the secret or signature is missing or wrong.
    """
    key = _key(secret)
    if signature is None or not signature.strip():
        raise SignatureError("missing signature header")
    if len(signature) > _MAX_HEADER_LENGTH:
        raise SignatureError("malformed signature header")
    if not _matches(hmac_sha256_base64(key, message), signature.strip()):
        raise SignatureError("signature mismatch")
