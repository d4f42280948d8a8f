"""Make the repository's addons importable as ``odoo.addons.<addon>`` under pytest.

Odoo resolves addons through the ``odoo.addons`` namespace package; appending the
repository root lets plain pytest import the pure code of our addons without
starting Odoo.
"""

import os
import sys
import types

import odoo.addons

ROOT = os.path.dirname(os.path.abspath(__file__))
if ROOT not in odoo.addons.__path__:
    odoo.addons.__path__.append(ROOT)

# With --import-mode=importlib pytest names a test module after its path
# (``retail_connector_base.tests.unit.test_crypto``) and imports the parent
# packages from their files first. For an addon that would run its __init__
# outside ``odoo.addons``, defining its models under the wrong name, which Odoo
# refuses. Empty placeholders for the addon and its ``tests`` package stand in
# as those parents; code under test is always imported as ``odoo.addons.…``.
for _entry in os.scandir(ROOT):
    if _entry.is_dir() and os.path.isfile(os.path.join(_entry.path, "__manifest__.py")):
        for _name in (_entry.name, f"{_entry.name}.tests"):
            if _name not in sys.modules:
                _placeholder = types.ModuleType(_name, "pytest placeholder parent")
                _placeholder.__path__ = []
                sys.modules[_name] = _placeholder
