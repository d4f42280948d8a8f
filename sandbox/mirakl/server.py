"""The marketplace's HTTP server: the route mixins on Mirakl's plumbing."""

from __future__ import annotations

from ..common import LOOPBACK, SandboxServer, serve_app
from .admin import MarketplaceAdminRoutes
from .api import MiraklApi
from .marketplace import MiraklMarketplace
from .payments import PaymentRoutes
from .routes import OrderRoutes, StockRoutes


class MiraklHandler(
    OrderRoutes, StockRoutes, PaymentRoutes, MarketplaceAdminRoutes, MiraklApi
):
    """The seller API routes of `MiraklMarketplace`."""


def serve_marketplace(
    app: MiraklMarketplace | None = None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    **options,
) -> SandboxServer:
    """Start a marketplace on ``host:port`` (0: any free port); returns the server.

    ``server.app`` is the `MiraklMarketplace` (built from ``options`` when
    not given), the API is at ``server.url + "/api"``; ``server.shutdown()``
    also stops its timers and order flow.
    """
    app = app or MiraklMarketplace(**options)
    return serve_app(MiraklHandler, app, host, port)
