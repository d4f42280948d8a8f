"""The store's HTTP server: every route mixin on WordPress's plumbing."""

from __future__ import annotations

from ..common import LOOPBACK, SandboxServer, serve_app
from .admin import StoreAdminRoutes
from .api import WooApi
from .auth import Authentication
from .routes import OrderRoutes, ProductRoutes, StoreRoutes, WebhookRoutes
from .store import WooStore


class WooHandler(
    StoreRoutes,
    ProductRoutes,
    OrderRoutes,
    WebhookRoutes,
    StoreAdminRoutes,
    Authentication,
    WooApi,
):
    """The wc/v3 routes of `WooStore`.

    The route mixins come first: `WooApi` ends with the catch-all answering
    ``rest_no_route``, which must be tried last.
    """


def serve_store(
    store: WooStore | None = None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    **options,
) -> SandboxServer:
    """Start a store on ``host:port`` (0: any free port); returns the server.

    ``server.app`` is the `WooStore`; its site URL is the server's URL unless
    one was given. ``server.shutdown()`` also stops deliveries and checkouts.
    """
    store = store or WooStore(**options)
    return serve_app(WooHandler, store, host, port)
