"""Command line of the harness: ``python -m harness <command>``.

Commands
--------
list
    Backends, availability, versions, latency at 22.05 → 48 kHz.
compare
    Every backend variant through the same checks; saves a run to ``results/``,
    prints the summary tables. Exit 0: every production backend meets its gates;
    1: one does not, or the run could not be saved under ``--out`` (it is then
    saved to a temporary directory, printed); 2: usage error, found before
    anything is measured (``--out`` included).
show RUN
    Print a saved run's summary tables (RUN: id, unique prefix, path or
    ``latest``, the newest run that reads: damaged runs are skipped with a
    warning). A damaged run named directly is an error (exit 2).
play [FILE.wav]
    Play speech (or a WAV file) through a backend on a real device, optionally
    hot-swapping backends; prints a report. Exit 1 if the server goes away.
report [RUN]
    One self-contained HTML file: summary, gates, provenance and figures.
perf
    Throughput against a memory copy, per-call cost, thread scaling, and the
    seed's caching claim (see :mod:`harness.measuring.perf`).
soak
    The pre-release gate: minutes of speech, a swap every second; PASS (exit 0)
    when the ``[soak]`` gates of ``thresholds.toml`` hold, else FAIL (1).

Usage errors exit with status 2. Output fits the terminal; when it is not a
terminal, ``$COLUMNS`` columns, else 80.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from harness.cli import perf, play, runs
from harness.cli.common import console_for, output_width, program_name
from harness.views import listing

__all__ = ["build_parser", "main", "output_width", "program_name"]


def build_parser(prog: str = "python -m harness") -> argparse.ArgumentParser:
    """The one parser: every command registers its own options and ``handler``."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Compare, verify and run audio resampler backends.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = commands.add_parser("list", help="show the backends and whether they are installed")
    p.add_argument(
        "--variants", action="store_true", help="one row per option value (e.g. each soxr quality)"
    )
    p.set_defaults(handler=cmd_list)
    runs.register(commands)
    play.register(commands)
    perf.register(commands)
    return parser


def cmd_list(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    """``list``: the backends installed here."""
    return listing.run(variants=args.variants, console=console)


def main(argv: Sequence[str] | None = None) -> int:
    prog = program_name(sys.argv[0]) if argv is None else "python -m harness"
    parser = build_parser(prog)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    return args.handler(args, parser, console_for())


if __name__ == "__main__":
    sys.exit(main())
