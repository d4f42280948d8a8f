"""Values as Square writes them: ids, RFC 3339 times, money, quantities."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from ..common import parse_decimal, round_half_up

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
UNIT = Decimal("1")


def new_id(rng: random.Random, length: int = 27, *, upper: bool = False) -> str:
    """A Square-looking opaque id (``CAISENgvlJ6jLWAzERDzjyHVybY``)."""
    alphabet = _UPPER if upper else _ID_ALPHABET
    return "".join(rng.choice(alphabet) for _ in range(length))


def new_uuid(rng: random.Random) -> str:
    """A UUID-shaped id from ``rng`` (event ids, idempotency answers)."""
    digits = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    return (
        f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:]}"
    )


def rfc3339(epoch: float) -> str:
    """``2026-12-04T09:15:02.123Z`` (UTC, milliseconds)."""
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(value) -> float:
    """Epoch seconds from an RFC 3339 string or a number; `ValueError` otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a time: {value!r}")
    text = value.strip().replace("z", "Z")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Square writes nanoseconds at times; Python takes six digits at most.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an RFC 3339 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def money(amount: int, currency: str) -> dict:
    """``{"amount": 1250, "currency": "EUR"}``: integer minor units."""
    return {"amount": int(amount), "currency": currency}


def payout_money(amount: int, currency: str) -> dict:
    """Money as payouts write it: ``{"amount", "currency_code"}``."""
    return {"amount": int(amount), "currency_code": currency}


def minor(value: Decimal) -> int:
    """A decimal amount of minor units rounded half up to an integer."""
    return int(round_half_up(value, UNIT))


def parse_quantity(value) -> Decimal:
    """A positive quantity from a number or a decimal string."""
    quantity = parse_decimal(value)
    if quantity <= 0:
        raise ValueError(f"quantity must be positive, got {value!r}")
    return quantity


def quantity_text(quantity: Decimal) -> str:
    """``"2"`` for whole units, ``"1.70000"`` (five decimals) for measured ones."""
    if quantity == quantity.to_integral_value():
        return str(int(quantity))
    return f"{quantity:.5f}"
