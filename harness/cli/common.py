"""Helpers shared by the commands: consoles that fit the output, lists, damaged runs."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from harness.results.store import DamagedRunWarning

__all__ = [
    "ROOT",
    "console_for",
    "csv_list",
    "damaged_runs_reported",
    "output_width",
    "program_name",
    "report_saved",
]

#: The repository (for the git commit in a run's provenance).
ROOT = Path(__file__).resolve().parents[2]


def csv_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def program_name(argv0: str) -> str:
    """How the user ran us, for usage lines: ``resampler-harness`` or ``python -m harness``."""
    name = Path(argv0).name
    return "python -m harness" if name in ("__main__.py", "") else name


def output_width(environ: Mapping[str, str]) -> int:
    """Columns for output that is not a terminal.

    ``$COLUMNS`` if it is a positive integer, else 80 (pipes, files, CI logs).
    """
    columns = environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isascii() and columns.isdigit() and int(columns) > 0 else 80


def console_for(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr): a terminal's own width, else :func:`output_width`.

    Never a width guessed from another stream: rich would take a terminal's on
    stdin even when the output goes to a file.
    """
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=output_width(os.environ))


@contextlib.contextmanager
def damaged_runs_reported() -> Iterator[None]:
    """Print each damaged run skipped while reading as one line on stderr."""
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DamagedRunWarning)
            yield
    finally:  # also when the run asked for is missing or damaged
        err = console_for(stderr=True)
        for warning in caught:
            if issubclass(warning.category, DamagedRunWarning):
                err.print(
                    f"[yellow]warning:[/yellow] {escape(str(warning.message))}", soft_wrap=True
                )
            else:  # not ours: as Python would have shown it
                warnings.showwarning(
                    warning.message, warning.category, warning.filename, warning.lineno
                )


def report_saved(
    run_dir: Path,
    error: Exception | None,
    wanted: Path,
    rows: int,
    meta: dict,
    console: Console,
) -> int | None:
    """Say where a run was saved; exit status 1 when it had to go elsewhere, else None."""
    if error is not None:
        console_for(stderr=True).print(
            f"[red]error:[/red] {escape(f'could not save the run under {wanted}: {error}')}"
            f"\n{escape(f'saved it to {run_dir} instead ({rows} rows)')}",
            soft_wrap=True,
        )
        return 1
    console.print(
        escape(f"saved {run_dir} ({rows} rows, {meta['wall_seconds']} s)"), soft_wrap=True
    )
    return None
