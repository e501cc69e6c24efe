"""Hot-swapping backends: exact lengths, nothing lost or repeated, no click."""

from __future__ import annotations

import numpy as np
import pytest
from swaps import assert_swapped_output_exact

import backends
from backends.hotswap import HotSwapResampler, crossfade_gains
from backends.testing import noise
from harness.measuring import signals

PRODUCTION = [
    "linear",
    "numba",
    "soxr",
    "soxr:quality=QQ",
    "soxr:quality=VHQ",
    "samplerate",
    "samplerate:converter=sinc_fastest",
    "samplerate:converter=linear",
]
IN, OUT = 22050, 48000


def run_swapper(x, sizes, swaps_at, *, start="soxr", crossfade=240, seed=0):
    """Feed ``x`` in ``sizes``; before block i in ``swaps_at`` request a random backend."""
    rng = np.random.default_rng(seed)
    hs = HotSwapResampler(start, in_rate=IN, out_rate=OUT, crossfade_frames=crossfade)
    out, pos = [], 0
    for i, size in enumerate(sizes):
        if i in swaps_at:
            hs.request_swap(PRODUCTION[rng.integers(len(PRODUCTION))])
        out.append(hs.process(x[pos : pos + size]))
        pos += size
    out.append(hs.process(x[pos:], last=True))
    return hs, np.concatenate(out)


@pytest.mark.parametrize("spec", ["linear", "soxr", "samplerate:converter=sinc_best"])
def test_without_swaps_it_is_the_backend_itself(spec):
    x = noise(30000, 1, seed=1)[:, 0]
    sizes = [997] * 30
    _, y = run_swapper(x, sizes, set(), start=spec)
    np.testing.assert_array_equal(y, backends.resample(x, IN, OUT, backend=spec, dtype="float32"))


def test_thousand_random_swaps_lose_and_repeat_nothing():
    """Between crossfades every frame is the active backend's own frame at that index."""
    rng = np.random.default_rng(7)
    sizes = rng.integers(64, 1500, 1400).tolist()
    x = signals.tone(440.0, IN, sum(sizes) + 500, dbfs=-6)
    hs, y = run_swapper(x, sizes, set(range(1, 1400, 1)), seed=3)
    assert hs.swaps >= 1000
    assert len(y) == hs.frames_out
    checked = assert_swapped_output_exact(y, x, hs.events, "soxr", IN, OUT)
    assert checked > 0.5 * len(y)


@pytest.mark.parametrize("crossfade", [1, 240, 60000])
@pytest.mark.parametrize(
    ("order", "swaps"),
    [
        (["numba", "soxr"], 1),
        (["soxr", "linear", "samplerate", "numba-sinc"], 3),
        (["samplerate:converter=sinc_fastest", "soxr:quality=VHQ", "numba"], 5),
    ],
)
def test_any_crossfade_length_is_emitted_as_produced_and_loses_nothing(crossfade, order, swaps):
    """A window longer than a FIFO (60000 frames, 1.25 s) is neither held back nor lost.

    The swapper never holds back more than its slowest lane does: each fade
    frame leaves as soon as both backends have produced it.
    """
    interval = 2 * IN  # input frames between swaps; longer than every fade here
    x = signals.tone(440.0, IN, (swaps + 1) * interval + 3000, dbfs=-6)
    hs = HotSwapResampler(order[0], in_rate=IN, out_rate=OUT, crossfade_frames=crossfade)
    hs.prepare(order)
    latency = max(backends.create(s, in_rate=IN, out_rate=OUT).latency for s in order)
    out, done = [], 0
    for start in range(0, len(x), 512):
        if start >= interval * (done + 1) and done < swaps:
            done += 1
            hs.request_swap(order[done % len(order)])
        out.append(hs.process(x[start : start + 512]))
        held = backends.expected_length(hs.frames_in, IN, OUT) - hs.frames_out
        assert held <= latency, f"held back {held} frames at input frame {hs.frames_in}"
    out.append(hs.process(x[:0], last=True))
    y = np.concatenate(out)
    assert hs.swaps == swaps and not hs.faults
    assert all(e.fade_frames == crossfade for e in hs.events)
    assert_swapped_output_exact(y, x, hs.events, order[0], IN, OUT)


def click_energy_db(y, ref, window):
    """Deviation energy from a reference over the window, relative to the signal, dB."""
    dev = float(np.sum((y[window] - ref[window]) ** 2))
    return 10 * np.log10(max(dev, 1e-30) / float(np.sum(ref[window] ** 2)))


@pytest.mark.parametrize(
    ("old", "new", "worst_db"),
    [
        ("soxr", "soxr:quality=VHQ", -120),
        ("soxr", "samplerate", -120),
        ("linear", "soxr", -45),
        ("samplerate:converter=linear", "numba", -30),
    ],
)
def test_swap_continuity_click_energy(old, new, worst_db):
    """The crossfade region deviates from the no-swap output no more than the backends differ.

    Click energy: the deviation over the 5 ms window relative to the signal.
    Between two band-limited backends it is below -120 dB; a pair with a linear
    interpolator is bounded by that interpolator's own error at 997 Hz (about
    -50 dB), never by the swap.
    """
    x = signals.tone(997.0, IN, IN, dbfs=-1)
    hs = HotSwapResampler(old, in_rate=IN, out_rate=OUT, dtype="float64", crossfade_frames=240)
    first = hs.process(x[:10000])
    hs.request_swap(new)
    y = np.concatenate([first, hs.process(x[10000:], last=True)])
    (event,) = hs.events
    window = slice(event.fade_start, event.fade_start + event.fade_frames)
    ref_old = backends.resample(x, IN, OUT, backend=old, dtype="float64")
    ref_new = backends.resample(x, IN, OUT, backend=new, dtype="float64")
    assert event.rho > 0.99
    apart = click_energy_db(ref_new, ref_old, window)  # how much the backends differ
    assert click_energy_db(y, ref_old, window) < min(worst_db, apart + 1)
    assert click_energy_db(y, ref_new, window) < min(worst_db, apart + 1)
    # level stays put through the fade: no 3 dB bump of a plain cos/sin law
    ideal = signals.tone(997.0, OUT, len(y), dbfs=-1)
    assert (
        click_energy_db(y, ideal, window)
        < max(click_energy_db(ref_old, ideal, window), click_energy_db(ref_new, ideal, window)) + 3
    )


def test_crossfade_gains_are_equal_power_for_their_correlation():
    for rho in (0.0, 0.5, 1.0):
        a, b = crossfade_gains(64, rho)
        np.testing.assert_allclose(a**2 + b**2 + 2 * rho * a * b, 1.0, rtol=1e-12)
        assert a[0] > 0.97 and b[-1] > 0.97 and np.all(np.diff(a) < 0)
    a, b = crossfade_gains(64, 1.0)
    np.testing.assert_allclose(a + b, 1.0)  # identical signals: amplitude-complementary


def test_swap_at_the_very_start_and_during_a_fade_and_at_the_end():
    """Requests wait for a running fade; a newer request replaces a waiting one."""
    x = noise(20000, 2, seed=5)
    hs = HotSwapResampler("linear", in_rate=IN, out_rate=OUT, channels=2, crossfade_frames=480)
    hs.request_swap("soxr")
    out = [hs.process(x[:100])]
    assert hs.swapping  # soxr holds back ~2000 frames: the fade cannot finish yet
    hs.request_swap("samplerate")  # waits for the fade
    hs.request_swap("samplerate:converter=sinc_fastest")  # replaces the waiting request
    out.append(hs.process(x[100:5000]))
    out.append(hs.process(x[5000:19900]))
    hs.request_swap("numba")
    out.append(hs.process(x[19900:], last=True))  # this fade crosses the end of stream
    y = np.concatenate(out)
    assert y.shape == (backends.expected_length(20000, IN, OUT), 2)
    assert [e.new for e in hs.events] == [
        "soxr:quality=HQ",  # canonical: every option spelled out
        "samplerate:converter=sinc_fastest",
        "numba",
    ]
    assert hs.events[-1].fade_frames < 480


def test_integer_pcm_is_scaled_like_any_backend():
    pcm = (signals.tone(440.0, IN, 5000) * 20000).astype(np.int16)
    hs = HotSwapResampler("linear", in_rate=IN, out_rate=OUT)
    np.testing.assert_array_equal(
        hs.process(pcm, last=True), backends.resample(pcm, IN, OUT, backend="linear")
    )


def test_streams_are_reused_not_rebuilt_at_every_swap():
    built = []

    def factory(spec, **kwargs):
        built.append(spec)
        return backends.create(spec, **kwargs)

    x = signals.tone(440.0, IN, 4 * IN, dbfs=-6)
    order = ["soxr", "linear", "samplerate", "numba"]
    hs = HotSwapResampler("soxr", in_rate=IN, out_rate=OUT, factory=factory)
    hs.prepare(order)
    out = []
    for i, start in enumerate(range(0, len(x), 512)):
        if i % 5 == 4:
            hs.request_swap(order[(i // 5 + 1) % len(order)])
        out.append(hs.process(x[start : start + 512]))
    out.append(hs.process(x[:0], last=True))
    assert hs.swaps > 30
    assert sorted(map(str, built)) == sorted(order)  # one each, by prepare(), none at a swap
    assert len(np.concatenate(out)) == backends.expected_length(len(x), IN, OUT)
