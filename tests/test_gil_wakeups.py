"""The timing check's GIL comparison: a Python callback waits for a backend that holds the GIL.

The fakes are real streams (linear interpolation) that stall now and then:
one in C code that keeps the GIL (as python-samplerate does), one in a sleep
that releases it (as soxr's C code does). Assertions are on what the
stalls force, never on how fast anything ran.
"""

from __future__ import annotations

import ctypes
import time

import numpy as np
import pytest

import backends
from backends.builtin.linear import LinearResampler
from harness.measuring.checks import timing
from harness.measuring.settings import QUICK
from harness.results.gates import load_thresholds
from harness.results.store import Recorder

HOLD_US, EVERY = 20_000, 10
TINY = QUICK.with_(
    rate_pairs=((22050, 48000),), blocksizes=(128, 1024), timing_seconds=0.5, gil_seconds=0.5
)
# usleep called through PyDLL keeps the GIL for its whole duration
_usleep_holding_gil = ctypes.PyDLL(None).usleep


class HoldsTheGil(LinearResampler):
    name = "test-holds-gil"
    summary = "stalls in C code that keeps the GIL"

    def _open(self):
        super()._open()
        self.calls = 0

    def _process(self, x, out, *, last):
        self.calls += 1
        if self.calls % EVERY == 0:
            _usleep_holding_gil(HOLD_US)
        return super()._process(x, out, last=last)


class ReleasesTheGil(HoldsTheGil):
    name = "test-releases-gil"
    summary = "stalls in a sleep that releases the GIL"

    def _process(self, x, out, *, last):
        self.calls += 1
        if self.calls % EVERY == 0:
            time.sleep(HOLD_US / 1e6)
        return LinearResampler._process(self, x, out, last=last)


class AlwaysHoldsTheGil(LinearResampler):
    name = "test-always-holds-gil"
    summary = "every call a short stretch of CPU work that keeps the GIL"

    def _process(self, x, out, *, last):
        # python-samplerate's sinc_medium at one block: 40 us of CPU work
        # holding the GIL (a sleep would not do: the waiter runs meanwhile),
        # then nothing that lets go of it (NumPy work on whole arrays may)
        until = time.perf_counter_ns() + 40_000
        while time.perf_counter_ns() < until:
            pass
        n = self.output_frames_next(len(x))
        out[:n] = 0.0
        return n


FAKES = (HoldsTheGil, ReleasesTheGil, AlwaysHoldsTheGil)


pytestmark = pytest.mark.usefixtures("fakes_registered")


def rows_of(name):
    variant = backends.Variant(name)
    rec = Recorder(variant, "timing", load_thresholds())
    timing.run(variant, TINY, rec)
    return {(r["metric"], r["mode"]): r for r in rec.rows if "x" not in r or r["x"] is None}


def test_a_backend_holding_the_gil_makes_the_python_callback_wait_for_it():
    rows = rows_of("test-holds-gil")
    blocksize = rows[("wakeups", "gil")]["blocksize"]
    assert blocksize == 128  # the player's 256, or the nearest measured
    period_us = 1e6 * blocksize / 48000
    # A deadline falls inside every 20 ms hold; the callback runs only after it.
    assert rows[("wakeup_late_max_us", "gil")]["value"] >= HOLD_US - period_us
    assert rows[("wakeup_late_over_budget", "gil")]["value"] >= 1
    wakes = rows[("wakeups", "gil")]["value"]
    assert wakes == rows[("wakeups", "gil-free")]["value"] == int(0.5 * 48000) // blocksize
    for mode in ("gil", "gil-free"):  # reported, never gated
        assert "passed" not in rows[("wakeup_late_p99_us", mode)]


def test_process_into_lets_a_waiting_callback_have_the_gil_between_calls():
    # The stream's own work around the backend's call must not let go of the
    # GIL for a moment (np.may_share_memory did): the producer then takes it
    # back before the waiting callback wakes, and CPython's waiter, seeing the
    # GIL changed hands, never asks for it. Measured: 0.2-1 s late, against one
    # switch interval plus one call (under 1 ms) when the GIL is handed over.
    stream = backends.create("test-always-holds-gil", in_rate=22050, out_rate=48000)
    late_ms = timing.wakeups(stream, blocksize=256, seconds=0.5)["gil"] / 1e6
    assert late_ms.max() < 100, f"a Python callback starved: woke {late_ms.max():.0f} ms late"


def test_the_comparison_records_both_callbacks_for_every_backend():
    rows = rows_of("test-releases-gil")
    metrics = {"wakeup_late_p50_us", "wakeup_late_p99_us", "wakeup_late_max_us"}
    for mode in ("gil", "gil-free"):
        assert {m for m, md in rows if md == mode} >= metrics | {"wakeups"}
    # the existing timing rows keep their meaning: CPU time per simulated callback
    assert rows[("callback_p95_us", "callback")]["unit"] == "us"


def test_wakeups_returns_one_lateness_per_period_for_each_callback():
    stream = backends.create("linear", in_rate=44100, out_rate=48000, channels=2)
    raw = timing.wakeups(stream, blocksize=256, seconds=0.2)
    count = int(0.2 * 48000) // 256
    assert set(raw) == {"gil", "gil-free"}
    assert len(raw["gil"]) == len(raw["gil-free"]) == count
    assert all(np.all(v >= 0) for v in raw.values())  # never run before the deadline


def test_a_backend_failing_in_the_producer_thread_fails_the_measurement():
    stream = backends.create("linear", in_rate=44100, out_rate=48000)

    def broken(x, out, **kwargs):
        raise RuntimeError("injected")

    stream.process_into = broken
    with pytest.raises(RuntimeError, match="injected"):
        timing.wakeups(stream, blocksize=256, seconds=0.05)
