"""Running a sandbox from the command line: stop conditions and JSON lines.

A sandbox's ``run(args)`` starts its servers, prints one JSON line
``{"event": "ready", ...}`` on stdout (progress goes to stderr), then waits
until a signal or ``--duration`` stops it.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .server import LOOPBACK


def add_host_argument(group) -> None:
    """``--host``: the address to listen on (loopback by default)."""
    group.add_argument("--host", default=LOOPBACK)


def add_duration_argument(parser: argparse.ArgumentParser) -> None:
    """``--duration``: stop after this many seconds."""
    parser.add_argument(
        "--duration", type=float, default=None, help="stop after this many seconds"
    )


def stop_event(
    duration: float | None = None,
    *,
    signals: tuple = (signal.SIGTERM,),
    interrupt_on_repeat: bool = False,
) -> threading.Event:
    """An event set by one of ``signals`` or after ``duration`` seconds.

    Signal handlers can only be installed from the main thread; elsewhere
    (tests) only the duration applies. With ``interrupt_on_repeat`` a second
    signal raises `KeyboardInterrupt`: the first one lets a run drain and
    report, the second one stops it at once.
    """
    stop = threading.Event()

    def on_signal(signum, frame):
        if interrupt_on_repeat and stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for signum in signals:
            signal.signal(signum, on_signal)
    if duration is not None:
        timer = threading.Timer(duration, stop.set)
        timer.daemon = True
        timer.start()
    return stop


def wait_for(stop: threading.Event) -> None:
    """Block until ``stop`` is set (Ctrl-C raises `KeyboardInterrupt`)."""
    while not stop.wait(0.5):
        pass


def serve_until_stopped(server, duration, ready: dict, start=None) -> int:
    """Announce ``ready`` on stdout, serve until stopped, shut down; return 0.

    ``start()`` (the simulated activity) runs once the stop signals are
    handled and before the announcement; the server stops on SIGTERM, Ctrl-C
    or after ``duration`` seconds.
    """
    stop = stop_event(duration)
    if start is not None:
        start()
    print_json_line(ready, ensure_ascii=True)
    try:
        wait_for(stop)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


def print_json_line(payload: dict, *, ensure_ascii: bool = False) -> None:
    """One JSON line on stdout, flushed at once (for scripts that wait on it)."""
    print(json.dumps(payload, ensure_ascii=ensure_ascii), flush=True)


def usage_error(reason) -> int:
    """Say ``error: <reason>`` on stderr; the exit status of a bad invocation (2)."""
    print(f"error: {reason}", file=sys.stderr)
    return 2
