"""WooCommerce REST API (wc/v3) client on top of the base HttpClient.

The base client owns timeouts, retries, Retry-After, rate limiting, the circuit
breaker and redaction; this module only describes WooCommerce's endpoints,
pagination, batch limits and error bodies.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from odoo.addons.retail_connector_base.tools.http_client import (
    ChannelHttpError,
    HttpClient,
    HttpResult,
)

from . import auth as wc_auth
from . import const

_LINK_PART = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')


class WooCommerceError(ChannelHttpError):
    """A WooCommerce error answer; ``code`` and ``message`` are the store's own."""


@dataclass(frozen=True)
class Page:
    """One page of a collection with WooCommerce's pagination headers."""

    items: list
    page: int
    total: int | None
    total_pages: int | None
    links: dict

    @property
    def has_next(self) -> bool:
        """Whether another page follows this one."""
        if self.total_pages is not None:
            return self.page < self.total_pages
        return "next" in self.links


@dataclass(frozen=True)
class BatchItemError:
    """One item WooCommerce refused inside a successful batch answer.

    ``item`` is the request item it answers (same action, same position), so a
    caller can tell which SKU or binding failed; ``id`` is 0 for a failed create.
    """

    action: str
    id: int
    code: str
    message: str
    status: int | None = None
    item: dict = field(default_factory=dict)


@dataclass
class BatchResult:
    """Outcome of a (possibly chunked) batch call, per item."""

    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    deleted: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    requests: int = 0


def parse_link_header(value: str | None) -> dict:
    """Return ``{rel: url}`` from an RFC 8288 ``Link`` header."""
    links = {}
    for url, rels in _LINK_PART.findall(value or ""):
        for rel in rels.split():
            links.setdefault(rel, url)
    return links


def _int_header(headers, name) -> int | None:
    value = headers.get(name)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def format_query_datetime(value: datetime) -> str:
    """Format a datetime for ``after``/``modified_after`` (UTC, no offset).

    The connector always sends ``dates_are_gmt=true`` with it; naive datetimes
    are taken as UTC (Odoo's convention).
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat()


def _woo_error(exc: ChannelHttpError) -> ChannelHttpError:
    """Rebuild an HTTP error with WooCommerce's ``code``/``message``.

    Some endpoints answer a client error with HTTP 500 and ``"data": 400`` (a
    ``WP_Error`` whose data is a bare status): that is not an outage and must
    not be retried.
    """
    try:
        body = json.loads(exc.body) if exc.body else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return exc
    retryable = exc.retryable
    data = body.get("data")
    declared = data.get("status") if isinstance(data, dict) else data
    if (
        isinstance(declared, int)
        and not isinstance(declared, bool)
        and 400 <= declared < 500
        and (exc.status or 0) >= 500
    ):
        retryable = False
    message = body.get("message") if isinstance(body.get("message"), str) else ""
    return WooCommerceError(
        message or exc.message,
        status=exc.status,
        code=body["code"],
        retryable=retryable,
        retry_after=exc.retry_after,
        body=exc.body,
    )


def chunk_batch(
    create: Sequence = (),
    update: Sequence = (),
    delete: Sequence = (),
    limit: int = const.BATCH_LIMIT,
) -> list[dict]:
    """Split batch items into request bodies of at most ``limit`` items in all."""
    items = [
        *(("create", item) for item in create),
        *(("update", item) for item in update),
        *(("delete", item) for item in delete),
    ]
    bodies = []
    for start in range(0, len(items), limit):
        body: dict = {}
        for action, item in items[start : start + limit]:
            body.setdefault(action, []).append(item)
        bodies.append(body)
    return bodies


def parse_batch_response(request_body: dict, data, result: BatchResult) -> None:
    """Add one batch answer to ``result``, separating failed items.

    WooCommerce answers each action in request order; a failed item is
    ``{"id": N, "error": {"code", "message", "data": {"status"}}}``.
    """
    data = data if isinstance(data, dict) else {}
    for action, bucket in (
        ("create", result.created),
        ("update", result.updated),
        ("delete", result.deleted),
    ):
        sent = request_body.get(action) or []
        answered = data.get(action) or []
        for index, answer in enumerate(answered):
            item = sent[index] if index < len(sent) else {}
            if not isinstance(item, dict):
                item = {"id": item}
            if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
                error = answer["error"]
                error_data = error.get("data")
                status = (
                    error_data.get("status") if isinstance(error_data, dict) else None
                )
                result.errors.append(
                    BatchItemError(
                        action=action,
                        id=_as_int(answer.get("id")),
                        code=str(error.get("code") or ""),
                        message=str(error.get("message") or ""),
                        status=status if isinstance(status, int) else None,
                        item=item,
                    )
                )
            else:
                bucket.append(answer)
        # An answer shorter than the request means items vanished silently.
        for index in range(len(answered), len(sent)):
            item = sent[index] if isinstance(sent[index], dict) else {"id": sent[index]}
            result.errors.append(
                BatchItemError(
                    action=action,
                    id=_as_int(item.get("id")),
                    code="missing_in_response",
                    message="The store did not answer for this item.",
                    item=item,
                )
            )


def _as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class WooCommerceClient:
    """Calls one WooCommerce store's REST API (wc/v3).

    ``http_client_factory(base_url, *, auth, secrets, **options)`` builds the
    underlying HttpClient (the Odoo connection passes one wired to its rate
    limiter, breaker and call log); ``http_options`` are passed through to it.
    """

    def __init__(
        self,
        store_url: str,
        consumer_key: str,
        consumer_secret: str,
        auth_mode: str = const.AUTH_BASIC,
        *,
        signature_method: str = const.DEFAULT_OAUTH_SIGNATURE_METHOD,
        http_client_factory: Callable[..., HttpClient] | None = None,
        **http_options,
    ):
        if not store_url or not store_url.startswith(("http://", "https://")):
            raise ValueError(
                "The store URL must start with http:// or https:// "
                "(e.g. https://shop.example.com)."
            )
        self.store_url = store_url.rstrip("/")
        self.api_url = self.store_url + const.API_PATH.rstrip("/")
        self.auth_mode = auth_mode
        authentication = wc_auth.make_auth(
            auth_mode, consumer_key, consumer_secret, signature_method=signature_method
        )
        http_options.setdefault("timeout", const.DEFAULT_TIMEOUT)
        factory = http_client_factory or HttpClient
        self.http = factory(
            self.api_url,
            auth=authentication,
            secrets=(consumer_key, consumer_secret),
            **http_options,
        )

    # --- plumbing -------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs) -> HttpResult:
        """Call an endpoint relative to ``/wp-json/wc/v3/``; raise WooCommerceError."""
        try:
            return self.http.request(method, path, **kwargs)
        except ChannelHttpError as exc:
            raise _woo_error(exc) from None

    def _json(self, method: str, path: str, **kwargs):
        return self.request(method, path, **kwargs).json()

    def get_page(self, path: str, params: dict | None = None, page: int = 1) -> Page:
        """Fetch one page of a collection."""
        query = dict(params or {})
        query["page"] = page
        query.setdefault("per_page", const.MAX_PER_PAGE)
        result = self.request("GET", path, params=query)
        items = result.json()
        if not isinstance(items, list):
            raise WooCommerceError(
                f"The store answered {path} with something other than a list.",
                status=result.status,
                code="unexpected_answer",
                body=result.text,
            )
        return Page(
            items=items,
            page=page,
            total=_int_header(result.headers, const.HEADER_TOTAL),
            total_pages=_int_header(result.headers, const.HEADER_TOTAL_PAGES),
            links=parse_link_header(result.headers.get(const.HEADER_LINK)),
        )

    def iterate(
        self, path: str, params: dict | None = None, *, max_pages: int = const.MAX_PAGES
    ) -> Iterator[dict]:
        """Yield every item of a collection, page by page.

        Pages are requested by number rather than by following the ``Link``
        URLs: with query-string auth those URLs carry the credentials, and the
        auth layer adds its own.
        """
        for page_number in range(1, max_pages + 1):
            page = self.get_page(path, params, page_number)
            yield from page.items
            if not page.items or not page.has_next:
                return

    # --- store ------------------------------------------------------------------

    def system_status(self) -> dict:
        """GET system_status: environment (versions, URLs) and settings (currency)."""
        return self._json("GET", "system_status")

    # --- orders -----------------------------------------------------------------

    def iter_orders(
        self,
        modified_after: datetime | None = None,
        *,
        after: datetime | None = None,
        status: str | Iterable[str] | None = None,
        per_page: int = const.MAX_PER_PAGE,
        max_pages: int = const.MAX_PAGES,
    ) -> Iterator[dict]:
        """Yield orders modified after ``modified_after`` (UTC), oldest id first.

        Ordering by id keeps pages stable while orders change during the walk:
        a modified order keeps its place and new orders land on later pages.
        """
        params = {"per_page": per_page, "orderby": "id", "order": "asc"}
        if modified_after is not None or after is not None:
            params["dates_are_gmt"] = "true"
        if modified_after is not None:
            params["modified_after"] = format_query_datetime(modified_after)
        if after is not None:
            params["after"] = format_query_datetime(after)
        if status:
            params["status"] = status if isinstance(status, str) else ",".join(status)
        return self.iterate("orders", params, max_pages=max_pages)

    def get_order(self, order_id) -> dict:
        """GET orders/<id>."""
        return self._json("GET", f"orders/{int(order_id)}")

    def update_order(self, order_id, data: dict) -> dict:
        """PUT orders/<id> with the fields to change (e.g. ``{"status": ...}``)."""
        return self._json("PUT", f"orders/{int(order_id)}", json=data)

    def add_order_note(
        self, order_id, note: str, *, customer_note: bool = False
    ) -> dict:
        """POST orders/<id>/notes; ``customer_note`` emails it to the customer."""
        return self._json(
            "POST",
            f"orders/{int(order_id)}/notes",
            json={"note": note, "customer_note": bool(customer_note)},
        )

    def list_refunds(self, order_id) -> list:
        """GET orders/<id>/refunds (with their line items)."""
        return list(self.iterate(f"orders/{int(order_id)}/refunds"))

    def get_refund(self, order_id, refund_id) -> dict:
        """GET orders/<id>/refunds/<refund id>."""
        return self._json("GET", f"orders/{int(order_id)}/refunds/{int(refund_id)}")

    def create_refund(self, order_id, payload: dict) -> dict:
        """POST orders/<id>/refunds; see ``mappers.refund_payload``.

        Never resent automatically: a second attempt could refund twice.
        """
        return self._json(
            "POST", f"orders/{int(order_id)}/refunds", json=payload, idempotent=False
        )

    # --- products and variations ------------------------------------------------

    def iter_products(self, **params) -> Iterator[dict]:
        """Yield products (filters such as ``sku``, ``status``, ``type``)."""
        return self.iterate("products", params)

    def find_by_sku(self, sku: str) -> list:
        """Products and variations whose SKU is ``sku`` (WooCommerce searches both)."""
        return list(self.iterate("products", {"sku": sku}, max_pages=1))

    def create_product(self, data: dict) -> dict:
        """POST products."""
        return self._json("POST", "products", json=data)

    def update_product(self, product_id, data: dict) -> dict:
        """PUT products/<id>."""
        return self._json("PUT", f"products/{int(product_id)}", json=data)

    def iter_variations(self, product_id, **params) -> Iterator[dict]:
        """Yield the variations of a variable product."""
        return self.iterate(f"products/{int(product_id)}/variations", params)

    def create_variation(self, product_id, data: dict) -> dict:
        """POST products/<id>/variations."""
        return self._json("POST", f"products/{int(product_id)}/variations", json=data)

    def update_variation(self, product_id, variation_id, data: dict) -> dict:
        """PUT products/<id>/variations/<variation id>."""
        return self._json(
            "PUT",
            f"products/{int(product_id)}/variations/{int(variation_id)}",
            json=data,
        )

    def batch(
        self,
        path: str,
        *,
        create: Sequence = (),
        update: Sequence = (),
        delete: Sequence = (),
    ) -> BatchResult:
        """POST a batch endpoint in chunks of at most 100 items; per-item outcome.

        A chunk that fails as a whole raises (earlier chunks stay applied, as on
        the store); items refused inside a 200 answer land in ``errors``.
        """
        result = BatchResult()
        # Updates set absolute values, so resending one is harmless.
        idempotent = not create and not delete
        for body in chunk_batch(create, update, delete):
            data = self._json("POST", path, json=body, idempotent=idempotent)
            result.requests += 1
            parse_batch_response(body, data, result)
        return result

    def batch_products(self, *, create=(), update=(), delete=()) -> BatchResult:
        """POST products/batch, chunked."""
        return self.batch("products/batch", create=create, update=update, delete=delete)

    def batch_variations(
        self, product_id, *, create=(), update=(), delete=()
    ) -> BatchResult:
        """POST products/<id>/variations/batch, chunked."""
        return self.batch(
            f"products/{int(product_id)}/variations/batch",
            create=create,
            update=update,
            delete=delete,
        )

    # --- webhooks ---------------------------------------------------------------

    def list_webhooks(self, **params) -> list:
        """Every webhook of the store (any status)."""
        return list(self.iterate("webhooks", params))

    def get_webhook(self, webhook_id) -> dict:
        """GET webhooks/<id>."""
        return self._json("GET", f"webhooks/{int(webhook_id)}")

    def create_webhook(
        self,
        *,
        topic: str,
        delivery_url: str,
        secret: str,
        name: str = "",
        status: str = "active",
    ) -> dict:
        """POST webhooks. The store pings ``delivery_url`` before answering."""
        return self._json(
            "POST",
            "webhooks",
            json={
                "name": name or f"{const.WEBHOOK_NAME_PREFIX} {topic}",
                "topic": topic,
                "delivery_url": delivery_url,
                "secret": secret,
                "status": status,
            },
        )

    def update_webhook(self, webhook_id, data: dict) -> dict:
        """PUT webhooks/<id> (e.g. ``{"status": "active"}`` to re-enable it)."""
        return self._json("PUT", f"webhooks/{int(webhook_id)}", json=data)

    def delete_webhook(self, webhook_id) -> dict:
        """DELETE webhooks/<id>; webhooks cannot be trashed, so force is sent."""
        return self._json(
            "DELETE", f"webhooks/{int(webhook_id)}", params={"force": "true"}
        )
