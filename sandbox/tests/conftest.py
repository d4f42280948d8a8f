"""The sandbox tests need no Odoo database.

When the pytest-odoo plugin is installed, its session-wide autouse fixture
loads an Odoo registry and fails without a configured database. Overriding
that fixture by name here keeps these stdlib-only tests independent of it;
with the plugin disabled (``-p no:odoo``) this fixture simply does nothing.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Stand in for pytest-odoo's registry loading: nothing to load."""
    yield
