"""Command line of the harness: ``python -m harness <command>``.

Commands
--------
list
    Backends, availability, versions, latency at 22.05 → 48 kHz.
compare
    Every backend variant through the same checks; saves a run to ``results/``,
    prints the summary table. Exit 0: every production backend meets its gates;
    1: one does not; 2: usage error.
show RUN
    Print a saved run's summary table (RUN: id, unique prefix, path or ``latest``).

Usage errors exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness import listing, provenance
from harness.checks import CHECKS
from harness.compare import run_checks
from harness.results import RunNotFoundError, load_run, new_run_id, resolve_run, save_run, to_frame
from harness.summary import against_table, render_summary, verdicts
from harness.targets import FULL, QUICK, parse_rate_pairs, select_targets
from harness.thresholds import Thresholds, load_thresholds

ROOT = Path(__file__).resolve().parent.parent


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness",
        description="Compare, verify and run audio resampler backends.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("list", help="show the backends and whether they are installed")
    p.add_argument(
        "--variants", action="store_true", help="one row per option value (e.g. each soxr quality)"
    )

    p = commands.add_parser("compare", help="run every backend through the same checks")
    p.add_argument(
        "--backends",
        type=_csv,
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
        help="about a minute: 30 s sessions, 2 rate pairs (default)",
    )
    scale.add_argument(
        "--full",
        dest="full",
        action="store_true",
        help="pre-release scale: 180 s sessions, 8 rate pairs",
    )
    p.set_defaults(full=False)
    p.add_argument(
        "--rates",
        default=None,
        metavar="IN:OUT,...",
        help="rate pairs (default 22050:48000,44100:48000; --full: 8 pairs)",
    )
    p.add_argument(
        "--blocksizes",
        default=None,
        metavar="N,...",
        help="device blocksizes for the timing check (default 64,128,256,512,1024)",
    )
    p.add_argument(
        "--checks",
        default=",".join(CHECKS),
        metavar="NAMES",
        help=f"subset of {','.join(CHECKS)} (default: all)",
    )
    p.add_argument("--label", default=None, help="a name for this run, kept in its id")
    p.add_argument("--out", type=Path, default=Path("results"), help="results directory")
    p.add_argument("--seed", type=int, default=0, help="seed of every random signal/schedule")
    p.add_argument(
        "--against",
        default=None,
        metavar="RUN",
        help="also print a before/after table against this saved run",
    )

    p = commands.add_parser("show", help="print a saved run's summary table")
    p.add_argument("run", help="run id, unique prefix, directory, or 'latest'")
    p.add_argument("--out", type=Path, default=Path("results"), help="results directory")
    p.add_argument(
        "--against",
        default=None,
        metavar="RUN",
        help="also print a before/after table against this saved run",
    )
    return parser


def gates_table(thresholds: Thresholds) -> Table:
    """The gates as a compact table (check, metric, limits)."""
    table = Table(title="Gates (harness/thresholds.toml; the seed baseline is never gated)")
    for column in ("check", "gate", "limit"):
        table.add_column(column)
    for check, section in thresholds.table.items():
        for key, entry in section.items():
            if isinstance(entry, dict):
                parts = [f"{entry['default']:g}"] if "default" in entry else []
                parts += [f"{k} {v:g}" for k, v in entry.items() if k != "default"]
                limit = "; ".join(parts)
            else:
                limit = f"{entry:g}"
            table.add_row(check, key, limit)
    return table


def _settings(args: argparse.Namespace, parser: argparse.ArgumentParser):
    settings = FULL if args.full else QUICK
    changes = {"seed": args.seed}
    try:
        if args.rates:
            changes["rate_pairs"] = tuple(parse_rate_pairs(args.rates))
        if args.blocksizes:
            sizes = tuple(int(b) for b in _csv(args.blocksizes))
            if not sizes or min(sizes) < 1:
                raise ValueError
            changes["blocksizes"] = sizes
    except ValueError as exc:
        parser.error(
            str(exc)
            if str(exc)
            else f"--blocksizes: expected positive integers, got {args.blocksizes!r}"
        )
    return settings.with_(**changes)


def cmd_compare(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    settings = _settings(args, parser)
    checks = _csv(args.checks)
    unknown = [c for c in checks if c not in CHECKS]
    if unknown or not checks:
        parser.error(f"--checks: expected names from {','.join(CHECKS)}, got {args.checks!r}")
    try:
        targets = select_targets(args.backends)
        before = load_run(args.against, args.out) if args.against else None
    except (ValueError, RunNotFoundError) as exc:
        parser.error(str(exc))
    thresholds = load_thresholds()
    run_id = new_run_id(args.label)
    started = time.perf_counter()
    rows = run_checks(targets, settings, checks, thresholds, console=console)
    df = to_frame(rows, run_id)
    meta = {
        "run_id": run_id,
        "label": args.label,
        "mode": settings.mode,
        "checks": checks,
        "targets": [t.spec for t in targets],
        "settings": {k: v for k, v in settings.__dict__.items() if k != "extra"},
        "thresholds": thresholds.text,
        "wall_seconds": round(time.perf_counter() - started, 1),
        **provenance.collect(argv=sys.argv, seed=settings.seed, root=ROOT),
    }
    run_dir = save_run(df, meta, args.out)
    _print_run(df, meta, console, thresholds)
    if before is not None:
        console.print(
            against_table(before[0], df, before_name=before[1]["run_id"], after_name=meta["run_id"])
        )
    console.print(f"saved {run_dir} ({len(df)} rows, {meta['wall_seconds']} s)")
    return _exit_code(df)


def _print_run(df, meta, console: Console, thresholds: Thresholds) -> None:
    commit = (meta.get("git") or {}).get("commit") or "?"
    dirty = "+dirty" if (meta.get("git") or {}).get("dirty") else ""
    title = (
        f"run {meta['run_id']} · {meta.get('mode')} · {meta.get('utc')} · "
        f"{commit[:10]}{dirty} · {meta.get('cpu')}"
    )
    render_summary(df, console, title=title)
    console.print(gates_table(thresholds))


def _exit_code(df) -> int:
    v = verdicts(df)
    return 1 if (v["verdict"] == "FAIL").any() else 0


def cmd_show(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    try:
        df, meta = load_run(args.run, args.out)
        before = load_run(args.against, args.out) if args.against else None
    except RunNotFoundError as exc:
        parser.error(str(exc))
    import tomllib

    thresholds = Thresholds(tomllib.loads(meta["thresholds"]), meta["thresholds"])
    _print_run(df, meta, console, thresholds)
    if before is not None:
        console.print(
            against_table(before[0], df, before_name=before[1]["run_id"], after_name=meta["run_id"])
        )
    console.print(f"run directory: {resolve_run(args.run, args.out)}")
    return _exit_code(df)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console()
    if not console.is_terminal:  # logs and CI: do not squeeze tables into 80 columns
        console = Console(width=180)
    if args.command == "list":
        return listing.run(variants=args.variants, console=console)
    if args.command == "compare":
        return cmd_compare(args, parser, console)
    if args.command == "show":
        return cmd_show(args, parser, console)
    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects others


if __name__ == "__main__":
    sys.exit(main())
