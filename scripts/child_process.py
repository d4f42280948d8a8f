"""Child processes started in a session of their own (``start_new_session``).

Stopping one stops everything it forked (Odoo's workers, say), and the end
of its log explains a failure. Used by
``scripts/demo.py`` and the server-level tests (``tests/server.py``); no
package, so it imports nothing else from ``scripts/``.
"""

import os
import signal
import subprocess

STOPPED = "stopped"
KILLED = "killed"
RUNNING = "running"


def log_tail(path, lines=40, missing=""):
    """The last ``lines`` lines of a log file; ``missing`` when unreadable."""
    try:
        with open(path, encoding="utf-8", errors="replace") as log_file:
            return "".join(log_file.readlines()[-lines:])
    except OSError:
        return missing


def stop_session(process, timeout, *, whole_session=True):
    """SIGTERM, wait, then SIGKILL the session: nothing is left behind.

    SIGTERM goes to the whole session, or with ``whole_session=False`` to the
    process alone, for a parent that stops its own children (Odoo's prefork
    master). What is left after ``timeout`` seconds is killed. Returns
    STOPPED (it ended on SIGTERM, or had already), KILLED (it took SIGKILL)
    or RUNNING (it outlived SIGKILL by ``timeout`` seconds).
    """
    outcome = STOPPED
    if process.poll() is None:
        try:
            if whole_session:
                os.killpg(process.pid, signal.SIGTERM)
            else:
                process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            outcome = KILLED
    # What the process forked shares its session, and may outlive it.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return RUNNING
    return outcome
