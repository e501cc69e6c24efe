"""Executing the notebooks under ``notebooks/``, and finding results from inside them.

The notebooks are kept in git with their outputs, so they can be browsed with
plots on GitHub; those outputs must come from running them, never from
editing, and only from the committed reference runs: a user's own runs are
not in git, so outputs drawn from them would change a committed file for
nobody else to reproduce. ``make notebooks`` regenerates them, i.e.::

    python -c "from harness.views.notebooks import execute; execute('notebooks/explore.ipynb')"

which runs the notebook with :data:`RUNS_VARIABLE` set to ``reference``.
Opened interactively (``make lab``) the variable is unset and a notebook
shows every run under ``results/``.

Needs the ``[notebook-run]`` extra (nbclient, nbformat, ipykernel, matplotlib).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from harness.measuring.checks import CHECKS
from harness.results.store import load_runs

__all__ = [
    "KERNEL",
    "REFERENCE_SUFFIX",
    "RUNS_VARIABLE",
    "SELECTIONS",
    "execute",
    "is_reference",
    "latest_figure",
    "notebook_runs",
    "results_root",
    "run_overview",
]

#: The kernel the notebooks run on: ipykernel's, in the interpreter running this.
KERNEL = "python3"
#: Environment variable choosing the runs a notebook loads (see :data:`SELECTIONS`).
RUNS_VARIABLE = "RESAMPLER_SUITE_RUNS"
#: Its values: every run under ``results/`` (the default), or the reference runs only.
SELECTIONS = ("all", "reference")
#: Runs whose id ends in this are the committed reference runs (``compare
#: --label reference``); ``.gitignore`` keeps every other run out of git.
REFERENCE_SUFFIX = "-reference"


def results_root(start: str | Path | None = None) -> Path:
    """The ``results/`` directory of the repository, found from ``start`` or the package.

    Notebooks run with their own directory as the working directory — or a
    temporary copy of it in tests — so ``"results"`` alone is not enough. The
    first ``results/`` next to a ``pyproject.toml`` from ``start`` (default: the
    working directory) upwards wins; otherwise the one beside this package.
    """
    here = Path.cwd() if start is None else Path(start)
    for folder in [here.resolve(), *here.resolve().parents]:
        if (folder / "pyproject.toml").is_file() and (folder / "results").is_dir():
            return folder / "results"
    return Path(__file__).resolve().parents[2] / "results"


def is_reference(run_id: str) -> bool:
    """Whether ``run_id`` names a committed reference run."""
    return run_id.endswith(REFERENCE_SUFFIX)


def notebook_runs(root: str | Path | None = None, *, which: str | None = None) -> pd.DataFrame:
    """The runs a notebook shows: :func:`harness.results.store.load_runs`, maybe narrowed.

    Parameters
    ----------
    root : str or Path, optional
        The results directory; default :func:`results_root`.
    which : {"all", "reference"}, optional
        Default: the :data:`RUNS_VARIABLE` environment variable, else ``"all"``.

    Raises
    ------
    ValueError
        ``which`` (or the variable) is not one of :data:`SELECTIONS`.
    """
    source = "which" if which is not None else RUNS_VARIABLE
    which = which if which is not None else os.environ.get(RUNS_VARIABLE) or "all"
    if which not in SELECTIONS:
        raise ValueError(f"{source}: expected one of {', '.join(SELECTIONS)}, got {which!r}")
    runs = load_runs(results_root() if root is None else Path(root))
    if which == "reference":
        runs = runs[runs["run_id"].map(is_reference)].reset_index(drop=True)
    return runs


def run_overview(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run: provenance, row count, and which checks it has and lacks."""
    columns = ["label", "utc", "commit", "run_mode", "cpu"]
    rows = []
    for run_id, g in runs.groupby("run_id", sort=True):
        present = set(g["check"].dropna())
        rows.append(
            {
                "run_id": run_id,
                **{c: g[c].iloc[0] for c in columns if c in g},
                "rows": len(g),
                "checks": ", ".join(c for c in CHECKS if c in present),
                "lacks": ", ".join(c for c in CHECKS if c not in present) or "–",
            }
        )
    return pd.DataFrame(rows).set_index("run_id") if rows else pd.DataFrame()


def latest_figure(build: Callable[..., Any], runs: pd.DataFrame, **kw: Any) -> Any:
    """``build(runs, run=...)`` for the latest run that has what the figure draws.

    A run made with some checks only (``compare --checks drift``) lacks the
    rows of other figures: those are drawn from the latest run that has them,
    and a printed note says which run lacked what. When no run has them, the
    note says so and nothing is drawn.

    Returns
    -------
    matplotlib.figure.Figure or None
        The figure, or None when no run has its data.
    """
    from harness.views.figures import MissingDataError  # matplotlib: only where figures are drawn

    ids = sorted(runs["run_id"].dropna().unique(), reverse=True)
    if not ids:
        print("Not drawn: no runs under results/ (run `python -m harness compare`).")
        return None
    lacking: list[tuple[str, Exception]] = []
    for run_id in ids:
        try:
            fig = build(runs, run=run_id, **kw)
        except MissingDataError as exc:
            lacking.append((run_id, exc))
            continue
        for other, exc in lacking:
            print(f"Run {other} lacks this figure's data: {exc}.")
        if lacking:
            print(f"Drawn from {run_id}, the latest run that has it.")
        return fig
    run_id, exc = lacking[0]
    print(f"Not drawn: no run has this figure's data. Latest run {run_id}: {exc}.")
    return None


def _ensure_kernel() -> None:
    """Register ipykernel's spec for this user if Jupyter cannot find one.

    ipykernel ships a ``python3`` spec, and jupyter_client finds it whenever
    ipykernel is importable, and starts it with this interpreter; a fresh machine
    needs nothing more. Registering is only the fallback for odd installs.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL not in KernelSpecManager().find_kernel_specs():
        from ipykernel.kernelspec import install

        install(user=True, kernel_name=KERNEL)


def execute(
    path: str | Path, *, runs: str = "reference", timeout: int = 600, write: bool = True
) -> Any:
    """Run a notebook top to bottom in its own directory; return the executed notebook.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.
    runs : {"reference", "all"}
        The runs the notebook loads (:data:`RUNS_VARIABLE` in the kernel's
        environment). ``"reference"``, the default, gives the outputs that
        are committed: the same on every machine.
    timeout : int
        Seconds allowed per cell.
    write : bool
        Write the executed notebook (outputs included) back to ``path``.

    Returns
    -------
    nbformat.NotebookNode
        The notebook with its outputs.

    Raises
    ------
    ValueError
        ``runs`` is not one of :data:`SELECTIONS`.
    nbclient.exceptions.CellExecutionError
        A cell raised; the notebook is not written.
    """
    import nbformat
    from nbclient import NotebookClient

    if runs not in SELECTIONS:
        raise ValueError(f"runs: expected one of {', '.join(SELECTIONS)}, got {runs!r}")
    path = Path(path)
    _ensure_kernel()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=KERNEL,
        # No per-cell timestamps: re-running an unchanged notebook changes no line
        # but the images, so diffs of the committed files stay readable.
        record_timing=False,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    # The kernel's own log (e.g. ipykernel's notice about unencrypted local TCP) goes
    # nowhere: cell errors come back through the client and raise here anyway.
    client.execute(stderr=subprocess.DEVNULL, env={**os.environ, RUNS_VARIABLE: runs})
    if write:
        nbformat.write(notebook, path)
    return notebook
