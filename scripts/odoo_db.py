"""PostgreSQL databases as Odoo sees them: connect, look up, drop, copy.

The connection parameters are Odoo's own (``ODOO_RC`` or ``~/.odoorc``), so
these helpers reach the cluster a plain ``odoo`` command would use. Used by
``scripts/demo.py`` and the server-level tests (``tests/server.py``); no
package, so it imports nothing else from ``scripts/``.
"""

import shutil
from pathlib import Path

import psycopg2
from psycopg2 import sql


def odoo_config():
    """Odoo's configuration as a plain ``odoo`` command would see it."""
    # Imported late: importing it parses the user's Odoo config file.
    from odoo.tools import config

    return config


def connect(dbname="postgres"):
    """An autocommit connection to ``dbname`` with Odoo's parameters."""
    config = odoo_config()
    params = {"dbname": dbname}
    for key, option in (
        ("host", "db_host"),
        ("port", "db_port"),
        ("user", "db_user"),
        ("password", "db_password"),
    ):
        if config[option]:
            params[key] = config[option]
    connection = psycopg2.connect(**params)
    connection.autocommit = True
    return connection


def database_exists(name):
    """True when PostgreSQL has a database called ``name``."""
    connection = connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def installed_modules(name, modules):
    """The subset of ``modules`` installed in database ``name``.

    Empty when the database is missing or holds no Odoo; an unreachable
    PostgreSQL raises ``psycopg2.OperationalError``.
    """
    if not database_exists(name):
        return set()
    connection = connect(name)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM ir_module_module"
                " WHERE state = 'installed' AND name = ANY(%s)",
                [list(modules)],
            )
            return {row[0] for row in cursor.fetchall()}
    except psycopg2.Error:
        return set()
    finally:
        connection.close()


def drop_database(name):
    """Drop database ``name`` and its filestore, closing its connections."""
    connection = connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )
    finally:
        connection.close()
    shutil.rmtree(odoo_config().filestore(name), ignore_errors=True)


def copy_database(template, name):
    """Create ``name`` as a copy of ``template``, filestore included."""
    drop_database(name)
    connection = connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("CREATE DATABASE {} WITH TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    finally:
        connection.close()
    source = Path(odoo_config().filestore(template))
    if source.is_dir():
        shutil.copytree(source, odoo_config().filestore(name), dirs_exist_ok=True)
