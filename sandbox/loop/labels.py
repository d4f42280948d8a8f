"""Labels and what follows a parcel: label events, label requests, restocks, gift cards.

A return's label starts ``pre_transit`` (``label.created``) and moves along
``in_transit``, ``out_for_delivery``, ``delivered`` (``label.updated`` at
each step), by `label_progress` or, with ``label_step_delay``, by a timer;
``error`` and ``failure`` can be set explicitly. With ``auto_process`` a
delivered parcel gets its return processed.
"""

from __future__ import annotations

import logging
from collections import Counter

from .const import CARRIERS, LABEL_PATH, LABEL_STATUSES
from .returns import totals
from .values import money, stamp

_logger = logging.getLogger(__name__)
_STOPPED = ("delivered", "error", "failure")


class Labels:
    """Platform mixin: labels, label requests, restock and gift card requests."""

    def _event_base(self, record: dict) -> dict:
        return {
            "shop_id": record["shop_id"],
            "return_id": record["id"],
            "order_id": record["order_id"],
            "provider_order_id": record["provider_order_id"],
        }

    def _label_payload(self, record: dict, label: dict) -> dict:
        return {
            **self._event_base(record),
            "carrier": label["carrier"],
            "tracking_number": label["tracking_number"],
            "label_status": label["status"],
            "label_updated_at": stamp(label["updated_at"]),
        }

    def create_label(self, return_id, *, carrier: str | None = None) -> dict:
        """Give the return a label (``pre_transit``); emits ``label.created``."""
        with self.change():
            record = self._editable(return_id)
            label_id = next(self._label_ids)
            tracking = f"9400{self.random.randrange(10**17, 10**18)}"
            now = self.now()
            label = {
                "id": label_id,
                "status": "pre_transit",
                "carrier": carrier or self.random.choice(CARRIERS),
                "tracking_number": tracking,
                "url": f"https://labels.loopreturns.test/{self.shop_id}/{tracking}.pdf",
                "updated_at": now,
                "next_step_at": self._next_step(now),
            }
            record["labels"].append(label)
            payload = self._label_payload(record, label)
            self.emit_event("label.created", payload)
            return payload

    def _next_step(self, now: float) -> float | None:
        delay = self.label_step_delay
        return None if delay is None else now + delay

    def label_progress(self, return_id, status: str | None = None) -> dict:
        """Move the return's last label to ``status`` (default: the next step).

        Without a label one is created first (``label.created``); then
        ``label.updated`` with the new ``label_status``. Answers the label
        payload.
        """
        if status is not None and status not in LABEL_STATUSES:
            raise ValueError(f"label_status: one of {', '.join(LABEL_STATUSES)}")
        with self.change():
            record = self.get_return(return_id)
            if not record["labels"]:
                payload = self.create_label(record["id"])
                if status in (None, "pre_transit"):
                    return payload
            label = record["labels"][-1]
            if status is None:
                if label["status"] not in LABEL_PATH or label["status"] == "delivered":
                    raise ValueError(f"the label is {label['status']}: no next step")
                status = LABEL_PATH[LABEL_PATH.index(label["status"]) + 1]
            now = self.now()
            label["status"] = status
            label["updated_at"] = now
            label["next_step_at"] = None if status in _STOPPED else self._next_step(now)
            payload = self._label_payload(record, label)
            self.emit_event("label.updated", payload)
            if status == "delivered" and self.auto_process:
                if record["state"] in ("open", "needs review", "review"):
                    self.process_return(record["id"])
            return payload

    def _label_timer(self) -> None:
        while not self.stopping.wait(min(0.05, self.label_step_delay / 4)):
            with self.lock:
                now = self.now()
                due = [
                    record["id"]
                    for record in self.returns.values()
                    if record["labels"]
                    and record["labels"][-1]["next_step_at"] is not None
                    and record["labels"][-1]["next_step_at"] <= now
                ]
            for return_id in due:
                try:
                    self.label_progress(return_id)
                except (KeyError, ValueError) as exc:
                    _logger.debug("label of return %s: %s", return_id, exc)

    def label_request(self, return_id, *, cancelled: bool = False) -> dict:
        """A label was requested (``label.request.issued``) or that was cancelled."""
        trigger = "label.request.cancelled" if cancelled else "label.request.issued"
        with self.change():
            record = self._editable(return_id)
            payload = {
                **self._event_base(record),
                "customer": record["customer"],
                "address": dict(record["address"]),
                "requested_at": stamp(self.now()),
            }
            self.emit_event(trigger, payload)
            return payload

    def restock_requested(self, return_id, *, location_id=None, items=None) -> dict:
        """Ask the shop to restock the returned units; emits ``restock.requested``.

        ``items`` = ``[{"variant_id", "available_adjustment"}]`` overrides the
        default: every returned unit back into stock, counted per variant.
        """
        with self.change():
            record = self.get_return(return_id)
            location = location_id if location_id is not None else "default"
            if items is None:
                counts = Counter(unit["variant_id"] for unit in record["line_items"])
                items = [
                    {"variant_id": v, "available_adjustment": n}
                    for v, n in counts.items()
                ]
            restock_items = [
                {
                    "location_id": item.get("location_id", location),
                    "variant_id": item["variant_id"],
                    "available_adjustment": str(int(item["available_adjustment"])),
                }
                for item in items
            ]
            payload = {**self._event_base(record), "restock_items": restock_items}
            self.emit_event("restock.requested", payload)
            return payload

    def giftcard_requested(self, return_id, amount=None) -> dict:
        """Ask the shop for a gift card (default: the return's ``gift_card``)."""
        with self.change():
            record = self.get_return(return_id)
            value = amount if amount is not None else totals(record)["gift_card"]
            payload = {
                **self._event_base(record),
                "customer": record["customer"],
                "currency": record["currency"],
                "amount": money(value),
            }
            self.emit_event("giftcard.requested", payload)
            return payload
