"""Fixtures for server-level tests: real Odoo servers on fresh databases.

- ``odoo_template``: a database with every retail_connector_* addon and demo
  data, built once per pytest session. ``RETAIL_CONNECTOR_TEMPLATE_DB`` may
  name an existing database to copy instead (``make test`` passes the one
  ``make test-odoo`` just installed), provided our addons are installed in it.
- ``odoo_server``: one server shared by the session, on its own copy.
- ``fresh_odoo_server``: a server and database of its own for one test, for
  tests that break things (kill workers, stop PostgreSQL).

Databases and servers created here are dropped and stopped at the end; logs
stay in ``results/logs/``.
"""

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
DEFAULT_TEMPLATE = "retail_connector_server_template"


@pytest.fixture(scope="session")
def odoo_template():
    """Name of a database to copy: our addons and demo data installed."""
    modules = odoo_paths.our_addons()
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


def _server_on_copy(template, label):
    db = f"retail_connector_srv_{label}_{uuid.uuid4().hex[:8]}"
    copy_database(template, db)
    server = OdooServer(db)
    try:
        server.start()
    except Exception:
        drop_database(db)
        raise
    return server


@pytest.fixture(scope="session")
def odoo_server(odoo_template):
    """A running server (2 workers, cron, queue_job runner) shared by tests."""
    server = _server_on_copy(odoo_template, "shared")
    try:
        yield server
    finally:
        server.stop()
        drop_database(server.db)


@pytest.fixture
def fresh_odoo_server(odoo_template):
    """A running server on a database of its own, for one destructive test."""
    server = _server_on_copy(odoo_template, "fresh")
    try:
        yield server
    finally:
        server.stop()
        drop_database(server.db)
