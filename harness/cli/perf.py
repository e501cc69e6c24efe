"""``perf``: where the time goes, beyond the MS/s of ``compare``."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from harness.cli.common import csv_list
from harness.measuring.perf import FULL, QUICK, collect
from harness.measuring.settings import select_variants
from harness.views.perf_tables import render


def register(commands: Any) -> None:
    """Add ``perf`` to the command line."""
    p = commands.add_parser(
        "perf",
        help="throughput vs a memory copy, per-call cost, thread scaling, the caching claim",
        description="Throughput vs memory copy, per-call overhead, thread scaling and the "
        "seed's caching claim, 44.1 → 48 kHz mono float32.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK.oneshot_seconds:g} s one-shot, {QUICK.thread_seconds:g} s per thread "
        f"(default {FULL.oneshot_seconds:g} s and {FULL.thread_seconds:g} s)",
    )
    p.add_argument(
        "--seconds", type=float, default=None, metavar="N", help="one-shot input length in seconds"
    )
    p.add_argument(
        "--backends",
        type=csv_list,
        default=None,
        metavar="NAMES",
        help="comma-separated names or name:key=value specs (default: every available variant)",
    )
    p.add_argument(
        "--csv", type=Path, default=None, metavar="FILE.csv", help="also save the tidy table"
    )
    p.set_defaults(handler=cmd_perf)


def cmd_perf(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    """Measure, print the tables, optionally save; exit status 0 (2 for usage errors)."""
    settings = QUICK if args.quick else FULL
    if args.seconds is not None:
        if not args.seconds > 0:
            parser.error(f"--seconds: expected a positive number, got {args.seconds:g}")
        settings = replace(settings, oneshot_seconds=args.seconds)
    try:
        variants = select_variants(args.backends)
    except ValueError as exc:
        parser.error(str(exc))
    started = time.perf_counter()
    frame = collect(
        settings, variants, progress=lambda msg: console.print(f"[dim]… {escape(msg)}[/dim]")
    )
    for item in render(frame, seconds=settings.oneshot_seconds):
        console.print(item)
    console.print(f"[dim]perf: {time.perf_counter() - started:.0f} s[/dim]")
    if args.csv is not None:
        frame.to_csv(args.csv, index=False)
        console.print(escape(f"saved {len(frame)} rows to {args.csv}"))
    return 0
