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
import contextlib
import math
import os
import sys
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

import backends
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
from harness.playback.engine import MAX_CROSSFADE_SECONDS
from harness.playback.player import (
    OptionError,
    PlayerError,
    PlayOptions,
    check_spec,
    default_swap_order,
    play,
    short_spec,
    write_report,
)
from harness.playback.wavio import WAV_ENCODINGS, WavError
from harness.results import provenance
from harness.results.gates import Thresholds, load_thresholds
from harness.results.store import (
    DamagedRunWarning,
    Run,
    RunDamagedError,
    RunNotFoundError,
    check_results_dir,
    new_run_id,
    open_run,
    save_run_or_fallback,
    to_frame,
)
from harness.results.summary import against_table, gates_table, render_summary, verdicts
from harness.views import listing

ROOT = Path(__file__).resolve().parent.parent

#: ``--blocksize`` range of play and soak (JACK and ALSA periods: 16 to 8192).
BLOCKSIZES = (16, 16384)
#: Longest ``--duration`` (19 years): keeps every frame counter far inside
#: int64 at any WAV rate, and is longer than any session.
MAX_SECONDS = 6e8
#: ``--crossfade-ms`` when not given.
CROSSFADE_MS = 5.0


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def program_name(argv0: str) -> str:
    """How the user ran us, for usage lines: ``resampler-harness`` or ``python -m harness``."""
    name = Path(argv0).name
    return "python -m harness" if name in ("__main__.py", "") else name


def build_parser(prog: str = "python -m harness") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
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

    for name, help_text in (
        ("play", "play speech or a WAV file through the backends"),
        ("soak", "the pre-release gate: minutes of speech, a swap a second"),
    ):
        p = commands.add_parser(name, help=help_text)
        if name == "play":
            p.add_argument(
                "file",
                nargs="?",
                type=Path,
                default=None,
                help=f"WAV file ({WAV_ENCODINGS}, mono or stereo); "
                "default: the bundled speech clip",
            )
            p.add_argument(
                "--backend",
                default=None,
                metavar="NAME[:opts]",
                help="backend to start with (default: the first of --swap-order)",
            )
            p.add_argument(
                "--swap-every",
                type=float,
                default=None,
                metavar="SECONDS",
                help="swap to the next backend every SECONDS of audio",
            )
            p.add_argument(
                "--duration",
                type=float,
                default=None,
                metavar="S",
                help="play S seconds, looping the file (default: the file once)",
            )
        else:
            p.add_argument("--minutes", type=float, default=3.0, help="session length (default 3)")
            p.add_argument(
                "--swap-every",
                type=float,
                default=1.0,
                metavar="SECONDS",
                help="swap to the next backend every SECONDS (default 1)",
            )
        p.add_argument(
            "--swap-order",
            default=None,
            metavar="A,B,C",
            help="backends to cycle through (default: every production backend)",
        )
        p.add_argument("--device", default=None, help="output device name (substring)")
        p.add_argument(
            "--rate",
            type=int,
            default=None,
            metavar="HZ",
            help="device rate (default: the device's own)",
        )
        p.add_argument(
            "--blocksize",
            type=int,
            default=256,
            help=f"device frames per callback, {BLOCKSIZES[0]} to {BLOCKSIZES[1]} (default 256)",
        )
        p.add_argument(
            "--mode",
            choices=("producer", "callback"),
            default="producer",
            help="resample in a producer thread (default) or in the callback",
        )
        p.add_argument(
            "--crossfade-ms",
            type=float,
            default=None,
            help=f"crossfade at a swap, at most {1000 * MAX_CROSSFADE_SECONDS} ms and at most "
            f"the swap interval (default {CROSSFADE_MS:g})",
        )
        p.add_argument(
            "--report",
            type=Path,
            default=None,
            metavar="FILE.json",
            help="also write the report as JSON",
        )

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

    p = commands.add_parser(
        "perf",
        add_help=False,
        help="throughput vs a memory copy, per-call cost, thread scaling, the caching claim",
    )
    p.add_argument("args", nargs=argparse.REMAINDER, help="see python -m harness perf --help")

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


def _settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Settings:
    """The run's settings from the compare options; usage errors exit 2."""
    settings = FULL if args.full else QUICK
    if args.seed < 0:
        parser.error(f"--seed: expected an integer >= 0, got {args.seed}")
    changes: dict[str, object] = {"seed": args.seed}
    try:
        if args.rates is not None:
            changes["rate_pairs"] = tuple(parse_rate_pairs(args.rates))
        if args.blocksizes is not None:
            changes["blocksizes"] = parse_blocksizes(args.blocksizes)
    except ValueError as exc:
        parser.error(str(exc))
    return settings.with_(**changes)


@contextlib.contextmanager
def _damaged_runs_reported() -> Iterator[None]:
    """Print each damaged run skipped while reading as one line on stderr."""
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DamagedRunWarning)
            yield
    finally:  # also when the run asked for is missing or damaged
        err = _console(stderr=True)
        for warning in caught:
            if issubclass(warning.category, DamagedRunWarning):
                err.print(
                    f"[yellow]warning:[/yellow] {escape(str(warning.message))}", soft_wrap=True
                )
            else:  # not ours: as Python would have shown it
                warnings.showwarning(
                    warning.message, warning.category, warning.filename, warning.lineno
                )


def _open(name: str, root: Path, parser: argparse.ArgumentParser) -> Run:
    """A saved run by name; a missing or damaged one is a usage error (exit 2)."""
    try:
        with _damaged_runs_reported():
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
    checks = _csv(args.checks)
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
    if save_error is not None:
        _console(stderr=True).print(
            f"[red]error:[/red] {escape(f'could not save the run under {args.out}: {save_error}')}"
            f"\n{escape(f'saved it to {run_dir} instead ({len(df)} rows)')}",
            soft_wrap=True,
        )
        return 1
    console.print(
        escape(f"saved {run_dir} ({len(df)} rows, {meta['wall_seconds']} s)"), soft_wrap=True
    )
    return code


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
    before = _open(args.against, args.out, parser) if args.against else None
    code = _present(run, console, Thresholds.from_text(run.meta["thresholds"]), before)
    console.print(escape(f"run directory: {run.path}"), soft_wrap=True)
    return code


def _span(
    parser: argparse.ArgumentParser, flag: str, value: float, most: float, unit: str
) -> float:
    """``value`` if finite, positive and at most ``most``; else a usage error naming ``flag``."""
    if not (math.isfinite(value) and value > 0):
        parser.error(f"{flag}: expected a positive number, got {value:g}")
    if value > most:
        parser.error(f"{flag}: expected at most {most:g} {unit}, got {value:g}")
    return value


def _play_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> PlayOptions:
    """The options of ``play``/``soak``, each flag checked on its own (no device needed)."""
    soak = args.command == "soak"
    order = _csv(args.swap_order) if args.swap_order is not None else default_swap_order()
    if not order:
        parser.error(f"--swap-order: expected backend names, got {args.swap_order!r}")
    first = [] if soak or not args.backend else [("--backend", args.backend)]
    for flag, spec in [*first, *(("--swap-order", spec) for spec in order)]:
        try:
            check_spec(spec, source=flag)
        except (ValueError, TypeError, backends.BackendUnavailable) as exc:
            parser.error(str(exc) if str(exc).startswith(flag) else f"{flag}: {exc}")
    if first:
        order = [args.backend, *[b for b in order if b != args.backend]]
    low, high = BLOCKSIZES
    if args.blocksize < low:
        parser.error(f"--blocksize: expected >= {low}, got {args.blocksize}")
    if args.blocksize > high:
        parser.error(f"--blocksize: expected <= {high}, got {args.blocksize}")
    given_ms = args.crossfade_ms is not None
    crossfade_ms = CROSSFADE_MS if not given_ms else args.crossfade_ms
    _span(parser, "--crossfade-ms", crossfade_ms, 1000 * MAX_CROSSFADE_SECONDS, "ms")
    if args.rate is not None and args.rate < 1:
        parser.error(f"--rate: expected a positive number of Hz, got {args.rate}")
    if soak:
        duration = 60 * _span(parser, "--minutes", args.minutes, MAX_SECONDS / 60, "min")
    elif args.duration is not None:
        duration = _span(parser, "--duration", args.duration, MAX_SECONDS, "s")
    else:
        duration = None
    if args.swap_every is not None:
        _span(parser, "--swap-every", args.swap_every, MAX_SECONDS, "s")
        if crossfade_ms > 1000 * args.swap_every and given_ms:
            parser.error(
                f"--crossfade-ms: expected at most the swap interval "
                f"(--swap-every {args.swap_every:g} s = {1000 * args.swap_every:g} ms), "
                f"got {crossfade_ms:g}"
            )
        if crossfade_ms > 1000 * args.swap_every:
            parser.error(
                f"--swap-every: expected at least the crossfade (--crossfade-ms "
                f"{crossfade_ms:g} = {crossfade_ms / 1000:g} s), got {args.swap_every:g}"
            )
    return PlayOptions(
        file=None if soak else args.file,
        backends=order,
        device=args.device,
        rate=args.rate,
        blocksize=args.blocksize,
        mode=args.mode,
        swap_every=args.swap_every,
        crossfade_ms=crossfade_ms,
        duration=duration,
        interactive=not soak
        and sys.stdin.isatty()
        and args.swap_every is None
        and args.duration is None,
    )


def _us(stats: dict, keys: Sequence[str]) -> str:
    """``"p50 / p95 / max"`` style: the quantiles in whole µs, "-" when none was measured."""
    return " / ".join("-" if stats[k] is None else f"{stats[k]:.0f}" for k in keys)


def report_table(report: dict) -> Table:
    """The playback report as a two-column table that fits 80 columns."""
    table = Table(
        title=escape(
            f"playback report · {report['mode']} mode · "
            f"{report['in_rate']} → {report['out_rate']} Hz"
        ),
        caption=escape(f"gate: {report['gate']['rule']}"),
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    cb, rs, log = report["callback_us"], report["resample_us"], report["timing_log"]
    underruns = report["underruns"]
    rows = [
        ("device", f"{report['device']} ({report['hostapi']})"),
        (
            "frames played / expected",
            f"{report['frames_played']} / {report['frames_out_expected']}",
        ),
        ("duration", f"{report['duration_s']:.2f} s"),
        ("lost frames", str(report["lost_frames"])),
        (
            "underruns: FIFO / device",
            f"{underruns['fifo_empty']} / {underruns['device_output_underflow']}",
        ),
        ("device underruns after a late call", str(report["device_underflow_after_late_callback"])),
        (
            "callbacks over budget",
            f"{report['late_callbacks']} of {cb['count']} ({cb['budget_us']:.0f} µs)",
        ),
        ("callback µs p50/p95/p99/max", _us(cb, ("p50", "p95", "p99", "max"))),
        ("resample µs p50/p95/max", _us(rs, ("p50", "p95", "max"))),
    ]
    rows += [
        (f"  {short_spec(spec)}", f"{_us(stats, ('p50', 'p95', 'max'))} ({stats['blocks']} calls)")
        for spec, stats in report["resample_us_by_backend"].items()
    ]
    if log["callbacks_kept"] < log["callbacks"]:
        rows.append(("timing kept", f"last {log['seconds']} s ({log['callbacks_kept']} callbacks)"))
    rows += [
        ("swaps", str(report["swaps"])),
        ("backend faults (fallback took over)", str(len(report["faults"]))),
    ]
    if report["interrupted"]:
        rows.append(("interrupted", "yes (Ctrl-C)"))
    for label, value in rows:
        table.add_row(escape(label), escape(value))
    passed = report["gate"]["passed"]
    table.add_row("gate", "[green]PASS[/green]" if passed else "[bold red]FAIL[/bold red]")
    return table


def cmd_play(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    """Play or soak; exit 0, 1 (frames lost, soak gate failed, server gone), 2, or 130 (Ctrl-C)."""
    options = _play_options(args, parser)

    def status(line: str) -> None:  # overwritten in place: never wider than the terminal
        console.print(escape(line[: console.width - 1]), end="\r", highlight=False, soft_wrap=True)

    try:
        report = play(
            options,
            on_status=status if console.is_terminal else None,
            on_start=lambda line: console.print(escape(line), highlight=False),
        )
    except KeyboardInterrupt:  # before play() turned Ctrl-C into a stop
        console.print("interrupted before playback started")
        return 130
    except OptionError as exc:
        parser.error(str(exc))
    except WavError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        return 2
    except PlayerError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        if exc.report is not None:
            write_report(exc.report, args.report)
            console.print(
                escape(
                    f"partial report: {exc.report['frames_played']} frames played"
                    + (f", written to {args.report}" if args.report else "")
                )
            )
        if exc.stranded:  # PortAudio cannot shut down without its server: leave now
            sys.stdout.flush()
            os._exit(1)
        return 1
    if console.is_terminal:
        console.print()  # past the status line
    console.print(report_table(report))
    write_report(report, args.report)
    for error in report["errors"]:
        console.print(f"[red]{escape(error)}[/red]")
    for fault in report["faults"]:
        console.print(
            "[yellow]"
            + escape(
                f"backend {fault['backend']} failed at output frame {fault['frame']} "
                f"({fault['error']}); {fault['fallback']} took over"
            )
            + "[/yellow]"
        )
    if report["interrupted"]:
        written = f", written to {args.report}" if args.report else ""
        console.print(
            escape(f"interrupted after {report['duration_s']:.2f} s: partial report{written}")
        )
    elif args.command == "soak":
        verdict = "PASS" if report["gate"]["passed"] else "FAIL"
        console.print(f"soak {args.minutes:g} min, {report['swaps']} swaps: {verdict}")
    elif report["lost_frames"]:
        console.print(f"[red]{report['lost_frames']} frames lost[/red]")
    return play_exit_status(report, soak=args.command == "soak")


def play_exit_status(report: dict, *, soak: bool) -> int:
    """130 when interrupted; else soak: 0 when the gate passed; play: 0 unless
    frames were lost or playback failed (soak and play alike: 1)."""
    if report["interrupted"]:
        return 130
    if soak:
        return 0 if report["gate"]["passed"] else 1
    return 1 if report["lost_frames"] or report["errors"] else 0


def cmd_report(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    try:
        from harness.views.report import build_report
    except ImportError as exc:
        _console(stderr=True).print(
            "[red]error:[/red] "
            + escape(
                f"the report needs matplotlib ({exc}); pip install 'resampler-suite[notebook-run]'"
            ),
            soft_wrap=True,
        )
        return 2
    try:
        with _damaged_runs_reported():
            path = build_report(args.run, root=args.results, out=args.html, against=args.against)
    except (RunNotFoundError, RunDamagedError) as exc:
        parser.error(str(exc))
    console.print(escape(f"wrote {path} ({path.stat().st_size // 1024} KB)"), soft_wrap=True)
    return 0


def output_width(environ: Mapping[str, str]) -> int:
    """Columns for output that is not a terminal.

    ``$COLUMNS`` if it is a positive integer, else 80 (pipes, files, CI logs).
    """
    columns = environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isascii() and columns.isdigit() and int(columns) > 0 else 80


def _console(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr): a terminal's own width, else :func:`output_width`.

    Never a width guessed from another stream: rich would take a terminal's on
    stdin even when the output goes to a file.
    """
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=output_width(os.environ))


def main(argv: Sequence[str] | None = None) -> int:
    prog = program_name(sys.argv[0]) if argv is None else "python -m harness"
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["perf"]:  # it has its own options (and --help)
        from harness.measuring import perf

        return perf.main(argv[1:])
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    console = _console()
    if args.command == "list":
        return listing.run(variants=args.variants, console=console)
    if args.command == "compare":
        return cmd_compare(args, parser, console)
    if args.command == "show":
        return cmd_show(args, parser, console)
    if args.command in ("play", "soak"):
        return cmd_play(args, parser, console)
    if args.command == "report":
        return cmd_report(args, parser, console)

    raise AssertionError(f"unhandled command {args.command}")  # argparse rejects others


if __name__ == "__main__":
    sys.exit(main())
