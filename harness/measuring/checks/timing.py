"""Callback timing: simulated device callbacks at each blocksize, two designs.

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
"""

from __future__ import annotations

from time import perf_counter_ns

import numpy as np

from backends import Variant
from backends.ring import RingBuffer
from backends.testing import noise
from harness.measuring.settings import Settings, capabilities_of
from harness.results.store import Recorder

__all__ = ["QUANTILES", "run", "simulate"]

#: Named quantiles recorded as their own metrics.
QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99, "p99_9": 0.999}
#: Quantile levels of the recorded distribution curve (for CDF plots).
CURVE = np.unique(np.concatenate([np.linspace(0, 1, 41), [0.99, 0.995, 0.999, 0.9995]]))


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


def run(variant: Variant, settings: Settings, rec: Recorder) -> None:
    """Both designs at each blocksize, at the run's first streaming pair (one-shot-only
    backends cannot serve callbacks: recorded as not applicable)."""
    if not capabilities_of(variant).streaming:
        rec.not_applicable("one-shot only: cannot serve device callbacks")
        return
    for in_rate, out_rate in settings.stream_pairs[:1]:
        warm = variant.create(in_rate=in_rate, out_rate=out_rate)
        warm.process(np.zeros(4096, np.float32), last=True)  # JIT, latency probe, caches
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
                dims = dict(
                    in_rate=in_rate,
                    out_rate=out_rate,
                    channels=1,
                    dtype="float32",
                    blocksize=blocksize,
                    mode=mode,
                )
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
                for q, v in zip(CURVE, np.quantile(us, CURVE), strict=True):
                    rec.add(
                        "callback_us_quantile",
                        float(v),
                        "us",
                        x=float(q),
                        x_unit="quantile",
                        gate=False,
                        **dims,
                    )
