"""Callback timing: simulated device callbacks at each blocksize, two designs,
and how long a Python callback waits for the GIL while each backend resamples.

A device callback must hand over ``blocksize`` output frames every
``blocksize / out_rate`` seconds (the budget). Two designs are simulated with
preallocated buffers (``process_into``, :class:`backends.ring.RingBuffer`) and
timed with ``perf_counter_ns``:

* ``callback`` — the seed's setup: the callback pulls input in device-sized
  chunks and resamples until its FIFO holds a block, then copies it out;
* ``producer`` — the seed's fallback: a producer keeps the FIFO ahead and the
  callback only copies (the producer's per-block time is reported too).

Callbacks run back to back, so the figures are CPU time per callback, not a
real-time schedule (``python -m harness play`` measures that on a device).

:func:`wakeups` measures that schedule offline, at the player's blocksize:
a real thread wakes every period and must take the GIL to copy a block
(as the player's ``producer`` mode callback does), while a producer thread
resamples with the backend back to back, so that a call is under way at
every deadline (the worst case of the player's producer; the switch
interval lowered to 0.5 ms, as the player does). Its lateness —
from its deadline to running Python — is recorded next to that of the
same schedule in a process of its own, which shares no GIL with the
resampler (as rtmixer's C callback, the player's default): the difference
is the wait for the GIL. A backend whose C code holds the GIL for a whole
call (python-samplerate does) makes the Python callback wait for it; one
that releases it (soxr, the Numba kernels) does not. Rows: metrics
``wakeup_late_*`` with ``mode`` ``gil`` (ours) and ``gil-free``.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from time import perf_counter_ns

import numpy as np

from backends import Variant
from backends.ring import RingBuffer
from backends.testing import noise
from harness.measuring.settings import Settings, capabilities_of
from harness.results.store import Recorder

__all__ = ["QUANTILES", "run", "simulate", "wakeups"]

#: Named quantiles recorded as their own metrics.
QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99, "p99_9": 0.999}
#: Quantile levels of the recorded distribution curve (for CDF plots).
CURVE = np.unique(np.concatenate([np.linspace(0, 1, 41), [0.99, 0.995, 0.999, 0.9995]]))
#: The blocksize of the GIL comparison: the player's default (or the closest measured).
GIL_BLOCKSIZE = 256
#: The player's switch interval while a Python callback plays.
SWITCH_INTERVAL = 0.0005

#: The GIL-free waker: the same schedule in a process of its own. It says
#: "ready", reads the start time (monotonic ns) and the period and count,
#: and prints its lateness per wake-up (ns).
_WAKER = """
import sys, time
print("ready", flush=True)
start, period, count = map(int, sys.stdin.readline().split())
late = []
for k in range(count):
    deadline = start + k * period
    wait = deadline - time.monotonic_ns()
    if wait > 0:
        time.sleep(wait / 1e9)
    late.append(time.monotonic_ns() - deadline)
print(" ".join(map(str, late)))
"""


def simulate(stream, *, blocksize: int, seconds: float, mode: str, seed: int = 0) -> dict:
    """Run ``seconds`` of simulated callbacks; return the raw timings and counters.

    Returns
    -------
    dict
        ``callback_ns`` (one per callback), ``resample_ns`` (one per resampler
        call), ``calls``, ``zero_calls``, ``startup_input_frames``.
    """
    in_rate, out_rate, channels = stream.in_rate, stream.out_rate, stream.channels
    chunk = -(-blocksize * in_rate // out_rate)
    callbacks = max(1, int(seconds * out_rate) // blocksize)
    source = noise(
        chunk * (callbacks + 8) + stream.latency * in_rate // out_rate + chunk, channels, seed=seed
    ).astype(stream.dtype)
    scratch = np.empty((stream.output_frames_max(chunk), channels), stream.dtype)
    ring = RingBuffer(len(scratch) + 3 * blocksize, channels, stream.dtype)
    out = np.empty((blocksize, channels), stream.dtype)
    callback_ns = np.empty(callbacks, np.int64)
    resample_ns = np.empty(len(source) // chunk, np.int64)
    state = {"pos": 0, "calls": 0, "zero": 0, "startup": -1}

    def feed() -> None:
        pos = state["pos"]
        t0 = perf_counter_ns()
        n = stream.process_into(source[pos : pos + chunk], scratch)
        resample_ns[state["calls"]] = perf_counter_ns() - t0
        state["pos"] = pos + chunk
        state["calls"] += 1
        if n == 0:
            state["zero"] += 1
        elif state["startup"] < 0:
            state["startup"] = state["pos"]
        ring.write(scratch[:n])

    for k in range(callbacks):
        if mode == "producer":
            while ring.fill < 2 * blocksize:
                feed()
            t0 = perf_counter_ns()
            ring.read_into(out)
        else:
            t0 = perf_counter_ns()
            while ring.fill < blocksize:
                feed()
            ring.read_into(out)
        callback_ns[k] = perf_counter_ns() - t0
    return {
        "callback_ns": callback_ns,
        "resample_ns": resample_ns[: state["calls"]],
        "calls": state["calls"],
        "zero_calls": state["zero"],
        "startup_input_frames": state["startup"],
    }


def _sleep_until(deadline_ns: int) -> int:
    """Sleep until ``deadline_ns`` (monotonic); how late we are running again (ns)."""
    wait = deadline_ns - time.monotonic_ns()
    if wait > 0:
        time.sleep(wait / 1e9)
    return time.monotonic_ns() - deadline_ns


def wakeups(stream, *, blocksize: int, seconds: float, seed: int = 0) -> dict[str, np.ndarray]:
    """Wake-up lateness of a callback that needs the GIL, and of one that does not.

    For ``seconds``, a thread of this process wakes every device period and
    copies a block (it must take the GIL for that), while a producer thread
    resamples back to back with ``stream.process_into``, one device block
    of input per call: a resampler call is under way at every deadline, the
    worst case of a Python callback beside the player's producer. A process
    of its own wakes on the same schedule at the same time. See the module.

    Returns
    -------
    dict
        ``gil`` and ``gil-free``: lateness of each wake-up (ns), from its
        deadline to running Python.
    """
    in_rate, out_rate, channels = stream.in_rate, stream.out_rate, stream.channels
    period = 10**9 * blocksize // out_rate
    count = max(1, int(seconds * out_rate) // blocksize)
    chunk = -(-blocksize * in_rate // out_rate)
    source = noise(chunk * 64, channels, seed=seed).astype(stream.dtype)
    scratch = np.empty((max(blocksize, stream.output_frames_max(chunk)), channels), stream.dtype)
    out = np.empty((blocksize, channels), stream.dtype)
    stop = threading.Event()
    failed: list[BaseException] = []

    def produce() -> None:
        pos = 0
        try:
            while not stop.is_set():
                stream.process_into(source[pos : pos + chunk], scratch)
                pos = (pos + chunk) % (len(source) - chunk)
        except Exception as exc:  # raised in the check's thread below
            failed.append(exc)

    free = subprocess.Popen(
        [sys.executable, "-c", _WAKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    free.stdout.readline()  # "ready": its interpreter is up
    # the waker's interpreter is up (it said so): a few periods let both threads start
    start = time.monotonic_ns() + 4 * period
    free.stdin.write(f"{start} {period} {count}\n")
    free.stdin.flush()
    late = np.empty(count, np.int64)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    producer = threading.Thread(target=produce, name="producer", daemon=True)
    producer.start()
    try:
        for k in range(count):
            late[k] = _sleep_until(start + k * period)
            np.copyto(out, scratch[:blocksize])
    finally:
        stop.set()
        producer.join()
        sys.setswitchinterval(interval)
        output, _ = free.communicate()
    if failed:  # the callback had nothing to compete with: the figures mean nothing
        raise failed[0]
    return {"gil": late, "gil-free": np.array(output.split(), np.int64)}


def _dims(rates: tuple[int, int], blocksize: int, mode: str) -> dict:
    """The dimensions of a timing row (the timing check streams mono float32)."""
    in_rate, out_rate = rates
    return dict(
        in_rate=in_rate,
        out_rate=out_rate,
        channels=1,
        dtype="float32",
        blocksize=blocksize,
        mode=mode,
    )


def _record_curve(rec: Recorder, metric: str, us: np.ndarray, dims: dict) -> None:
    """The distribution of ``us`` at the :data:`CURVE` levels (for CDF plots), ungated."""
    for q, v in zip(CURVE, np.quantile(us, CURVE), strict=True):
        rec.add(metric, float(v), "us", x=float(q), x_unit="quantile", gate=False, **dims)


def _record_wakeups(variant: Variant, settings: Settings, rec: Recorder, rates) -> None:
    """The GIL comparison at the player's blocksize (or the nearest measured)."""
    in_rate, out_rate = rates
    blocksize = min(settings.blocksizes, key=lambda b: abs(b - GIL_BLOCKSIZE))
    stream = variant.create(in_rate=in_rate, out_rate=out_rate)
    raw = wakeups(stream, blocksize=blocksize, seconds=settings.gil_seconds, seed=settings.seed)
    budget_us = 1e6 * blocksize / out_rate
    for mode, ns in raw.items():
        us = ns / 1000.0
        dims = _dims(rates, blocksize, mode)
        for name in ("p50", "p99"):
            value = float(np.quantile(us, QUANTILES[name]))
            rec.add(f"wakeup_late_{name}_us", value, "us", gate=False, **dims)
        rec.add("wakeup_late_max_us", float(us.max()), "us", gate=False, **dims)
        # a wake-up a whole period late has missed its block: the device plays silence
        over = int(np.count_nonzero(us > budget_us))
        rec.add("wakeup_late_over_budget", over, "wake-ups", gate=False, **dims)
        rec.add("wakeups", len(us), "wake-ups", gate=False, **dims)
        _record_curve(rec, "wakeup_late_us_quantile", us, dims)


def run(variant: Variant, settings: Settings, rec: Recorder) -> None:
    """Both designs at each blocksize, at the run's first streaming pair (one-shot-only
    backends cannot serve callbacks: recorded as not applicable)."""
    if not capabilities_of(variant).streaming:
        rec.not_applicable("one-shot only: cannot serve device callbacks")
        return
    for in_rate, out_rate in settings.stream_pairs[:1]:
        warm = variant.create(in_rate=in_rate, out_rate=out_rate)
        warm.process(np.zeros(4096, np.float32), last=True)  # JIT, latency probe, caches
        _record_wakeups(variant, settings, rec, (in_rate, out_rate))
        for blocksize in settings.blocksizes:
            budget_us = 1e6 * blocksize / out_rate
            for mode in ("callback", "producer"):
                stream = variant.create(in_rate=in_rate, out_rate=out_rate)
                raw = simulate(
                    stream,
                    blocksize=blocksize,
                    seconds=settings.timing_seconds,
                    mode=mode,
                    seed=settings.seed,
                )
                us = raw["callback_ns"] / 1000.0
                dims = _dims((in_rate, out_rate), blocksize, mode)
                for name, q in QUANTILES.items():
                    rec.add(f"callback_{name}_us", float(np.quantile(us, q)), "us", **dims)
                rec.add("callback_max_us", float(us.max()), "us", **dims)
                rec.add("callback_mean_us", float(us.mean()), "us", **dims)
                rec.add("budget_us", budget_us, "us", **dims)
                rec.add("budget_used_p50_pct", 100 * float(np.median(us)) / budget_us, "%", **dims)
                rec.add(
                    "budget_used_p99_9_pct",
                    100 * float(np.quantile(us, 0.999)) / budget_us,
                    "%",
                    **dims,
                )
                misses = int(np.count_nonzero(us > budget_us))
                rec.add("deadline_misses", misses, "callbacks", **dims)
                rec.add("deadline_miss_pct", 100 * misses / len(us), "%", **dims)
                rec.add("callbacks", len(us), "callbacks", **dims)
                rec.add(
                    "zero_output_calls_pct",
                    100 * raw["zero_calls"] / max(1, raw["calls"]),
                    "%",
                    **dims,
                )
                rec.add("startup_input_frames", raw["startup_input_frames"], "frames", **dims)
                rec.add("startup_ms", 1000 * raw["startup_input_frames"] / in_rate, "ms", **dims)
                rec.add("first_callback_us", float(us[0]), "us", **dims)
                resample_us = raw["resample_ns"] / 1000.0
                rec.add("resample_p95_us", float(np.quantile(resample_us, 0.95)), "us", **dims)
                _record_curve(rec, "callback_us_quantile", us, dims)
