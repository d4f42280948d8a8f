"""Mirakl's HTTP plumbing: the API key, error answers, limits, parameters.

``Authorization: <api key>`` (no scheme); a key serves one or more shops,
``shop_id`` picks one (the key's first shop by default). No key or an
unknown one: 401; a shop the key does not serve: 403. Errors answer
``{"status": N, "message": "..."}`` (plus ``code`` for order errors); an
injected or a limit 429 is ``{"status": 429, "message": ...}``.
"""

from __future__ import annotations

import email.parser
import email.policy

from ..common import HttpError, JsonHandler
from .errors import MiraklError, bad_request
from .values import parse_date


class MiraklApi(JsonHandler):
    """Base handler of the marketplace: authentication and helpers."""

    shop_id: int | None = None

    def error_body(self, status: int, message: str, code: str | None) -> object:
        body = {"status": status, "message": message}
        if code and code.isupper():
            body["code"] = code
        return body

    def fault_response(self, decision) -> None:
        if decision.status == 429:
            self.send_json(
                429,
                {"status": 429, "message": "Too many requests"},
                {"Retry-After": decision.retry_after},
            )
        else:
            self.send_json(
                decision.status,
                {"status": decision.status, "message": "Service unavailable"},
            )

    def send_json(self, status: int, body, headers=None) -> None:
        if status == 204:
            # No content: no body at all, or a kept-alive client would choke.
            self.send_response(204)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self._responded = True
            return
        super().send_json(status, body, headers)

    def authenticate(self, scope) -> str:
        key = (self.headers.get("Authorization") or "").strip()
        shops = self.app.shops_of_key(key) if key else []
        if not shops:
            raise MiraklError(401, "Unauthorized")
        raw = self.query_value("shop_id")
        if raw:
            try:
                shop_id = int(raw)
            except ValueError:
                raise bad_request(f"shop_id: not a number: {raw!r}") from None
            if shop_id not in shops:
                raise MiraklError(
                    403, f"Shop {shop_id} is not accessible with this key"
                )
        else:
            shop_id = shops[0]
        self.shop_id = shop_id
        self.app.tick()
        return "api_key"

    def operation(self, name: str) -> None:
        """Record a call of ``name``; 429 when over its published frequency."""
        app = self.app
        with app.lock:
            wait = app.limits.check(name, self.shop_id, app.now())
            if wait is not None:
                raise MiraklError(
                    429,
                    f"{name}: too many calls, the maximum frequency is exceeded",
                    headers=app.limits.retry_after_header(wait),
                )

    # -- parameters -----------------------------------------------------------

    def int_param(self, name: str, default: int, maximum: int | None = None) -> int:
        raw = self.query_value(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"{name}: not a number: {raw!r}") from None
        if value < 0 or (maximum is not None and value > maximum):
            top = f" and {maximum}" if maximum is not None else ""
            raise bad_request(f"{name}: must be between 0{top}")
        return value

    def date_param(self, name: str) -> float | None:
        raw = self.query_value(name)
        if not raw:
            return None
        try:
            return parse_date(raw)
        except ValueError:
            raise bad_request(f"{name}: not an ISO 8601 date: {raw!r}") from None

    def list_param(self, name: str) -> list[str]:
        values = []
        for raw in self.query.get(name, ()):
            values += [part.strip() for part in raw.split(",") if part.strip()]
        return values

    def json_object(self) -> dict:
        try:
            data = self.json_body()
        except HttpError as exc:
            raise bad_request(exc.message) from None
        if not isinstance(data, dict):
            raise bad_request("expected a JSON object")
        return data

    def multipart_file(self, field: str) -> bytes:
        """The content of the multipart/form-data part named ``field``."""
        content_type = self.headers.get("Content-Type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise bad_request("expected multipart/form-data with a file part")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + self.body
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == field:
                return part.get_payload(decode=True) or b""
        raise bad_request(f"the multipart field {field!r} is missing")
