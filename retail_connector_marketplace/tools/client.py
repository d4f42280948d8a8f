"""Mirakl seller API client on the base's shared HTTP client.

Pure Python (no Odoo): the connection builds it with its HTTP client and a
``schedule(operation)`` giving each call's ``before_attempt`` (the published
frequencies kept across workers, see retail.call.slot). Every method is one
Mirakl operation and returns the decoded answer; errors are the HTTP client's
``ChannelHttpError`` with Mirakl's status and body as they came.
"""

from . import api


class MiraklClient:
    """One shop of one Mirakl operator instance."""

    def __init__(self, http, *, shop_id="", schedule=None):
        self.http = http
        self.shop_id = str(shop_id or "")
        self.schedule = schedule

    # --- plumbing -----------------------------------------------------------

    def _params(self, params=None):
        params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        if self.shop_id:
            params["shop_id"] = self.shop_id
        return params

    def _call(self, operation, method, path, *, params=None, **kwargs):
        limits = api.CALL_LIMITS.get(operation)
        if limits and self.schedule is not None:
            kwargs["before_attempt"] = self.schedule(operation, limits)
        return self.http.request(method, path, params=self._params(params), **kwargs)

    # --- shop ---------------------------------------------------------------

    def account(self):
        """A01: the shop's information (name, currency…)."""
        return self._call("A01", "GET", "/api/account").json()

    # --- orders -------------------------------------------------------------

    def orders(
        self,
        *,
        start_update_date=None,
        end_update_date=None,
        order_ids=(),
        states=(),
        offset=0,
        page_size=api.ORDER_PAGE_MAX,
    ):
        """OR11: one page of orders; returns ``(orders, total_count)``."""
        params = {
            "start_update_date": start_update_date,
            "end_update_date": end_update_date,
            "order_ids": ",".join(order_ids) or None,
            "order_state_codes": ",".join(states) or None,
            "offset": offset,
            "max": page_size,
        }
        data = self._call("OR11", "GET", "/api/orders", params=params).json()
        return data.get("orders") or [], int(data.get("total_count") or 0)

    def order(self, order_id):
        """OR11 for one order id; None when Mirakl does not know it."""
        orders, _total = self.orders(order_ids=(order_id,), page_size=1)
        return orders[0] if orders else None

    def accept(self, order_id, decisions):
        """OR21: ``decisions`` maps every order line id to accepted or not."""
        body = {
            "order_lines": [
                {"id": str(line_id), "accepted": bool(accepted)}
                for line_id, accepted in decisions.items()
            ]
        }
        self._call("OR21", "PUT", f"/api/orders/{order_id}/accept", json=body)

    def tracking(self, order_id, tracking):
        """OR23: ``tracking`` has carrier_code, or carrier_name (+ carrier_url),
        and tracking_number."""
        body = {k: v for k, v in tracking.items() if v}
        self._call("OR23", "PUT", f"/api/orders/{order_id}/tracking", json=body)

    def ship(self, order_id):
        """OR24: the order is shipped (after OR23)."""
        self._call("OR24", "PUT", f"/api/orders/{order_id}/ship")

    def cancel(self, order_id):
        """OR29: cancel the whole order (only when its can_cancel is true)."""
        self._call("OR29", "PUT", f"/api/orders/{order_id}/cancel")

    def refund(self, refunds):
        """OR28: ``refunds`` as Mirakl expects them; returns Mirakl's refunds
        (each with ``refund_id``) in the same order."""
        data = self._call(
            "OR28", "PUT", "/api/orders/refund", json={"refunds": refunds}
        ).json()
        return data.get("refunds") or []

    # --- stock --------------------------------------------------------------

    def stock_import(self, csv_bytes):
        """STO01: import a stock CSV; returns the import id."""
        data = self._call(
            "STO01",
            "POST",
            "/api/offers/stock/imports",
            files={"file": ("stock.csv", csv_bytes, "text/csv")},
            expected=(200, 201),
        ).json()
        return str(data.get("import_id") or "")

    def stock_import_status(self, import_id):
        """STO02: the import's status, lines read and in error."""
        return self._call(
            "STO02", "GET", f"/api/offers/stock/imports/{import_id}"
        ).json()

    def stock_import_error_report(self, import_id):
        """STO03: the CSV of the rejected lines, as text."""
        return self._call(
            "STO03", "GET", f"/api/offers/stock/imports/{import_id}/error_report"
        ).text

    # --- settlement ---------------------------------------------------------

    def transaction_logs(
        self, *, last_updated_from=None, page_token=None, limit=api.TRANSACTION_PAGE_MAX
    ):
        """TL02: one page of transaction lines by last update; returns
        ``(lines, next_page_token or None)``."""
        if page_token:
            # With a page token Mirakl ignores every other parameter.
            params = {"page_token": page_token}
        else:
            params = {
                "sort": "lastUpdated",
                "last_updated_from": last_updated_from,
                "limit": limit,
            }
        data = self._call(
            "TL02", "GET", "/api/sellerpayment/transactions_logs", params=params
        ).json()
        return data.get("data") or [], data.get("next_page_token") or None

    def invoices(self, *, start_date=None, offset=0, page_size=api.INVOICE_PAGE_MAX):
        """IV01: one page of accounting documents; returns ``(documents,
        total_count)``."""
        params = {"start_date": start_date, "offset": offset, "max": page_size}
        data = self._call("IV01", "GET", "/api/invoices", params=params).json()
        return data.get("invoices") or [], int(data.get("total_count") or 0)
