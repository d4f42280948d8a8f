"""Webhook tokens out of log lines.

The last segment of ``/retail/webhook/<token>`` is a secret: whoever knows the
address can post to it. Odoo's HTTP workers log every request line (werkzeug's
``"POST /retail/webhook/<token> HTTP/1.1" 200 -``) and a thread dump shows the
URL each request is serving, so without care every delivery writes the token
to the server log. ``WebhookTokenFilter`` replaces it with ``***`` in a log
record before any handler formats it, in the message and in its arguments.

Pure code: the standard library only, no Odoo.
"""

import logging
import re
from collections.abc import Mapping

from .redact import REDACTED

# The path of the webhook route, wherever it appears in a text: a bare path,
# a full URL, a quoted request line. Separators may be percent-encoded (a
# request line is logged as the client sent it); the token is everything up
# to the next separator, query, fragment, quote or blank.
_WEBHOOK_PATH = re.compile(
    r"(?P<prefix>/retail(?:/|%2F)webhook(?:/|%2F))(?P<token>[^/?#\s\"'<>\\]+)",
    re.IGNORECASE,
)
_REPLACEMENT = rf"\g<prefix>{REDACTED}"


def redact_webhook_tokens(text):
    """``text`` with the token of every webhook address replaced by ``***``.

    Anything but a string is returned as it is.
    """
    if not isinstance(text, str):
        return text
    return _WEBHOOK_PATH.sub(_REPLACEMENT, text)


def _mentions_webhook(value):
    return isinstance(value, str) and _WEBHOOK_PATH.search(value) is not None


def redact_record(record):
    """Redact webhook tokens in ``record.msg`` and its string arguments.

    The arguments are redacted one by one rather than the message formatted
    once, so that the record keeps its template and ``%r``/``%d`` placeholders
    keep their meaning. ``args`` may be a tuple or, as ``logging`` allows, a
    single mapping. Returns True when something was replaced.
    """
    args = record.args
    if isinstance(args, Mapping):
        values = args.values()
    elif isinstance(args, tuple):
        values = args
    else:
        values = ()
    if not _mentions_webhook(record.msg) and not any(
        _mentions_webhook(value) for value in values
    ):
        return False
    record.msg = redact_webhook_tokens(record.msg)
    if isinstance(args, Mapping):
        record.args = {key: redact_webhook_tokens(v) for key, v in args.items()}
    elif isinstance(args, tuple):
        record.args = tuple(redact_webhook_tokens(value) for value in args)
    return True


class WebhookTokenFilter(logging.Filter):
    """Logging filter: redact webhook tokens, never drop a record."""

    def filter(self, record):
        redact_record(record)
        return True


def install_filter(logger_names):
    """Add one ``WebhookTokenFilter`` to each named logger (once per logger).

    A logger's filters only see the records logged on that very logger, not
    those of its children: name each logger that writes request paths.
    """
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(item, WebhookTokenFilter) for item in logger.filters):
            logger.addFilter(WebhookTokenFilter())
