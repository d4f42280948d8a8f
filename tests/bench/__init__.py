"""``make bench``: what the design promises, measured on a real server.

Run with ``python3 -m tests.bench`` (``--help`` for the options). Everything
goes through the server's public faces, as in the server-level tests: the
webhook URL, JSON-RPC, the sandboxes on loopback; the ORM floor and the naive
export baseline run inside ``odoo shell`` against the same database.
"""
