"""``play`` and ``soak``: speech or a WAV file through the backends on a real device."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

import backends
from harness.cli.common import csv_list
from harness.playback.engine import MAX_CROSSFADE_SECONDS, MODES
from harness.playback.player import (
    OptionError,
    PlayerError,
    PlayOptions,
    check_spec,
    default_swap_order,
    play,
    write_report,
)
from harness.playback.wavio import WAV_ENCODINGS, WavError
from harness.views.playback import minutes_table, report_table, soaks_table

#: ``--blocksize`` range of play and soak (JACK and ALSA periods: 16 to 8192).
BLOCKSIZES = (16, 16384)
#: Longest ``--duration`` (19 years): keeps every frame counter far inside
#: int64 at any WAV rate, and is longer than any session.
MAX_SECONDS = 6e8
#: ``--crossfade-ms`` when not given.
CROSSFADE_MS = 5.0
#: Where ``--server-log`` comes from when not given (``.ci/jack-dummy`` sets it).
SERVER_LOG_ENV = "RESAMPLER_SUITE_SERVER_LOG"
#: Most soaks one ``soak --repeat`` runs.
MAX_REPEAT = 1000


def register(commands: Any) -> None:
    """Add ``play`` and ``soak`` to the command line."""
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
            p.add_argument(
                "--control",
                action="store_true",
                help="also run the soak's control client and compare (soak always does)",
            )
        else:
            p.add_argument("--minutes", type=float, default=3.0, help="session length (default 3)")
            p.add_argument(
                "--repeat",
                type=int,
                default=1,
                metavar="N",
                help=f"run N soaks in a row, 1 to {MAX_REPEAT}; PASS only if all pass (default 1)",
            )
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
            choices=MODES,
            default=MODES[0],
            help="gil-free: a producer thread resamples, a C callback copies, never "
            "taking the GIL (default); producer: the same with a Python callback; "
            "callback: the Python callback resamples (the seed's setup)",
        )
        p.add_argument(
            "--server-log",
            type=Path,
            default=None,
            metavar="FILE",
            help=f"the audio server's log, to see whose xruns they were "
            f"(default: ${SERVER_LOG_ENV}, which .ci/jack-dummy sets)",
        )
        p.add_argument(
            "--crossfade-ms",
            type=float,
            default=None,
            help=f"crossfade at a swap, at most {1000 * MAX_CROSSFADE_SECONDS} ms and at most "
            f"the swap interval (default {CROSSFADE_MS:g})",
        )
        p.set_defaults(handler=cmd_play)
        p.add_argument(
            "--report",
            type=Path,
            default=None,
            metavar="FILE.json",
            help="also write the report as JSON",
        )


def _span(
    parser: argparse.ArgumentParser, flag: str, value: float, most: float, unit: str
) -> float:
    """``value`` if finite, positive and at most ``most``; else a usage error naming ``flag``."""
    if not (math.isfinite(value) and value > 0):
        parser.error(f"{flag}: expected a positive number, got {value:g}")
    if value > most:
        parser.error(f"{flag}: expected at most {most:g} {unit}, got {value:g}")
    return value


def play_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> PlayOptions:
    """The options of ``play``/``soak``, each flag checked on its own (no device needed)."""
    soak = args.command == "soak"
    order = csv_list(args.swap_order) if args.swap_order is not None else default_swap_order()
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
    if soak and not 1 <= args.repeat <= MAX_REPEAT:
        parser.error(f"--repeat: expected 1 to {MAX_REPEAT}, got {args.repeat}")
    server_log = args.server_log or (
        Path(os.environ[SERVER_LOG_ENV]) if os.environ.get(SERVER_LOG_ENV) else None
    )
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
        control=soak or args.control,
        server_log=server_log,
        interactive=not soak
        and sys.stdin.isatty()
        and args.swap_every is None
        and args.duration is None,
    )


def cmd_play(args: argparse.Namespace, parser: argparse.ArgumentParser, console: Console) -> int:
    """Play or soak; exit 0, 1 (frames lost, soak gate failed, server gone), 2, or 130 (Ctrl-C).

    ``soak --repeat N`` runs N soaks in a row, stops at a Ctrl-C or a
    failure to play, and passes only if every soak passed; its ``--report``
    holds ``{"soaks": [...], "passed": ...}``, rewritten after every soak.
    """
    options = play_options(args, parser)
    soak = args.command == "soak"
    repeat = args.repeat if soak else 1
    reports: list[dict[str, Any]] = []
    for index in range(repeat):
        if repeat > 1:
            console.print(f"soak {index + 1} of {repeat}")
        outcome = _play_once(options, args, parser, console, keep=reports if repeat > 1 else None)
        if isinstance(outcome, int):
            return outcome
        reports.append(outcome)
        status = play_exit_status(outcome, soak=soak)
        if repeat == 1 or status == 130:
            return status
    console.print(soaks_table(reports))
    passed = all(r["gate"]["passed"] for r in reports)
    console.print(f"{repeat} soaks of {args.minutes:g} min: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


def _play_once(
    options: PlayOptions,
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    console: Console,
    *,
    keep: list[dict[str, Any]] | None,
) -> dict[str, Any] | int:
    """One session, its report printed and saved; an exit status when it could not play.

    ``keep``: the reports of earlier soaks of a ``--repeat`` run, saved with this one.
    """

    def status(line: str) -> None:  # overwritten in place: never wider than the terminal
        console.print(escape(line[: console.width - 1]), end="\r", highlight=False, soft_wrap=True)

    def save(report: dict[str, Any]) -> None:
        if keep is None:
            write_report(report, args.report)
        else:
            soaks = [*keep, report]
            passed = all(r["gate"]["passed"] for r in soaks)
            write_report({"soaks": soaks, "passed": passed}, args.report)

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
            save(exc.report)
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
    if report["per_minute"]:
        console.print(minutes_table(report))
    save(report)
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
    return report


def play_exit_status(report: dict, *, soak: bool) -> int:
    """130 when interrupted; else soak: 0 when the gate passed; play: 0 unless
    frames were lost or playback failed (soak and play alike: 1)."""
    if report["interrupted"]:
        return 130
    if soak:
        return 0 if report["gate"]["passed"] else 1
    return 1 if report["lost_frames"] or report["errors"] else 0
