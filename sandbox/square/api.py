"""Square's HTTP plumbing: the bearer token, error answers, paging, params.

``Authorization: Bearer <access token>``; without it or with another token
401 ``UNAUTHORIZED``. Every error answers ``{"errors": [{category, code,
detail, field}]}``; an injected 429 is ``RATE_LIMITED`` without
``Retry-After``, an injected 5xx ``INTERNAL_SERVER_ERROR`` (or
``SERVICE_UNAVAILABLE`` for a 503). Lists page with an opaque ``cursor``;
a ``limit`` out of range is refused (``VALUE_TOO_HIGH`` / ``VALUE_TOO_LOW``).
"""

from __future__ import annotations

from ..common import (
    HttpError,
    JsonHandler,
    constant_time_equal,
    decode_cursor,
    encode_cursor,
)
from .values import parse_time

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "BAD_REQUEST",
    429: "RATE_LIMITED",
    503: "SERVICE_UNAVAILABLE",
}


def category_of(status: int) -> str:
    """The error category of an HTTP status."""
    if status == 401:
        return "AUTHENTICATION_ERROR"
    if status == 429:
        return "RATE_LIMIT_ERROR"
    return "API_ERROR" if status >= 500 else "INVALID_REQUEST_ERROR"


class SquareError(HttpError):
    """An error answered in Square's format."""

    def __init__(self, status: int, code: str, detail: str, field: str | None = None):
        super().__init__(status, detail, code=code)
        self.field = field

    def body(self) -> dict:
        error = {
            "category": category_of(self.status),
            "code": self.code,
            "detail": self.message,
        }
        if self.field:
            error["field"] = self.field
        return {"errors": [error]}


def invalid(detail: str, field: str | None = None, code: str = "INVALID_VALUE"):
    """A 400 ``INVALID_REQUEST_ERROR``."""
    return SquareError(400, code, detail, field)


class SquareApi(JsonHandler):
    """Base handler of the merchant: authentication, errors, helpers."""

    def error_body(self, status: int, message: str, code) -> object:
        if code is None or not code.isupper():
            code = CODES.get(
                status, "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_REQUEST"
            )
        return {
            "errors": [
                {"category": category_of(status), "code": code, "detail": message}
            ]
        }

    def fault_response(self, decision) -> None:
        if decision.status == 429:
            self.send_json(
                429, SquareError(429, "RATE_LIMITED", "Rate limit exceeded.").body()
            )
        else:
            code = (
                "SERVICE_UNAVAILABLE"
                if decision.status == 503
                else "INTERNAL_SERVER_ERROR"
            )
            self.send_json(
                decision.status,
                SquareError(
                    decision.status, code, "An internal error occurred."
                ).body(),
            )

    def authenticate(self, scope) -> str:
        header = (self.headers.get("Authorization") or "").strip()
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise SquareError(
                401,
                "UNAUTHORIZED",
                "The `Authorization` http header of your request was "
                "incorrect or missing.",
            )
        if not constant_time_equal(self.app.access_token, token.strip()):
            raise SquareError(
                401, "UNAUTHORIZED", "This request could not be authorized."
            )
        return "bearer"

    # -- inputs -----------------------------------------------------------

    def json_object(self) -> dict:
        """The body as a JSON object (empty when absent)."""
        try:
            data = self.json_body(required=False)
        except HttpError as exc:
            raise invalid(exc.message, code="BAD_REQUEST") from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise invalid("The body must be a JSON object.")
        return data

    def time_param(self, value, field: str):
        """An RFC 3339 time from a query or body value (``None`` stays)."""
        if value in (None, ""):
            return None
        try:
            return parse_time(value)
        except ValueError:
            raise invalid(
                f"Invalid RFC 3339 time `{value}`.", field, "INVALID_TIME"
            ) from None

    def limit_param(
        self, value, default: int, maximum: int, field: str = "limit"
    ) -> int:
        """A page size between 1 and ``maximum``."""
        if value in (None, ""):
            return default
        try:
            limit = int(value)
        except (TypeError, ValueError):
            raise invalid("limit: an integer", field, "EXPECTED_INTEGER") from None
        if limit < 1:
            raise invalid(
                f"limit must be at least 1, got {limit}", field, "VALUE_TOO_LOW"
            )
        if limit > maximum:
            raise invalid(
                f"limit must be at most {maximum}, got {limit}", field, "VALUE_TOO_HIGH"
            )
        return limit

    def choice_param(self, value, choices, default, field: str):
        """One of ``choices`` (``default`` when absent)."""
        if value in (None, ""):
            return default
        if value not in choices:
            raise invalid(f"{field}: one of {', '.join(choices)}", field)
        return value

    def page(self, items: list, limit: int, cursor, kind: str, key: str):
        """``(body, items of this page)``: ``{key: [...], "cursor"}`` as Square.

        An empty result is ``{}``: Square leaves empty lists out.
        """
        offset = 0
        if cursor:
            try:
                state = decode_cursor(cursor)
                offset = int(state["o"])
                if state.get("k") != kind or offset < 0:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                raise invalid("Invalid cursor.", "cursor", "INVALID_CURSOR") from None
        chunk = items[offset : offset + limit]
        body: dict = {}
        if chunk:
            body[key] = chunk
        if offset + limit < len(items):
            body["cursor"] = encode_cursor({"k": kind, "o": offset + limit})
        self.call_items = len(chunk)
        return body
