"""Imported by the bench server only (``marketplace_setup.server_env`` puts
this directory first on its PYTHONPATH): Mirakl's published call
frequencies, ``CALL_LIMITS`` of retail_connector_marketplace, with every
window multiplied by ``$BENCH_MIRAKL_CALL_LIMIT_SCALE``, as the sandbox
marketplace's ``limit_scale`` shortens its own. The addon's files are not
changed: the constant is scaled right after Odoo imports its module.
"""

import importlib.machinery
import os
import sys

_TARGET = "odoo.addons.retail_connector_marketplace.tools.api"
_SCALE = float(os.environ.get("BENCH_MIRAKL_CALL_LIMIT_SCALE") or 1)


class _ScaledCallLimits:
    """Meta path finder of the one module; its loader scales the constant."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != _TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            module.CALL_LIMITS.update(
                {
                    operation: tuple((calls, sec * _SCALE) for calls, sec in rules)
                    for operation, rules in module.CALL_LIMITS.items()
                }
            )

        spec.loader.exec_module = exec_module
        return spec


if _SCALE != 1:
    sys.meta_path.insert(0, _ScaledCallLimits)
