"""Seller payment routes: TL02 transaction logs (seek paging) and IV01 invoices.

TL02: ``limit`` (default 100, up to 2000), ``sort`` ``dateCreated``
(default) or ``lastUpdated``, filters ``last_updated_from`` /
``last_updated_to``, ``date_created_from`` / ``date_created_to`` (``from``
inclusive, ``to`` exclusive), ``payment_state``, ``type`` and ``order_id``
(comma lists). The answer is ``{"data", "next_page_token",
"previous_page_token"}``, each token left out when there is no such page; a
``page_token`` carries the query it came from, and every other parameter is
then ignored. IV01: ``max`` (default 10, up to 100) / ``offset``,
``start_date`` / ``end_date`` on the issue date; ``{"invoices",
"total_count"}``.
"""

from __future__ import annotations

from ..common import api_call, decode_cursor, encode_cursor, offset_page, route
from .const import (
    API,
    INVOICES_DEFAULT_PAGE,
    INVOICES_MAX_PAGE,
    TRANSACTIONS_DEFAULT_PAGE,
    TRANSACTIONS_MAX_PAGE,
)
from .errors import bad_request
from .ledger import render_transaction
from .values import parse_date

_SORTS = {"dateCreated": "created", "lastUpdated": "updated"}


def _select(lines: list[dict], query: dict) -> list[dict]:
    """The lines a TL02 query selects, in its order."""
    field = _SORTS[query["sort"]]
    selected = []
    for line in lines:
        if query.get("from") is not None and line["updated"] < query["from"]:
            continue
        if query.get("to") is not None and line["updated"] >= query["to"]:
            continue
        if query.get("cfrom") is not None and line["created"] < query["cfrom"]:
            continue
        if query.get("cto") is not None and line["created"] >= query["cto"]:
            continue
        if query.get("states") and line["payment_state"] not in query["states"]:
            continue
        if query.get("types") and line["type"] not in query["types"]:
            continue
        order_id = (line["entities"].get("order") or {}).get("id")
        if query.get("orders") and order_id not in query["orders"]:
            continue
        selected.append(line)
    selected.sort(key=lambda line: (line[field], line["seq"]))
    return selected


class PaymentRoutes:
    """Handler mixin: TL02 and IV01."""

    def _transactions_query(self) -> dict:
        sort = self.query_value("sort") or "dateCreated"
        if sort not in _SORTS:
            raise bad_request(f"sort: dateCreated or lastUpdated, not {sort!r}")
        return {
            "sort": sort,
            "limit": self.int_param(
                "limit", TRANSACTIONS_DEFAULT_PAGE, TRANSACTIONS_MAX_PAGE
            )
            or TRANSACTIONS_DEFAULT_PAGE,
            "from": self.date_param("last_updated_from"),
            "to": self.date_param("last_updated_to"),
            "cfrom": self.date_param("date_created_from"),
            "cto": self.date_param("date_created_to"),
            "states": self.list_param("payment_state"),
            "types": self.list_param("type"),
            "orders": self.list_param("order_id"),
        }

    @route("GET", rf"{API}/sellerpayment/transactions_logs")
    @api_call("read")
    def list_transactions(self, match):
        self.operation("TL02")
        token = self.query_value("page_token")
        if token:
            try:
                state = decode_cursor(token)
                query, key, direction = state["q"], state["k"], state["d"]
            except (ValueError, KeyError):
                raise bad_request(f"page_token: invalid: {token!r}") from None
        else:
            query, key, direction = self._transactions_query(), None, "next"
        app = self.app
        with app.lock:
            field = _SORTS[query["sort"]]
            lines = _select(app.shop(self.shop_id).transactions, query)
            keys = [[line[field], line["seq"]] for line in lines]
            limit = query["limit"]
            if key is None:
                start = 0
            elif direction == "next":
                start = sum(1 for k in keys if k <= key)
            else:
                end = sum(1 for k in keys if k < key)
                start = max(0, end - limit)
            stop = start + limit
            if key is not None and direction == "prev":
                stop = min(stop, sum(1 for k in keys if k < key))
            page = lines[start:stop]
            self.call_items = len(page)
            body = {"data": [render_transaction(line) for line in page]}
            if page and stop < len(lines):
                body["next_page_token"] = encode_cursor(
                    {"q": query, "k": keys[stop - 1], "d": "next"}
                )
            if page and start > 0:
                body["previous_page_token"] = encode_cursor(
                    {"q": query, "k": keys[start], "d": "prev"}
                )
            return 200, body

    @route("GET", rf"{API}/invoices")
    @api_call("read")
    def list_invoices(self, match):
        self.operation("IV01")
        limit = self.int_param("max", INVOICES_DEFAULT_PAGE, INVOICES_MAX_PAGE)
        offset = self.int_param("offset", 0)
        start, end = self.date_param("start_date"), self.date_param("end_date")
        with self.app.lock:
            invoices = self.app.invoices(self.shop_id)
        if start is not None:
            invoices = [i for i in invoices if parse_date(i["issue_date"]) >= start]
        if end is not None:
            invoices = [i for i in invoices if parse_date(i["issue_date"]) <= end]
        page = offset_page(invoices, offset, limit)
        self.call_items = len(page.items)
        return 200, {"invoices": page.items, "total_count": page.total}
