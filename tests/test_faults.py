"""A backend that fails mid-stream: the fallback takes over, nothing is lost, it is reported."""

from __future__ import annotations

import numpy as np
import pytest

import backends
from backends.linear import LinearResampler
from harness import signals
from harness.engine import LoopSource, PlaybackEngine
from harness.hotswap import HotSwapResampler

IN, OUT = 22050, 48000


class Faulty(LinearResampler):
    """Linear interpolation that goes wrong on its 30th call, in the way ``mode`` says."""

    name = "test-faulty"
    summary = "fault injection"
    mode = "raise"

    def _open(self):
        super()._open()
        self.calls = 0

    def _process(self, x, out, *, last):
        self.calls += 1
        n = super()._process(x, out, last=last)
        if self.calls >= 30 and self.mode == "raise":
            raise RuntimeError("injected failure")
        if self.calls >= 30 and self.mode == "nan":
            out[:n] = np.nan
        return n

    def process(self, x, /, *, last=False):
        y = super().process(x, last=last)
        if self.calls >= 30 and self.mode == "extra":  # frames the length rule forbids
            self.frames_out += 3
            y = np.concatenate([y, np.zeros((3, *y.shape[1:]), y.dtype)])
        return y


@pytest.fixture(params=["raise", "nan", "extra"])
def faulty(request):
    cls = type(f"Faulty_{request.param}", (Faulty,), {"mode": request.param, "name": "test-faulty"})
    backends.register("test-faulty", cls, replace=True)
    yield request.param
    backends.unregister("test-faulty")


def test_swapper_falls_back_without_losing_a_frame(faulty):
    x = signals.tone(440.0, IN, 2 * IN, dbfs=-6)
    hs = HotSwapResampler("test-faulty", in_rate=IN, out_rate=OUT)
    y = np.concatenate(
        [hs.process(x[i : i + 256]) for i in range(0, len(x), 256)] + [hs.process(x[:0], last=True)]
    )
    assert len(y) == backends.expected_length(len(x), IN, OUT)
    (fault,) = hs.faults
    assert fault.backend == "test-faulty" and fault.fallback == "linear"
    assert np.isfinite(y).all()
    # before the fault the faulty stream was plain linear; after it, linear itself
    ref = backends.resample(x, IN, OUT, backend="linear", dtype="float32")
    assert np.max(np.abs(y - ref)) < 1e-5


def test_swapping_to_a_failing_backend_keeps_playing(faulty):
    x = signals.tone(440.0, IN, 2 * IN, dbfs=-6)
    hs = HotSwapResampler("soxr", in_rate=IN, out_rate=OUT)
    parts = []
    for i in range(0, len(x), 256):
        if i == 256 * 20:
            hs.request_swap("test-faulty")
        parts.append(hs.process(x[i : i + 256]))
    parts.append(hs.process(x[:0], last=True))
    y = np.concatenate(parts)
    assert len(y) == backends.expected_length(len(x), IN, OUT)
    assert [f.backend for f in hs.faults] == ["test-faulty"] and np.isfinite(y).all()


def test_a_backend_that_cannot_even_start_is_skipped():
    hs = HotSwapResampler("linear", in_rate=IN, out_rate=OUT)
    hs.request_swap("samplerate:converter=nope")
    y = hs.process(np.zeros(1000), last=True)
    assert len(y) == backends.expected_length(1000, IN, OUT)
    assert hs.backend == "linear" and "converter" in hs.faults[0].error


def test_engine_reports_the_fault_and_plays_on(faulty):
    clip = signals.tone(440.0, IN, IN)[:, np.newaxis]
    engine = PlaybackEngine(
        LoopSource(clip, total_frames=3 * IN),
        in_rate=IN,
        out_rate=OUT,
        backends=["test-faulty", "soxr"],
        blocksize=256,
    )
    engine.prefill()
    out = np.empty((256, 1), np.float32)
    while True:
        while engine.ring.fill < engine.target and not engine.produced_all:
            engine.produce_once()
        if engine.callback(out, 256):
            break
    report = engine.report()
    assert report["complete"] and report["lost_frames"] == 0
    assert report["underruns"]["fifo_empty"] == 0
    assert [f["backend"] for f in report["faults"]] == ["test-faulty"]
    assert report["frames_played"] == backends.expected_length(3 * IN, IN, OUT)
