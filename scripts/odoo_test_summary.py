"""Summarise an Odoo test run from its log.

Usage: ``python3 scripts/odoo_test_summary.py LOGFILE``
       ``odoo ... 2>&1 | tee LOGFILE | python3 scripts/odoo_test_summary.py --live``

Prints ``odoo: N passed, N failed`` (plus ``, N skipped`` when some were), then
every ERROR/CRITICAL line and every warning our addons raised while installing.
Exits non-zero when a test failed or errored, when any ERROR/CRITICAL line was
logged, when installing our addons logged a warning, or when no test ran.

Counts come from Odoo's own result lines (``N failed, N error(s) of N tests``);
errors count as failures.

``--live`` echoes, while Odoo runs, only what a person follows: our modules
being installed, each test of ours starting, warnings and errors with their
tracebacks, and the result lines.
"""

import re
import sys

# Odoo's log format: "<date> <time>,<ms> <pid> <LEVEL> <db> <logger>: <message>"
LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ "
    r"(?P<level>[A-Z?]+) (?P<db>\S+) (?P<logger>[^\s:]+): (?P<message>.*)$"
)
RESULT = re.compile(
    r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests"
)
FINAL_RESULT = re.compile(RESULT.pattern + r" when loading database")
UNITTEST_RAN = re.compile(r"^Ran (?P<run>\d+) tests?\b")
# A warning that names one of our addons or models, whoever logged it: Odoo's
# loader reports missing access rules, bad fields or views under its own loggers.
OURS = re.compile(r"\bretail_connector_\w+|\bretail\.[a-z_]+\b")
OUR_LOGGER = re.compile(r"^odoo\.addons\.retail_connector_\w+")
TEST_START = re.compile(r"^Starting \S+ \.\.\.")
SKIPPED = re.compile(r"^skipped \S+ : ")
INSTALL_STEP = re.compile(
    r"^(Loading module \w+|loading \w+/|Module \w+: loading demo"
    r"|module \w+: creating or updating|loading \d+ modules)"
)


LIVE_INFO = re.compile(
    r"^(Loading module retail_connector_\w+|loading \d+ modules|Modules loaded"
    r"|Starting post tests|\d+ post-tests in|.* tests when loading database)"
)


def follow(lines, out=sys.stdout):
    """Echo the lines of a running Odoo log that a person wants to see."""
    echo_continuation = False
    for line in lines:
        match = LINE.match(line.rstrip("\n"))
        if not match:
            if echo_continuation:
                out.write(line)
                out.flush()
            continue
        level, logger, message = match["level"], match["logger"], match["message"]
        echo_continuation = level in ("WARNING", "ERROR", "CRITICAL")
        ours_testing = logger.startswith("odoo.addons.retail_connector_") and (
            ".tests" in logger
        )
        if (
            echo_continuation
            or LIVE_INFO.match(message)
            or (ours_testing and TEST_START.match(message))
        ):
            out.write(line)
            out.flush()
    return 0


def parse(lines):
    """Digest Odoo log lines into counts and the lines worth showing."""
    final = None
    partial = {"failed": 0, "errors": 0, "run": 0}
    unittest_run = None
    skipped = 0
    errors = []
    install_warnings = []
    test_warnings = []
    in_tests = False
    for raw in lines:
        line = raw.rstrip("\n")
        plain = UNITTEST_RAN.match(line)
        if plain:
            unittest_run = int(plain["run"])
            continue
        match = LINE.match(line)
        if not match:
            continue
        level, logger, message = match["level"], match["logger"], match["message"]
        if logger.startswith("odoo.modules") and INSTALL_STEP.match(message):
            in_tests = False
        elif ".tests" in logger and TEST_START.match(message):
            in_tests = True
        elif message.startswith("Starting post tests"):
            in_tests = True
        if level == "INFO" and SKIPPED.match(message) and ".tests" in logger:
            skipped += 1
        final_match = FINAL_RESULT.search(message)
        if final_match and logger.startswith("odoo.tests"):
            final = {key: int(value) for key, value in final_match.groupdict().items()}
        elif logger.startswith("odoo.tests.result"):
            result = RESULT.search(message)
            if result:
                for key, value in result.groupdict().items():
                    partial[key] = max(partial[key], int(value))
        if level in ("ERROR", "CRITICAL"):
            errors.append(line)
        elif level == "WARNING" and (OUR_LOGGER.match(logger) or OURS.search(message)):
            (test_warnings if in_tests else install_warnings).append(line)
    counts = final or partial
    if unittest_run is not None and not final:
        counts = {**counts, "run": max(counts["run"], unittest_run)}
    return {
        "run": counts["run"],
        "failed": counts["failed"] + counts["errors"],
        "skipped": skipped,
        "complete": final is not None,
        "errors": errors,
        "install_warnings": install_warnings,
        "test_warnings": test_warnings,
    }


def report(summary, out=sys.stdout):
    """Print the summary; return the process exit code."""
    run, failed, skipped = summary["run"], summary["failed"], summary["skipped"]
    passed = max(run - failed - skipped, 0)
    line = f"odoo: {passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    problems = []
    if summary["errors"]:
        out.write(f"\nERROR/CRITICAL log lines ({len(summary['errors'])}):\n")
        out.writelines(f"  {entry}\n" for entry in summary["errors"])
        problems.append("errors were logged")
    if summary["install_warnings"]:
        count = len(summary["install_warnings"])
        out.write(f"\nWarnings while installing our addons ({count}):\n")
        out.writelines(f"  {entry}\n" for entry in summary["install_warnings"])
        problems.append("installing our addons logged warnings")
    if summary["test_warnings"]:
        count = len(summary["test_warnings"])
        out.write(f"\nWarnings logged by our code during tests ({count}, not fatal):\n")
        out.writelines(f"  {entry}\n" for entry in summary["test_warnings"])
    if failed:
        problems.append("tests failed")
    if not run:
        problems.append("no test ran")
    if not summary["complete"]:
        problems.append("the run did not finish (no final result line)")
    out.write("\n")
    out.write(line + "\n")
    if problems:
        out.write("FAILED: " + "; ".join(problems) + "\n")
        return 1
    return 0


def main(argv=None):
    """Command-line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--live"]:
        return follow(sys.stdin)
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    try:
        with open(argv[0], encoding="utf-8", errors="replace") as log:
            summary = parse(log)
    except OSError as exc:
        sys.stderr.write(f"cannot read the Odoo log: {exc}\n")
        print("odoo: 0 passed, 0 failed")
        return 1
    return report(summary)


if __name__ == "__main__":
    sys.exit(main())
