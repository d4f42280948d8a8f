"""Loop's HTTP plumbing: the API key, error answers, injected faults.

``X-Authorization: <api key>``; without it or with another key: 401
``{"message": "Unauthenticated."}``. Errors answer ``{"message": ...}``,
a refused body also ``"errors": {field: [message]}`` (422); an injected
429 is ``{"message": "Too Many Attempts."}`` with ``Retry-After``.
"""

from __future__ import annotations

from ..common import HttpError, JsonHandler, constant_time_equal


class LoopError(HttpError):
    """An error answered in Loop's format."""

    def __init__(self, status: int, message: str, *, errors=None, headers=None):
        super().__init__(status, message, headers=headers)
        self.errors = errors

    def body(self) -> dict:
        body = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class LoopApi(JsonHandler):
    """Base handler of the platform: authentication and Loop's errors."""

    def error_body(self, status: int, message: str, code) -> object:
        return {"message": message}

    def fault_response(self, decision) -> None:
        if decision.status == 429:
            self.send_json(
                429,
                {"message": "Too Many Attempts."},
                {"Retry-After": decision.retry_after},
            )
        else:
            self.send_json(decision.status, {"message": "Server Error"})

    def authenticate(self, scope) -> str:
        key = (self.headers.get("X-Authorization") or "").strip()
        if not key or not constant_time_equal(self.app.api_key, key):
            raise LoopError(401, "Unauthenticated.")
        return "api_key"

    def json_object(self, *, required: bool = True) -> dict:
        """The body as a JSON object (empty when optional and absent)."""
        try:
            data = self.json_body(required=required)
        except HttpError as exc:
            raise LoopError(400, exc.message) from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise LoopError(422, "The body must be a JSON object.")
        return data
