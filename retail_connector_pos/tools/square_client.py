"""Square's API, as far as the connector uses it.

Pure Python on the base's shared HTTP client (the connection builds it with
``Authorization: Bearer <token>`` and ``Square-Version``). Every method is
one Square call and returns what it answered; lists come back one page at a
time as ``(items, cursor)`` (``cursor`` None on the last page); errors are
the HTTP client's ``ChannelHttpError`` with Square's status and body.
"""

import uuid

from . import square

# Square's maximum page sizes for the lists the connector reads.
ORDERS_BATCH_MAX = 100
PAYMENTS_PAGE_MAX = 100
PAYOUTS_PAGE_MAX = 100
SHIFTS_PAGE_MAX = 1000
INVENTORY_CHANGES_MAX = 100


def _rfc3339(moment):
    """A naive UTC datetime as Square wants it in filters."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def _params(**values):
    return {key: value for key, value in values.items() if value not in (None, "")}


class SquareClient:
    """One Square merchant (seller account)."""

    def __init__(self, http):
        self.http = http

    def _page(self, data, key):
        return list(data.get(key) or []), data.get("cursor") or None

    # --- merchant -------------------------------------------------------------

    def locations(self):
        """Every location (store) of the merchant."""
        return list(self.http.get(square.LOCATIONS_PATH).json().get("locations") or [])

    def catalog(self, cursor=None):
        """One page of the catalog's items and variations."""
        data = self.http.get(
            "/v2/catalog/list", params=_params(types="ITEM", cursor=cursor)
        ).json()
        return self._page(data, "objects")

    # --- sales ----------------------------------------------------------------

    def order(self, order_id):
        """One order (``GET /v2/orders/{id}``)."""
        path = square.ORDER_PATH.format(order_id=order_id)
        return self.http.get(path).json().get("order") or {}

    def orders(self, order_ids):
        """Orders by id, at most 100 (``batch-retrieve``); unknown ids left out."""
        ids = list(dict.fromkeys(order_ids))[:ORDERS_BATCH_MAX]
        if not ids:
            return []
        data = self.http.post(
            square.ORDERS_BATCH_RETRIEVE_PATH, json={"order_ids": ids}, idempotent=True
        ).json()
        return list(data.get("orders") or [])

    def search_orders(self, location_ids, begin, end, cursor=None, limit=500):
        """Orders of up to 10 locations updated in ``[begin, end)``, oldest first."""
        body = {
            "location_ids": list(location_ids)[: square.SEARCH_LOCATIONS_MAX],
            "limit": min(limit, square.SEARCH_LIMIT_MAX),
            "query": {
                "filter": {
                    "date_time_filter": {
                        "updated_at": _params(
                            start_at=_rfc3339(begin), end_at=_rfc3339(end)
                        )
                    }
                },
                "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
            },
        }
        if cursor:
            body["cursor"] = cursor
        data = self.http.post(
            square.ORDERS_SEARCH_PATH, json=body, idempotent=True
        ).json()
        return self._page(data, "orders")

    def payment(self, payment_id):
        path = square.PAYMENT_PATH.format(payment_id=payment_id)
        return self.http.get(path).json().get("payment") or {}

    def refund(self, refund_id):
        path = square.REFUND_PATH.format(refund_id=refund_id)
        return self.http.get(path).json().get("refund") or {}

    def payments(self, location_id, begin, end=None, cursor=None):
        """Payments of a location updated in ``[begin, end)``, oldest first."""
        params = _params(
            location_id=location_id,
            updated_at_begin_time=_rfc3339(begin),
            updated_at_end_time=_rfc3339(end),
            sort_field="UPDATED_AT",
            sort_order="ASC",
            limit=PAYMENTS_PAGE_MAX,
            cursor=cursor,
        )
        data = self.http.get(square.PAYMENTS_PATH, params=params).json()
        return self._page(data, "payments")

    # --- back office ----------------------------------------------------------

    def shifts(self, location_id, begin=None, end=None, cursor=None):
        """Cash drawer shift summaries of a location (oldest first)."""
        params = _params(
            location_id=location_id,
            begin_time=_rfc3339(begin),
            end_time=_rfc3339(end),
            sort_order="ASC",
            limit=SHIFTS_PAGE_MAX,
            cursor=cursor,
        )
        data = self.http.get(square.SHIFTS_PATH, params=params).json()
        return self._page(data, "cash_drawer_shifts")

    def shift(self, shift_id, location_id):
        path = square.SHIFT_PATH.format(shift_id=shift_id)
        data = self.http.get(path, params={"location_id": location_id}).json()
        return data.get("cash_drawer_shift") or {}

    def payouts(self, location_id, begin=None, end=None, cursor=None):
        """Payouts of a location created in ``[begin, end)``, oldest first."""
        params = _params(
            location_id=location_id,
            begin_time=_rfc3339(begin),
            end_time=_rfc3339(end),
            sort_order="ASC",
            limit=PAYOUTS_PAGE_MAX,
            cursor=cursor,
        )
        data = self.http.get(square.PAYOUTS_PATH, params=params).json()
        return self._page(data, "payouts")

    def payout(self, payout_id):
        path = square.PAYOUT_PATH.format(payout_id=payout_id)
        return self.http.get(path).json().get("payout") or {}

    def payout_entries(self, payout_id):
        """Every entry of a payout (all pages)."""
        path = square.PAYOUT_ENTRIES_PATH.format(payout_id=payout_id)
        entries, cursor = [], None
        while True:
            params = _params(limit=PAYOUTS_PAGE_MAX, cursor=cursor)
            page, cursor = self._page(
                self.http.get(path, params=params).json(), "payout_entries"
            )
            entries.extend(page)
            if not cursor:
                return entries

    # --- stock ----------------------------------------------------------------

    def set_counts(self, counts, occurred_at, idempotency_key=None):
        """Physical counts ``[(location_id, catalog_object_id, quantity)]``
        (at most 100); returns ``{index: error detail}`` of refused changes."""
        changes = [
            {
                "type": "PHYSICAL_COUNT",
                "physical_count": {
                    "catalog_object_id": object_id,
                    "location_id": location_id,
                    "state": "IN_STOCK",
                    "quantity": _quantity(quantity),
                    "occurred_at": _rfc3339(occurred_at),
                },
            }
            for location_id, object_id, quantity in counts
        ][:INVENTORY_CHANGES_MAX]
        data = self.http.post(
            square.INVENTORY_CHANGES_PATH,
            json={
                "idempotency_key": idempotency_key or str(uuid.uuid4()),
                "changes": changes,
            },
            idempotent=True,
        ).json()
        return _change_errors(data, len(changes))

    # --- webhook subscriptions -------------------------------------------------

    def subscriptions(self):
        data = self.http.get(
            square.SUBSCRIPTIONS_PATH, params={"include_disabled": "true"}
        ).json()
        return list(data.get("subscriptions") or [])

    def subscribe(self, name, event_types, notification_url, idempotency_key):
        """Create a subscription; its answer carries the signature key, once."""
        body = {
            "idempotency_key": idempotency_key,
            "subscription": {
                "name": name,
                "event_types": list(event_types),
                "notification_url": notification_url,
                "api_version": square.API_VERSION,
            },
        }
        data = self.http.post(
            square.SUBSCRIPTIONS_PATH, json=body, idempotent=True
        ).json()
        return data.get("subscription") or {}

    def update_subscription(self, subscription_id, values):
        path = f"{square.SUBSCRIPTIONS_PATH}/{subscription_id}"
        data = self.http.put(path, json={"subscription": values}).json()
        return data.get("subscription") or {}

    def delete_subscription(self, subscription_id):
        self.http.delete(f"{square.SUBSCRIPTIONS_PATH}/{subscription_id}")


def _quantity(value):
    """A quantity as Square writes it: a decimal string, no exponent."""
    text = format(value, "f") if not isinstance(value, str) else value
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    return text


def _change_errors(data, count):
    """``{change index: detail}`` of the per-change errors of a 200 answer."""
    errors = {}
    for error in data.get("errors") or []:
        field = str(error.get("field") or "")
        detail = error.get("detail") or error.get("code") or "refused"
        index = _change_index(field)
        if index is None or index >= count:
            # An error naming no change refuses them all.
            return dict.fromkeys(range(count), detail)
        errors[index] = detail
    return errors


def _change_index(field):
    """``changes[3].physical_count...`` -> 3."""
    if not field.startswith("changes["):
        return None
    number = field[len("changes[") :].split("]", 1)[0]
    return int(number) if number.isdigit() else None
