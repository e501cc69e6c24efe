"""Throughput: Msamples/s one-shot and streaming, mono and stereo float32.

Each figure is the best of ``throughput_repeats`` passes (the least disturbed
by the rest of the machine). Every pass is timed twice:

* ``msamples_per_s`` — on the wall clock: what a real-time player gets;
* ``cpu_msamples_per_s`` — on the process's CPU clock, where time the process
  spent waiting for a core does not count. On a shared machine this is the
  figure to compare between runs: under load (other jobs taking turns on the
  cores) two runs of the same code differ by up to 2× on the wall clock and
  by under 10 % on the CPU clock (measured on the 2-core reference machine).
  ``cpu_spread_pct`` is how much slower the median pass was than the best:
  the noise of this measurement (not recorded for a single pass).

Right before each pass the same input is copied with ``np.copyto`` (the best of
a burst of :data:`COPY_BURST` copies, CPU clock): ``copy_msamples_per_s``, and
``ratio_to_copy`` the backend's CPU throughput as a share of it, as in
``python -m harness perf``. The copy is no steadier a reference than the CPU
clock itself (cache and memory bandwidth shared with the other core move it by
up to 2× between passes), so comparisons between runs do not divide by it.
Within a run, the run adds ``ratio_to_soxr_hq`` rows afterwards: each
CPU-clock figure over soxr HQ's in the same scenario
(:func:`harness.measuring.runner.throughput_ratios`).
For ``numba`` the first-call compile time is measured in a fresh interpreter
with an empty kernel cache, and again with the cache filled.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from time import perf_counter, process_time

import numpy as np

from backends import Variant
from backends.testing import noise
from harness.measuring.settings import Settings, capabilities_of
from harness.results.store import Recorder

__all__ = [
    "COPY_BURST",
    "STREAM_BLOCK",
    "Timing",
    "input_frames",
    "measure",
    "run",
    "spread_pct",
    "time_passes",
]

#: Input frames per call in the streaming scenario.
STREAM_BLOCK = 512
#: Copies per repeat, of which the fastest counts. One copy of the input takes
#: tens of µs, which a single cache miss or scheduler tick can double.
COPY_BURST = 10

_FIRST_CALL = """
import time, numpy as np, backends
s = backends.create("numba", in_rate=44100, out_rate=48000)
t = time.perf_counter(); s.process(np.zeros(64, np.float32)); print(time.perf_counter() - t)
"""


@dataclass(frozen=True)
class Timing:
    """Per pass of one scenario: wall and CPU seconds, and CPU seconds of the copy before it."""

    wall: np.ndarray
    cpu: np.ndarray
    copy: np.ndarray

    @property
    def ratio_to_copy(self) -> float:
        """Best CPU-clock speed over the best copy's (1: as fast as a memory copy)."""
        return float(self.copy.min() / self.cpu.min())


def spread_pct(seconds: np.ndarray) -> float:
    """How much slower the median pass was than the best, in percent."""
    seconds = np.asarray(seconds, float)
    return float(100 * (np.median(seconds) / seconds.min() - 1))


def _once(
    variant: Variant, x: np.ndarray, in_rate: int, out_rate: int, scenario: str
) -> tuple[float, float]:
    """Wall and CPU seconds of one pass of ``scenario`` over ``x`` through a fresh stream."""
    channels = x.shape[1]
    stream = variant.create(in_rate=in_rate, out_rate=out_rate, channels=channels)
    if scenario == "oneshot":
        t0, c0 = perf_counter(), process_time()
        stream.process(x, last=True)
        return perf_counter() - t0, process_time() - c0
    out = np.empty((stream.output_frames_max(STREAM_BLOCK), channels), np.float32)
    t0, c0 = perf_counter(), process_time()
    for pos in range(0, len(x), STREAM_BLOCK):
        stream.process_into(x[pos : pos + STREAM_BLOCK], out)
    return perf_counter() - t0, process_time() - c0


def _copy_seconds(dst: np.ndarray, x: np.ndarray) -> float:
    """CPU seconds of the fastest of a burst of copies of ``x`` into ``dst``."""
    best = np.inf
    for _ in range(COPY_BURST):
        c0 = process_time()
        np.copyto(dst, x)
        best = min(best, process_time() - c0)
    return best


def measure(
    variant: Variant, x: np.ndarray, in_rate: int, out_rate: int, *, scenario: str, repeats: int
) -> float:
    """Best-of-``repeats`` wall-clock Msamples/s (frames × channels of input per second)."""
    best = min(_once(variant, x, in_rate, out_rate, scenario)[0] for _ in range(repeats))
    return x.size / best / 1e6


def time_passes(
    variant: Variant, x: np.ndarray, in_rate: int, out_rate: int, *, scenario: str, repeats: int
) -> Timing:
    """``repeats`` passes of ``scenario``, each right after a burst of copies of ``x``."""
    dst = np.empty_like(x)  # allocated once: its page faults are not timed
    wall, cpu, copy = [], [], []
    for _ in range(repeats):
        copy.append(_copy_seconds(dst, x))
        seconds = _once(variant, x, in_rate, out_rate, scenario)
        wall.append(seconds[0])
        cpu.append(seconds[1])
    return Timing(np.array(wall), np.array(cpu), np.array(copy))


def _first_call_seconds(cache_dir: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_CALL],
        capture_output=True,
        text=True,
        env={**os.environ, "NUMBA_CACHE_DIR": cache_dir},
        timeout=300,
        check=True,
    )
    return float(done.stdout.strip())


def input_frames(variant: Variant, in_rate: int, out_rate: int, settings: Settings) -> int:
    """Input length for one pass to take about ``throughput_pass_seconds``.

    A short probe pass estimates the speed, so a fast backend gets a long
    input (timer resolution and the call's fixed cost vanish) and a slow one a
    short input (a 0.4 MS/s library would take seconds a pass); at least
    4096 frames, at most ``throughput_seconds`` of input.
    """
    probe = noise(4096, 1, seed=settings.seed).astype(np.float32)
    seconds = min(_once(variant, probe, in_rate, out_rate, "oneshot")[0] for _ in range(2))
    wanted = int(4096 * settings.throughput_pass_seconds / max(seconds, 1e-6))
    return int(np.clip(wanted, 4096, settings.throughput_seconds * in_rate))


def run(variant: Variant, settings: Settings, rec: Recorder) -> None:
    """One-shot mono at every rate pair of the run; streaming (512-frame calls) and
    stereo at its streaming pairs (the first for stereo); streaming only for backends
    that stream."""
    warm = variant.create(in_rate=44100, out_rate=48000)
    warm.process(np.zeros(1024, np.float32), last=True)  # compile / load kernels first
    streaming = capabilities_of(variant).streaming
    if not streaming:
        rec.not_applicable("one-shot only: no streaming throughput", schedule="streaming")
    for in_rate, out_rate in settings.rate_pairs:
        scenarios = [(1, "oneshot")]
        if (in_rate, out_rate) in settings.stream_pairs and streaming:
            scenarios.append((1, "streaming"))
        if (in_rate, out_rate) == settings.stream_pairs[0]:
            scenarios += [(2, s) for s in ("oneshot", "streaming") if streaming or s == "oneshot"]
        n = input_frames(variant, in_rate, out_rate, settings)
        for channels, scenario in scenarios:
            x = noise(n, channels, seed=settings.seed).astype(np.float32)
            timing = time_passes(
                variant,
                x,
                in_rate,
                out_rate,
                scenario=scenario,
                repeats=settings.throughput_repeats,
            )
            dims = {
                "in_rate": in_rate,
                "out_rate": out_rate,
                "channels": channels,
                "dtype": "float32",
                "schedule": scenario,
                "blocksize": STREAM_BLOCK if scenario == "streaming" else None,
            }
            rec.add("msamples_per_s", x.size / timing.wall.min() / 1e6, "MS/s", **dims)
            rec.add("cpu_msamples_per_s", x.size / timing.cpu.min() / 1e6, "MS/s", **dims)
            if len(timing.cpu) > 1:  # one pass has no spread, which is not "none"
                rec.add("cpu_spread_pct", spread_pct(timing.cpu), "%", **dims)
            rec.add("copy_msamples_per_s", x.size / timing.copy.min() / 1e6, "MS/s", **dims)
            rec.add("ratio_to_copy", timing.ratio_to_copy, "x", **dims)
    if variant.name == "numba":
        with tempfile.TemporaryDirectory() as cache:
            rec.add(
                "compile_cold_s", _first_call_seconds(cache), "s", in_rate=44100, out_rate=48000
            )
            rec.add(
                "first_call_cached_s",
                _first_call_seconds(cache),
                "s",
                in_rate=44100,
                out_rate=48000,
            )
