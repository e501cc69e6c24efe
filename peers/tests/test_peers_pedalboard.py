"""pedalboard's StreamResampler: its raw behaviour against the contract, and each adapter fix.

The library is driven directly (``open_library`` is the library's stream
with the layout fixed) or through variants of the adapter with one fix
taken out, next to the adapter, on the same input.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from pedalboard import Resample
from pedalboard.io import StreamResampler as LibraryStream

import backends
from backends.builtin.library import probe_hold_back
from backends.testing import check_time_alignment, noise, schedule, stream_through
from resampler_peers.pedalboard_backend import QUALITIES, PedalboardResampler, open_library

#: Fast qualities (hold, interpolator, default sinc), for tests that sweep rate pairs.
CHEAP = ("ZeroOrderHold", "Linear", "WindowedSinc32")
#: Common rates: their pairs include whole and fractional ratios both ways.
RATES = (8000, 11025, 16000, 22050, 44100, 48000, 96000)


def library_output(stream: LibraryStream, x: np.ndarray, sizes) -> np.ndarray:
    """Feed ``x`` ((frames, channels)) in blocks of ``sizes``, then the library's flush."""
    parts, pos = [], 0
    for size in sizes:
        parts.append(stream.process(np.ascontiguousarray(x[pos : pos + size].T, np.float32)))
        pos += size
    parts.append(stream.process(None))
    return np.concatenate(parts, axis=1).T


@pytest.mark.parametrize("quality", QUALITIES)
def test_the_library_ends_up_to_one_frame_short_and_the_adapter_exact(quality):
    short = 0
    for (in_rate, out_rate), n in itertools.product([(44100, 48000), (48000, 44100)], (1001, 6000)):
        want = backends.expected_length(n, in_rate, out_rate)
        x = noise(n, 1, seed=n)
        raw = library_output(open_library(in_rate, out_rate, 1, {"quality": quality}), x, [n])
        assert want - 1 <= len(raw) <= want
        short += len(raw) < want
        ours = backends.create(f"pedalboard:quality={quality}", in_rate=in_rate, out_rate=out_rate)
        y = ours.process(x, last=True)
        assert len(y) == want
        # The fix only adds the missing frame: every frame the library emits
        # is kept (after the whole frames of lag dropped, if any).
        lead = ours._lead_frames()
        np.testing.assert_array_equal(y[: len(raw) - lead, 0], raw[lead:, 0])
    assert short, "no short stream at these pairs and lengths"


def test_a_fresh_multichannel_stream_refuses_a_first_block_of_few_frames():
    """It guesses the layout from the shape: fewer frames than channels read as channels-last.

    (A square block raises "Unable to determine channel layout" in a fresh
    process, and was seen to pass after other streams had run: left out.)
    """
    for channels, frames in [(2, 1), (3, 1), (3, 2), (8, 5)]:
        block = np.zeros((channels, frames), np.float32)
        with pytest.raises(ValueError, match=f"Expected {channels}-channel input"):
            LibraryStream(22050, 48000, channels).process(block)
        # fixed by an empty (channels, 0) block first, which the library remembers
        stream = open_library(22050, 48000, channels, {})
        assert stream.process(block).shape[0] == channels
        stream.reset()
        assert stream.process(block).shape[0] == channels


class _NoLayoutFix(PedalboardResampler):
    """The adapter without its layout fix."""

    def _lib_open(self) -> None:
        self._lib = LibraryStream(self.in_rate, self.out_rate, self.channels)


@pytest.mark.parametrize("channels", [2, 3, 8])
def test_the_adapter_takes_one_frame_blocks_from_the_start(channels):
    x = noise(300, channels)
    sizes = schedule("1-frame", 300, in_rate=22050, out_rate=48000)
    y, _ = stream_through(
        backends.create("pedalboard", in_rate=22050, out_rate=48000, channels=channels), x, sizes
    )
    assert y.shape == (backends.expected_length(300, 22050, 48000), channels)
    unfixed = _NoLayoutFix(in_rate=22050, out_rate=48000, channels=channels)
    with pytest.raises(ValueError, match=f"Expected {channels}-channel input"):
        stream_through(unfixed, x, sizes)


def test_the_library_takes_float32_only():
    with pytest.raises(TypeError):
        LibraryStream(22050, 48000, 1).process(np.zeros((1, 100)))


class _NoLagFix(PedalboardResampler):
    """The adapter without the whole-frame lag drop."""

    def _lead_frames(self) -> int:
        return 0


@pytest.mark.parametrize(
    ("in_rate", "out_rate"), [(8000, 48000), (8000, 96000), (16000, 48000), (22050, 48000)]
)
def test_zero_order_hold_lags_and_the_adapter_drops_the_whole_frames(in_rate, out_rate):
    def make(cls):
        return lambda **kw: cls(**kw, quality="ZeroOrderHold")

    with pytest.raises(AssertionError, match="time_alignment"):
        check_time_alignment(make(_NoLagFix), in_rate, out_rate)
    check_time_alignment(make(PedalboardResampler), in_rate, out_rate)


@pytest.mark.parametrize("quality", ["WindowedSinc256", "WindowedSinc32", "WindowedSinc"])
def test_the_library_is_early_or_late_by_less_than_half_a_frame(quality):
    """It drops its delay rounded to whole frames: the fraction stays (not fixable)."""
    errors = [
        check_time_alignment(
            lambda **kw: backends.create(f"pedalboard:quality={quality}", **kw), i, o
        )
        for i, o in [(22050, 48000), (44100, 48000), (48000, 44100), (96000, 8000)]
    ]
    assert max(abs(e) for e in errors) <= 0.5
    assert max(abs(e) for e in errors) > 0.2, "the residual is no longer there"


@pytest.mark.parametrize("quality", CHEAP)
def test_the_latency_bounds_the_measured_hold_back_within_one_frame(quality):
    """The library's figure, converted with the adapter's slack, at every pair of common rates."""
    options = (("quality", quality),)
    understated = 0
    for in_rate, out_rate in itertools.permutations(RATES, 2):
        stream = PedalboardResampler(in_rate=in_rate, out_rate=out_rate, quality=quality)
        measured = probe_hold_back(PedalboardResampler, in_rate, out_rate, "float32", options)
        assert measured <= stream.latency <= measured + 1, (in_rate, out_rate, measured)
        if out_rate % in_rate == 0:
            assert stream.latency == measured
        stated = stream._lib.input_latency * out_rate / in_rate
        understated += math.floor(stated + 0.5) < measured
    assert understated  # the library's own figure alone is too small


def test_the_quality_option_lists_the_library_qualities():
    """The option is spelled out so that listing backends does not import pedalboard."""
    assert tuple(Resample.Quality.__members__) == QUALITIES
