"""The platform's HTTP server: the route mixins on Loop's plumbing."""

from __future__ import annotations

from ..common import LOOPBACK, SandboxServer, serve_app
from .admin import LoopAdminRoutes
from .api import LoopApi
from .platform import LoopPlatform
from .routes import LoopRoutes


class LoopHandler(LoopRoutes, LoopAdminRoutes, LoopApi):
    """The API and control routes of `LoopPlatform`."""


def serve_loop(
    app: LoopPlatform | None = None,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    **options,
) -> SandboxServer:
    """Start the platform on ``host:port`` (0: any free port); returns the server.

    ``server.app`` is the `LoopPlatform` (built from ``options`` when not
    given), the API is at ``server.url + "/api/v1"``; ``server.shutdown()``
    also stops deliveries, the label timer and the return flow.
    """
    app = app or LoopPlatform(**options)
    return serve_app(LoopHandler, app, host, port)
