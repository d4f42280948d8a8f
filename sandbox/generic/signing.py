"""``X-Retail-Signature``: this sandbox's own signing and checking.

``t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``, implemented
here independently of the addons, over the raw body bytes.
"""

from __future__ import annotations

import time

from ..common import as_bytes, constant_time_equal, hmac_hex

SIGNATURE_HEADER = "X-Retail-Signature"
DEFAULT_TOLERANCE = 300


class SignatureError(Exception):
    """A signature header that does not verify; ``str()`` is the reason."""


def _hex_hmac(secret: str | bytes, timestamp: int, body: bytes) -> str:
    return hmac_hex(secret, str(timestamp).encode("ascii") + b"." + body)


def sign(secret: str | bytes, body: str | bytes, timestamp: int | float) -> str:
    """The ``X-Retail-Signature`` value for ``body`` sent at ``timestamp``.

    ``t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``.
    """
    timestamp = int(timestamp)
    return f"t={timestamp},v1={_hex_hmac(secret, timestamp, as_bytes(body))}"


def verify(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> int:
    """Check a signature header over the raw ``body``; returns its timestamp.

    Several ``v1=`` entries are accepted (a sender rotating secrets). Raises
    `SignatureError` with a reason that never reveals the expected value.
    """
    if not secret:
        raise SignatureError("no secret configured")
    if not header:
        raise SignatureError("missing signature header")
    timestamp, candidates = None, []
    for part in header.split(","):
        key, separator, value = part.strip().partition("=")
        if not separator:
            raise SignatureError("malformed signature header")
        if key == "t":
            if timestamp is not None or not (value.isascii() and value.isdigit()):
                raise SignatureError("malformed signature header")
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value.strip())
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature header")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = _hex_hmac(secret, timestamp, body)
    matched = False
    for candidate in candidates:
        # Compare every entry, so timing does not tell which one matched.
        matched |= constant_time_equal(expected, candidate)
    if not matched:
        raise SignatureError("signature mismatch")
    return timestamp
