"""The notebooks run top to bottom, draw their figures, and are kept with outputs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from harness.results.store import load_run, save_run
from harness.views.notebooks import (
    REFERENCE_SUFFIX,
    RUNS_VARIABLE,
    execute,
    latest_figure,
    notebook_runs,
    results_root,
)

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


# ------------------------------------------- which runs a notebook shows, and partial runs

REFERENCES = sorted((NOTEBOOKS.parent / "results").glob("*-reference"))
needs_reference = pytest.mark.skipif(not REFERENCES, reason="no committed reference run")
RUN_ID = re.compile(r"\b\d{8}T\d{6}Z[\w.-]*")


def _save(df, meta, root: Path, run_id: str, *, checks=None) -> str:
    """A copy of a run under ``root`` as ``run_id``, keeping only ``checks`` if given."""
    if checks is not None:
        df = df[df["check"].isin(checks)]
    meta = {**meta, "run_id": run_id, "checks": sorted(set(df["check"]))}
    return save_run(df.copy(), meta, root).name


@pytest.fixture(scope="module")
def reference_run():
    if not REFERENCES:
        pytest.skip("no committed reference run")
    return load_run(REFERENCES[-1].name, REFERENCES[-1].parent)


def _repository(tmp_path: Path) -> Path:
    """A folder laid out like the repository: the notebooks find its results/."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "notebooks").mkdir()
    for name in NAMES:
        shutil.copy(NOTEBOOKS / name, tmp_path / "notebooks" / name)
    return tmp_path


def _text(notebook) -> str:
    parts = []
    for o in _outputs(notebook):
        parts.append(o.get("text", ""))
        parts.append(o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.parametrize("local", ["20990101T000000Z", "20990101T000000Z-mine", "2099-reference-2"])
def test_notebook_runs_leaves_local_runs_out_when_told(tmp_path, monkeypatch, reference_run, local):
    df, meta = reference_run
    reference = _save(df, meta, tmp_path, "20261125T000000Z-reference", checks=["drift"])
    _save(df, meta, tmp_path, local, checks=["drift"])
    monkeypatch.delenv(RUNS_VARIABLE, raising=False)
    assert set(notebook_runs(tmp_path)["run_id"]) == {reference, local}
    assert set(notebook_runs(tmp_path, which="reference")["run_id"]) == {reference}
    monkeypatch.setenv(RUNS_VARIABLE, "reference")
    assert set(notebook_runs(tmp_path)["run_id"]) == {reference}
    assert set(notebook_runs(tmp_path, which="all")["run_id"]) == {reference, local}
    monkeypatch.setenv(RUNS_VARIABLE, "REFERENCE")
    with pytest.raises(ValueError, match=f"{RUNS_VARIABLE}: expected one of all, reference"):
        notebook_runs(tmp_path)


@needs_reference
def test_executing_shows_the_reference_runs_only(tmp_path, reference_run):
    # What `make notebooks` does: a newer local run must not reach the outputs.
    repo = _repository(tmp_path)
    df, meta = reference_run
    reference = _save(df, meta, repo / "results", REFERENCES[-1].name)
    local = _save(df, meta, repo / "results", "20990101T000000Z-local")
    notebook = execute(repo / "notebooks" / "explore.ipynb", write=False)
    text = _text(notebook)
    assert f"latest run: {reference}" in text
    assert local not in text
    with pytest.raises(ValueError, match="runs: expected one of all, reference"):
        execute(repo / "notebooks" / "explore.ipynb", runs="local", write=False)


@needs_reference
def test_explore_draws_what_a_partial_run_has_and_says_what_it_lacks(tmp_path, reference_run):
    # The newest (here: only) run came from `compare --checks drift`.
    repo = _repository(tmp_path)
    df, meta = reference_run
    partial = _save(df, meta, repo / "results", "20990101T000000Z-drift", checks=["drift"])
    notebook = execute(repo / "notebooks" / "explore.ipynb", runs="all", write=False)
    assert not [o for o in _outputs(notebook) if o.output_type == "error"]
    assert _images(notebook) == 1  # the drift figure
    text = _text(notebook)
    assert f"latest run: {partial}" in text
    for check in ("dtype", "quality", "timing", "throughput"):
        assert f"needs the '{check}'" in text or f"and '{check}'" in text, check
    assert "dtype, quality, nonfinite, timing, throughput" in text  # what the run lacks


def test_latest_figure_falls_back_to_the_latest_run_that_has_the_data(capsys):
    from harness.views import figures

    runs = pd.concat(
        [
            pd.DataFrame({"run_id": ["20260101T000000Z-full"], "check": ["timing"]}),
            pd.DataFrame({"run_id": ["20270101T000000Z-drift"], "check": ["drift"]}),
        ]
    )

    def build(df, *, run):
        if "timing" not in set(figures.select_run(df, run)["check"]):
            raise figures.MissingDataError("timing rows", "timing")
        return run

    assert latest_figure(build, runs) == "20260101T000000Z-full"
    said = capsys.readouterr().out
    assert "20270101T000000Z-drift lacks" in said and "needs the 'timing' check" in said
    assert "Drawn from 20260101T000000Z-full" in said
    assert latest_figure(build, runs[runs["check"] == "drift"]) is None
    assert "Not drawn: no run has" in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_committed_outputs_come_from_reference_runs_only(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    shown = set(RUN_ID.findall(_text(notebook)))
    assert all(run.endswith(REFERENCE_SUFFIX) for run in shown), shown
