"""Inputs at the edges of the contract: huge blocks, dtype changes between calls."""

from __future__ import annotations

import numpy as np
import pytest

import backends


@pytest.mark.parametrize("spec", ["numba", "soxr"])
def test_a_ten_million_frame_block_is_fine(spec):
    stream = backends.create(spec, in_rate=22050, out_rate=48000)
    y = stream.process(np.zeros(10_000_000, np.float32), last=True)
    assert len(y) == backends.expected_length(10_000_000, 22050, 48000) == 21_768_707


def test_input_dtype_may_change_between_calls_each_block_scaled_by_its_own_rule():
    pcm = (np.random.default_rng(0).standard_normal(3000) * 8000).astype(np.int16)
    mixed = backends.create("linear", in_rate=22050, out_rate=48000)
    y = np.concatenate(
        [
            mixed.process(pcm[:1000]),
            mixed.process(pcm[1000:2000].astype(np.float64) / 32768),
            mixed.process(pcm[2000:].astype(">i2"), last=True),
        ]
    )
    np.testing.assert_array_equal(y, backends.resample(pcm, 22050, 48000, backend="linear"))


# -- channel counts: each variant's declared limit (the kit checks it is real) -------------


def test_samplerate_limits_are_those_of_libsamplerate():
    infos = {i.name: i for i in backends.available_backends()}
    samplerate = infos["samplerate"]
    assert samplerate.capabilities().max_channels == 128  # sinc_medium, the default
    for converter in ("sinc_best", "sinc_medium", "sinc_fastest"):
        assert samplerate.capabilities({"converter": converter}).max_channels == 128
    for converter in ("linear", "zero_order_hold"):
        assert samplerate.capabilities({"converter": converter}).max_channels is None
    for name in ("soxr", "linear"):
        assert infos[name].capabilities().max_channels is None
    with pytest.raises(ValueError, match="at most 128, got 129"):
        backends.create("samplerate", in_rate=22050, out_rate=48000, channels=129)


# -- integer PCM scaling, as documented in backends.protocol (item 5) ----------------------

PCM = [("uint8", 128, 7), ("int8", 0, 7), ("int16", 0, 15), ("int32", 0, 31)]


@pytest.mark.parametrize(("dtype", "offset", "shift"), PCM)
@pytest.mark.parametrize("stream_dtype", ["float32", "float64"])
def test_integer_pcm_is_scaled_by_a_power_of_two(dtype, offset, shift, stream_dtype):
    """Exact, into [-1, 1), except int32 in a float32 stream: rounded to 24 bits.

    There the top 64 values (>= 2**31 - 64) become exactly 1.0; everything
    else stays below it. Checked end to end through a 1:1 ``linear`` stream,
    which passes its input through unchanged.
    """
    info = np.iinfo(dtype)
    top = np.arange(info.max - 130, info.max + 1) if dtype == "int32" else np.arange(0)
    values = np.concatenate([[info.min, info.min + 1, offset - 1, offset, info.max], top])
    x = values.astype(dtype)
    y = backends.create("linear", in_rate=48000, out_rate=48000, dtype=stream_dtype).process(
        x, last=True
    )
    exact = (values.astype(np.float64) - offset) / 2.0**shift
    np.testing.assert_array_equal(y, exact.astype(stream_dtype))  # round to nearest, once
    assert y[0] == -1.0
    rounded_up = (values >= 2**31 - 64) & (dtype == "int32") & (stream_dtype == "float32")
    assert np.all(y[rounded_up] == 1.0)
    assert np.all(y[~rounded_up] < 1.0)
