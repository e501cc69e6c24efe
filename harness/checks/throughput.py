"""Throughput: Msamples/s one-shot and streaming, mono and stereo float32.

Each figure is the best of ``throughput_repeats`` runs (the least disturbed by
the rest of the machine). The run adds ``ratio_to_linear`` rows afterwards,
dividing by the ``linear`` backend measured in the same run, because only
ratios within one run mean anything on shared machines. For ``numba`` the
first-call compile time is measured in a fresh interpreter with an empty
kernel cache, and again with the cache filled.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from time import perf_counter

import numpy as np

from harness.results import Recorder
from harness.signals import noise
from harness.targets import Settings, Target

__all__ = ["STREAM_BLOCK", "measure", "run"]

#: Input frames per call in the streaming scenario.
STREAM_BLOCK = 512

_FIRST_CALL = """
import time, numpy as np, backends
s = backends.create("numba", in_rate=44100, out_rate=48000)
t = time.perf_counter(); s.process(np.zeros(64, np.float32)); print(time.perf_counter() - t)
"""


def measure(
    target: Target, x: np.ndarray, in_rate: int, out_rate: int, *, scenario: str, repeats: int
) -> float:
    """Best-of-``repeats`` Msamples/s (frames × channels of input per second)."""
    channels = x.shape[1]
    best = np.inf
    for _ in range(repeats):
        stream = target.make(in_rate=in_rate, out_rate=out_rate, channels=channels)
        if scenario == "oneshot":
            t0 = perf_counter()
            stream.process(x, last=True)
        else:
            out = np.empty(
                (stream.latency + STREAM_BLOCK * out_rate // in_rate + 2, channels), np.float32
            )
            t0 = perf_counter()
            for pos in range(0, len(x), STREAM_BLOCK):
                stream.process_into(x[pos : pos + STREAM_BLOCK], out)
        best = min(best, perf_counter() - t0)
    return x.size / best / 1e6


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


def run(target: Target, settings: Settings, rec: Recorder) -> None:
    warm = target.make(in_rate=44100, out_rate=48000)
    warm.process(np.zeros(1024, np.float32), last=True)  # compile / load kernels first
    for in_rate, out_rate in settings.rate_pairs:
        n = int(settings.throughput_seconds * in_rate)
        for channels in (1, 2):
            x = noise(n, channels, seed=settings.seed).astype(np.float32)
            for scenario in ("oneshot", "streaming"):
                rate = measure(
                    target,
                    x,
                    in_rate,
                    out_rate,
                    scenario=scenario,
                    repeats=settings.throughput_repeats,
                )
                rec.add(
                    "msamples_per_s",
                    rate,
                    "MS/s",
                    in_rate=in_rate,
                    out_rate=out_rate,
                    channels=channels,
                    dtype="float32",
                    schedule=scenario,
                    blocksize=STREAM_BLOCK if scenario == "streaming" else None,
                )
    if target.name == "numba":
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
