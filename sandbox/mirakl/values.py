"""Dates and amounts as Mirakl writes and reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ..common import round_half_up


def iso(moment: float | None) -> str | None:
    """``2026-12-04T02:21:16.123Z`` from Unix seconds (``None`` stays ``None``)."""
    if moment is None:
        return None
    stamp = datetime.fromtimestamp(moment, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_date(text: str) -> float:
    """Unix seconds from an ISO 8601 date (``Z``, an offset, or naive UTC).

    `ValueError` when it is not one.
    """
    value = text.strip().replace(" ", "+")
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def money(value: Decimal) -> float:
    """An amount on the wire: a JSON number with at most two decimals."""
    return float(round_half_up(Decimal(value)))


def cents(value) -> Decimal:
    """An amount rounded to the cent."""
    return round_half_up(Decimal(str(value)))
