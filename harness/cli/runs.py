"""``compare``, ``show`` and ``report``: measuring runs, and presenting saved ones."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from harness.cli.common import ROOT, console_for, csv_list, damaged_runs_reported, report_saved
from harness.measuring.checks import CHECKS
from harness.measuring.runner import DEFAULT_TIMEOUT, check_timeout, run_checks
from harness.measuring.settings import (
    FULL,
    MAX_BLOCKSIZE,
    QUICK,
    Settings,
    parse_blocksizes,
    parse_rate_pairs,
    select_variants,
)
from harness.results import provenance
from harness.results.gates import Thresholds, load_thresholds
from harness.results.store import (
    Run,
    RunDamagedError,
    RunNotFoundError,
    check_results_dir,
    new_run_id,
    open_run,
    save_run_or_fallback,
    to_frame,
)
from harness.results.summary import verdicts
from harness.views import perf_tables
from harness.views.tables import against_table, gates_table, render_summary


def register(commands: Any) -> None:
    """Add ``compare``, ``show`` and ``report`` to the command line."""
    p = commands.add_parser("compare", help="run every backend through the same checks")
    p.add_argument(
        "--backends",
        type=csv_list,
        default=None,
        metavar="NAMES",
        help="comma-separated names (all option values) or name:key=value specs; "
        "default: every available backend",
    )
    scale = p.add_mutually_exclusive_group()
    scale.add_argument(
        "--quick",
        dest="full",
        action="store_false",
        help=f"about a minute: quality and speed at {len(QUICK.rate_pairs)} rate pairs, "
        f"{QUICK.drift_seconds:g} s streaming sessions at {len(QUICK.stream_pairs)} (default)",
    )
    scale.add_argument(
        "--full",
        dest="full",
        action="store_true",
        help=f"pre-release scale: all {len(FULL.rate_pairs)} ordered pairs of the common rates, "
        f"{FULL.drift_seconds:g} s sessions at {len(FULL.stream_pairs)}",
    )
    p.set_defaults(full=False)
    p.add_argument(
        "--rates",
        default=None,
        metavar="IN:OUT,...",
        help="rate pairs, for every check (default: the matrix of --quick or --full)",
    )
    p.add_argument(
        "--blocksizes",
        default=None,
        metavar="N,...",
        help="device blocksizes for the timing check, 1 to "
        f"{MAX_BLOCKSIZE} (default 64,128,256,512,1024)",
    )
    p.add_argument(
        "--checks",
        default=",".join(CHECKS),
        metavar="NAMES",
        help=f"subset of {','.join(CHECKS)} (default: all)",
    )
    p.add_argument("--label", default=None, help="a name for this run, kept in its id")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        help="results directory, checked before measuring (default results/)",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed (>= 0) of every random signal/schedule"
    )
    p.add_argument(
        "--against",
        default=None,
        metavar="RUN",
        help="also print a before/after table against this saved run",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="checks that do not measure time run N at a time (default: one per core)",
    )
    p.add_argument(
        "--check-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="a check that takes longer on one backend is recorded as failed "
        f"(default {DEFAULT_TIMEOUT:g})",
    )

    p.set_defaults(handler=cmd_compare)

    p = commands.add_parser("show", help="print a saved run's summary table")
    p.add_argument("run", help="run id, unique prefix, directory, or 'latest'")
    p.add_argument("--out", type=Path, default=Path("results"), help="results directory")
    p.add_argument(
        "--against",
        default=None,
        metavar="RUN",
        help="also print a before/after table against this saved run",
    )
    p.set_defaults(handler=cmd_show)

    p = commands.add_parser("report", help="write a self-contained HTML report of a run")
    p.add_argument("run", nargs="?", default="latest", help="run id, prefix, directory or latest")
    p.add_argument(
        "--out",
        dest="html",
        type=Path,
        default=Path("report.html"),
        help="HTML file to write (default report.html)",
    )
    p.add_argument("--results", type=Path, default=Path("results"), help="results directory")
    p.add_argument("--against", default=None, metavar="RUN", help="add before/after figures")

    p.set_defaults(handler=cmd_report)


def _settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Settings:
    """The run's settings from the compare options; usage errors exit 2."""
    settings = FULL if args.full else QUICK
    if args.seed < 0:
        parser.error(f"--seed: expected an integer >= 0, got {args.seed}")
    changes: dict[str, object] = {"seed": args.seed}
    try:
        if args.rates is not None:
            changes["rate_pairs"] = changes["stream_pairs"] = tuple(parse_rate_pairs(args.rates))
        if args.blocksizes is not None:
            changes["blocksizes"] = parse_blocksizes(args.blocksizes)
    except ValueError as exc:
        parser.error(str(exc))
    return settings.with_(**changes)


def _open(name: str, root: Path, parser: argparse.ArgumentParser) -> Run:
    """A saved run by name; a missing or damaged one is a usage error (exit 2)."""
    try:
        with damaged_runs_reported():
            return open_run(name, root)
    except (RunNotFoundError, RunDamagedError) as exc:
        parser.error(str(exc))


def cmd_compare(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    settings = _settings(args, parser)
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs: expected a positive integer, got {args.jobs}")
    try:
        check_timeout(args.check_timeout, name="--check-timeout")
    except ValueError as exc:
        parser.error(str(exc))
    checks = csv_list(args.checks)
    unknown = [c for c in checks if c not in CHECKS]
    if unknown or not checks:
        parser.error(f"--checks: expected names from {','.join(CHECKS)}, got {args.checks!r}")
    try:
        variants = select_variants(args.backends)
    except ValueError as exc:
        parser.error(str(exc))
    before = _open(args.against, args.out, parser) if args.against else None
    try:  # now, not after every check has run
        check_results_dir(args.out)
    except ValueError as exc:
        parser.error(f"--out: {exc}")
    thresholds = load_thresholds()
    run_id = new_run_id(args.label)
    started = time.perf_counter()
    rows = run_checks(
        variants,
        settings,
        checks,
        thresholds,
        console=console,
        timeout=args.check_timeout,
        jobs=args.jobs,
    )
    df = to_frame(rows, run_id)
    meta = {
        "run_id": run_id,
        "label": args.label,
        "mode": settings.mode,
        "checks": checks,
        "variants": [t.spec for t in variants],
        "settings": dict(settings.__dict__),
        "thresholds": thresholds.text,
        "wall_seconds": round(time.perf_counter() - started, 1),
        **provenance.collect(argv=sys.argv, seed=settings.seed, root=ROOT),
    }
    run_dir, save_error = save_run_or_fallback(df, meta, args.out)
    code = _present(Run(run_dir, df, meta), console, thresholds, before)
    saved = report_saved(run_dir, save_error, args.out, len(df), meta, console)
    return code if saved is None else saved


def _present(run: Run, console: Console, thresholds: Thresholds, before: Run | None) -> int:
    """Print a run's summary, its gates and the comparison; return the exit status."""
    meta, df = run.meta, run.measurements
    commit = (meta.get("git") or {}).get("commit") or "?"
    dirty = "+dirty" if (meta.get("git") or {}).get("dirty") else ""
    title = (
        f"run {meta['run_id']}\n{meta.get('mode')} · {meta.get('utc')} · "
        f"{commit[:10]}{dirty} · {meta.get('cpu')}"
    )
    render_summary(df, console, title=title)
    console.print()
    console.print(gates_table(thresholds))
    if before is not None:
        console.print()
        console.print(
            against_table(
                before.measurements,
                df,
                before_name=before.meta["run_id"],
                after_name=meta["run_id"],
            )
        )
    return 1 if (verdicts(df)["verdict"] == "FAIL").any() else 0


def cmd_show(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    run = _open(args.run, args.out, parser)
    if run.meta.get("kind") == "perf":  # a perf study: its tables, no gates
        for item in perf_tables.render(
            run.measurements, seconds=run.meta["settings"]["oneshot_seconds"]
        ):
            console.print(item)
        console.print(escape(f"run directory: {run.path}"), soft_wrap=True)
        return 0
    before = _open(args.against, args.out, parser) if args.against else None
    code = _present(run, console, Thresholds.from_text(run.meta["thresholds"]), before)
    console.print(escape(f"run directory: {run.path}"), soft_wrap=True)
    return code


def cmd_report(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    try:
        from harness.views.report import build_report
    except ImportError as exc:
        console_for(stderr=True).print(
            "[red]error:[/red] "
            + escape(
                f"the report needs matplotlib ({exc}); pip install 'resampler-suite[notebook-run]'"
            ),
            soft_wrap=True,
        )
        return 2
    try:
        with damaged_runs_reported():
            path = build_report(args.run, root=args.results, out=args.html, against=args.against)
    except (RunNotFoundError, RunDamagedError) as exc:
        parser.error(str(exc))
    console.print(escape(f"wrote {path} ({path.stat().st_size // 1024} KB)"), soft_wrap=True)
    return 0
