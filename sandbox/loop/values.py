"""Values as Loop writes them: money strings, timestamps, payload bytes."""

from __future__ import annotations

import time
from decimal import Decimal

from ..common import compact_json, parse_decimal, round_half_up

ZERO = Decimal("0")


def money(value) -> str:
    """An amount as Loop shows it: a string with two decimals ("120.00")."""
    return f"{round_half_up(parse_decimal(value)):.2f}"


def stamp(epoch: float) -> str:
    """A timestamp without time zone, UTC: ``2026-12-04 09:15:02``."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def payload_bytes(payload: dict) -> bytes:
    """A webhook body: compact JSON as PHP encodes it (``\\/``, ``\\u00e9``)."""
    return compact_json(payload, ascii_only=True, escape_slashes=True)
