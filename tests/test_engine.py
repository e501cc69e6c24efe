"""The playback engine without a device: a recording sink calls the callback."""

from __future__ import annotations

import re

import numpy as np
import pytest
from swaps import assert_swapped_output_exact

import backends
from backends.builtin.linear import LinearResampler
from backends.testing import noise
from harness.measuring import signals
from harness.playback.engine import MODES, LoopSource, PlaybackEngine

IN, OUT, BLOCK = 22050, 48000, 256


def engine_for(x, **kwargs):
    kwargs.setdefault("backends", ["soxr", "linear", "samplerate"])
    return PlaybackEngine(LoopSource(x), in_rate=IN, out_rate=OUT, blocksize=BLOCK, **kwargs)


def drain(engine, *, keep_up=True, limit=100000):
    """Run callbacks until the engine says it is done; the producer keeps up if asked."""
    played = []
    engine.prefill()
    for _ in range(limit):
        if keep_up and engine.mode != "callback":
            while engine.ring.fill < engine.target and not engine.produced_all:
                engine.produce_once()
        out = np.empty((BLOCK, engine.channels), np.float32)
        done = engine.callback(out, BLOCK)
        played.append(out.copy())
        if done:
            break
    return np.concatenate(played)


@pytest.mark.parametrize("mode", MODES)
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


@pytest.mark.parametrize("mode", MODES)
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
    assert set(report["resample_us_by_backend"]) == set(engine.order)  # canonical specs
    assert [backends.Variant.parse(s).name for s in engine.order] == [
        backends.Variant.parse(s).name for s in order
    ]
    assert report["swap_rho_min"] > 0.99


def test_fifo_underruns_are_counted_when_the_producer_falls_behind():
    x = noise(2 * IN, 1, seed=2)
    engine = engine_for(x, backends=["linear"])
    played = drain(engine, keep_up=False, limit=40)  # nobody refills after the prefill
    report = engine.report()
    assert report["underruns"]["fifo_empty"] >= 40 - engine.target // BLOCK - 1
    assert not report["complete"]
    assert len(played) == 40 * BLOCK


def test_device_underflow_flags_are_counted():
    engine = engine_for(noise(IN, 1), backends=["linear"])
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
    pcm = (noise(IN, 2, seed=3) * 10000).astype(np.int16)
    engine = engine_for(pcm, backends=["linear", "soxr"], swap_every_frames=IN // 4)
    y = drain(engine)
    n = backends.expected_length(IN, IN, OUT)
    assert y.shape[1] == 2 and engine.report()["lost_frames"] == 0
    assert np.max(np.abs(y[:n])) < 1.5  # scaled to [-1, 1), not raw int16


def test_report_has_the_documented_fields():
    engine = engine_for(noise(IN // 2, 1))
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
    engine = engine_for(noise(IN, 1), backends=["linear"])
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


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("crossfade", [1, 240, "ring+1000"])
def test_a_crossfade_of_any_length_plays_every_frame_once(mode, crossfade):
    """Even a fade longer than the whole FIFO is played frame-exact, with no overflow."""
    x = signals.tone(440.0, IN, 6 * IN, dbfs=-6)[:, np.newaxis]
    order = ["numba", "soxr", "samplerate", "linear"]
    probe = engine_for(x, mode=mode, backends=order)
    frames = probe.ring.capacity + 1000 if crossfade == "ring+1000" else crossfade
    engine = engine_for(
        x, mode=mode, backends=order, crossfade_frames=frames, swap_every_frames=IN * 7 // 5
    )
    y = drain(engine)
    report = engine.report()
    n = backends.expected_length(len(x), IN, OUT)
    assert report["errors"] == [] and report["underruns"]["fifo_empty"] == 0
    assert report["complete"] and report["lost_frames"] == 0 and report["frames_played"] == n
    events = engine.swapper.events
    assert len(events) == 4  # the last fade may be cut short by the end of the stream
    assert all(e.fade_frames == frames for e in events[:-1])
    assert_swapped_output_exact(y[:n], x, events, "numba", IN, OUT)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"crossfade_frames": 0}, "crossfade_frames: expected 1 to 480000 (10 s), got 0"),
        ({"crossfade_frames": 480001}, "crossfade_frames: expected 1 to 480000 (10 s)"),
        (
            {"crossfade_frames": 48001, "swap_every_frames": IN},
            "crossfade_frames: expected at most the swap interval (48000 output frames)",
        ),
        (
            {"swap_every_frames": 117},
            "swap_every_frames: expected at least one device block's input (118 frames)",
        ),
        ({"swap_every_frames": 0}, "swap_every_frames: expected at least"),
    ],
)
def test_a_schedule_that_cannot_work_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        engine_for(noise(IN, 1), **kwargs)


def test_timing_logs_are_bounded_rings_and_the_report_says_what_they_kept():
    """A session of any length allocates logs of at most LOG_SECONDS of callbacks."""
    from harness.playback.engine import LOG_SECONDS

    engine = engine_for(noise(IN, 1), backends=["linear"], expected_callbacks=10**12)
    kept = LOG_SECONDS * OUT // BLOCK + 1
    assert len(engine.callbacks.ns) == kept
    short = engine_for(noise(IN, 1), backends=["linear"], expected_callbacks=50)
    out = np.empty((BLOCK, 1), np.float32)
    short.prefill()
    for i in range(120):
        short.callbacks.add(i * 1000)  # as the callback would, 1 µs more each time
    short.callback(out, BLOCK)
    report = short.report()
    assert report["timing_log"]["callbacks"] == 121
    assert report["timing_log"]["callbacks_kept"] == 50
    assert report["callback_us"]["count"] == 121
    np.testing.assert_array_equal(short.callbacks.recent_us(3)[:2], [118.0, 119.0])


class Hoarder(backends.StreamResampler):
    """Linear interpolation holding every frame back until the flush.

    Within the contract: its stated latency covers what it holds. Its flush
    hands over more frames at once than the FIFO can take.
    """

    name = "test-hoarder"
    summary = "holds all output until the flush"

    @property
    def latency(self) -> int:
        return 10**9

    def _open(self):
        self._inner = LinearResampler(
            in_rate=self.in_rate, out_rate=self.out_rate, channels=self.channels, dtype=self.dtype
        )
        self._held = []

    def _reset(self):
        self._inner.reset()
        self._held = []

    def _process(self, x, out, *, last):
        self._held.append(self._inner.process(x, last=last))
        if not last:
            return 0
        held = np.concatenate(self._held)
        out[: len(held)] = held
        return len(held)


@pytest.mark.parametrize("mode", MODES)
def test_output_the_fifo_cannot_take_is_kept_not_dropped(mode):
    backends.register("test-hoarder", Hoarder, replace=True)
    try:
        x = signals.tone(440.0, IN, 3 * IN, dbfs=-6)[:, np.newaxis]
        engine = engine_for(x, mode=mode, backends=["test-hoarder"])
        y = drain(engine)
    finally:
        backends.unregister("test-hoarder")
    n = backends.expected_length(len(x), IN, OUT)
    assert n > engine.ring.capacity  # one burst larger than the FIFO
    report = engine.report()
    assert report["errors"] == [] and not report["faults"]
    assert report["complete"] and report["lost_frames"] == 0 and report["frames_played"] == n
    np.testing.assert_array_equal(
        y[:n], backends.resample(x, IN, OUT, backend="linear", dtype="float32")
    )
