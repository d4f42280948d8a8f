"""WordPress's error answers ``{"code", "message", "data"}``."""

from __future__ import annotations

from ..common import HttpError


class WooError(HttpError):
    """An answer in WordPress's error format ``{"code", "message", "data"}``.

    ``data`` defaults to ``{"status": status}``; a few WooCommerce errors carry
    a bare number instead (``WP_Error(code, message, 400)``), which WordPress
    serves with HTTP 500.
    """

    def __init__(self, status, code, message, data=None, headers=None):
        super().__init__(status, message, code=code, headers=headers)
        self.data = {"status": status} if data is None else data

    def body(self) -> dict:
        """The JSON body of the answer."""
        return {"code": self.code, "message": self.message, "data": self.data}


def invalid_param(name: str, reason: str) -> WooError:
    """WordPress's schema validation error for one parameter."""
    return WooError(
        400,
        "rest_invalid_param",
        f"Invalid parameter(s): {name}",
        {"status": 400, "params": {name: reason}, "details": {}},
    )


def missing_param(name: str) -> WooError:
    """WordPress's error for a required parameter that is absent."""
    return WooError(
        400,
        "rest_missing_callback_param",
        f"Missing parameter(s): {name}",
        {"status": 400, "params": [name]},
    )


def item_error(code: str, message: str, status: int) -> dict:
    """The error object of one failed batch item."""
    return {"code": code, "message": message, "data": {"status": status}}
