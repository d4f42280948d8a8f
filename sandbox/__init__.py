"""Local stand-ins for the sales channels Retail Connector talks to.

Each channel is a module exposing ``add_arguments(parser)`` and
``run(args) -> int``, run as ``python -m sandbox <channel> [options]``.
The sandboxes use the standard library only and share nothing with the
addons: they are the independent other side of every exchange.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

# Adding a channel is one line: its name and the module implementing it.
CHANNELS: dict[str, str] = {
    "generic": "sandbox.generic",
    "loop": "sandbox.loop",
    "mirakl": "sandbox.mirakl",
    "square": "sandbox.square",
    "woocommerce": "sandbox.woocommerce",
}


def available_channels() -> dict[str, ModuleType]:
    """The registered channels whose module can be imported, by name.

    A module that is not there yet is skipped silently; one that fails to
    import is skipped with a warning, so one broken channel does not take
    the others down.
    """
    channels = {}
    for name, module_name in CHANNELS.items():
        try:
            channels[name] = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                print(f"sandbox: channel {name!r} unavailable: {exc}", file=sys.stderr)
        except Exception as exc:  # a broken module must not hide the others
            print(f"sandbox: channel {name!r} unavailable: {exc}", file=sys.stderr)
    return channels
