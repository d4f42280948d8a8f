"""Cash drawer shifts: opened, ended, closed; no webhook, polled.

A store has at most one ``OPEN`` shift. Its cash sales (tips included) and
cash refunds, paid in and paid out, move ``expected_cash_money`` =
opened + payments - refunds + paid in - paid out; card sales are recorded
as ``OTHER_TENDER_PAYMENT`` events without moving it. `end_shift` stops the
shift (``ENDED``), `close_shift` records the counted cash (``CLOSED``,
``closed_cash_money``), ending it first if needed.
"""

from __future__ import annotations

import copy

from .values import money, new_id, parse_time, rfc3339

SUMMARY_FIELDS = (
    "id",
    "state",
    "opened_at",
    "ended_at",
    "closed_at",
    "description",
    "opened_cash_money",
    "expected_cash_money",
    "closed_cash_money",
    "created_at",
    "updated_at",
    "location_id",
)


class CashDrawers:
    """Merchant mixin: ``shifts`` and their events."""

    def _init_cash(self) -> None:
        self.shifts: dict[str, dict] = {}
        self.shift_events: dict[str, list[dict]] = {}
        self.open_shifts: dict[str, str] = {}

    def open_shift(
        self,
        location_id: str,
        opened_cash: int = 10000,
        at=None,
        description: str = "Morning shift",
    ) -> dict:
        """Open the store's drawer with ``opened_cash`` minor units in it."""
        with self.change():
            location = self.location(location_id)
            if location_id in self.open_shifts:
                raise ValueError(f"location {location_id} already has an open shift")
            currency, stamp = location["currency"], rfc3339(self.stamp(at))
            shift = {
                "id": new_id(self.ids, 26, upper=True),
                "state": "OPEN",
                "opened_at": stamp,
                "description": description,
                "opened_cash_money": money(opened_cash, currency),
                "cash_payment_money": money(0, currency),
                "cash_refunds_money": money(0, currency),
                "cash_paid_in_money": money(0, currency),
                "cash_paid_out_money": money(0, currency),
                "expected_cash_money": money(opened_cash, currency),
                "device": {"id": f"DEVICE_{location_id}", "name": "Square Register"},
                "created_at": stamp,
                "updated_at": stamp,
                "location_id": location_id,
                "opening_team_member_id": "TMdemo" + location_id[-4:],
            }
            self.shifts[shift["id"]] = shift
            self.shift_events[shift["id"]] = []
            self.open_shifts[location_id] = shift["id"]
            self.stats["shifts_opened"] += 1
            return copy.deepcopy(shift)

    def _shift_event(self, location_id, event_type, amount, moment, description=""):
        shift_id = self.open_shifts.get(location_id)
        if shift_id is None:
            return None
        shift = self.shifts[shift_id]
        currency = shift["opened_cash_money"]["currency"]
        self.shift_events[shift_id].append(
            {
                "id": new_id(self.ids, 26, upper=True),
                "event_type": event_type,
                "event_money": money(amount, currency),
                "created_at": rfc3339(moment),
                "description": description,
                "team_member_id": shift["opening_team_member_id"],
            }
        )
        shift["updated_at"] = rfc3339(moment)
        return shift

    def _add(self, shift: dict, field: str, amount: int, sign: int) -> None:
        shift[field]["amount"] += amount
        shift["expected_cash_money"]["amount"] += sign * amount

    def cash_payment(self, payment: dict, moment: float) -> None:
        """Record a sale in the store's open shift (under the lock)."""
        if payment["application_details"]["square_product"] != "SQUARE_POS":
            return
        amount = payment["total_money"]["amount"]
        if payment["source_type"] == "CASH":
            shift = self._shift_event(
                payment["location_id"], "CASH_TENDER_PAYMENT", amount, moment
            )
            if shift is not None:
                self._add(shift, "cash_payment_money", amount, 1)
        else:
            self._shift_event(
                payment["location_id"], "OTHER_TENDER_PAYMENT", amount, moment
            )

    def cash_refund(self, refund: dict, moment: float) -> None:
        """Record a cash refund in the store's open shift (under the lock)."""
        if refund["destination_type"] != "CASH":
            return
        amount = refund["amount_money"]["amount"]
        shift = self._shift_event(
            refund["location_id"], "CASH_TENDER_REFUND", amount, moment
        )
        if shift is not None:
            self._add(shift, "cash_refunds_money", amount, -1)

    def paid_in_out(
        self,
        location_id: str,
        amount: int,
        *,
        paid_in: bool = True,
        description: str = "",
        at=None,
    ) -> dict:
        """Cash put into (or taken out of) the open drawer."""
        with self.change():
            self.location(location_id)
            if location_id not in self.open_shifts:
                raise ValueError(f"location {location_id} has no open shift")
            kind = "PAID_IN" if paid_in else "PAID_OUT"
            shift = self._shift_event(
                location_id, kind, int(amount), self.stamp(at), description
            )
            field = "cash_paid_in_money" if paid_in else "cash_paid_out_money"
            self._add(shift, field, int(amount), 1 if paid_in else -1)
            return copy.deepcopy(shift)

    def end_shift(self, location_id: str, at=None) -> dict:
        """End the open shift (``ENDED``): the cash is not counted yet."""
        with self.change():
            shift_id = self.open_shifts.pop(location_id, None)
            if shift_id is None:
                raise ValueError(f"location {location_id} has no open shift")
            shift = self.shifts[shift_id]
            stamp = rfc3339(self.stamp(at))
            shift.update(state="ENDED", ended_at=stamp, updated_at=stamp)
            shift["ending_team_member_id"] = shift["opening_team_member_id"]
            return copy.deepcopy(shift)

    def close_shift(self, location_id: str, counted_cash: int, at=None) -> dict:
        """Count the drawer: the shift is ``CLOSED`` with ``closed_cash_money``."""
        with self.change():
            if location_id in self.open_shifts:
                self.end_shift(location_id, at=at)
            ended = [
                s
                for s in self.shifts.values()
                if s["location_id"] == location_id and s["state"] == "ENDED"
            ]
            if not ended:
                raise ValueError(f"location {location_id} has no shift to close")
            shift = max(ended, key=lambda s: s["ended_at"])
            stamp = rfc3339(self.stamp(at))
            currency = shift["opened_cash_money"]["currency"]
            shift.update(
                state="CLOSED",
                closed_at=stamp,
                updated_at=stamp,
                closed_cash_money=money(int(counted_cash), currency),
            )
            shift["closing_team_member_id"] = shift["opening_team_member_id"]
            self.stats["shifts_closed"] += 1
            return copy.deepcopy(shift)

    # -- reading ----------------------------------------------------------

    def list_shifts(self, location_id, begin=None, end=None, descending=False):
        """Shift summaries of a store, by ``opened_at`` (begin incl., end excl.)."""
        with self.lock:
            self.location(location_id)
            found = []
            for shift in self.shifts.values():
                if shift["location_id"] != location_id:
                    continue
                opened = parse_time(shift["opened_at"])
                if begin is not None and opened < begin:
                    continue
                if end is not None and opened >= end:
                    continue
                summary = {
                    k: copy.deepcopy(shift[k]) for k in SUMMARY_FIELDS if k in shift
                }
                found.append((opened, shift["id"], summary))
            found.sort(key=lambda row: (row[0], row[1]), reverse=descending)
            return [summary for _, _, summary in found]

    def get_shift(self, shift_id: str, location_id=None) -> dict:
        """One shift in full; `KeyError` when unknown (or of another store)."""
        with self.lock:
            shift = self.shifts.get(shift_id)
            if shift is None or location_id not in (None, shift["location_id"]):
                raise KeyError(f"Cash drawer shift `{shift_id}` not found.")
            return copy.deepcopy(shift)

    def get_shift_events(self, shift_id: str, location_id=None) -> list[dict]:
        """A shift's events, oldest first."""
        with self.lock:
            self.get_shift(shift_id, location_id)
            return copy.deepcopy(self.shift_events[shift_id])
