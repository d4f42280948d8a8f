"""Add up the closing lines of the test runners that ``make test`` ran.

Usage: ``python3 scripts/test_recap.py NAME=OUTPUT_FILE [NAME=OUTPUT_FILE ...]``

Each output file holds what one runner printed: Odoo's (through
``odoo_test_summary.py``, ``odoo: N passed, N failed``) or pytest's
(``=== N passed, N failed in 1.2s ===``). Prints one line per runner and a
``total: N passed, N failed`` line. A runner whose output holds no summary,
or that exited non-zero without counting a failure (an error logged while
installing, say), counts as one failure, so nothing can pass for success. The
exit status of a runner is read from ``OUTPUT_FILE.rc`` when that file exists.
"""

import re
import sys

ODOO_LINE = re.compile(
    r"^odoo: (?P<passed>\d+) passed, (?P<failed>\d+) failed"
    r"(?:, (?P<skipped>\d+) skipped)?$"
)
PYTEST_LINE = re.compile(r"^=+ (?P<body>.*) in [\d.]+s(?: \([^)]*\))? =+$")
PYTEST_COUNT = re.compile(r"(?P<count>\d+) (?P<kind>passed|failed|errors?|skipped)")


def runner_counts(text):
    """Return ``(passed, failed, skipped)`` from a runner's output, or None."""
    counts = None
    for line in text.splitlines():
        line = line.strip()
        odoo = ODOO_LINE.match(line)
        if odoo:
            counts = (
                int(odoo["passed"]),
                int(odoo["failed"]),
                int(odoo["skipped"] or 0),
            )
            continue
        pytest = PYTEST_LINE.match(line)
        if pytest:
            found = {"passed": 0, "failed": 0, "skipped": 0}
            for match in PYTEST_COUNT.finditer(pytest["body"]):
                kind = "failed" if match["kind"].startswith("error") else match["kind"]
                found[kind] += int(match["count"])
            counts = (found["passed"], found["failed"], found["skipped"])
    return counts


def _exit_status(path):
    """Exit status recorded next to a runner's output, 0 when unknown."""
    try:
        with open(path + ".rc", encoding="utf-8") as status_file:
            return int(status_file.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def main(argv=None):
    """Command-line entry point; exit code 1 when anything failed."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    total_passed = total_failed = total_skipped = 0
    print("\nSummary")
    for item in argv:
        name, _, path = item.partition("=")
        try:
            with open(path, encoding="utf-8", errors="replace") as output:
                counts = runner_counts(output.read())
        except OSError:
            counts = None
        status = _exit_status(path)
        if counts is None:
            print(f"  {name}: no summary (runner did not finish)")
            total_failed += 1
            continue
        passed, failed, skipped = counts
        note = ""
        if status and not failed:
            failed = 1
            note = f" (exit status {status})"
        total_passed += passed
        total_failed += failed
        total_skipped += skipped
        extra = f", {skipped} skipped" if skipped else ""
        print(f"  {name}: {passed} passed, {failed} failed{extra}{note}")
    extra = f", {total_skipped} skipped" if total_skipped else ""
    print(f"total: {total_passed} passed, {total_failed} failed{extra}")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
