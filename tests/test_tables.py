"""Printed tables fit the console (80 columns by default) and never elide a value."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from harness import cli
from harness.results.gates import Thresholds
from harness.results.store import load_run
from harness.results.summary import row_cells, summarize
from harness.views.tables import CONCERNS, against_table, gates_table, render_summary

RESULTS = Path(__file__).resolve().parents[1] / "results"
REFERENCES = sorted(RESULTS.glob("*-reference"))
pytestmark = pytest.mark.skipif(len(REFERENCES) < 2, reason="needs two committed reference runs")
WIDTHS = [80, 120]


def rendered(width: int) -> str:
    """Summary, gates and before/after of the two reference runs, as text."""
    (before, _), (df, meta) = (load_run(p.name, RESULTS) for p in REFERENCES[:2])
    console = Console(width=width, record=True, force_terminal=False)
    render_summary(df, console, title=f"run {meta['run_id']}")
    console.print(gates_table(Thresholds.from_text(meta["thresholds"])))
    console.print(against_table(before, df, before_name="before", after_name="after"))
    return console.export_text()


def assert_fits(text: str, width: int) -> None:
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long, too_long[0]
    assert "…" not in text


@pytest.mark.parametrize("width", WIDTHS)
def test_tables_fit_the_width(width):
    assert_fits(rendered(width), width)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_summary_cell_is_printed_whole_on_its_row(width):
    """Each variant has a line per concern: name, cells in order (the first adds the verdict)."""
    text = rendered(width)
    df, _meta = load_run(REFERENCES[1].name, RESULTS)
    for row in summarize(df).to_dict("records"):
        rows = [line.split() for line in text.splitlines() if line.startswith(row["variant"])]
        lines = [cells for cells in rows if cells[0] == row["variant"] and len(cells) > 1]
        cells = {column: cell for column, cell, _failed in row_cells(df, row)}
        expected = [
            [row["variant"], *(cells[c] for c in columns)] + ([row["verdict"]] if i == 0 else [])
            for i, (columns, _caption) in enumerate(CONCERNS.values())
        ]
        assert lines == expected


@pytest.mark.parametrize("width", WIDTHS)
def test_every_gate_and_override_is_printed_whole(width):
    text = rendered(width)
    _df, meta = load_run(REFERENCES[1].name, RESULTS)
    lines = [line.strip() for line in text.splitlines()]
    for check, section in Thresholds.from_text(meta["thresholds"]).table.items():
        assert check in lines
        for key, entry in section.items():
            assert any(line.startswith(key + " ") for line in lines), key
            for variant, value in entry.items() if isinstance(entry, dict) else ():
                if variant != "default":
                    assert f"{variant} {value:g}" in lines


@pytest.mark.parametrize(
    ("environ", "width"),
    [({}, 80), ({"COLUMNS": "120"}, 120), ({"COLUMNS": "abc"}, 80), ({"COLUMNS": "0"}, 80)],
)
def test_output_that_is_not_a_terminal_is_as_wide_as_columns_says_else_80(environ, width):
    assert cli.output_width(environ) == width


@pytest.mark.parametrize("columns", [None, "80", "120"])
def test_show_against_through_the_cli_fits(columns, capsys, monkeypatch):
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    after, before = REFERENCES[1].name, REFERENCES[0].name
    assert cli.main(["show", after, "--out", str(RESULTS), "--against", before]) == 0
    *tables, last = capsys.readouterr().out.splitlines()
    assert last.startswith("run directory: ")
    assert_fits("\n".join(tables), int(columns or 80))
