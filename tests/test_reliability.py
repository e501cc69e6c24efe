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
