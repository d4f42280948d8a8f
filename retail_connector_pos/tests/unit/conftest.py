"""These pure tests need no Odoo database.

pytest-odoo, when installed, loads an Odoo registry in a session-wide autouse
fixture and fails without a configured database; overriding the fixture by
name keeps the pure tests independent of it. The code under test is imported
as ``odoo.addons.retail_connector_pos.tools`` (the repository's root
conftest puts the addons on that path).

The fixtures are the Square sandbox's own renders (``sandbox/square``, seed 7,
its clock set to each scenario's time), saved once: webhook bodies byte for
byte as delivered, API objects as ``GET`` answers them. Paris card sale at
00:30 local time (23:30 UTC the day before), Paris cash sale with a measured
quantity and a 10 % discount, a card and a cash till return, a New York sale
at 23:30 local time (04:30 UTC the next day), a Berlin sale made offline at
23:50 local time and uploaded at 07:00, an online order (``DRAFT`` first),
the Paris drawer shift counted 1.50 short, a paid and a failed payout.
``test_notification.json`` is the body of Square's SDK test vector.
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
    """The exact bytes of a fixture, as Square sends them."""
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def payload():
    """A fixture decoded, a fresh copy each call."""
    return lambda name: json.loads((FIXTURES / name).read_bytes())


@pytest.fixture
def location(payload):
    """A store of the sandbox merchant by its city, as GET /v2/locations has it."""
    ids = {"paris": "LPARIS7Q2M3XA", "berlin": "LBERLN4K8W1ZC", "ny": "LNYSOH9T5R6PD"}

    def find(city):
        stores = payload("locations.json")["locations"]
        return next(store for store in stores if store["id"] == ids[city])

    return find
