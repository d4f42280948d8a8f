"""Security against a real server: signatures, secrets, tokens, companies.

Attacks go through the same doors a real attacker has: the webhook URL over
HTTP (raw requests, so that headers can be duplicated or oddly cased), and
JSON-RPC or the web client's ``/web/dataset/call_kw`` as logged-in users of
each role. The database and the server logs are read afterwards for what must
never be in them.
"""

import hashlib
import hmac
import http.client
import json
import math
import re
import string
import subprocess
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.fernet import Fernet

from tests.retail_channel import SECRETS_SET, create_connection, order_event
from tests.server import (
    LOG_DIR,
    STARTED_SERVERS,
    TEST_ENCRYPTION_KEY,
    RpcError,
    _pg_connect,
    odoo_config,
)

TOKEN_ALPHABET = set(string.ascii_letters + string.digits + "-_")


def _hex(secret, timestamp, body):
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def raw_post(url, body, headers):
    """POST with ``headers`` as a list of (name, value), duplicates kept."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.putrequest("POST", parts.path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders(body)
        reply = connection.getresponse()
        data = reply.read()
    finally:
        connection.close()
    try:
        return reply.status, json.loads(data)
    except ValueError:
        return reply.status, data.decode("utf-8", "replace")


def _xmlid(server, xmlid):
    module, name = xmlid.split(".")
    (record,) = server.rpc(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    return record["res_id"]


class User:
    """A user of the server, calling it over JSON-RPC and the web client."""

    def __init__(self, server, login, password):
        self.server = server
        self.login = login
        self.password = password
        self.uid = server.jsonrpc("common", "login", server.db, login, password)
        assert self.uid, f"{login} cannot log in"
        self._web = None

    def rpc(self, model, method, *args, **kwargs):
        return self.server.jsonrpc(
            "object",
            "execute_kw",
            self.server.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )

    def web_call(self, model, method, args, kwargs):
        """What the web client does: a session cookie and call_kw."""
        if self._web is None:
            self._web = requests.Session()
            reply = self._web.post(
                f"{self.server.url}/web/session/authenticate",
                json={
                    "jsonrpc": "2.0",
                    "params": {
                        "db": self.server.db,
                        "login": self.login,
                        "password": self.password,
                    },
                },
                timeout=60,
            )
            assert reply.json().get("result"), reply.text[:500]
        reply = self._web.post(
            f"{self.server.url}/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs,
                },
            },
            timeout=60,
        )
        return reply.json()


def _create_user(server, login, groups, company=None):
    password = f"pw-{uuid.uuid4().hex}"
    values = {
        "name": login,
        "login": f"{login}-{uuid.uuid4().hex[:6]}",
        "password": password,
        "groups_id": [(6, 0, [_xmlid(server, xmlid) for xmlid in groups])],
    }
    if company:
        values.update(company_id=company, company_ids=[(6, 0, [company])])
    server.rpc("res.users", "create", values)
    return User(server, values["login"], password)


@pytest.fixture(scope="module")
def secured(odoo_server):
    """A connection, and users of every role (company A unless said)."""
    connection = create_connection(odoo_server, "sec", sku_count=2, stock=100)
    users = {
        # With the right to export, so that export_data is tried for real.
        "retail_user": _create_user(
            odoo_server,
            "sec-user",
            ["retail_connector_base.group_retail_user", "base.group_allow_export"],
        ),
        "salesman": _create_user(
            odoo_server, "sec-sales", ["sales_team.group_sale_salesman"]
        ),
        "internal": _create_user(odoo_server, "sec-internal", ["base.group_user"]),
        "manager": _create_user(
            odoo_server, "sec-manager", ["retail_connector_base.group_retail_manager"]
        ),
    }
    return connection, users


# ---------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------


def test_signature_bypass_attempts_are_rejected(secured):
    connection, _users = secured
    secret, url = connection.secret, connection.webhook_url
    event = order_event(connection, "sig-1", quantity=1, status="confirmed")
    body = connection.body(event)
    other = connection.body(
        order_event(connection, "sig-2", quantity=1, status="confirmed")
    )
    now = int(time.time())
    good = _hex(secret, now, body)
    header = "X-Retail-Signature"
    attempts = {
        "no signature": [],
        "empty header": [(header, "")],
        "wrong secret": [(header, f"t={now},v1={_hex(secret + 'x', now, body)}")],
        "empty-key HMAC": [(header, f"t={now},v1={_hex('', now, body)}")],
        "other body's signature": [(header, f"t={now},v1={_hex(secret, now, other)}")],
        "truncated signature": [(header, f"t={now},v1={good[:32]}")],
        "signature with a tail": [(header, f"t={now},v1={good}00")],
        "signature only, no time": [(header, f"v1={good}")],
        "time only": [(header, f"t={now}")],
        "upper-case keys": [(header, f"T={now},V1={good}")],
        "unknown scheme": [(header, f"t={now},v0={good}")],
        "stale timestamp": [
            (header, f"t={now - 301},v1={_hex(secret, now - 301, body)}")
        ],
        # Ahead by more than the window even once this request is sent.
        "future timestamp": [
            (header, f"t={now + 360},v1={_hex(secret, now + 360, body)}")
        ],
        "timestamp as float": [(header, f"t={now}.0,v1={good}")],
        "signature in another header": [
            ("X-Retail-Signature-256", f"t={now},v1={good}")
        ],
        "two forged headers": [
            (header, f"t={now},v1={'0' * 64}"),
            (header, f"t={now},v1={'f' * 64}"),
        ],
        "forged then other body's": [
            (header, f"t={now},v1={'0' * 64}"),
            (header, f"t={now},v1={_hex(secret, now, other)}"),
        ],
        "stale and fresh headers": [
            (header, f"t={now - 400},v1={_hex(secret, now - 400, body)}"),
            (header, f"t={now},v1={good}"),
        ],
    }
    answers = {
        label: raw_post(url, body, headers) for label, headers in attempts.items()
    }
    wrong = {label: a for label, a in answers.items() if a[0] != 401}
    assert not wrong, wrong
    assert all(a[1].get("reason") for a in answers.values())
    assert not connection.exchanges(), "a rejected delivery stored something"

    # Header names are case-insensitive in HTTP: that is no trick.
    status, answer = raw_post(url, body, [("x-retail-signature", f"t={now},v1={good}")])
    assert (status, answer) == (200, {"status": "accepted"})
    # A replay inside the window is answered but never processed twice.
    status, answer = raw_post(url, body, [(header, f"t={now},v1={good}")])
    assert (status, answer) == (200, {"status": "duplicate"})
    assert len(connection.exchanges()) == 1


def test_connection_without_secret_accepts_nothing(odoo_server):
    backend = odoo_server.rpc("retail.backend", "create", {"name": "No secret"})
    (record,) = odoo_server.rpc("retail.backend", "read", [backend], ["webhook_url"])
    url = f"{odoo_server.url}{urlsplit(record['webhook_url']).path}"
    with pytest.raises(RpcError, match="webhook secret"):
        odoo_server.rpc("retail.backend", "action_activate", [backend])
    body = json.dumps({"id": "evt-x", "topic": "order.created", "data": {}}).encode()
    now = int(time.time())
    for headers in (
        [],
        [("X-Retail-Signature", f"t={now},v1={_hex('', now, body)}")],
        [("X-Retail-Signature", f"t={now},v1={'0' * 64}")],
    ):
        status, answer = raw_post(url, body, headers)
        assert status == 401, (headers, status, answer)
    count = odoo_server.rpc(
        "retail.exchange", "search_count", [("backend_id", "=", backend)]
    )
    assert count == 0


# ---------------------------------------------------------------------------
# Secrets at rest and over the API
# ---------------------------------------------------------------------------


def _contains(value, secret):
    return secret in json.dumps(value, default=str)


def test_secrets_are_never_read_back(secured):
    connection, users = secured
    backend, secret = connection.backend_id, connection.secret
    for role, user in users.items():
        if role == "internal":
            with pytest.raises(RpcError):
                user.rpc("retail.backend", "read", [backend], ["name"])
            continue
        read = user.rpc("retail.backend", "read", [backend], ["webhook_secret"])
        assert read[0]["webhook_secret"] is False, role
        # Every field a role may read (a salesman only sees the connection
        # named on a sale order; its counters read exchanges, which he can't).
        fields = [] if role != "salesman" else ["name", "channel", "webhook_url"]
        everything = user.rpc("retail.backend", "read", [backend], fields)
        assert not _contains(everything, secret), role
        searched = user.rpc(
            "retail.backend",
            "search_read",
            [("id", "=", backend)],
            fields=["webhook_secret", "webhook_secret_set"],
        )
        assert searched[0]["webhook_secret"] is False, role
        assert searched[0]["webhook_secret_set"] is True, role
        try:
            exported = user.rpc(
                "retail.backend", "export_data", [backend], ["name", "webhook_secret"]
            )
        except RpcError as exc:
            # Without "Access to export feature" nothing can be exported.
            assert "export" in str(exc), exc
        else:
            assert exported["datas"][0][0], role
            assert not _contains(exported, secret), role
        web = user.web_call(
            "retail.backend",
            "web_read",
            [[backend]],
            {"specification": {"name": {}, "webhook_secret": {}, "webhook_url": {}}},
        )
        assert "error" not in web, (role, web.get("error"))
        assert web["result"][0]["webhook_secret"] is False, role
        assert not _contains(web, secret), role
        # The encrypted store has no access rights at all, for anybody.
        with pytest.raises(RpcError):
            user.rpc("retail.backend.secret", "search_read", [], fields=["ciphertext"])
        if role != "manager":
            # The webhook token is the manager's: others get an access error.
            with pytest.raises(RpcError):
                user.rpc("retail.backend", "read", [backend], ["webhook_token"])
            web = user.web_call(
                "retail.backend",
                "web_read",
                [[backend]],
                {"specification": {"webhook_token": {}}},
            )
            assert "error" in web, role
            with pytest.raises(RpcError):
                user.rpc("retail.backend", "write", [backend], {"webhook_secret": "x"})
    with pytest.raises(RpcError):
        connection.server.rpc(
            "retail.backend.secret", "search_read", [], fields=["ciphertext"]
        )


def test_database_holds_only_ciphertext(secured):
    connection, _users = secured
    server, secret = connection.server, connection.secret
    database = _pg_connect(server.db)
    try:
        with database.cursor() as cursor:
            cursor.execute(
                "SELECT ciphertext FROM retail_backend_secret"
                " WHERE backend_id = %s AND name = 'webhook_secret'",
                [connection.backend_id],
            )
            (ciphertext,) = cursor.fetchone()
            cursor.execute(
                "SELECT row_to_json(b)::text FROM retail_backend b WHERE id = %s",
                [connection.backend_id],
            )
            (row,) = cursor.fetchone()
    finally:
        database.close()
    assert secret not in ciphertext and secret not in row
    key = TEST_ENCRYPTION_KEY.encode()
    assert Fernet(key).decrypt(ciphertext.encode()).decode() == secret
    # A dump of the whole database reveals no secret set in this run.
    config = odoo_config()
    command = ["pg_dump", "--data-only", "--no-owner", server.db]
    if config["db_port"]:
        command[1:1] = ["--port", str(config["db_port"])]
    if config["db_host"]:
        command[1:1] = ["--host", config["db_host"]]
    dump = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=True
    ).stdout
    leaked = [s for s in SECRETS_SET if s in dump]
    assert not leaked, f"{len(leaked)} secrets in clear in a database dump"
    assert TEST_ENCRYPTION_KEY not in dump, "the encryption key is in the database"


# ---------------------------------------------------------------------------
# Webhook tokens
# ---------------------------------------------------------------------------


def test_webhook_tokens_are_unguessable_and_regenerable(secured):
    connection, _users = secured
    server = connection.server
    backends = [
        server.rpc("retail.backend", "create", {"name": f"Token probe {index}"})
        for index in range(20)
    ]
    urls = [
        record["webhook_url"]
        for record in server.rpc("retail.backend", "read", backends, ["webhook_url"])
    ]
    tokens = [url.rsplit("/", 1)[1] for url in urls]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert len(token) >= 43, token
        assert set(token) <= TOKEN_ALPHABET, token
    # 43 characters of a 64-symbol alphabet: 258 bits if they are random.
    # The symbols of these tokens together must look like it (no fixed
    # prefix, no counter): nearly every symbol used, none dominant.
    symbols = "".join(tokens)
    counts = {symbol: symbols.count(symbol) for symbol in set(symbols)}
    entropy = -sum(
        count / len(symbols) * math.log2(count / len(symbols))
        for count in counts.values()
    )
    assert entropy > 5.7, f"{entropy:.2f} bits per symbol"
    prefixes = {token[:4] for token in tokens}
    assert len(prefixes) == len(tokens), f"tokens share a prefix: {sorted(prefixes)}"
    # Guesses of the right shape get the same 404 as any unknown address.
    for _guess in range(50):
        guess = uuid.uuid4().hex + uuid.uuid4().hex[:11]
        status, answer = raw_post(f"{server.url}/retail/webhook/{guess}", b"{}", [])
        assert status == 404, (status, answer)

    old_url = connection.webhook_url
    body = connection.body(
        order_event(connection, "tok-1", quantity=1, status="confirmed")
    )
    server.rpc("retail.backend", "action_regenerate_token", [connection.backend_id])
    (record,) = server.rpc(
        "retail.backend", "read", [connection.backend_id], ["webhook_url"]
    )
    new_url = f"{server.url}{urlsplit(record['webhook_url']).path}"
    assert new_url != old_url
    status, answer, _latency = connection.post(body, url=old_url)
    assert status == 404, "the old address must stop working at once"
    status, answer, _latency = connection.post(body, url=new_url)
    assert (status, answer) == (200, {"status": "accepted"})
    connection.webhook_url = new_url


# ---------------------------------------------------------------------------
# Companies
# ---------------------------------------------------------------------------


def test_company_b_sees_only_its_connections_and_exchanges(secured):
    connection, users = secured
    server = connection.server
    company_b = server.rpc(
        "res.company", "create", {"name": f"Shop B {uuid.uuid4().hex[:6]}"}
    )
    in_b = {"allowed_company_ids": [company_b]}
    warehouse_b = server.rpc(
        "stock.warehouse",
        "create",
        {"name": "Warehouse B", "code": "WHB", "company_id": company_b},
        context=in_b,
    )
    secret_b = f"whsec-b-{uuid.uuid4().hex}"
    SECRETS_SET.append(secret_b)
    backend_b = server.rpc(
        "retail.backend",
        "create",
        {
            "name": "Connection of B",
            "company_id": company_b,
            "warehouse_id": warehouse_b,
            "webhook_secret": secret_b,
        },
        context=in_b,
    )
    server.rpc("retail.backend", "action_activate", [backend_b], context=in_b)
    # Events of B wait (paused) so that only intake matters here.
    server.rpc("retail.backend", "action_pause", [backend_b], context=in_b)
    (record,) = server.rpc(
        "retail.backend", "read", [backend_b], ["webhook_url"], context=in_b
    )
    url_b = f"{server.url}{urlsplit(record['webhook_url']).path}"
    body = json.dumps(
        {
            "id": f"evt-b-{uuid.uuid4()}",
            "topic": "order.created",
            "data": {"external_id": "B-1"},
        }
    ).encode()
    now = int(time.time())
    status, answer = raw_post(
        url_b, body, [("X-Retail-Signature", f"t={now},v1={_hex(secret_b, now, body)}")]
    )
    assert (status, answer) == (200, {"status": "accepted"})
    # Company A has exchanges too.
    connection.deliver(
        connection.body(order_event(connection, "co-a", quantity=1, status="pending"))
    )

    manager_b = _create_user(
        server,
        "sec-manager-b",
        ["retail_connector_base.group_retail_manager"],
        company=company_b,
    )
    visible = manager_b.rpc("retail.backend", "search", [])
    assert visible == [backend_b], visible
    exchanges_b = manager_b.rpc(
        "retail.exchange", "search_read", [], fields=["backend_id"]
    )
    assert exchanges_b and {e["backend_id"][0] for e in exchanges_b} == {backend_b}
    with pytest.raises(RpcError):
        manager_b.rpc("retail.backend", "read", [connection.backend_id], ["name"])
    a_exchanges = server.rpc(
        "retail.exchange", "search", [("backend_id", "=", connection.backend_id)]
    )
    assert a_exchanges
    with pytest.raises(RpcError):
        manager_b.rpc("retail.exchange", "read", a_exchanges[:1], ["payload"])
    assert not manager_b.rpc(
        "retail.exchange", "search", [("backend_id", "=", connection.backend_id)]
    )
    web = manager_b.web_call(
        "retail.exchange",
        "web_search_read",
        [],
        {"domain": [], "specification": {"backend_id": {}, "payload": {}}},
    )
    assert {r["backend_id"] for r in web["result"]["records"]} == {backend_b}

    # And the other way round: users of company A never see B's.
    for role in ("manager", "retail_user"):
        user = users[role]
        assert backend_b not in user.rpc("retail.backend", "search", [])
        assert not user.rpc(
            "retail.exchange", "search", [("backend_id", "=", backend_b)]
        )
        with pytest.raises(RpcError):
            user.rpc("retail.backend", "read", [backend_b], ["name"])


# ---------------------------------------------------------------------------
# Logs (runs last: it reads what every other test made the servers log)
# ---------------------------------------------------------------------------


@pytest.mark.last
def test_server_logs_hold_no_secret(odoo_server, odoo_template, secured):
    paths = {server.log_path for server in STARTED_SERVERS}
    paths.add(LOG_DIR / f"install-{odoo_template}.log")
    secrets_to_find = [*SECRETS_SET, TEST_ENCRYPTION_KEY, "demo-secret"]
    assert len(SECRETS_SET) >= 2, "the run set no secret to look for"
    found = []
    scanned = 0
    for path in sorted(paths):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        scanned += len(text)
        found += [(path.name, s) for s in secrets_to_find if s in text]
        # Signatures are secret-derived: a logged one could be replayed.
        found += [(path.name, match) for match in re.findall(r"v1=[0-9a-f]{64}", text)]
    assert scanned, "no server log to scan"
    assert not found, found[:5]


@pytest.mark.last
def test_server_log_holds_no_webhook_token(secured):
    """The request line werkzeug logs for every delivery shows ``***``."""
    connection, _users = secured
    server = connection.server
    probe = uuid.uuid4().hex
    url = f"{connection.webhook_url}?probe={probe}"
    unknown = uuid.uuid4().hex + uuid.uuid4().hex[:11]
    body = connection.body(
        order_event(connection, f"log-{probe}", quantity=1, status="pending")
    )
    answers = [
        connection.post(body, url=url)[:2],
        connection.post(body, url=url, signature=False)[:2],
        connection.post(
            body, url=f"{server.url}/retail/webhook/{unknown}?probe={probe}"
        )[:2],
    ]
    assert [status for status, _answer in answers] == [200, 401, 404], answers
    for status in (200, 401, 404):
        server.wait_for_log(
            rf'"POST /retail/webhook/\*\*\*\?probe={probe} HTTP/1\.1" {status} '
        )

    # No token of any connection this server ever had in its log.
    records = server.rpc(
        "retail.backend",
        "search_read",
        [],
        fields=["webhook_url"],
        context={"active_test": False},
    )
    tokens = [
        unknown,
        *(urlsplit(r["webhook_url"]).path.rsplit("/", 1)[1] for r in records),
    ]
    log = server.log_text()
    assert "/retail/webhook/" in log
    leaked = [token for token in tokens if token in log]
    assert not leaked, leaked[:3]
