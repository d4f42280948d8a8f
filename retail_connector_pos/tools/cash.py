"""A store day's cash drawer from the POS's drawer shifts.

Pure functions: no Odoo, no network. A day may have several shifts (one
drawer after another, or several drawers at once): their floats, counts,
cash paid in and out add up, and the day's count is known once every shift
of the day is closed.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DayDrawer:
    """What the shifts of a business day say about its cash."""

    shift_ids: tuple[str, ...]
    opened: Decimal
    counted: Decimal
    counted_known: bool
    paid_in: Decimal
    paid_out: Decimal


def day_drawer(shifts) -> DayDrawer:
    """The drawer of a day from all its ``CashShift`` (any order)."""
    shifts = sorted(shifts, key=lambda s: (s.opened_at is None, s.opened_at, s.id))
    closed = [shift for shift in shifts if shift.state == "CLOSED"]

    def total(values):
        return sum((value or Decimal(0) for value in values), Decimal(0))

    return DayDrawer(
        shift_ids=tuple(shift.id for shift in shifts),
        opened=total(shift.opened for shift in shifts),
        counted=total(shift.counted for shift in closed),
        counted_known=bool(shifts) and len(closed) == len(shifts),
        paid_in=total(shift.paid_in for shift in shifts),
        paid_out=total(shift.paid_out for shift in shifts),
    )
