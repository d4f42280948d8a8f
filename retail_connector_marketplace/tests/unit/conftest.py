"""These pure tests need no Odoo database.

pytest-odoo, when installed, loads an Odoo registry in a session-wide autouse
fixture and fails without a configured database; overriding the fixture by
name keeps the pure tests independent of it.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Stand in for pytest-odoo's registry loading: nothing to load."""
    yield
