"""Payments and refunds: their objects, their changes, the payments list.

A card payment carries ``card_details`` (brand, last 4, entry method) and a
``processing_fee`` of 2.6 % + 0.10; a cash payment ``cash_details`` (what
the buyer handed over, the change). ``application_details.square_product``
tells where it was taken (``SQUARE_POS`` in store, ``ONLINE_STORE``). An
offline payment has ``is_offline_payment`` and ``offline_payment_details.
client_created_at`` (the device time); its ``created_at`` is the upload.
Refund ids are ``<payment id>_<suffix>``; refunds return no fee.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from .const import FEE_FIXED, FEE_RATE
from .values import minor, money, new_id, parse_time, rfc3339

CARD_BRANDS = ("VISA", "MASTERCARD", "AMERICAN_EXPRESS", "DISCOVER")


def card_fee(amount: int) -> int:
    """The processing fee of a card charge of ``amount`` minor units."""
    return minor(Decimal(amount) * Decimal(FEE_RATE)) + FEE_FIXED if amount > 0 else 0


class Payments:
    """Merchant mixin: ``payments`` and ``refunds``."""

    def new_payment(
        self,
        order: dict,
        tender: str,
        amount: int,
        tip: int,
        *,
        at: float,
        product: str = "SQUARE_POS",
        client_at=None,
    ) -> dict:
        """A payment ``APPROVED`` for ``order`` (under the lock), to complete."""
        if tender not in ("CARD", "CASH"):
            raise ValueError("tender: CARD or CASH")
        currency = self.locations[order["location_id"]]["currency"]
        payment_id = new_id(self.ids, 27)
        stamp = rfc3339(at)
        payment = {
            "id": payment_id,
            "created_at": stamp,
            "updated_at": stamp,
            "amount_money": money(amount, currency),
            "total_money": money(amount + tip, currency),
            "approved_money": money(amount + tip, currency),
            "status": "APPROVED",
            "source_type": tender,
            "location_id": order["location_id"],
            "order_id": order["id"],
            "receipt_number": payment_id[:4],
            "receipt_url": f"https://squareup.com/receipt/preview/{payment_id}",
            "application_details": {
                "square_product": product,
                "application_id": self.application_id,
            },
            "version_token": new_id(self.ids, 43),
            "refund_ids": [],
            "is_offline_payment": client_at is not None,
        }
        if tip:
            payment["tip_money"] = money(tip, currency)
        if order.get("customer_id"):
            payment["customer_id"] = order["customer_id"]
        if client_at is not None:
            payment["offline_payment_details"] = {
                "client_created_at": rfc3339(client_at)
            }
        if product == "SQUARE_POS":
            payment["device_details"] = {
                "device_id": f"DEVICE_{order['location_id']}",
                "device_name": "Square Register",
            }
        if tender == "CARD":
            payment["card_details"] = {
                "status": "AUTHORIZED",
                "card": {
                    "card_brand": self.random.choice(CARD_BRANDS),
                    "last_4": f"{self.random.randrange(10000):04d}",
                    "exp_month": self.random.randint(1, 12),
                    "exp_year": 2028 + self.random.randrange(4),
                    "card_type": "CREDIT",
                    "fingerprint": "sq-1-" + new_id(self.ids, 40),
                },
                "entry_method": "CONTACTLESS" if product == "SQUARE_POS" else "KEYED",
                "cvv_status": "CVV_ACCEPTED",
                "avs_status": "AVS_ACCEPTED",
                "card_payment_timeline": {"authorized_at": stamp},
            }
        else:
            total = amount + tip
            handed = -(-total // 500) * 500  # rounded up to the next 5 units
            payment["cash_details"] = {
                "buyer_supplied_money": money(handed, currency),
                "change_back_money": money(handed - total, currency),
            }
        self.payments[payment_id] = payment
        return payment

    def complete_payment(
        self, payment: dict, at: float, *, failed: bool = False
    ) -> None:
        """Capture (``COMPLETED``) or decline (``FAILED``) a payment."""
        stamp = rfc3339(at)
        payment["status"] = "FAILED" if failed else "COMPLETED"
        payment["updated_at"] = stamp
        payment["version_token"] = new_id(self.ids, 43)
        card = payment.get("card_details")
        if card is not None:
            card["status"] = "FAILED" if failed else "CAPTURED"
            if failed:
                payment.pop("approved_money", None)
                card["card_payment_timeline"]["voided_at"] = stamp
            else:
                card["card_payment_timeline"]["captured_at"] = stamp
                fee = card_fee(payment["total_money"]["amount"])
                currency = payment["total_money"]["currency"]
                payment["processing_fee"] = [
                    {
                        "effective_at": stamp,
                        "type": "INITIAL",
                        "amount_money": money(fee, currency),
                    }
                ]

    @staticmethod
    def tender_of(payment: dict) -> dict:
        """The order's tender for a completed payment."""
        tip = payment.get("tip_money")
        tender = {
            "id": payment["id"],
            "location_id": payment["location_id"],
            "transaction_id": payment["order_id"],
            "created_at": payment["created_at"],
            # Square: a tender's amount includes its tip (the payment's total).
            "amount_money": dict(payment.get("total_money") or payment["amount_money"]),
            "type": payment["source_type"],
            "payment_id": payment["id"],
        }
        if tip:
            tender["tip_money"] = dict(tip)
        if payment["source_type"] == "CARD":
            card = payment["card_details"]
            tender["card_details"] = {
                "status": "CAPTURED",
                "card": {
                    k: card["card"][k] for k in ("card_brand", "last_4", "fingerprint")
                },
                "entry_method": card["entry_method"],
            }
        else:
            tender["cash_details"] = copy.deepcopy(payment["cash_details"])
        return tender

    def new_refund(
        self,
        payment: dict,
        amount: int,
        *,
        order_id: str,
        at: float,
        reason: str = "Returned goods",
    ) -> dict:
        """A ``PENDING`` refund of ``payment`` (under the lock)."""
        currency = payment["amount_money"]["currency"]
        refund_id = f"{payment['id']}_{new_id(self.ids, 43)}"
        stamp = rfc3339(at)
        refund = {
            "id": refund_id,
            "status": "PENDING",
            "location_id": payment["location_id"],
            "amount_money": money(amount, currency),
            "payment_id": payment["id"],
            "order_id": order_id,
            "reason": reason,
            "created_at": stamp,
            "updated_at": stamp,
            "destination_type": payment["source_type"],
        }
        self.refunds[refund_id] = refund
        payment["refund_ids"].append(refund_id)
        refunded = payment.get("refunded_money", {"amount": 0})["amount"] + amount
        payment["refunded_money"] = money(refunded, currency)
        payment["updated_at"] = stamp
        payment["version_token"] = new_id(self.ids, 43)
        return refund

    def complete_refund(self, refund: dict, at: float) -> None:
        """The refund went through."""
        refund["status"] = "COMPLETED"
        refund["updated_at"] = rfc3339(at)

    # -- reading ----------------------------------------------------------

    def get_payment(self, payment_id: str) -> dict:
        """``GET /v2/payments/{id}``; `KeyError` when unknown."""
        with self.lock:
            if payment_id not in self.payments:
                raise KeyError(f"Could not find payment with id: {payment_id}")
            return copy.deepcopy(self.payments[payment_id])

    def get_refund(self, refund_id: str) -> dict:
        """``GET /v2/refunds/{id}``; `KeyError` when unknown."""
        with self.lock:
            if refund_id not in self.refunds:
                raise KeyError(f"Could not find refund with id: {refund_id}")
            return copy.deepcopy(self.refunds[refund_id])

    def list_payments(self, filters: dict) -> list[dict]:
        """Payments for ``GET /v2/payments`` (filters parsed by the route).

        ``begin_time``/``end_time`` on ``created_at`` (begin defaults to a
        year ago), ``updated_at_begin_time``/``updated_at_end_time``,
        ``offline_begin_time``/``offline_end_time`` on the device time,
        ``location_id``, ``is_offline_payment``, ``total``, ``last_4``,
        ``card_brand``; ``sort_field`` ``CREATED_AT`` (default),
        ``UPDATED_AT`` or ``OFFLINE_CREATED_AT``, ``sort_order`` ``DESC``
        (default) or ``ASC``. Begins are inclusive, ends exclusive.
        """
        begin = filters.get("begin_time")
        if begin is None:
            begin = self.now() - 365 * 86400
        ranges = (
            ("created_at", begin, filters.get("end_time")),
            (
                "updated_at",
                filters.get("updated_at_begin_time"),
                filters.get("updated_at_end_time"),
            ),
            (
                "offline",
                filters.get("offline_begin_time"),
                filters.get("offline_end_time"),
            ),
        )
        sort_field = {
            "CREATED_AT": "created_at",
            "UPDATED_AT": "updated_at",
            "OFFLINE_CREATED_AT": "offline",
        }[filters.get("sort_field", "CREATED_AT")]
        found = []
        with self.lock:
            for payment in self.payments.values():
                times = {
                    "created_at": parse_time(payment["created_at"]),
                    "updated_at": parse_time(payment["updated_at"]),
                    "offline": self._client_time(payment),
                }
                if not self._payment_matches(payment, filters, times, ranges):
                    continue
                key = times[sort_field] if times[sort_field] is not None else 0.0
                found.append((key, payment["id"], payment))
            found.sort(
                key=lambda row: (row[0], row[1]),
                reverse=filters.get("sort_order", "DESC") == "DESC",
            )
            return [copy.deepcopy(payment) for _, _, payment in found]

    @staticmethod
    def _client_time(payment: dict):
        details = payment.get("offline_payment_details")
        return parse_time(details["client_created_at"]) if details else None

    @staticmethod
    def _payment_matches(payment, filters, times, ranges) -> bool:
        if filters.get("location_id") not in (None, payment["location_id"]):
            return False
        offline = filters.get("is_offline_payment")
        if offline is not None and payment["is_offline_payment"] != offline:
            return False
        if filters.get("total") is not None and (
            payment["total_money"]["amount"] != filters["total"]
        ):
            return False
        card = payment.get("card_details", {}).get("card", {})
        for name in ("last_4", "card_brand"):
            if filters.get(name) is not None and card.get(name) != filters[name]:
                return False
        for field, start, end in ranges:
            moment = times[field]
            if start is None and end is None:
                continue
            if moment is None:
                return False
            if start is not None and moment < start:
                return False
            if end is not None and moment >= end:
                return False
        return True
