"""The merchant's HTTP server: the route mixins on Square's plumbing."""

from __future__ import annotations

from ..common import LOOPBACK, SandboxServer, serve_app
from .admin import SquareAdminRoutes
from .api import SquareApi
from .merchant import SquareMerchant
from .routes_sales import SalesRoutes
from .routes_store import StoreRoutes


class SquareHandler(SalesRoutes, StoreRoutes, SquareAdminRoutes, SquareApi):
    """The API and control routes of `SquareMerchant`."""


def serve_square(
    app: SquareMerchant | None = None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    **options,
) -> SandboxServer:
    """Start the merchant on ``host:port`` (0: any free port); returns the server.

    ``server.app`` is the `SquareMerchant` (built from ``options`` when not
    given), the API is at ``server.url + "/v2"``; ``server.shutdown()`` also
    stops deliveries and the simulated activity.
    """
    app = app or SquareMerchant(**options)
    return serve_app(SquareHandler, app, host, port)
