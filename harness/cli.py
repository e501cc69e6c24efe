"""Command line of the harness: ``python -m harness <command>``.

Commands
--------
list
    Backends, availability, versions, latency at 22.05 → 48 kHz.

Exit codes: 0 success, 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from harness import listing


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness",
        description="Compare, verify and run audio resampler backends.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    list_cmd = commands.add_parser("list", help="show the backends and whether they are installed")
    list_cmd.add_argument(
        "--variants", action="store_true", help="one row per option value (e.g. each soxr quality)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    if args.command == "list":
        return listing.run(variants=args.variants, console=console)
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects others


if __name__ == "__main__":
    sys.exit(main())
