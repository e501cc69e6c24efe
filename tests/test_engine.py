"""The playback engine without a device: a recording sink calls the callback."""

from __future__ import annotations

import numpy as np
import pytest

import backends
from harness import signals
from harness.engine import LoopSource, PlaybackEngine

IN, OUT, BLOCK = 22050, 48000, 256


def engine_for(x, **kwargs):
    kwargs.setdefault("backends", ["soxr", "linear", "samplerate"])
    return PlaybackEngine(LoopSource(x), in_rate=IN, out_rate=OUT, blocksize=BLOCK, **kwargs)


def drain(engine, *, keep_up=True, limit=100000):
    """Run callbacks until the engine says it is done; the producer keeps up if asked."""
    played = []
    engine.prefill()
    for _ in range(limit):
        if keep_up and engine.mode == "producer":
            while engine.ring.fill < engine.target and not engine.produced_all:
                engine.produce_once()
        out = np.empty((BLOCK, engine.channels), np.float32)
        done = engine.callback(out, BLOCK)
        played.append(out.copy())
        if done:
            break
    return np.concatenate(played)


@pytest.mark.parametrize("mode", ["producer", "callback"])
def test_plays_every_frame_once_and_then_stops(mode):
    x = signals.tone(440.0, IN, 3 * IN, dbfs=-6)[:, np.newaxis]
    engine = engine_for(x, mode=mode, backends=["soxr"])
    y = drain(engine)
    report = engine.report()
    n = backends.expected_length(len(x), IN, OUT)
    assert report["complete"] and report["lost_frames"] == 0
    assert report["frames_played"] == n
    np.testing.assert_array_equal(y[:n, 0], backends.resample(x[:, 0], IN, OUT, backend="soxr"))
    assert not y[n:].any()  # the last block is padded with silence, not garbage
    assert report["underruns"] == {"fifo_empty": 0, "device_output_underflow": 0}


@pytest.mark.parametrize("mode", ["producer", "callback"])
def test_thousand_swaps_through_the_engine_lose_nothing(mode):
    x = signals.tone(440.0, IN, IN, dbfs=-6)[:, np.newaxis]
    source = LoopSource(x, total_frames=30 * IN)
    order = [
        "soxr",
        "linear",
        "numba",
        "samplerate",
        "soxr:quality=QQ",
        "samplerate:converter=linear",
    ]
    engine = PlaybackEngine(
        source,
        in_rate=IN,
        out_rate=OUT,
        blocksize=BLOCK,
        mode=mode,
        backends=order,
        swap_every_frames=IN // 40,
    )
    drain(engine, limit=10**6)
    report = engine.report()
    assert report["swaps"] >= 1000
    assert report["lost_frames"] == 0 and report["complete"]
    assert report["frames_played"] == backends.expected_length(30 * IN, IN, OUT)
    assert set(report["resample_us_by_backend"]) == set(order)
    assert report["swap_rho_min"] > 0.99


def test_fifo_underruns_are_counted_when_the_producer_falls_behind():
    x = signals.noise(2 * IN, 1, seed=2)
    engine = engine_for(x, backends=["linear"])
    played = drain(engine, keep_up=False, limit=40)  # nobody refills after the prefill
    report = engine.report()
    assert report["underruns"]["fifo_empty"] >= 40 - engine.target // BLOCK - 1
    assert not report["complete"]
    assert len(played) == 40 * BLOCK


def test_device_underflow_flags_are_counted():
    engine = engine_for(signals.noise(IN, 1), backends=["linear"])
    engine.prefill()
    out = np.empty((BLOCK, 1), np.float32)
    for flag in (False, True, False, True, True):
        engine.callback(out, BLOCK, underflow=flag)
    assert engine.report()["underruns"]["device_output_underflow"] == 3


def test_loop_source_wraps_and_stops():
    clip = np.arange(10)[:, np.newaxis]
    source = LoopSource(clip, total_frames=25)
    got = np.concatenate([source.read(7) for _ in range(5)])[:, 0]
    np.testing.assert_array_equal(got, np.r_[np.arange(10), np.arange(10), np.arange(5)])
    assert source.remaining == 0 and len(source.read(7)) == 0


def test_stereo_and_int16_sources():
    pcm = (signals.noise(IN, 2, seed=3) * 10000).astype(np.int16)
    engine = engine_for(pcm, backends=["linear", "soxr"], swap_every_frames=IN // 4)
    y = drain(engine)
    n = backends.expected_length(IN, IN, OUT)
    assert y.shape[1] == 2 and engine.report()["lost_frames"] == 0
    assert np.max(np.abs(y[:n])) < 1.5  # scaled to [-1, 1), not raw int16


def test_report_has_the_documented_fields():
    engine = engine_for(signals.noise(IN // 2, 1))
    drain(engine)
    report = engine.report()
    for key in (
        "frames_played",
        "duration_s",
        "underruns",
        "callback_us",
        "resample_us",
        "resample_us_by_backend",
        "swaps",
        "lost_frames",
        "complete",
        "errors",
    ):
        assert key in report
    assert report["callback_us"]["budget_us"] == pytest.approx(1e6 * BLOCK / OUT)


def test_device_underflows_are_pinned_on_late_callbacks_only():
    """An underflow right after a callback over its budget is ours; others are the server's."""
    engine = engine_for(signals.noise(IN, 1), backends=["linear"])
    engine.prefill()
    out = np.empty((BLOCK, 1), np.float32)
    budget_ns = 10**9 * BLOCK // OUT
    # on time, then a flag with nothing late before it: the server's
    engine.callback(out, BLOCK, underflow=False)
    engine.callback(out, BLOCK, underflow=True)
    # a call entered two budgets late (the GIL was held), then the flag: ours
    engine.callback(out, BLOCK, underflow=False, delay_ns=2 * budget_ns)
    engine.callback(out, BLOCK, underflow=True)
    report = engine.report()
    assert report["underruns"]["device_output_underflow"] == 2
    assert report["device_underflow_after_late_callback"] == 1
    assert report["late_callbacks"] == 1
