"""scipy and resampy: their raw behaviour against the contract, and each adapter fix.

Each fix test runs the library itself next to the adapter on the same
input: the library alone (the adapter without its fix) breaks the rule
where the test says, the adapter keeps it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import resampy
from scipy.signal import resample_poly

import backends
from backends.testing import noise, pcm_signal
from resampler_peers.raw import ceil_count
from resampler_peers.resampy_backend import floor_count

#: Whole-number and fractional ratios, up and down, among the common rates.
PAIRS = [
    (8000, 16000),
    (16000, 8000),
    (22050, 48000),
    (48000, 22050),
    (44100, 48000),
    (48000, 44100),
    (24000, 44100),
    (96000, 44100),
    (11025, 8000),
]
LENGTHS = [1, 2, 3, 7, 100, 441, 1001, 2205, 6000]


def scipy_raw(x: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    g = math.gcd(in_rate, out_rate)
    return resample_poly(x, out_rate // g, in_rate // g, axis=0)


def resampy_raw(x: np.ndarray, in_rate: int, out_rate: int, **kw) -> np.ndarray:
    return resampy.resample(x, in_rate, out_rate, axis=0, **kw)


LIBRARIES = {"scipy": (scipy_raw, ceil_count), "resampy": (resampy_raw, floor_count)}


def _signal(n: int, channels: int = 1) -> np.ndarray:
    return noise(n, channels, seed=n)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_the_library_has_its_own_length_rule_and_the_adapter_keeps_ours(library, in_rate, out_rate):
    raw, count = LIBRARIES[library]
    for n in LENGTHS:
        x = _signal(n)
        if count(n, in_rate, out_rate) >= 1:  # resampy raises below one frame (next test)
            assert len(raw(x, in_rate, out_rate)) == count(n, in_rate, out_rate)
        y = backends.create(library, in_rate=in_rate, out_rate=out_rate, dtype="float64").process(
            x, last=True
        )
        assert len(y) == backends.expected_length(n, in_rate, out_rate), n


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_library_rule_misses_ours_at_most_pairs(library):
    """scipy rounds up, resampy down: each is a frame off for about half the lengths."""
    _, count = LIBRARIES[library]
    off = {
        (i, o)
        for i, o in PAIRS
        for n in LENGTHS
        if count(n, i, o) != backends.expected_length(n, i, o)
    }
    assert len(off) >= len(PAIRS) - 2, sorted(set(PAIRS) - off)


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(("in_rate", "out_rate"), [(44100, 48000), (48000, 22050), (8000, 16000)])
def test_the_adapter_changes_no_frame_the_library_computes(library, in_rate, out_rate):
    """Extending the signal with zeros only adds frames at the end."""
    raw, _ = LIBRARIES[library]
    x = _signal(3001, 2)
    ours = backends.create(library, in_rate=in_rate, out_rate=out_rate, channels=2, dtype="float64")
    y = ours.process(x, last=True)
    theirs = raw(x, in_rate, out_rate)
    common = min(len(y), len(theirs))
    assert common >= len(y) - 1
    np.testing.assert_array_equal(y[:common], theirs[:common])


def test_resampy_raises_on_a_signal_too_short_for_one_frame_and_the_adapter_returns_none():
    for n, (in_rate, out_rate) in [(0, (44100, 48000)), (1, (48000, 8000)), (2, (48000, 8000))]:
        with pytest.raises(ValueError, match="too small to resample"):
            resampy_raw(np.zeros(n), in_rate, out_rate)
        y = backends.create("resampy", in_rate=in_rate, out_rate=out_rate).process(
            np.zeros(n), last=True
        )
        assert len(y) == backends.expected_length(n, in_rate, out_rate) == 0
    # and the first length the rule gives a frame for, where resampy's floor gives none
    assert floor_count(3, 48000, 8000) == 0
    assert (
        len(backends.create("resampy", in_rate=48000, out_rate=8000).process(np.ones(3), last=True))
        == backends.expected_length(3, 48000, 8000)
        == 1
    )


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("dtype", ["int16", "int32", "uint8"])
def test_the_library_leaves_integer_pcm_unscaled_and_the_adapter_scales_it(library, dtype):
    raw, _ = LIBRARIES[library]
    ints, exact = pcm_signal(dtype, 2000)
    theirs = raw(ints, 22050, 48000)
    scaled = raw(exact, 22050, 48000)
    # The library's integer output is the scaled output times full scale
    # (plus the offset for uint8): never the contract's [-1, 1) signal.
    assert np.max(np.abs(theirs)) > 100
    ours = backends.create(library, in_rate=22050, out_rate=48000, dtype="float64").process(
        ints, last=True
    )
    fixed = backends.create(library, in_rate=22050, out_rate=48000, dtype="float64").process(
        exact, last=True
    )
    np.testing.assert_array_equal(ours, fixed)
    common = min(len(ours), len(scaled))
    np.testing.assert_allclose(ours[:common], scaled[:common], atol=1e-6)


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_library_computes_float32_in_float32(library):
    """Why both declare float32 and float64 as native dtypes."""
    raw, _ = LIBRARIES[library]
    assert raw(np.zeros(100, np.float32), 22050, 48000).dtype == np.float32
    assert raw(np.zeros(100), 22050, 48000).dtype == np.float64


@pytest.mark.parametrize("spec", ["scipy", "resampy", "resampy:filter=kaiser_fast"])
def test_one_shot_adapters_refuse_blocks(spec):
    stream = backends.create(spec, in_rate=22050, out_rate=48000)
    assert not stream.capabilities.streaming
    with pytest.raises(RuntimeError, match="one-shot only"):
        stream.process(np.zeros(10))
