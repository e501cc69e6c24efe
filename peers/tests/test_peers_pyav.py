"""PyAV (FFmpeg swresample): its raw behaviour against the contract, and the adapter's fix."""

from __future__ import annotations

import av
import av.error
import numpy as np
import pytest

import backends
from backends.testing import noise, pcm_signal
from resampler_peers.pyav_backend import MAX_CHANNELS
from resampler_peers.raw import ceil_count

PAIRS = [
    (8000, 48000),
    (44100, 48000),
    (22050, 48000),
    (48000, 44100),
    (48000, 8000),
    (96000, 44100),
]


def library(
    x: np.ndarray, in_rate: int, out_rate: int, *, fmt: str = "flt", **options: str
) -> np.ndarray:
    """``x`` ((frames, channels)) in one frame through a new ``av.AudioResampler``, flushed."""
    channels = x.shape[1]
    layout = f"{channels} channels"
    resampler = av.AudioResampler(
        format="flt", layout=layout, rate=out_rate, options=options or None
    )
    frames = []
    if len(x):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(x).reshape(1, -1), format=fmt, layout=layout
        )
        frame.sample_rate = in_rate
        frames += resampler.resample(frame)
    frames += resampler.resample(None)
    parts = [f.to_ndarray().reshape(-1, channels) for f in frames]
    return np.concatenate(parts) if parts else np.zeros((0, channels), np.float32)


@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_the_library_loses_short_streams_whole_and_the_adapter_keeps_them(in_rate, out_rate):
    for n in (1, 5, 17):
        x = noise(n, 1, seed=n).astype(np.float32)
        want = backends.expected_length(n, in_rate, out_rate)
        assert len(library(x, in_rate, out_rate)) == 0 < want or want == 0
        y = backends.create("pyav", in_rate=in_rate, out_rate=out_rate).process(x, last=True)
        assert len(y) == want


@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_the_library_rounds_long_streams_up_and_the_adapter_keeps_the_rule(in_rate, out_rate):
    for n in (1001, 2205, 6000):
        x = noise(n, 2, seed=n).astype(np.float32)
        raw = library(x, in_rate, out_rate)
        assert len(raw) == ceil_count(n, in_rate, out_rate)
        ours = backends.create("pyav", in_rate=in_rate, out_rate=out_rate, channels=2)
        y = ours.process(x, last=True)
        assert len(y) == backends.expected_length(n, in_rate, out_rate)
        # The adapter's output is the library's on the signal extended with zeros.
        zeros = np.zeros((n, 2), np.float32)
        extended = library(np.concatenate((x, zeros)), in_rate, out_rate)
        np.testing.assert_array_equal(y, extended[: len(y)])


@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_the_library_flush_mirrors_the_end_of_the_signal(in_rate, out_rate):
    """Its last output frames are those of the signal followed by its mirror image.

    The adapter ends the signal with zeros instead, as the suite's other
    library adapters do, so the last ``16 * L / M`` frames or so differ.
    """
    x = noise(1001, 1, seed=3).astype(np.float32)
    raw = library(x, in_rate, out_rate)
    mirrored = library(np.concatenate((x, x[::-1])), in_rate, out_rate)
    np.testing.assert_array_equal(raw, mirrored[: len(raw)])
    zeros = library(np.concatenate((x, np.zeros_like(x))), in_rate, out_rate)
    assert not np.array_equal(raw, zeros[: len(raw)])


def test_the_library_scales_integer_pcm_itself():
    """FFmpeg converts s16/s32 to float by full scale, as the contract says."""
    ints, exact = pcm_signal("int16", 2000)
    from_ints = library(ints[:, None], 22050, 48000, fmt="s16")
    from_floats = library(exact.astype(np.float32)[:, None], 22050, 48000)
    np.testing.assert_array_equal(from_ints, from_floats)


def test_the_library_takes_at_most_64_channels_as_declared():
    x = noise(700, MAX_CHANNELS + 1).astype(np.float32)
    assert library(x[:, :MAX_CHANNELS], 22050, 48000).shape[1] == MAX_CHANNELS
    with pytest.raises(av.error.ArgumentError):
        library(x, 22050, 48000)
    stream = backends.create("pyav", in_rate=22050, out_rate=48000)
    assert stream.capabilities.max_channels == MAX_CHANNELS


def test_the_bundled_ffmpeg_has_no_soxr_engine():
    """If a PyAV release bundles libsoxr, offer ``resampler=soxr`` as a pyav option."""
    with pytest.raises(av.error.ArgumentError):
        library(np.zeros((100, 1), np.float32), 44100, 48000, resampler="soxr")
