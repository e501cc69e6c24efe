"""Finite input up to ``FINITE_INPUT_BOUND`` gives finite output from every backend.

The bound (2**64, 385 dB above full scale) is the contract's: beyond it, up to
float32's 3.4e38, an interpolator's differences or a filter's sums may
overflow (soxr HQ does from about 2**120) and such input is treated like
NaN/inf input.
"""

from __future__ import annotations

import numpy as np
import pytest

from backends.validation import FINITE_INPUT_BOUND

from variants import variant_params

B = FINITE_INPUT_BOUND
N = 3000


def alternating(n: int) -> np.ndarray:
    return np.where(np.arange(n) % 2 == 0, B, -B)


SIGNALS = {
    "alternating ±bound": alternating,
    "constant +bound": lambda n: np.full(n, B),
    "constant -bound": lambda n: np.full(n, -B),
    "bound then silence": lambda n: np.where(np.arange(n) < n // 2, alternating(n), 0.0),
}


@pytest.mark.parametrize("variant", variant_params())
@pytest.mark.parametrize(
    ("in_rate", "out_rate"), [(22050, 48000), (48000, 44100), (8000, 48000), (96000, 8000)], ids=str
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("signal", list(SIGNALS))
def test_input_at_the_bound_gives_finite_output(variant, in_rate, out_rate, dtype, signal):
    x = SIGNALS[signal](N).astype(dtype)
    stream = variant.make(in_rate=in_rate, out_rate=out_rate, channels=2, dtype=dtype)
    stereo = np.stack([x, -x], axis=1)
    y = np.concatenate(
        [stream.process(stereo[i : i + 512]) for i in range(0, N, 512)]
        + [stream.process(stereo[:0], last=True)]
    )
    bad = np.flatnonzero(~np.isfinite(y).all(axis=1))
    assert bad.size == 0, f"{bad.size} non-finite output frames, first at {bad[0]}"
    # a resampler's gain is bounded (overshoot of band-limited filters included)
    assert np.max(np.abs(y)) <= 4 * B
