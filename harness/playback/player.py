"""``python -m harness play`` and ``soak``: real PortAudio output through sounddevice.

The player opens an output stream on the chosen device at the device's rate,
resamples the source to it with a :class:`~harness.playback.engine.PlaybackEngine`, and
watches the stream from the main thread: live status, keys, Ctrl-C, the
audio server going away. By default the PortAudio callback is rtmixer's C
code copying from a lock-free ring and never takes the GIL; ``--mode
producer``/``callback`` make it ``engine.callback``, Python code
(:mod:`harness.playback.outputs`). A soak also runs a control client beside
it and says whose the device underflows were
(:mod:`harness.playback.control`, :mod:`harness.playback.attribution`).

Options that cannot work are refused before playback with an
:class:`OptionError` naming the option; those that depend on the device's
rate are checked before the device is touched when ``--rate`` is given.
"""

from __future__ import annotations

import contextlib
import gc
import json
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

import backends
from backends.validation import MAX_RATIO, check_rates
from harness.playback.attribution import BIN_SECONDS, SERVER, ServerLog, Tally, excess_p, signs
from harness.playback.control import Control, ControlError, jack_client_name
from harness.playback.engine import LoopSource, PlaybackEngine, block_input_frames
from harness.playback.outputs import GilFreeOutput, PythonOutput, open_output, realtime_policy
from harness.playback.wavio import read_wav
from harness.results.gates import Thresholds, gate_text, load_thresholds

__all__ = [
    "STATUS_WIDTH",
    "OptionError",
    "PlayOptions",
    "PlayerError",
    "check_spec",
    "default_swap_order",
    "find_output_device",
    "gate_verdict",
    "play",
    "speech_clip",
]

#: No callback for this long while the stream should run means the server is gone.
STALL_SECONDS = 2.0
#: The live status line fits an 80-column terminal without wrapping.
STATUS_WIDTH = 79


class OptionError(ValueError):
    """An option that cannot work with this file or device; the message names it."""


class PlayerError(RuntimeError):
    """Playback could not start or could not go on; the message says why.

    Attributes
    ----------
    report : dict or None
        The partial report, when playback had started.
    stranded : bool
        The audio server went away with a stream open. PortAudio (JACK) can
        then neither stop nor close the stream, nor exit the interpreter
        cleanly (each hangs or aborts), so the process must end with
        ``os._exit`` after saving what it needs.
    """

    def __init__(
        self, message: str, *, report: dict[str, Any] | None = None, stranded: bool = False
    ) -> None:
        super().__init__(message)
        self.report = report
        self.stranded = stranded


def speech_clip() -> tuple[np.ndarray, int]:
    """The speech clip shipped with the project (22.05 kHz int16 mono)."""
    path = resources.files("harness") / "data" / "speech_22050.wav"
    with resources.as_file(path) as file:
        return read_wav(file)


def default_swap_order() -> list[str]:
    """Every available production backend that streams, default options spelled out.

    One-shot-only libraries are left out: they cannot play a stream.
    """
    infos = backends.available_backends()
    return [
        i.resolve().spec
        for i in infos
        if i.available and not i.baseline and i.capabilities().streaming
    ]


def check_spec(spec: str, *, source: str) -> None:
    """Refuse a backend spec naming no installed backend or options it does not declare.

    Raises
    ------
    ValueError, TypeError, backends.BackendUnavailable
        As :func:`backends.create` would, without building a stream.
    """
    backends.Variant.parse(spec, source=source).resolved()


def _sounddevice():
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: PortAudio library missing
        raise PlayerError(
            f"sounddevice/PortAudio unavailable ({exc}); install with "
            "pip install 'resampler-suite[player]' and apt-get install libportaudio2"
        ) from exc
    return sounddevice


def find_output_device(name: str | None = None) -> tuple[int, dict[str, Any]]:
    """The output device to use: by name substring, else JACK's default, else the default.

    Returns
    -------
    index : int
        sounddevice device index.
    info : dict
        sounddevice's device info plus ``hostapi_name``.
    """
    sd = _sounddevice()
    devices = sd.query_devices()
    hostapis = sd.query_hostapis()
    outputs = [(i, d) for i, d in enumerate(devices) if d["max_output_channels"] > 0]
    if not outputs:
        raise PlayerError(
            "no audio output device found (is an audio server such as JACK "
            "running? see .ci/jack-dummy)"
        )
    if name:
        matches = [(i, d) for i, d in outputs if name.lower() in d["name"].lower()]
        if not matches:
            known = ", ".join(d["name"] for _, d in outputs)
            raise PlayerError(f"--device: expected one of {known}, got {name!r}")
        index, info = matches[0]
    else:
        jack = [h for h in hostapis if h["name"].startswith("JACK")]
        if jack and jack[0]["default_output_device"] >= 0:
            index = jack[0]["default_output_device"]
        else:
            index = sd.default.device[1] if sd.default.device[1] >= 0 else outputs[0][0]
        info = devices[index]
    return index, {**info, "hostapi_name": hostapis[info["hostapi"]]["name"]}


@dataclass
class PlayOptions:
    """What ``play`` does; the command-line options, parsed."""

    file: Path | None = None
    backends: Sequence[str] = ()
    device: str | None = None
    rate: int | None = None
    blocksize: int = 256
    mode: str = "gil-free"
    swap_every: float | None = None
    crossfade_ms: float = 5.0
    duration: float | None = None
    interactive: bool = False
    #: Run the control client beside the player (``soak`` always does).
    control: bool = False
    #: The audio server's log, for attributing its xruns (see attribution).
    server_log: Path | None = None


def _source_rates(options: PlayOptions, in_rate: int, out_rate: int, *, rate_from: str) -> None:
    """Refuse rates no backend can convert, and a swap interval shorter than a step.

    Raises
    ------
    OptionError
        Naming the file and ``--rate``, or ``--swap-every``.
    """
    try:
        check_rates(in_rate, out_rate)
    except ValueError as exc:
        source = options.file or "the speech clip"
        raise OptionError(
            f"{source}: {in_rate} Hz cannot be played at {out_rate} Hz ({rate_from}): "
            f"the rates must lie within a factor {MAX_RATIO} of each other"
        ) from exc
    if options.swap_every is not None:
        step = block_input_frames(options.blocksize, in_rate, out_rate)
        if round(options.swap_every * in_rate) < step:
            raise OptionError(
                f"--swap-every: expected at least one device block, "
                f"{1000 * step / in_rate:.3g} ms ({options.blocksize} frames at {out_rate} Hz), "
                f"got {1000 * options.swap_every:.3g} ms"
            )


def gate_verdict(report: dict[str, Any], thresholds: Thresholds | None = None) -> dict[str, Any]:
    """The release gate (``[soak]`` of ``thresholds.toml``) on a playback report.

    * ``fifo_underruns``: the FIFO between producer and callback ran empty.
    * ``late_excess_p``: device underflows beyond the control's. JACK tells
      every client of every xrun, so the statistic compares the cycles the
      server's log pins on our client with those it pins on the control
      client, second by second, in a one-sided exact sign test
      (:mod:`harness.playback.attribution`): small when ours was late more
      often, consistently, than chance explains. Without the server's log
      it compares the two clients' underflow counts instead (on JACK the
      same events: it cannot fail then; the report says which source it
      used).
    * ``resample_p95_us`` and ``lost_frames``.

    A criterion whose figure was not measured (no control) is skipped, unless
    a control was asked for and failed: then the gate fails. An incomplete
    playback fails too.
    """
    thresholds = thresholds or load_thresholds()
    attribution = report.get("attribution") or {}
    measured = {
        "fifo_underruns": report["underruns"]["fifo_empty"],
        "late_excess_p": attribution.get("excess_p"),
        "resample_p95_us": report["resample_us"]["p95"] or 0.0,
        "lost_frames": report["lost_frames"],
    }
    verdict: dict[str, Any] = {"rule": gate_text(thresholds, "soak")}
    passed = bool(report["complete"])
    for metric, value in measured.items():
        found = thresholds.limit("soak", metric, backend="", variant="")
        verdict[metric] = value
        if found is None:
            continue
        key, limit = found
        verdict[f"limit_{metric}"] = limit
        if value is None:
            passed = passed and report.get("control") is None
        else:
            passed = passed and Thresholds.passes(key, float(value), limit)
    verdict["passed"] = passed
    return verdict


def warm_up(spec: str, *, in_rate: int, out_rate: int, channels: int) -> None:
    """Create ``spec`` once and run enough audio through it to compile every kernel.

    Fails fast on a bad name, and keeps one-time costs (Numba compiling or
    loading its cache: ~0.1 s per kernel; latency probes) out of playback, where a
    swap would otherwise stall for them.
    """
    stream = backends.create(spec, in_rate=in_rate, out_rate=out_rate, channels=channels)
    block = np.zeros((4096, channels), np.float32)
    stream.process(block)
    stream.process(block[:1])
    stream.process(block, last=True)
    _ = stream.latency


def build_engine(
    options: PlayOptions,
    clip: np.ndarray,
    in_rate: int,
    out_rate: int,
    channels: int | None = None,
) -> PlaybackEngine:
    """The engine for ``options`` at the device rate (warming every backend first)."""
    if channels is not None and clip.shape[1] != channels:
        clip = np.repeat(clip[:, :1], channels, axis=1)
    total = round(options.duration * in_rate) if options.duration else None
    order = list(options.backends) or default_swap_order()
    for spec in order:
        try:
            warm_up(spec, in_rate=in_rate, out_rate=out_rate, channels=clip.shape[1])
        except (ValueError, TypeError, backends.BackendUnavailable) as exc:
            raise OptionError(
                f"--backend/--swap-order: {spec} cannot run at {in_rate} -> {out_rate} Hz: {exc}"
            ) from exc
    seconds = (total or len(clip)) / in_rate
    crossfade = max(1, round(options.crossfade_ms * out_rate / 1000))
    swap_every = None
    if options.swap_every is not None:
        swap_every = round(options.swap_every * in_rate)
        # a crossfade as long as the interval must not exceed it by rounding
        crossfade = max(1, min(crossfade, swap_every * out_rate // in_rate))
    try:
        return PlaybackEngine(
            LoopSource(clip, total_frames=total),
            in_rate=in_rate,
            out_rate=out_rate,
            backends=order,
            blocksize=options.blocksize,
            mode=options.mode,
            crossfade_frames=crossfade,
            swap_every_frames=swap_every,
            expected_callbacks=int(1.2 * seconds * out_rate / options.blocksize) + 4096,
        )
    except ImportError as exc:  # the GIL-free ring is rtmixer's
        raise PlayerError(
            f"{options.mode} mode needs rtmixer ({exc}); install with "
            "pip install 'resampler-suite[player]', or use --mode producer"
        ) from exc


@contextlib.contextmanager
def _keyboard(engine: PlaybackEngine, stop: threading.Event) -> Iterator[None]:
    """Number keys pick a backend, ``n`` the next one, ``q`` quits (terminals only)."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)

    def read_keys() -> None:
        import select

        while not stop.is_set():
            ready, _, _ = select.select([sys.stdin], [], [], 0.1)
            if not ready:
                continue
            key = sys.stdin.read(1)
            if key == "q":
                stop.set()
            elif key == "n":
                engine.swap_next()
            elif key.isdigit() and 1 <= int(key) <= len(engine.order):
                engine.request_swap(engine.order[int(key) - 1])

    tty.setcbreak(fd)
    thread = threading.Thread(target=read_keys, name="keys", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(1.0)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _duration(us: float) -> str:
    """At most 6 characters: ``"950µs"``, ``"12ms"``, ``"3s"``."""
    for scale, unit in ((1, "µs"), (1e3, "ms"), (1e6, "s")):
        if us / scale < 9999.5:
            return f"{us / scale:.0f}{unit}"
    return f"{us / 1e6:.0g}s"


def status_line(engine: PlaybackEngine, width: int = STATUS_WIDTH) -> str:
    """One line of exactly ``width`` characters: backend, FIFO fill, underruns
    (FIFO empty + device), the last 2000 Python callbacks' p95/max, swaps.

    The backend is shortened first (``soxr:VHQ``, then elided), so the
    figures stay whole.
    """
    cb = engine.callbacks.recent_us(2000)
    # rtmixer's C callback is not timed; it never waits for the GIL
    timing = (
        f"cb p95 {_duration(np.quantile(cb, 0.95))} max {_duration(cb.max())}"
        if len(cb)
        else "cb in C, no GIL"
    )
    tail = (
        f" fifo {engine.ring.fill:5d}  xrun {engine.fifo_underruns}+{engine.device_underflows}"
        f"  {timing}  swaps {engine.swapper.swaps}"
    )
    room = max(width - len(tail), 8)
    name = engine.swapper.variant.short
    if len(name) > room:
        name = name[: room - 1] + "…"
    return f"{name:<{room}}{tail}"[:width].ljust(width)


def play(
    options: PlayOptions,
    *,
    on_status: Callable[[str], None] | None = None,
    on_start: Callable[[str], None] | None = None,
    engine_hook: Callable[[PlaybackEngine], PlaybackEngine] | None = None,
) -> dict[str, Any]:
    """Play to the device and return the report (also when interrupted).

    Ctrl-C (SIGINT, when called from the main thread) stops playback cleanly:
    the report then covers what was played and says ``"interrupted": True``.

    Parameters
    ----------
    options : PlayOptions
        What to play and how.
    on_status : callable, optional
        Called about 10 times a second with the live status line.
    on_start : callable, optional
        Called once with a line saying what plays where, as playback starts.
    engine_hook : callable, optional
        Receives the engine before playback (tests use it to inject faults).

    Raises
    ------
    OptionError
        The file's rate and the device's cannot be converted, the swap
        interval is shorter than a device block, or a backend cannot run at
        these rates; raised before the device is touched when ``options.rate``
        is given.
    PlayerError
        No device, PortAudio missing, or the audio server went away (the
        partial report is attached as ``exc.report``).
    """
    stop = threading.Event()
    with _ctrl_c_sets(stop) as interrupted:
        # The file first: a bad WAV is the user's to fix, whatever the audio setup.
        clip, in_rate = read_wav(options.file) if options.file else speech_clip()
        if options.rate:
            _source_rates(options, in_rate, options.rate, rate_from="--rate")
        index, info = find_output_device(options.device)
        out_rate = int(options.rate or info["default_samplerate"])
        if not options.rate:
            _source_rates(options, in_rate, out_rate, rate_from="the device's rate; see --rate")
        channels = 2 if info["max_output_channels"] >= 2 else 1
        engine = build_engine(options, clip, in_rate, out_rate, channels)
        if engine_hook:
            engine = engine_hook(engine)
        if on_start:
            source = options.file or "the speech clip"
            on_start(
                f"playing {source} ({in_rate} Hz) on {info['name']} ({info['hostapi_name']}) "
                f"at {out_rate} Hz, {engine.mode} mode; Ctrl-C stops"
            )
        return _run(engine, options, index, info, stop, interrupted, on_status)


@contextlib.contextmanager
def _ctrl_c_sets(stop: threading.Event) -> Iterator[threading.Event]:
    """While active, SIGINT sets ``stop`` and the flag yielded, instead of raising.

    A KeyboardInterrupt could land anywhere (inside PortAudio calls, between a
    stream's start and the producer's); a flag is seen where playback can stop
    cleanly. Signal handlers belong to the main thread, so elsewhere nothing
    changes; an ignored SIGINT stays ignored.
    """
    interrupted = threading.Event()
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # e.g. `cmd &`
        yield interrupted
        return

    def on_sigint(signum: int, frame: Any) -> None:
        interrupted.set()
        stop.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def _run(
    engine: PlaybackEngine,
    options: PlayOptions,
    index: int,
    info: dict[str, Any],
    stop: threading.Event,
    interrupted: threading.Event,
    on_status: Callable[[str], None] | None,
) -> dict[str, Any]:
    """Play ``engine`` on device ``index`` until it ends or ``stop`` is set; the report."""
    engine.prefill()
    with tempfile.TemporaryDirectory(prefix="resampler-play-") as scratch:
        control = _start_control(options, engine, index, Path(scratch)) if options.control else None
        try:
            output = _open_output(engine, index, info)
        except PlayerError:
            if control:
                control.stop()
            raise
        return _play_output(engine, output, control, options, info, stop, interrupted, on_status)


def _start_control(
    options: PlayOptions, engine: PlaybackEngine, index: int, scratch: Path
) -> Control | None:
    """The control client, started before our stream (None if it failed: reported)."""
    try:
        return Control(
            device=index,
            rate=engine.out_rate,
            blocksize=engine.blocksize,
            channels=engine.channels,
            out=scratch / "control.jsonl",
        )
    except ControlError as exc:
        engine.errors.append(str(exc))
        return None


def _open_output(engine: PlaybackEngine, index: int, info: dict[str, Any]):
    try:
        return open_output(engine, index)
    except Exception as exc:
        raise PlayerError(f"cannot open {info['name']!r} at {engine.out_rate} Hz: {exc}") from exc


def _play_output(
    engine: PlaybackEngine,
    output: GilFreeOutput | PythonOutput,
    control: Control | None,
    options: PlayOptions,
    info: dict[str, Any],
    stop: threading.Event,
    interrupted: threading.Event,
    on_status: Callable[[str], None] | None,
) -> dict[str, Any]:
    """Start ``output``, watch it to the end, stop it; the report."""
    # Objects alive now never need scanning again: gen-2 collections during
    # playback then only walk what playback itself allocates.
    gc.collect()
    gc.freeze()
    producer = None
    if engine.mode != "callback":
        producer = threading.Thread(
            target=engine.producer_loop,
            args=(stop,),
            kwargs={"tick": output.poll},
            name="producer",
            daemon=True,
        )
    # A Python callback needs the GIL; the default 5 ms switch interval would
    # let the producer hold it for a whole 256-frame period. The C callback
    # does not care, so the GIL-free mode keeps the default (fewer switches).
    interval = sys.getswitchinterval()
    if engine.mode != "gil-free":
        sys.setswitchinterval(0.0005)
    tally = Tally()
    log = _server_log(options.server_log, engine)
    started = time.monotonic()
    failure, sched, client = None, None, None
    keys = _keyboard(engine, stop) if options.interactive else contextlib.nullcontext()

    def sample() -> None:
        now = time.monotonic()
        tally.total("ours", now, engine.device_underflows)
        if log:
            log.poll(tally, now)

    try:
        with keys:
            if not stop.is_set():  # Ctrl-C while warming up: nothing to play
                output.start()
                started = time.monotonic()
                sched, client = realtime_policy(), jack_client_name(_sounddevice())
                if producer:
                    producer.start()
                failure = _watch(output, engine, stop, on_status, info, sample)
    finally:
        stop.set()
        if producer and producer.is_alive():
            producer.join(2.0)
        sys.setswitchinterval(interval)
        gc.unfreeze()
    ended = time.monotonic()
    if failure:
        if control:
            control.kill()
    else:
        if output.active:  # stopped early (Ctrl-C, q): the report ends here
            output.stop()
        output.finish()
    sample()
    if log:
        log.close()
    report = engine.report() | {
        "device": info["name"],
        "hostapi": info["hostapi_name"],
        "wall_s": round(ended - started, 3),
        "backends": engine.order,
        "interrupted": interrupted.is_set(),
        "sched": sched,
        "client": client,
    }
    samples = control.stop() if control and not failure else []
    report |= _control_report(
        tally, samples, control, options, client, window=(started, ended), log=log is not None
    )
    report["gate"] = gate_verdict(report)
    if failure:
        raise PlayerError(failure, report=report, stranded=True)
    output.close()  # the server is alive: a normal shutdown
    return report


def _server_log(path: Path | None, engine: PlaybackEngine) -> ServerLog | None:
    """The audio server's log, read from now on; None (said in the report) if unreadable."""
    if path is None:
        return None
    try:
        return ServerLog(path)
    except OSError as exc:
        engine.errors.append(f"server log {path} unreadable ({exc.strerror}): no attribution")
        return None


def _control_report(
    tally: Tally,
    samples: list[dict[str, Any]],
    control: Control | None,
    options: PlayOptions,
    client: str | None,
    *,
    window: tuple[float, float],
    log: bool,
) -> dict[str, Any]:
    """The control's figures, the per-minute comparison and the attribution."""
    if not options.control:
        return {"control": None, "attribution": None, "per_minute": []}
    if control is None:
        return {"control": {"error": "did not start"}, "attribution": None, "per_minute": []}
    for sample in samples:
        tally.total("control", sample["t"], sample["underflows"])
    last = samples[-1] if samples else {"blocks": 0, "ring_dropped": 0}
    series = {
        "ours_underflows": "ours",
        "control_underflows": "control",
        "late_ours": f"late:{client}",
        "late_control": f"late:{control.client}",
        "late_server": f"late:{SERVER}",
    }
    if not log:
        series = dict(list(series.items())[:2])
    counts = {key: tally.per_minute(name, *window) for key, name in series.items()}
    per_minute = [
        {"minute": i + 1} | {key: counts[key][i] for key in counts}
        for i in range(len(counts["ours_underflows"]))
    ]
    totals = {key: sum(values) for key, values in counts.items()}
    compared = ("late_ours", "late_control") if log else ("ours_underflows", "control_underflows")
    ours, theirs = (totals[key] for key in compared)
    # the gate's unit is a second (see harness.playback.attribution); kept for provenance
    seconds = [tally.binned(series[key], *window, BIN_SECONDS) for key in compared]
    worse, better = signs(*seconds)
    return {
        "control": {
            "client": control.client,
            "sched": control.sched,
            "device_underflows": totals["control_underflows"],
            "blocks": last["blocks"],
            "ring_dropped": last["ring_dropped"],
        },
        "attribution": {
            "source": "server log" if log else "client flags",
            "ours": ours,
            "control": theirs,
            "server": totals.get("late_server"),
            "seconds_ours_worse": worse,
            "seconds_control_worse": better,
            "excess_p": excess_p(worse, better),
            "per_second": {"ours": seconds[0], "control": seconds[1]},
        },
        "per_minute": per_minute,
    }


def _watch(
    output: GilFreeOutput | PythonOutput,
    engine: PlaybackEngine,
    stop: threading.Event,
    on_status: Callable[[str], None] | None,
    info: dict[str, Any],
    sample: Callable[[], None],
) -> str | None:
    """Wait for the end of playback; return why it failed, or None."""
    done = output.done
    last_count, last_progress = 0, time.monotonic()
    while not done.is_set() and not stop.is_set():
        done.wait(0.1)
        sample()
        if on_status:
            on_status(status_line(engine))
        if engine.finished:
            break
        if not output.active and not done.is_set():
            return (
                f"the audio stream on {info['name']!r} ({info['hostapi_name']}) stopped "
                f"after {engine.frames_played} frames: did the audio server exit?"
            )
        if engine.blocks != last_count:
            last_count, last_progress = engine.blocks, time.monotonic()
        elif time.monotonic() - last_progress > STALL_SECONDS:
            return (
                f"no audio callback for {STALL_SECONDS:.0f} s on {info['name']!r} "
                f"({info['hostapi_name']}): is the audio server alive?"
            )
    done.wait(1.0)  # let PortAudio play out what the callback handed over
    return None


def write_report(report: dict[str, Any], path: Path | None) -> None:
    if path:
        path.write_text(json.dumps(report, indent=2) + "\n")
