"""Webhook deliveries while the database is unreachable: 503, never 404.

Why this patches Odoo: when Odoo cannot open the database of a request
(PostgreSQL restarting, the database refusing connections, the registry
failing to load), ``odoo.http.Application.__call__`` catches the
``RegistryError`` of ``Request._serve_db`` and serves the request without a
database (``Request._serve_nodb``); so does a server with a ``dbfilter``
whose database listing fails (``odoo.http.db_list`` answers an empty list).
Our webhook route exists only in a database, so that dispatch answers 404,
and a channel may take a 404 as "this address is gone for good" and drop the
event. A connection lost while our controller runs ends as a 500 instead.
Both mean "nothing was stored, send it again": a channel must be told 503
with ``Retry-After``.

Odoo offers no hook before these answers (``ir.http`` is a model of the
database that cannot be opened), so this module wraps the two ``Request``
methods, for paths under ``/retail/webhook/`` only: every other request runs
Odoo's code untouched. It is imported with the addon's controllers, that is
when a registry holding the addon loads in the process, before any outage.
The wraps are process-wide; on a server holding several databases they only
answer for webhook paths, which no other addon serves.
"""

import logging

import psycopg2

import odoo.service.db
from odoo.http import RegistryError, Request, db_filter

_logger = logging.getLogger(__name__)

WEBHOOK_PATH_PREFIX = "/retail/webhook/"
# Seconds a channel is asked to wait: a PostgreSQL restart takes a few.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_BODY = {"status": "error", "reason": "database unavailable, retry later"}

# Errors of the database connection or of a transaction PostgreSQL gave up
# (lost connection, server shutting down, serialization failure after Odoo's
# retries, statement cancelled), as opposed to errors in a query itself.
DATABASE_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


def _is_webhook(request):
    return request.httprequest.path.startswith(WEBHOOK_PATH_PREFIX)


def _database_error(exc):
    """The first database error in the chain that led to ``exc``, if any.

    The first one says what happened ("server closed the connection"); those
    raised while Odoo cleaned up after it ("connection already closed") less.
    """
    found = None
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DATABASE_ERRORS):
            found = exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return found


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _unavailable(request, cause):
    _logger.warning(
        "Webhook delivery answered 503, the database is unavailable: %s", cause
    )
    return request.make_json_response(
        UNAVAILABLE_BODY,
        headers=[("Retry-After", str(RETRY_AFTER_SECONDS))],
        status=503,
    )


def _database_expected(request):
    """Whether a database would serve this request if it could be opened.

    Without a database, the request either found PostgreSQL unreachable (an
    outage: 503) or has no database at all on this server (a wrong address:
    Odoo's 404 stays). Listing the databases again tells which; this only
    runs for webhook paths that reached the no-database dispatch.
    """
    host = request.httprequest.environ.get("HTTP_HOST", "")
    try:
        names = odoo.service.db.list_dbs(force=True)
    except psycopg2.Error:
        return True
    return len(db_filter(names, host=host)) == 1


def _serve_db(original):
    def serve_db(self):
        if not _is_webhook(self):
            return original(self)
        try:
            return original(self)
        except RegistryError as exc:
            # Odoo would fall back to the no-database dispatch: a 404.
            return _unavailable(self, _first_line(exc.__cause__ or exc))
        except Exception as exc:
            cause = _database_error(exc)
            if cause is None:
                raise
            # The connection went away while the delivery was handled. Had
            # its commit reached PostgreSQL after all, the redelivery this
            # answer asks for is recognised as a duplicate.
            return _unavailable(self, _first_line(cause))

    serve_db.retail_webhook_guard = True
    return serve_db


def _serve_nodb(original):
    def serve_nodb(self):
        if _is_webhook(self) and _database_expected(self):
            return _unavailable(self, "the database could not be selected")
        return original(self)

    serve_nodb.retail_webhook_guard = True
    return serve_nodb


def install():
    """Wrap ``Request._serve_db`` and ``Request._serve_nodb`` once."""
    for name, wrapper in (("_serve_db", _serve_db), ("_serve_nodb", _serve_nodb)):
        original = getattr(Request, name)
        if not getattr(original, "retail_webhook_guard", False):
            setattr(Request, name, wrapper(original))


install()
