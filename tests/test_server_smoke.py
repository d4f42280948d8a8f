"""The server-level harness itself: a real server answers and serves our models."""

import json
import urllib.request


def test_health_endpoint_answers(odoo_server):
    with urllib.request.urlopen(f"{odoo_server.url}/web/health", timeout=10) as reply:
        assert reply.status == 200
        assert json.loads(reply.read())["status"] == "pass"


def test_connections_are_searchable_over_rpc(odoo_server):
    backends = odoo_server.rpc(
        "retail.backend", "search_read", [], fields=["name", "channel"]
    )
    # Demo data ships a connection to the generic sandbox.
    assert any(backend["channel"] == "generic" for backend in backends)


def test_prefork_workers_and_job_runner_are_running(odoo_server):
    kinds = [kind for kind, _process in odoo_server.processes()]
    assert kinds.count("http") == 2, kinds
    assert "jobrunner" in kinds, kinds
