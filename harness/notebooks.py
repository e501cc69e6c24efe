"""Executing the notebooks under ``notebooks/``, and finding results from inside them.

The notebooks are kept in git with their outputs, so they can be browsed with
plots on GitHub; those outputs must come from running them, never from
editing. Regenerate them with::

    python -c "from harness.notebooks import execute; execute('notebooks/explore.ipynb')"
    python -c "from harness.notebooks import execute; execute('notebooks/quality.ipynb')"

Needs the ``[notebooks]`` extra (nbclient, nbformat, ipykernel, matplotlib).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

__all__ = ["KERNEL", "execute", "results_root"]

#: The kernel the notebooks run on: ipykernel's, in the interpreter running this.
KERNEL = "python3"


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
    return Path(__file__).resolve().parent.parent / "results"


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


def execute(path: str | Path, *, timeout: int = 600, write: bool = True) -> Any:
    """Run a notebook top to bottom in its own directory; return the executed notebook.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.
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
    nbclient.exceptions.CellExecutionError
        A cell raised; the notebook is not written.
    """
    import nbformat
    from nbclient import NotebookClient

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
    client.execute(stderr=subprocess.DEVNULL)
    if write:
        nbformat.write(notebook, path)
    return notebook
