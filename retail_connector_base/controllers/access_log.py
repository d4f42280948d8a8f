"""Keep webhook tokens out of the server log.

The token in ``/retail/webhook/<token>`` is the secret part of a connection's
address. werkzeug logs the request line of every request (``werkzeug``), a
thread dump the URL each thread serves (``odoo.tools.misc``), and Odoo the
path of some refused requests (``odoo.http``). A logging filter on each of
these loggers replaces the token with ``***`` before any handler writes the
record. Installed when the addon's controllers are imported, in every process
that loads a registry holding the addon (the HTTP workers included).
"""

from ..tools.log_redaction import install_filter

LOGGERS = ("werkzeug", "odoo.http", "odoo.tools.misc")

install_filter(LOGGERS)
