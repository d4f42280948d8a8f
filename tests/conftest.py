"""Fixtures for server-level tests: real Odoo servers on fresh databases.

- ``odoo_template``: a database with every retail_connector_* addon and demo
  data, built once per pytest session. ``RETAIL_CONNECTOR_TEMPLATE_DB`` may
  name an existing database to copy instead (``make test`` passes the one
  ``make test-odoo`` just installed), provided our addons are installed in it.
- ``odoo_server``: one server shared by the session, on its own copy.
- ``fresh_odoo_server``: a server and database of its own for one test, for
  tests that break things (kill workers, stop PostgreSQL).
- ``odoo_server_factory``: the same with server options (workers, job
  channels, environment), for tests that need a particular set-up.
- ``fault_scale``: ``"short"`` (default, part of ``make test``) or ``"full"``
  (``make test-faults``), from ``RETAIL_CONNECTOR_FAULTS``.

``RETAIL_CONNECTOR_MODULES`` (comma-separated) narrows the addons the template
must hold, e.g. to ``retail_connector_base`` while a channel addon is still
being written.

Databases and servers created here are dropped and stopped at the end; logs
stay in ``results/logs/``.
"""

import contextlib
import os
import uuid

import pytest

from tests.server import (
    OdooServer,
    build_template,
    copy_database,
    drop_database,
    installed_modules,
    odoo_paths,
)

TEMPLATE_ENV = "RETAIL_CONNECTOR_TEMPLATE_DB"
MODULES_ENV = "RETAIL_CONNECTOR_MODULES"
FAULTS_ENV = "RETAIL_CONNECTOR_FAULTS"
DEFAULT_TEMPLATE = "retail_connector_server_template"


def template_modules():
    """The addons a template must hold: ours, or those named in MODULES_ENV."""
    modules = odoo_paths.our_addons()
    wanted = [name.strip() for name in os.environ.get(MODULES_ENV, "").split(",")]
    wanted = [name for name in wanted if name]
    if wanted:
        unknown = sorted(set(wanted) - set(modules))
        if unknown:
            pytest.fail(f"{MODULES_ENV} names unknown addons: {unknown}")
        return wanted
    return modules


def pytest_collection_modifyitems(config, items):
    """Run the tests marked ``last`` after all others (they read their logs)."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


@pytest.fixture(scope="session")
def odoo_template():
    """Name of a database to copy: our addons and demo data installed."""
    modules = template_modules()
    if not modules:
        pytest.fail("no retail_connector_* addon with a __manifest__.py to install")
    given = os.environ.get(TEMPLATE_ENV)
    if given:
        missing = set(modules) - installed_modules(given, modules)
        if not missing:
            yield given
            return
        print(f"\n{TEMPLATE_ENV}={given} lacks {sorted(missing)}; building a template")
    name = build_template(DEFAULT_TEMPLATE, modules)
    try:
        yield name
    finally:
        drop_database(name)


@contextlib.contextmanager
def _server_on_copy(template, label, **options):
    """A started server on a copy of ``template``; stopped and dropped after."""
    db = f"retail_connector_srv_{label}_{uuid.uuid4().hex[:8]}"
    copy_database(template, db)
    server = OdooServer(db, **options)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        drop_database(db)


@pytest.fixture(scope="session")
def odoo_server(odoo_template):
    """A running server (2 workers, cron, queue_job runner) shared by tests."""
    with _server_on_copy(odoo_template, "shared") as server:
        yield server


@pytest.fixture
def fresh_odoo_server(odoo_template):
    """A running server on a database of its own, for one destructive test."""
    with _server_on_copy(odoo_template, "fresh") as server:
        yield server


@pytest.fixture
def odoo_server_factory(odoo_template):
    """Start servers with options, each on a database of its own.

    ``odoo_server_factory("label", workers=2, channels="root:2")`` returns a
    started server (options as for ``OdooServer``); all are stopped and their
    databases dropped at the end of the test.
    """
    with contextlib.ExitStack() as servers:

        def start(label="custom", **options):
            return servers.enter_context(
                _server_on_copy(odoo_template, label, **options)
            )

        yield start


@pytest.fixture(scope="session")
def fault_scale():
    """``"short"`` inside ``make test``, ``"full"`` for ``make test-faults``."""
    scale = os.environ.get(FAULTS_ENV, "short").strip().lower() or "short"
    if scale not in ("short", "full"):
        pytest.fail(f"{FAULTS_ENV} must be 'short' or 'full', not {scale!r}")
    return scale
