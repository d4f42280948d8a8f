"""A sandbox's HTTP server and its lifecycle.

`serve` starts a `SandboxServer` in a background thread, with ``.url`` and an
idempotent ``.shutdown()`` that also cuts kept-alive connections, so a
stopped sandbox really looks down to its clients. `serve_app` does the same
for a `SandboxApp`, wiring its faults, deliveries and background work.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer

from .delivery import Deliverer
from .faults import Faults
from .handler import JsonHandler

_logger = logging.getLogger(__package__)

LOOPBACK = "127.0.0.1"


class SandboxServer(ThreadingHTTPServer):
    """A threaded HTTP server carrying a sandbox's state.

    ``app`` is the channel state object (its optional ``state()`` and
    ``reset()`` feed the admin endpoints), ``faults`` the shared `Faults`,
    ``deliverer`` an optional `Deliverer` whose attempts the admin endpoints
    show.
    """

    daemon_threads = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        handler_cls: type[JsonHandler],
        *,
        app=None,
        faults: Faults | None = None,
        deliverer: Deliverer | None = None,
        name: str | None = None,
    ):
        super().__init__(address, handler_cls)
        self.app = app
        self.faults = faults if faults is not None else Faults()
        self.deliverer = deliverer
        self.name = name or handler_cls.__name__
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._cleanups: list[Callable[[], None]] = []

    @property
    def host(self) -> str:
        """The bound address."""
        return self.server_address[0]

    @property
    def port(self) -> int:
        """The bound port (the real one when started on port 0)."""
        return self.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"sandbox-{self.name}-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def add_cleanup(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the server shuts down."""
        self._cleanups.append(callback)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        # A client hanging up mid-answer is routine in fault tests.
        _logger.debug(
            "connection from %s ended abruptly", client_address, exc_info=True
        )

    def shutdown(self) -> None:
        """Stop serving, close the socket and every open connection. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread is not None:
            super().shutdown()
            self._thread.join(timeout=5)
        self.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # Kept-alive connections would otherwise keep answering after
            # the server is "down".
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for callback in self._cleanups:
            try:
                callback()
            except Exception:
                _logger.exception("sandbox cleanup failed")

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()

    def state(self) -> dict:
        """Everything the admin state endpoint shows."""
        data = {"name": self.name, "url": self.url, "faults": self.faults.snapshot()}
        if self.deliverer is not None:
            data["deliveries"] = self.deliverer.summary()
        state = getattr(self.app, "state", None)
        if callable(state):
            data["channel"] = state()
        return data

    def reset(self) -> None:
        """Forget recorded state and restore the faults given at start."""
        self.faults.reset()
        if self.deliverer is not None:
            self.deliverer.reset()
        reset = getattr(self.app, "reset", None)
        if callable(reset):
            reset()


def serve(
    handler_cls: type[JsonHandler],
    host: str = LOOPBACK,
    port: int = 0,
    *,
    app=None,
    faults: Faults | None = None,
    deliverer: Deliverer | None = None,
    name: str | None = None,
    server_cls: type[SandboxServer] = SandboxServer,
) -> SandboxServer:
    """Start ``handler_cls`` on ``host:port`` (0: any free port) in a thread.

    Returns the running server: use ``.url``, ``.app`` and ``.shutdown()``
    (or ``with serve(...) as server:``).
    """
    server = server_cls(
        (host, port),
        handler_cls,
        app=app,
        faults=faults,
        deliverer=deliverer,
        name=name,
    )
    return server.start()


def serve_app(
    handler_cls: type[JsonHandler],
    app,
    host: str = LOOPBACK,
    port: int = 0,
    *,
    name: str | None = None,
    faults: Faults | None = None,
    deliverer: Deliverer | None = None,
) -> SandboxServer:
    """Serve a `SandboxApp` (see `serve`) and run its background work.

    The admin endpoints use the app's faults and deliverer unless others are
    given; ``app.bind(server)`` learns the server once it listens; shutting
    the server down stops the app. Returns the running server.
    """
    server = serve(
        handler_cls,
        host,
        port,
        app=app,
        faults=app.faults if faults is None else faults,
        deliverer=app.deliverer if deliverer is None else deliverer,
        name=name or app.name,
    )
    app.bind(server)
    server.add_cleanup(app.stop)
    app.start()
    return server
