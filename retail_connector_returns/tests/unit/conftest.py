"""These pure tests need no Odoo database.

pytest-odoo, when installed, loads an Odoo registry in a session-wide autouse
fixture and fails without a configured database; overriding the fixture by
name keeps the pure tests independent of it. The code under test is imported
as ``odoo.addons.retail_connector_returns.tools`` (the repository's root
conftest puts the addons on that path).
"""

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Stand in for pytest-odoo's registry loading: nothing to load."""
    yield


@pytest.fixture
def raw():
    """The exact bytes of a fixture, as Loop sends them."""
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def payload():
    """A fixture decoded, a fresh copy each call."""
    return lambda name: json.loads((FIXTURES / name).read_bytes())
