"""Where Odoo and our addons live, derived from the installed ``odoo`` package.

Nothing here hardcodes an Odoo location: the addons path is the repository root,
the directories of ``odoo.addons.__path__`` (Odoo's own addons and any
pip-installed addons such as queue_job) and, when the standard ``ODOO_RC``
variable names a config file, that file's ``addons_path``.

Usage::

    python3 scripts/odoo_paths.py addons-path   # the --addons-path value
    python3 scripts/odoo_paths.py modules       # our addons, comma-separated
    python3 scripts/odoo_paths.py test-addons-path  # with tests/addons
    python3 scripts/odoo_paths.py test-modules  # our addons and the test-only ones
    python3 scripts/odoo_paths.py test-tags     # --test-tags selecting only them
    python3 scripts/odoo_paths.py odoo-command  # how to start Odoo
"""

import configparser
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ADDON_PREFIX = "retail_connector_"
# Addons that exist only for the tests (a channel written against the
# contract, say): on the addons path and installed by the test runs only.
TEST_ADDONS_DIR = REPO_ROOT / "tests" / "addons"


def our_addons(root=REPO_ROOT):
    """Names of the repository's addons, sorted.

    A ``retail_connector_*`` directory without ``__manifest__.py`` is work in
    progress, not an addon, and is skipped.
    """
    root = Path(root)
    return sorted(
        entry.name
        for entry in root.iterdir()
        if entry.is_dir()
        and entry.name.startswith(ADDON_PREFIX)
        and (entry / "__manifest__.py").is_file()
    )


def test_addons():
    """Names of the test-only addons, sorted."""
    if not TEST_ADDONS_DIR.is_dir():
        return []
    return sorted(
        entry.name
        for entry in TEST_ADDONS_DIR.iterdir()
        if (entry / "__manifest__.py").is_file()
    )


def _is_addons_dir(path):
    """True when ``path`` holds at least one addon, as Odoo requires."""
    try:
        return any(
            (child / "__manifest__.py").is_file() for child in Path(path).iterdir()
        )
    except OSError:
        return False


def _odoo_rc_addons_path():
    """Directories listed in the ``addons_path`` of the ``ODOO_RC`` config file."""
    rc_file = os.environ.get("ODOO_RC")
    if not rc_file or not os.path.isfile(rc_file):
        return []
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(rc_file)
    value = parser.get("options", "addons_path", fallback="")
    base = os.path.dirname(os.path.abspath(rc_file))
    return [
        os.path.normpath(os.path.join(base, os.path.expanduser(item.strip())))
        for item in value.split(",")
        if item.strip()
    ]


def addons_path_entries(root=REPO_ROOT, with_tests=False):
    """Ordered, de-duplicated list of addons directories to hand to Odoo."""
    # Imported here so that the usage text works even where Odoo is missing.
    import odoo.addons

    candidates = [str(root), *odoo.addons.__path__, *_odoo_rc_addons_path()]
    if with_tests:
        candidates.insert(1, str(TEST_ADDONS_DIR))
    seen = set()
    entries = []
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if real in seen or not _is_addons_dir(real):
            continue
        seen.add(real)
        entries.append(os.path.abspath(candidate))
    return entries


def addons_path(root=REPO_ROOT, with_tests=False):
    """The ``--addons-path`` value: entries joined with commas."""
    return ",".join(addons_path_entries(root, with_tests))


def test_tags(root=REPO_ROOT):
    """A ``--test-tags`` value that selects the tests of our addons only.

    Without it ``--test-enable`` would also run the tests of every Odoo module
    installed as a dependency (sale, stock, account...), which takes hours.
    """
    return ",".join(f"/{name}" for name in [*our_addons(root), *test_addons()])


def odoo_command():
    """Argument list that starts the Odoo server installed in this Python.

    ``scripts/run_odoo.py`` rather than an ``odoo`` found on PATH: that one may
    belong to another Python, and ``python -m odoo`` breaks the gevent process
    that the prefork server spawns by re-running ``sys.argv[0]``.
    """
    return [sys.executable, str(REPO_ROOT / "scripts" / "run_odoo.py")]


def main(argv=None):
    """Command-line entry point; prints the requested value."""
    argv = sys.argv[1:] if argv is None else argv
    commands = {
        "addons-path": addons_path,
        "test-addons-path": lambda: addons_path(with_tests=True),
        "modules": lambda: ",".join(our_addons()),
        "test-modules": lambda: ",".join([*our_addons(), *test_addons()]),
        "test-tags": test_tags,
        "odoo-command": lambda: " ".join(odoo_command()),
    }
    if len(argv) != 1 or argv[0] not in commands:
        sys.stderr.write(__doc__)
        return 2
    print(commands[argv[0]]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
