"""Mirakl's error answers: ``{"status": 400, "message": "..."}``.

An order error also carries its code: ``{"status": 400, "code":
"ORDER_INVALID_STATE", "message": "ORDER_INVALID_STATE: ..."}``.
"""

from __future__ import annotations

from ..common import HttpError


class MiraklError(HttpError):
    """An error answered in Mirakl's format."""

    def body(self) -> dict:
        body = {"status": self.status, "message": self.message}
        if self.code:
            body["code"] = self.code
        return body


def bad_request(message: str, code: str | None = None) -> MiraklError:
    """A 400, the message prefixed by its code when there is one."""
    text = f"{code}: {message}" if code else message
    return MiraklError(400, text, code=code)


def not_found(message: str, code: str | None = None) -> MiraklError:
    """A 404."""
    return MiraklError(404, message, code=code)
