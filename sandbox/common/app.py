"""The state object behind a sandbox's server.

A `SandboxApp` holds what every channel stand-in needs around its own data:
one re-entrant lock, the `Faults`, a clock, the log of API calls, an optional
`Deliverer` and `Outbox` for webhooks, and background threads. `serve_app`
serves it; the admin endpoints read its `state` and call its `reset`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .delivery import Deliverer
from .faults import Faults
from .outbox import Outbox


class SandboxApp:
    """Base class of a channel's state; every public method is thread-safe.

    Subclasses set ``deliverer`` and ``outbox`` when they send webhooks, and
    override `state`, `reset` and `bind` as needed. Change data inside
    ``with app.change():`` so that the events it emits are scheduled once the
    change is done.
    """

    name = "sandbox"

    def __init__(self, *, faults: Faults | None = None, clock=time.time):
        self.lock = threading.RLock()
        self.faults = faults if faults is not None else Faults()
        self.clock = clock
        self.requests: list[dict] = []
        self.deliverer: Deliverer | None = None
        self.outbox: Outbox | None = None
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False

    # -- changes ----------------------------------------------------------

    def change(self) -> Change:
        """Context manager: hold the lock, then schedule the events raised."""
        return Change(self)

    def emit(self, event) -> None:
        """Note an event of the change under way (see `Outbox.emit`)."""
        if self.outbox is not None:
            self.outbox.emit(event)

    def log_request(self, record: dict) -> None:
        """Append one API call to ``requests`` (see `api_call`)."""
        with self.lock:
            self.requests.append(record)

    # -- lifecycle --------------------------------------------------------

    def bind(self, server) -> None:
        """Called by `serve_app` once ``server`` listens (e.g. to learn its URL)."""

    def start(self) -> SandboxApp:
        """Start deliveries and the outbox (idempotent)."""
        if not self._started:
            self._started = True
            if self.deliverer is not None:
                self.deliverer.start()
            if self.outbox is not None:
                self.outbox.start()
        return self

    def spawn(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Run ``target`` in a daemon thread that `stop` waits for."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def stop(self) -> None:
        """Stop background work; webhooks not delivered yet are dropped."""
        self.stopping.set()
        if self.outbox is not None:
            self.outbox.stop()
        if self.deliverer is not None:
            self.deliverer.stop()
        if self.outbox is not None:
            self.outbox.join(timeout=2)
        for thread in self._threads:
            thread.join(timeout=2)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until scheduled deliveries are sent and answered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = self.outbox is not None and not self.outbox.idle()
            if not busy and (self.deliverer is None or self.deliverer.pending == 0):
                return True
            time.sleep(0.01)
        return False

    # -- admin views ------------------------------------------------------

    def state(self) -> dict:
        """The channel's part of ``GET /_sandbox/state``."""
        return {}

    def reset(self) -> None:
        """Forget what was recorded (``POST /_sandbox/reset``): the call log."""
        with self.lock:
            self.requests.clear()


class Change:
    """Hold the app's lock; schedule the events raised inside on exit.

    The events of a change that fails (raises) are discarded.
    """

    def __init__(self, app: SandboxApp):
        self.app = app

    def __enter__(self):
        self.app.lock.acquire()
        return self.app

    def __exit__(self, exc_type, *exc_info) -> None:
        outbox = self.app.outbox
        try:
            if exc_type is not None and outbox is not None:
                outbox.discard()
        finally:
            self.app.lock.release()
        if exc_type is None and outbox is not None:
            outbox.flush()
