"""``python -m harness play`` and ``soak``: real PortAudio output through sounddevice.

The player opens an output stream on the chosen device at the device's rate,
resamples the source to it with a :class:`~harness.engine.PlaybackEngine`, and
watches the stream from the main thread: live status, keys, the audio server
going away. The PortAudio callback only calls ``engine.callback``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

import backends
from harness.engine import LoopSource, PlaybackEngine
from harness.wavio import read_wav

__all__ = [
    "GATE_RESAMPLE_P95_US",
    "PlayOptions",
    "PlayerError",
    "default_swap_order",
    "find_output_device",
    "gate_verdict",
    "play",
    "speech_clip",
]

#: The seed's release gate: no underruns and resampling p95 under 5 ms.
GATE_RESAMPLE_P95_US = 5000.0
#: No callback for this long while the stream should run means the server is gone.
STALL_SECONDS = 2.0


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
    """Every available production backend with its default options."""
    return [i.name for i in backends.available_backends() if i.available and not i.baseline]


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
    mode: str = "producer"
    swap_every: float | None = None
    crossfade_ms: float = 5.0
    duration: float | None = None
    interactive: bool = False


def gate_verdict(report: dict[str, Any]) -> dict[str, Any]:
    """The seed's release gate on a report: no underruns, resampling p95 < 5 ms, no loss.

    Underruns counted: the FIFO running empty, and device underflows that follow
    a callback of ours that was late (server call to return over the budget).
    Device underflows with every recent callback on time come from the audio
    server itself; they are reported, not gated.
    """
    underruns = report["underruns"]["fifo_empty"] + report["device_underflow_after_late_callback"]
    p95 = report["resample_us"]["p95"] or 0.0
    passed = (
        underruns == 0
        and p95 < GATE_RESAMPLE_P95_US
        and report["lost_frames"] == 0
        and report["complete"]
    )
    return {
        "underruns": underruns,
        "resample_p95_us": p95,
        "limit_resample_p95_us": GATE_RESAMPLE_P95_US,
        "lost_frames": report["lost_frames"],
        "passed": passed,
    }


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
        warm_up(spec, in_rate=in_rate, out_rate=out_rate, channels=clip.shape[1])
    seconds = (total or len(clip)) / in_rate
    return PlaybackEngine(
        LoopSource(clip, total_frames=total),
        in_rate=in_rate,
        out_rate=out_rate,
        backends=order,
        blocksize=options.blocksize,
        mode=options.mode,
        crossfade_frames=max(1, round(options.crossfade_ms * out_rate / 1000)),
        swap_every_frames=round(options.swap_every * in_rate) if options.swap_every else None,
        expected_callbacks=int(1.2 * seconds * out_rate / options.blocksize) + 4096,
    )


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


def status_line(engine: PlaybackEngine) -> str:
    """One line: backend, FIFO fill, underruns, callback p95/max."""
    cb = engine.callbacks.values_us()[-2000:]
    p95, worst = (np.quantile(cb, 0.95), cb.max()) if len(cb) else (0.0, 0.0)
    return (
        f"{engine.swapper.backend:<34} fifo {engine.ring.fill:6d} "
        f"underruns {engine.fifo_underruns}+{engine.device_underflows} "
        f"cb p95 {p95:7.1f} µs max {worst:8.1f} µs swaps {engine.swapper.swaps}"
    )


def play(
    options: PlayOptions,
    *,
    on_status: Callable[[str], None] | None = None,
    engine_hook: Callable[[PlaybackEngine], PlaybackEngine] | None = None,
) -> dict[str, Any]:
    """Play to the device and return the report (also when interrupted).

    Parameters
    ----------
    options : PlayOptions
        What to play and how.
    on_status : callable, optional
        Called about 4 times a second with the live status line.
    engine_hook : callable, optional
        Receives the engine before playback (tests use it to inject faults).

    Raises
    ------
    PlayerError
        No device, PortAudio missing, or the audio server went away (the
        partial report is attached as ``exc.report``).
    """
    # The file first: a bad WAV is the user's to fix, whatever the audio setup.
    clip, in_rate = read_wav(options.file) if options.file else speech_clip()
    sd = _sounddevice()
    index, info = find_output_device(options.device)
    out_rate = int(options.rate or info["default_samplerate"])
    channels = 2 if info["max_output_channels"] >= 2 else 1
    engine = build_engine(options, clip, in_rate, out_rate, channels)
    if engine_hook:
        engine = engine_hook(engine)
    stop = threading.Event()
    done = threading.Event()

    def callback(outdata, frames, time_info, status):
        # How long after the server's call we got here (the GIL may have been busy).
        called = time_info.currentTime
        delay_ns = int(1e9 * (stream.time - called)) if called > 0 else 0
        if engine.callback(outdata, frames, bool(status.output_underflow), max(delay_ns, 0)):
            raise sd.CallbackStop

    engine.prefill()
    # Objects alive now never need scanning again: gen-2 collections during
    # playback then only walk what playback itself allocates.
    gc.collect()
    gc.freeze()
    producer = None
    if engine.mode == "producer":
        producer = threading.Thread(
            target=engine.producer_loop, args=(stop,), name="producer", daemon=True
        )
    # The callback needs the GIL; the default 5 ms switch interval would let the
    # producer hold it for a whole 256-frame period.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    started = time.monotonic()
    try:
        stream = sd.OutputStream(
            device=index,
            samplerate=out_rate,
            blocksize=engine.blocksize,
            channels=channels,
            dtype="float32",
            callback=callback,
            finished_callback=done.set,
        )
    except Exception as exc:
        sys.setswitchinterval(interval)
        gc.unfreeze()
        raise PlayerError(f"cannot open {info['name']!r} at {out_rate} Hz: {exc}") from exc
    failure = None
    keys = _keyboard(engine, stop) if options.interactive else contextlib.nullcontext()
    try:
        with keys:
            stream.start()
            if producer:
                producer.start()
            failure = _watch(stream, engine, done, stop, on_status, info)
    finally:
        stop.set()
        if producer and producer.is_alive():
            producer.join(2.0)
        sys.setswitchinterval(interval)
        gc.unfreeze()
    report = engine.report() | {
        "device": info["name"],
        "hostapi": info["hostapi_name"],
        "wall_s": round(time.monotonic() - started, 3),
        "backends": engine.order,
    }
    report["gate"] = gate_verdict(report)
    if failure:
        raise PlayerError(failure, report=report, stranded=True)
    stream.close()  # the server is alive: a normal shutdown
    return report


def _watch(
    stream,
    engine: PlaybackEngine,
    done: threading.Event,
    stop: threading.Event,
    on_status: Callable[[str], None] | None,
    info: dict[str, Any],
) -> str | None:
    """Wait for the end of playback; return why it failed, or None."""
    last_count, last_progress = 0, time.monotonic()
    while not done.is_set() and not stop.is_set():
        done.wait(0.1)
        if on_status:
            on_status(status_line(engine))
        if engine.finished:
            break
        if not stream.active and not done.is_set():
            return (
                f"the audio stream on {info['name']!r} ({info['hostapi_name']}) stopped "
                f"after {engine.frames_played} frames: did the audio server exit?"
            )
        if engine.callbacks.count != last_count:
            last_count, last_progress = engine.callbacks.count, time.monotonic()
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
