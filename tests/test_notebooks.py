"""The notebooks run top to bottom, draw their figures, and are kept with outputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.notebooks import execute, results_root

REASON = "{} missing: install the [notebooks] extra"
for module in ("matplotlib", "nbclient", "ipykernel"):
    pytest.importorskip(module, reason=REASON.format(module))
nbformat = pytest.importorskip("nbformat", reason=REASON.format("nbformat"))

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["explore.ipynb", "quality.ipynb"]


def _outputs(notebook) -> list[dict]:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


def _images(notebook) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(notebook))


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes_without_errors_and_draws(name, tmp_path):
    # A copy elsewhere: the notebook must find results/ by itself, and the
    # committed file must not change.
    copy = tmp_path / name
    shutil.copy(NOTEBOOKS / name, copy)
    before = (NOTEBOOKS / name).read_bytes()
    notebook = execute(copy, write=False)
    errors = [o for o in _outputs(notebook) if o.output_type == "error"]
    assert not errors, errors[0].get("ename") if errors else None
    assert _images(notebook) >= 5
    assert (NOTEBOOKS / name).read_bytes() == before
    assert copy.read_bytes() == before  # write=False leaves even the copy alone


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_holds_the_outputs_of_a_full_run(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    # Executed in order, top to bottom, by execute() — not edited by hand.
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert not [o for o in _outputs(notebook) if o.output_type == "error"]
    assert _images(notebook) >= 5


def test_results_root_is_found_from_anywhere(tmp_path):
    repo = NOTEBOOKS.parent
    assert results_root(NOTEBOOKS) == repo / "results"
    assert results_root(tmp_path) == repo / "results"  # falls back to the package's repo
