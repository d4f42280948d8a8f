"""The runbook of readme/USAGE.md says what the failed exchange's banner says."""

from pathlib import Path

from odoo.addons.retail_connector_base.models.retail_failure_cause import (
    failure_runbook_rows,
)

USAGE = Path(__file__).resolve().parents[2] / "readme" / "USAGE.md"
HEADER = ("cause", "what happened", "what to do")


def _cells(line):
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def documented_rows(text):
    """The rows of the table headed "cause | what happened | what to do"."""
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("|") and _cells(line) == HEADER:
            next(lines)  # the |---| separator
            rows = []
            for row in lines:
                if not row.startswith("|"):
                    break
                rows.append(_cells(row))
            return rows
    return None


def as_markdown(rows):
    return "\n".join(f"| {' | '.join(row)} |" for row in rows)


def test_every_failure_kind_is_documented_word_for_word():
    expected = failure_runbook_rows()
    assert len(expected) >= 2
    documented = documented_rows(USAGE.read_text(encoding="utf-8"))
    assert documented is not None, "USAGE.md lost its runbook table"
    assert documented == expected, (
        "readme/USAGE.md's runbook table differs from FAILURE_KINDS "
        "(models/retail_failure_cause.py); its rows should read:\n"
        + as_markdown(expected)
    )


def test_the_table_is_read_whatever_its_padding():
    text = (
        "Intro\n\n"
        "| cause       | what happened | what to do |\n"
        "| ----------- | ------------- | ---------- |\n"
        "| Unknown SKU | a             | b          |\n"
        "\nAfter\n"
    )
    assert documented_rows(text) == [("Unknown SKU", "a", "b")]
    assert documented_rows("no table") is None
