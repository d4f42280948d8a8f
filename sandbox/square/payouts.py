"""Payouts: what the card sales of a store bring to the bank, and when.

`make_payout` settles the store's completed card payments and refunds not
paid out yet: one ``CHARGE`` entry per payment (gross = its total, fee =
-(2.6 % + 0.10), net = gross + fee) and one ``REFUND`` entry per refund
(gross = net = minus the refund, no fee returned), each naming what it
settles in ``type_charge_details.payment_id`` / ``type_refund_details``
(``payment_id``, ``refund_id``). The payout (``BATCH``) carries the net sum
and an ``end_to_end_id`` as on the bank statement; it is ``SENT``
(``payout.sent``) then ``PAID`` (``payout.paid``) or ``FAILED``
(``payout.failed``). Money here is ``{amount, currency_code}``.
"""

from __future__ import annotations

import copy
import datetime

from .payments import card_fee
from .values import new_uuid, parse_time, payout_money, rfc3339


class Payouts:
    """Merchant mixin: ``payouts`` and their entries."""

    def _init_payouts(self) -> None:
        self.payouts: dict[str, dict] = {}
        self.payout_entries: dict[str, list[dict]] = {}
        self.settled: set[str] = set()

    def make_payout(
        self, location_id: str, at=None, *, paid: bool = True, fail: bool = False
    ) -> dict:
        """Pay out the store's card money since the last payout; the payout.

        ``paid=False`` leaves it ``SENT`` (see `settle_payout`); ``fail``
        makes it ``FAILED``. `ValueError` when there is nothing to pay out.
        """
        with self.change():
            location = self.location(location_id)
            moment = self.stamp(at)
            currency = location["currency"]
            payout_id = "po_" + new_uuid(self.ids)
            entries = self._entries(location_id, payout_id, currency)
            if not entries:
                raise ValueError(f"nothing to pay out for location {location_id}")
            net = sum(entry["net_amount_money"]["amount"] for entry in entries)
            arrival = datetime.datetime.fromtimestamp(moment + 86400, datetime.UTC)
            payout = {
                "id": payout_id,
                "status": "SENT",
                "location_id": location_id,
                "created_at": rfc3339(moment),
                "updated_at": rfc3339(moment),
                "amount_money": payout_money(net, currency),
                "destination": {
                    "type": "BANK_ACCOUNT",
                    "id": "ccof:" + new_uuid(self.ids)[:18],
                },
                "version": 1,
                "type": "BATCH",
                "payout_fee": [],
                "arrival_date": arrival.strftime("%Y-%m-%d"),
                "end_to_end_id": f"L{self.ids.randrange(10**10):010d}",
            }
            for entry in entries:
                entry["effective_at"] = payout["created_at"]
            self.payouts[payout_id] = payout
            self.payout_entries[payout_id] = entries
            self.stats["payouts"] += 1
            self._emit_payout("sent", payout)
        if paid or fail:
            return self.settle_payout(payout_id, failed=fail, at=moment)
        return copy.deepcopy(payout)

    def settle_payout(self, payout_id: str, *, failed: bool = False, at=None) -> dict:
        """A ``SENT`` payout arrives (``PAID``) or bounces (``FAILED``)."""
        with self.change():
            payout = self.payouts.get(payout_id)
            if payout is None:
                raise KeyError(f"Payout `{payout_id}` not found.")
            if payout["status"] != "SENT":
                raise ValueError(f"payout {payout_id} is {payout['status']}")
            payout["status"] = "FAILED" if failed else "PAID"
            payout["version"] += 1
            payout["updated_at"] = rfc3339(self.stamp(at))
            self._emit_payout("failed" if failed else "paid", payout)
            return copy.deepcopy(payout)

    def _emit_payout(self, kind: str, payout: dict) -> None:
        self.emit_event(
            f"payout.{kind}",
            payout["location_id"],
            "payout",
            payout["id"],
            {"payout": copy.deepcopy(payout)},
        )

    def _entries(self, location_id: str, payout_id: str, currency: str) -> list[dict]:
        entries = []

        def entry(kind, gross, fee, details_key, details, moment):
            entries.append(
                {
                    "id": "poe_" + new_uuid(self.ids),
                    "payout_id": payout_id,
                    "effective_at": moment,
                    "type": kind,
                    "gross_amount_money": payout_money(gross, currency),
                    "fee_amount_money": payout_money(fee, currency),
                    "net_amount_money": payout_money(gross + fee, currency),
                    details_key: details,
                }
            )

        # In the order they were taken, then refunded.
        for payment in list(self.payments.values()):
            if (
                payment["location_id"] != location_id
                or payment["source_type"] != "CARD"
                or payment["status"] != "COMPLETED"
                or payment["id"] in self.settled
            ):
                continue
            gross = payment["total_money"]["amount"]
            entry(
                "CHARGE",
                gross,
                -card_fee(gross),
                "type_charge_details",
                {"payment_id": payment["id"]},
                payment["updated_at"],
            )
            self.settled.add(payment["id"])
        for refund in list(self.refunds.values()):
            if (
                refund["location_id"] != location_id
                or refund["destination_type"] != "CARD"
                or refund["status"] != "COMPLETED"
                or refund["id"] in self.settled
            ):
                continue
            entry(
                "REFUND",
                -refund["amount_money"]["amount"],
                0,
                "type_refund_details",
                {"payment_id": refund["payment_id"], "refund_id": refund["id"]},
                refund["updated_at"],
            )
            self.settled.add(refund["id"])
        return entries

    # -- reading ----------------------------------------------------------

    def list_payouts(
        self, location_id=None, status=None, begin=None, end=None, descending=True
    ) -> list[dict]:
        """Payouts by ``created_at`` (begin inclusive, end exclusive)."""
        with self.lock:
            found = []
            for payout in self.payouts.values():
                if location_id not in (None, payout["location_id"]):
                    continue
                if status not in (None, payout["status"]):
                    continue
                created = parse_time(payout["created_at"])
                if begin is not None and created < begin:
                    continue
                if end is not None and created >= end:
                    continue
                found.append((created, payout["id"], payout))
            found.sort(key=lambda row: (row[0], row[1]), reverse=descending)
            return [copy.deepcopy(payout) for _, _, payout in found]

    def get_payout(self, payout_id: str) -> dict:
        """One payout; `KeyError` when unknown."""
        with self.lock:
            if payout_id not in self.payouts:
                raise KeyError(f"Payout `{payout_id}` not found.")
            return copy.deepcopy(self.payouts[payout_id])

    def get_payout_entries(self, payout_id: str) -> list[dict]:
        """A payout's entries, in the order they were settled."""
        with self.lock:
            self.get_payout(payout_id)
            return copy.deepcopy(self.payout_entries[payout_id])
