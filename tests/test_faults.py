"""A backend that fails mid-stream: the fallback takes over, nothing is lost, it is reported."""

from __future__ import annotations

import numpy as np
import pytest

import backends
from backends.builtin.linear import LinearResampler
from backends.hotswap import HotSwapResampler
from backends.validation import FINITE_INPUT_BOUND
from harness.measuring import signals
from harness.playback.engine import LoopSource, PlaybackEngine

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


def test_a_variant_is_checked_when_named_not_when_swapped_to():
    hs = HotSwapResampler("linear", in_rate=IN, out_rate=OUT)
    with pytest.raises(ValueError, match=r"converter: expected one of .* got 'nope'"):
        hs.request_swap("samplerate:converter=nope")
    with pytest.raises(ValueError, match=r"backend: expected one of .* got 'soxx'"):
        hs.prepare(["soxr", "soxx"])
    with pytest.raises(TypeError, match=r"unknown option.*qualty"):
        HotSwapResampler("soxr:qualty=HQ", in_rate=IN, out_rate=OUT)
    y = hs.process(np.zeros(1000), last=True)  # the refusals left the stream as it was
    assert len(y) == backends.expected_length(1000, IN, OUT) and not hs.faults


class OneShotOnly(LinearResampler):
    name = "test-one-shot"
    summary = "takes the whole signal in one call"
    CAPABILITIES = backends.Capabilities(streaming=False)


@pytest.fixture
def one_shot_only():
    backends.register("test-one-shot", OneShotOnly, replace=True)
    yield "test-one-shot"
    backends.unregister("test-one-shot")


def test_a_one_shot_only_backend_is_refused_when_named(one_shot_only):
    refused = r"hotswap: expected a streaming backend, got test-one-shot \(one-shot only\)"
    with pytest.raises(ValueError, match=refused):
        HotSwapResampler(one_shot_only, in_rate=IN, out_rate=OUT)
    hs = HotSwapResampler("linear", in_rate=IN, out_rate=OUT)
    with pytest.raises(ValueError, match=refused):
        hs.request_swap(one_shot_only)
    with pytest.raises(ValueError, match=refused):
        hs.prepare(["soxr", one_shot_only])
    # A factory of its own is not asked in advance: the stream it makes is checked.
    with pytest.raises(ValueError, match=refused):
        HotSwapResampler(
            one_shot_only, in_rate=IN, out_rate=OUT, factory=lambda v, **kw: OneShotOnly(**kw)
        )
    y = hs.process(np.zeros(1000), last=True)  # the refusals left the stream as it was
    assert len(y) == backends.expected_length(1000, IN, OUT) and not hs.faults


def test_the_default_swap_order_leaves_one_shot_only_backends_out(one_shot_only):
    from harness.playback.player import default_swap_order

    order = default_swap_order()
    assert "linear" in order and one_shot_only not in order


class CannotStart(LinearResampler):
    name = "test-cannot-start"
    summary = "fails in its constructor"

    def _open(self):
        raise RuntimeError("no device for the DSP card")


def test_a_backend_that_cannot_even_start_is_skipped():
    backends.register("test-cannot-start", CannotStart, replace=True)
    try:
        hs = HotSwapResampler("linear", in_rate=IN, out_rate=OUT)
        hs.request_swap("test-cannot-start")
        y = hs.process(np.zeros(1000), last=True)
    finally:
        backends.unregister("test-cannot-start")
    assert len(y) == backends.expected_length(1000, IN, OUT)
    assert hs.backend == "linear" and "no device" in hs.faults[0].error


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


RATE_PAIRS = [(22050, 48000), (44100, 48000), (48000, 44100), (8000, 44100), (96000, 22050)]


def swap_through(spec, x, in_rate, out_rate, *, block=256):
    """Feed ``x`` in blocks (the last one with data and ``last=True``); return the output."""
    hs = HotSwapResampler(spec, in_rate=in_rate, out_rate=out_rate)
    starts = range(0, len(x), block)
    y = np.concatenate([hs.process(x[i : i + block], last=i + block >= len(x)) for i in starts])
    return hs, y


@pytest.mark.parametrize(("in_rate", "out_rate"), RATE_PAIRS)
@pytest.mark.parametrize("spec", ["seed", "seed:rounding=int"])
def test_the_seed_drifting_short_or_long_is_a_fault_and_nothing_is_lost(spec, in_rate, out_rate):
    x = signals.tone(440.0, in_rate, 2 * in_rate + 77, dbfs=-6)
    hs, y = swap_through(spec, x, in_rate, out_rate, block=250)
    assert len(y) == backends.expected_length(len(x), in_rate, out_rate)
    (fault,) = hs.faults
    assert fault.backend == str(backends.Variant.parse(spec).resolved())
    assert fault.fallback == "linear"
    assert "held back" in fault.error or "emitted" in fault.error or "flushed" in fault.error
    # from the fault on, the fallback's own output: nothing missing, nothing doubled
    ref = backends.resample(x, in_rate, out_rate, backend="linear", dtype="float32")
    assert np.max(np.abs(y[fault.frame :] - ref[fault.frame :])) < 1e-5


class ShortFlush(LinearResampler):
    """Linear interpolation that loses ``short`` frames of its flush."""

    name = "test-short-flush"
    summary = "under-delivers at the flush"
    short = 5

    def _process(self, x, out, *, last):
        n = super()._process(x, out, last=last)
        return max(0, n - self.short) if last else n


class ShortEveryCall(LinearResampler):
    """Linear interpolation that silently stops emitting after 20 calls (output 'stuck')."""

    name = "test-short-every-call"
    summary = "holds back more than its latency"

    def _open(self):
        super()._open()
        self.calls = 0

    def _reset(self):
        super()._reset()
        self.calls = 0

    def process(self, x, /, *, last=False):
        self.calls += 1
        y = super().process(x, last=last)
        if self.calls > 20:  # drop what it computed, as if held back forever
            self.frames_out -= len(y)
            return y[:0]
        return y


@pytest.mark.parametrize(("in_rate", "out_rate"), RATE_PAIRS)
@pytest.mark.parametrize("cls", [ShortFlush, ShortEveryCall])
def test_a_backend_under_delivering_is_replaced_and_the_fallback_fills_the_gap(
    cls, in_rate, out_rate
):
    backends.register(cls.name, cls, replace=True)
    try:
        x = signals.tone(440.0, in_rate, in_rate + 333, dbfs=-6)
        hs, y = swap_through(cls.name, x, in_rate, out_rate)
    finally:
        backends.unregister(cls.name)
    ref = backends.resample(x, in_rate, out_rate, backend="linear", dtype="float32")
    assert len(y) == len(ref)
    (fault,) = hs.faults
    assert fault.backend == cls.name and fault.fallback == "linear"
    word = "flushed with" if cls is ShortFlush else "held back"
    assert word in fault.error
    np.testing.assert_allclose(y, ref, atol=1e-5)


def test_the_engine_plays_the_seed_without_losing_a_frame():
    clip = signals.tone(440.0, IN, 2 * IN)[:, np.newaxis]
    engine = PlaybackEngine(
        LoopSource(clip), in_rate=IN, out_rate=OUT, backends=["seed:rounding=int"], blocksize=256
    )
    engine.prefill()
    out = np.empty((256, 1), np.float32)
    while True:
        while engine.ring.fill < engine.target and not engine.produced_all:
            engine.produce_once()
        if engine.callback(out, 256):
            break
    report = engine.report()
    assert report["frames_played"] == backends.expected_length(2 * IN, IN, OUT) == 96000
    assert report["lost_frames"] == 0 and report["complete"]
    assert [f["backend"] for f in report["faults"]] == ["seed:rounding=int"]


FLT_MAX = float(np.finfo(np.float32).max)


@pytest.mark.parametrize("spec", ["linear", "numba", "numba-sinc", "soxr", "samplerate"])
def test_input_beyond_the_finite_bound_is_not_a_backend_fault(spec):
    """±FLT_MAX may spoil outputs within reach, as NaN input does; no fault, and it recovers."""
    x = signals.tone(440.0, IN, 3 * IN, dbfs=-6).astype(np.float32)
    x[IN : IN + 512] = FLT_MAX * np.where(np.arange(512) % 2, 1, -1)
    hs, y = swap_through(spec, x, IN, OUT)
    assert hs.faults == [] and hs.backend == str(backends.Variant.parse(spec).resolved())
    assert len(y) == backends.expected_length(len(x), IN, OUT)
    assert np.isfinite(y[: OUT - 4096]).all() and np.isfinite(y[-OUT:]).all()


class NanAbove(LinearResampler):
    """Linear interpolation returning NaN wherever its input exceeds 1e6 in magnitude."""

    name = "test-nan-above"
    summary = "NaN for large finite input"

    def _process(self, x, out, *, last):
        n = super()._process(x, out, last=last)
        if np.max(np.abs(x), initial=0.0) > 1e6:
            out[:n] = np.nan
        return n


@pytest.mark.parametrize(
    ("magnitude", "faults"),
    [(1e10, 1), (float(FINITE_INPUT_BOUND), 1), (2.0 * FINITE_INPUT_BOUND, 0)],
)
def test_nan_from_finite_input_within_the_bound_is_a_fault_beyond_it_is_not(magnitude, faults):
    backends.register(NanAbove.name, NanAbove, replace=True)
    try:
        x = signals.tone(440.0, IN, 2 * IN, dbfs=-6)
        x[IN : IN + 100] = magnitude
        hs, y = swap_through(NanAbove.name, x, IN, OUT)
    finally:
        backends.unregister(NanAbove.name)
    assert len(hs.faults) == faults
    assert len(y) == backends.expected_length(len(x), IN, OUT)
    if faults:
        assert "NaN/inf from finite input" in hs.faults[0].error
        assert np.isfinite(y).all()
