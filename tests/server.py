"""A real Odoo server for server-level tests.

What an HttpCase cannot show (commits, concurrency, the queue_job runner,
crashes of worker processes) needs a real ``odoo`` process: prefork workers,
``--load=web,queue_job``, its own database and real HTTP on loopback. This
module starts and stops such servers and copies databases from a template; the
pytest fixtures in ``conftest.py`` put it together.

Every wait is bounded; a failure to start shows the end of the server log.
"""

import configparser
import importlib.util
import itertools
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = REPO_ROOT / "results" / "logs"

# Every server started by this process, so that a test can read all the logs
# a run wrote (tests/test_security.py scans them for secrets).
STARTED_SERVERS = []

# TEST-ONLY encryption key (the same one the Makefile exports for tests). It
# protects nothing but throwaway test databases; never configure it for real.
TEST_ENCRYPTION_KEY = "aj17G0V-l4nAUEecPt691ZrAEaxNFpBvaLx5NAxFu_o="

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"


def _load_script(name):
    """Import ``scripts/<name>.py`` (``scripts/`` is no package)."""
    path = REPO_ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"retail_connector_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Where Odoo is, its databases and child processes: shared with scripts/demo.py.
odoo_paths = _load_script("odoo_paths")
odoo_db = _load_script("odoo_db")
odoo_rpc = _load_script("odoo_rpc")
child_process = _load_script("child_process")


class ServerError(RuntimeError):
    """The Odoo server could not be started, reached or stopped as expected."""


# Odoo answered a JSON-RPC call with an error; ``.data`` holds its payload.
RpcError = odoo_rpc.RpcError


# ---------------------------------------------------------------------------
# Odoo configuration, ports, databases
# ---------------------------------------------------------------------------


def free_port():
    """A TCP port on loopback that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Odoo's configuration (``ODOO_RC`` or ``~/.odoorc``) gives the database
# connection and the data directory, so tests run wherever Odoo itself runs.
odoo_config = odoo_db.odoo_config
_pg_connect = odoo_db.connect
database_exists = odoo_db.database_exists
installed_modules = odoo_db.installed_modules
drop_database = odoo_db.drop_database
copy_database = odoo_db.copy_database


def _child_env(extra=None):
    env = dict(os.environ)
    env.setdefault("RETAIL_CONNECTOR_ENCRYPTION_KEY", TEST_ENCRYPTION_KEY)
    # The runner's channels come from the config file written per server.
    env.pop("ODOO_QUEUE_JOB_CHANNELS", None)
    env.update(extra or {})
    return env


def _log_tail(path):
    return child_process.log_tail(path, lines=60, missing="(no log)")


def build_template(name, modules=None, timeout=1800):
    """Create database ``name`` with our addons and demo data installed.

    Replaces any database of that name. Raises ServerError with the end of the
    install log when Odoo fails or leaves an addon uninstalled.
    """
    modules = list(modules or odoo_paths.our_addons())
    if not modules:
        raise ServerError("no retail_connector_* addon with a __manifest__.py")
    drop_database(name)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"install-{name}.log"
    command = [
        *odoo_paths.odoo_command(),
        f"--database={name}",
        f"--addons-path={odoo_paths.addons_path(with_tests=True)}",
        f"--init={','.join(modules)}",
        "--stop-after-init",
        "--max-cron-threads=0",
        "--no-http",
    ]
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            returncode = subprocess.run(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_child_env(),
                timeout=timeout,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired as exc:
            raise ServerError(
                f"installing {modules} took more than {timeout}s\n{_log_tail(log_path)}"
            ) from exc
    missing = set(modules) - installed_modules(name, modules)
    if returncode or missing:
        raise ServerError(
            f"installing {modules} into {name} failed (exit status {returncode}, "
            f"not installed: {sorted(missing)}); log {log_path}:\n"
            f"{_log_tail(log_path)}"
        )
    return name


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------


class OdooServer:
    """One ``odoo`` process in prefork mode on its own database.

    Use as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(
        self,
        db,
        *,
        workers=2,
        max_cron_threads=1,
        channels="root:4",
        extra_options=None,
        env=None,
        start_timeout=180,
    ):
        self.db = db
        self.workers = workers
        self.max_cron_threads = max_cron_threads
        self.channels = channels
        self.extra_options = dict(extra_options or {})
        self.env = env or {}
        self.start_timeout = start_timeout
        self.http_port = None
        self.gevent_port = None
        self.process = None
        self.log_path = LOG_DIR / f"server-{db}.log"
        self.config_path = LOG_DIR / f"server-{db}.conf"
        self._uid = None
        self._ids = itertools.count(1)

    # --- lifecycle ---------------------------------------------------------

    @property
    def url(self):
        """Base URL of the server, e.g. ``http://127.0.0.1:8123``."""
        return f"http://127.0.0.1:{self.http_port}"

    def _write_config(self):
        parser = configparser.ConfigParser(interpolation=None)
        rc_file = odoo_config().rcfile
        if rc_file and os.path.isfile(rc_file):
            # Keep the user's database connection and data directory.
            parser.read(rc_file)
        if not parser.has_section("options"):
            parser.add_section("options")
        options = {
            "http_interface": "127.0.0.1",
            "list_db": "False",
            "limit_time_real": "300",
            "limit_time_cpu": "240",
            **{key: str(value) for key, value in self.extra_options.items()},
        }
        for key, value in options.items():
            parser.set("options", key, value)
        for key in ("addons_path", "db_name", "dbfilter", "server_wide_modules"):
            parser.remove_option("options", key)
        if not parser.has_section("queue_job"):
            parser.add_section("queue_job")
        parser.set("queue_job", "channels", self.channels)
        with open(self.config_path, "w", encoding="utf-8") as config_file:
            parser.write(config_file)

    def command(self):
        """The command line that starts this server."""
        return [
            *odoo_paths.odoo_command(),
            f"--config={self.config_path}",
            f"--database={self.db}",
            f"--addons-path={odoo_paths.addons_path(with_tests=True)}",
            f"--workers={self.workers}",
            f"--max-cron-threads={self.max_cron_threads}",
            "--load=web,queue_job",
            f"--http-port={self.http_port}",
            f"--gevent-port={self.gevent_port}",
        ]

    def start(self):
        """Start the server; return once HTTP answers and the job runner is up."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        STARTED_SERVERS.append(self)
        self.http_port = free_port()
        self.gevent_port = free_port()
        self._write_config()
        with open(self.log_path, "w", encoding="utf-8") as log:
            # A session of its own, so stop() can reach every process it forks.
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_child_env(self.env),
                start_new_session=True,
            )
        try:
            self.wait_until(
                self._healthy,
                timeout=self.start_timeout,
                interval=0.5,
                message="GET /web/health",
            )
            self.wait_for_log(
                rf"queue job runner ready for db {re.escape(self.db)}\b",
                timeout=self.start_timeout,
            )
        except Exception:
            self.stop()
            raise
        return self

    def _healthy(self):
        if self.process.poll() is not None:
            raise ServerError(
                f"odoo exited with status {self.process.returncode} while "
                f"starting; log {self.log_path}:\n{_log_tail(self.log_path)}"
            )
        try:
            with urllib.request.urlopen(f"{self.url}/web/health", timeout=5) as reply:
                return reply.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self, timeout=30):
        """SIGTERM the server, SIGKILL whatever is left after ``timeout`` s."""
        if self.process is None:
            return
        process, self.process = self.process, None
        # The master stops its workers, the gevent process and the job runner;
        # what is left of the session is killed.
        outcome = child_process.stop_session(process, timeout, whole_session=False)
        if outcome == child_process.RUNNING:
            raise ServerError(f"odoo (pid {process.pid}) did not die")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # --- processes -----------------------------------------------------------

    def processes(self):
        """The server's child processes as ``[(kind, psutil.Process)]``.

        ``kind`` is ``http``, ``cron``, ``jobrunner``, ``gevent`` or, when the
        process titles are unavailable (setproctitle missing), ``worker``.
        """
        if self.process is None or self.process.poll() is not None:
            return []
        result = []
        for child in psutil.Process(self.process.pid).children(recursive=False):
            try:
                cmdline = " ".join(child.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if "WorkerHTTP" in cmdline:
                kind = "http"
            elif "WorkerCron" in cmdline:
                kind = "cron"
            elif "WorkerJobRunner" in cmdline:
                kind = "jobrunner"
            elif " gevent" in cmdline:
                kind = "gevent"
            else:
                kind = "worker"
            result.append((kind, child))
        return result

    def worker_pids(self, kind="http"):
        """Pids of the children of one kind (see ``processes``)."""
        return [proc.pid for found, proc in self.processes() if found == kind]

    def kill_worker(self, kind="http"):
        """SIGKILL one child process of the given kind; return its pid.

        Odoo's prefork master respawns killed workers, and queue_job respawns
        its runner, which is what crash-recovery tests rely on.
        """
        pids = self.worker_pids(kind)
        if not pids and kind != "gevent":
            # Without process titles forked workers cannot be told apart.
            pids = self.worker_pids("worker")
        if not pids:
            raise ServerError(f"no {kind} process found under pid {self.process.pid}")
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    # --- waiting -------------------------------------------------------------

    @staticmethod
    def wait_until(fn, timeout=30, interval=0.2, message=None):
        """Call ``fn`` until it returns something truthy; return that value.

        Raises TimeoutError after ``timeout`` seconds, naming ``message`` (or
        the function) and the last value seen.
        """
        deadline = time.monotonic() + timeout
        last = None
        while True:
            last = fn()
            if last:
                return last
            if time.monotonic() >= deadline:
                what = message or getattr(fn, "__name__", repr(fn))
                raise TimeoutError(
                    f"{what} not satisfied after {timeout}s (last: {last!r})"
                )
            time.sleep(interval)

    def log_text(self):
        """Everything the server has logged so far."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return log.read()
        except OSError:
            return ""

    def wait_for_log(self, pattern, timeout=30):
        """Wait until a line of the server log matches ``pattern`` (regex)."""
        regex = re.compile(pattern)

        def found():
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(
                    f"odoo exited with status {self.process.returncode}; "
                    f"log {self.log_path}:\n{_log_tail(self.log_path)}"
                )
            return regex.search(self.log_text())

        return self.wait_until(found, timeout=timeout, message=f"log line /{pattern}/")

    # --- JSON-RPC ------------------------------------------------------------

    def jsonrpc(self, service, method, *args, timeout=60):
        """Call ``/jsonrpc`` ``service.method(*args)``; raise RpcError on error."""
        return odoo_rpc.call(
            self.url,
            service,
            method,
            *args,
            timeout=timeout,
            request_id=next(self._ids),
        )

    @property
    def uid(self):
        """The admin user's id (logs in on first use)."""
        if self._uid is None:
            self._uid = self.jsonrpc(
                "common", "login", self.db, ADMIN_LOGIN, ADMIN_PASSWORD
            )
            if not self._uid:
                raise ServerError(f"admin/admin cannot log in to {self.db}")
        return self._uid

    def rpc(self, model, method, *args, **kwargs):
        """``execute_kw`` as admin: ``rpc("res.partner", "search", [])``."""
        return odoo_rpc.execute_kw(
            self.url, self.db, self.uid, ADMIN_PASSWORD, model, method, args, kwargs
        )
