"""Values as WooCommerce writes and reads them: JSON, money, dates, parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ..common import compact_json, parse_decimal, round_half_up
from .const import CENT, MICRO
from .errors import invalid_param


def php_json(value) -> bytes:
    """JSON as ``wp_json_encode`` writes it: compact, ``\\/``, ``\\uXXXX``."""
    return compact_json(value, ascii_only=True, escape_slashes=True)


def q2(value: Decimal) -> Decimal:
    """Round half up to the cent."""
    return round_half_up(value, CENT)


def q6(value: Decimal) -> Decimal:
    """Round half up to WooCommerce's stored precision (6 decimals)."""
    return round_half_up(value, MICRO)


def money(value: Decimal | None) -> str:
    """A money string as the REST API shows it ("10.00")."""
    return "" if value is None else str(q2(value))


def unpadded(value: Decimal) -> str:
    """A tax amount as the ``taxes[]`` entries show it ("37.8", "15.619835")."""
    text = format(q6(value).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def decimal_input(value, name: str) -> Decimal:
    """Parse a money or number parameter; rest_invalid_param otherwise."""
    if isinstance(value, bool) or value is None:
        raise invalid_param(name, f"{name} is not of type string.")
    try:
        return parse_decimal(value)
    except ValueError:
        raise invalid_param(name, f"{name} is not a valid number.") from None


def int_input(value, name: str) -> int:
    """An integer parameter; WordPress also accepts numeric strings."""
    if isinstance(value, bool):
        raise invalid_param(name, f"{name} is not of type integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,15}\s*", value):
        return int(value)
    raise invalid_param(name, f"{name} is not of type integer.")


def iso(moment: datetime | None) -> str | None:
    """WooCommerce's date format: no offset, seconds."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S")


def parse_rest_date(value: str, name: str) -> datetime:
    """Parse an RFC 3339 date parameter (offset optional) to naive time."""
    text = (value or "").strip()
    match = re.fullmatch(
        r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?", text
    )
    if not match:
        raise invalid_param(name, "Invalid date.")
    moment = datetime.fromisoformat(f"{match[1]}T{match[2]}")
    zone = match[4]
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        moment -= sign * timedelta(hours=hours, minutes=minutes)
        return moment.replace(tzinfo=UTC)
    if zone == "Z":
        return moment.replace(tzinfo=UTC)
    return moment


def slugify(text: str) -> str:
    """WordPress-like slug."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def php_params(pairs: Iterable[tuple[str, str]]) -> dict:
    """Query pairs as PHP parses them into ``$_GET``.

    A repeated key keeps its last value; ``key[sub]`` entries become a list of
    ``(sub, value)`` under ``key``.
    """
    params: dict = {}
    for key, value in pairs:
        match = re.fullmatch(r"([^\[\]]+)\[([^\[\]]*)\]", key)
        if match:
            bucket = params.get(match[1])
            if not isinstance(bucket, list):
                bucket = params[match[1]] = []
            index = match[2] if match[2] else str(len(bucket))
            bucket.append((index, value))
        else:
            params[key] = value
    return params
