"""JSON-RPC calls to an Odoo server (``/jsonrpc``), with Odoo's error message.

Used by ``scripts/demo.py`` and the server-level tests (``tests/server.py``);
no package, so it imports nothing else from ``scripts/``.
"""

import json
import urllib.request


class RpcError(RuntimeError):
    """Odoo answered a JSON-RPC call with an error.

    ``.data`` holds Odoo's error payload (``name``, ``message``, ``debug``).
    """

    def __init__(self, message, data=None):
        super().__init__(message)
        self.data = data or {}


def call(url, service, method, *args, timeout=60, request_id=1):
    """``service.method(*args)`` on the server at ``url``; RpcError on error."""
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": service, "method": method, "args": list(args)},
        "id": request_id,
    }
    request = urllib.request.Request(
        f"{url}/jsonrpc",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        answer = json.loads(reply.read())
    if answer.get("error"):
        error = answer["error"]
        data = error.get("data") or {}
        raise RpcError(data.get("message") or error.get("message"), data)
    # Odoo leaves "result" out when a method returns None.
    return answer.get("result")


def execute_kw(url, db, uid, password, model, method, args, kwargs, *, timeout=60):
    """``model.method(*args, **kwargs)`` in ``db`` as user ``uid``."""
    params = [db, uid, password, model, method, list(args), kwargs]
    return call(url, "object", "execute_kw", *params, timeout=timeout)
