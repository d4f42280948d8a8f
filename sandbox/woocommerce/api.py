"""The wc/v3 plumbing under every route: WordPress's answers, parameters, paging."""

from __future__ import annotations

import json

from ..common import JsonHandler, link_header, offset_page, page_count, route, url_with
from .const import MAX_PER_PAGE
from .errors import WooError, invalid_param
from .values import int_input, parse_rest_date, php_json, php_params


class WooApi(JsonHandler):
    """Base of the store's handler: WordPress's way of answering and reading."""

    def error_body(self, status: int, message: str, code: str | None) -> object:
        """WordPress's error format; unknown routes are ``rest_no_route``."""
        if status in (404, 405) and code is None:
            code, message = (
                "rest_no_route",
                "No route was found matching the URL and request method.",
            )
        return {"code": code or "error", "message": message, "data": {"status": status}}

    def send_json(self, status, body, headers=None) -> None:
        """Answer as WordPress encodes it (``wp_json_encode``)."""
        extra = {
            "X-Robots-Tag": "noindex",
            "X-Content-Type-Options": "nosniff",
            "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
            **(headers or {}),
        }
        self.send_bytes(
            status, php_json(body), "application/json; charset=UTF-8", extra
        )

    def fault_response(self, decision) -> None:
        """Injected 429 (JSON, Retry-After) or 5xx (an HTML page from the host)."""
        if decision.status == 429:
            self.send_json(
                429,
                {
                    "code": "woocommerce_rest_too_many_requests",
                    "message": "Too many requests. Please wait and try again.",
                    "data": {"status": 429},
                },
                {"Retry-After": decision.retry_after},
            )
            return
        page = (
            f"<html><head><title>{decision.status} Service Unavailable</title>"
            "</head><body><h1>Service Unavailable</h1></body></html>"
        ).encode()
        self.send_bytes(decision.status, page, "text/html; charset=UTF-8")

    def params(self) -> dict:
        """Query parameters, PHP style (last value wins, ``a[]`` lists)."""
        pairs = [(k, v) for k, values in self.query.items() for v in values]
        return php_params(pairs)

    def param(self, name: str, default=None):
        value = self.params().get(name, default)
        if isinstance(value, list):
            return [v for _, v in value]
        return value

    def list_param(self, name: str) -> list[str]:
        value = self.param(name)
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [v.strip() for item in values for v in item.split(",") if v.strip()]

    def body_json(self):
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise WooError(
                400,
                "rest_invalid_json",
                "Invalid JSON body passed.",
                {
                    "status": 400,
                    "json_error_code": 4,
                    "json_error_message": "Syntax error",
                },
            ) from None

    def paginate(self, items: list, *, default_status_any: bool = False):
        """Slice a collection; answer it with WordPress's pagination headers."""
        per_page = int_input(self.param("per_page", "10"), "per_page")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise invalid_param(
                "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"
            )
        page = int_input(self.param("page", "1"), "page")
        if page < 1:
            raise invalid_param("page", "page must be greater than or equal to 1")
        offset = self.param("offset")
        start = (
            int_input(offset, "offset") if offset is not None else (page - 1) * per_page
        )
        window = offset_page(items, start, per_page)
        if not window.items:
            # Past the last page WordPress counts nothing at all.
            return 200, [], {"X-WP-Total": "0", "X-WP-TotalPages": "0"}
        pages = page_count(window.total, per_page)
        pairs = [(k, v) for k, values in self.query.items() for v in values]
        if default_status_any and not any(k.startswith("status") for k, _ in pairs):
            pairs.append(("status[0]", "any"))
        base = f"{self.app.site_url}{self.route_path}"

        def link(number):
            return url_with(base, pairs, "page", number)

        links = []
        if page > 1:
            links.append((link(min(page - 1, pages)), "prev"))
        if page < pages:
            links.append((link(page + 1), "next"))
        links.append((link(1), "first"))
        links.append((link(pages), "last"))
        headers = {
            "X-WP-Total": str(window.total),
            "X-WP-TotalPages": str(pages),
            "Link": link_header(links),
        }
        return 200, window.items, headers

    def _sort(self, items: list, allowed: tuple, key_of: dict) -> list:
        orderby = self.param("orderby", "date")
        if orderby not in allowed:
            raise invalid_param(
                "orderby", f"orderby is not one of {', '.join(allowed)}."
            )
        order = self.param("order", "desc")
        if order not in ("asc", "desc"):
            raise invalid_param("order", "order is not one of asc and desc.")
        if orderby == "include":
            include = [int(i) for i in self.list_param("include") if i.isdigit()]
            rank = {value: index for index, value in enumerate(include)}
            return sorted(items, key=lambda r: rank.get(r["id"], len(rank)))
        key = key_of.get(orderby, lambda r: r["id"])
        # Ties broken by id, as MySQL's post ordering does in practice.
        return sorted(items, key=lambda r: (key(r), r["id"]), reverse=order == "desc")

    def _date_filter(self, items, param, field):
        value = self.param(param)
        if value is None:
            return items
        moment = parse_rest_date(value, param)
        gmt = str(self.param("dates_are_gmt", "false")).lower() in ("1", "true")
        if moment.tzinfo is not None:
            moment = moment.replace(tzinfo=None)
        elif not gmt:
            moment -= self.app.utc_offset
        if param.endswith("after"):
            return [r for r in items if r[field] > moment]
        return [r for r in items if r[field] < moment]

    # Tried after every route of the mixins listed before this class (see
    # WooHandler): WordPress answers an unknown route or method with 404
    # rest_no_route, never 405.
    @route("GET", r"/wp-json/.*")
    @route("POST", r"/wp-json/.*")
    @route("PUT", r"/wp-json/.*")
    @route("PATCH", r"/wp-json/.*")
    @route("DELETE", r"/wp-json/.*")
    def _no_route(self, match):
        """WordPress's answer to an unknown route or method."""
        raise WooError(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )
