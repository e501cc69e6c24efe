"""``perf``: where the time goes, beyond the MS/s of ``compare``."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from harness.cli.common import ROOT, csv_list, report_saved
from harness.measuring.perf import FULL, QUICK, collect
from harness.measuring.settings import select_variants
from harness.results import provenance
from harness.results.gates import load_thresholds
from harness.results.store import check_results_dir, new_run_id, save_run_or_fallback
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
    p.add_argument("--label", default=None, help="a name for this run, kept in its id")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        help="results directory, checked before measuring (default results/)",
    )
    p.set_defaults(handler=cmd_perf)


def cmd_perf(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    """Measure, save the run (``show RUN`` prints it again), print the tables.

    Exit status 0; 1 when the run could only be saved to a temporary
    directory; 2 for usage errors.
    """
    settings = QUICK if args.quick else FULL
    if args.seconds is not None:
        if not args.seconds > 0:
            parser.error(f"--seconds: expected a positive number, got {args.seconds:g}")
        settings = replace(settings, oneshot_seconds=args.seconds)
    try:
        variants = select_variants(args.backends)
    except ValueError as exc:
        parser.error(str(exc))
    try:  # now, not after minutes of measuring
        check_results_dir(args.out)
    except ValueError as exc:
        parser.error(f"--out: {exc}")
    started = time.perf_counter()
    frame = collect(
        settings, variants, progress=lambda msg: console.print(f"[dim]… {escape(msg)}[/dim]")
    )
    meta = {
        "run_id": new_run_id(args.label),
        "kind": "perf",
        "label": args.label,
        "mode": "quick" if args.quick else "full",
        "checks": sorted(set(frame["check"])),
        "variants": [v.spec for v in variants],
        "settings": asdict(settings),
        "thresholds": load_thresholds().text,
        "wall_seconds": round(time.perf_counter() - started, 1),
        **provenance.collect(argv=sys.argv, seed=0, root=ROOT),
    }
    frame["run_id"] = meta["run_id"]
    run_dir, save_error = save_run_or_fallback(frame, meta, args.out)
    for item in render(frame, seconds=settings.oneshot_seconds):
        console.print(item)
    saved = report_saved(run_dir, save_error, args.out, len(frame), meta, console)
    return 0 if saved is None else saved
