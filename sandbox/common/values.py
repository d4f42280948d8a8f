"""Values on the wire: compact JSON and decimal amounts."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def compact_json(
    value, *, ascii_only: bool = False, escape_slashes: bool = False
) -> bytes:
    """JSON without spaces, as a channel puts it on the wire, in UTF-8.

    ``ascii_only`` writes ``\\u20ac``-style escapes (PHP's ``json_encode``);
    ``escape_slashes`` writes ``/`` as ``\\/`` (PHP without
    ``JSON_UNESCAPED_SLASHES``: WordPress, Loop's webhooks).
    """
    text = json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"))
    if escape_slashes:
        # "/" only ever appears inside strings in JSON text.
        text = text.replace("/", "\\/")
    return text.encode("utf-8")


def parse_decimal(value) -> Decimal:
    """A finite `Decimal` from a number or a numeric string.

    Raises `ValueError` for anything else, booleans and ``None`` included.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def round_half_up(value: Decimal, quantum: Decimal = CENT) -> Decimal:
    """Round half up to ``quantum`` (the cent by default), as shops and Odoo do."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)
