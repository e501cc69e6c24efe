"""The harness's test signals are what their docstrings say."""

from __future__ import annotations

import numpy as np
import pytest

from harness.measuring import signals


@pytest.mark.parametrize(("rate", "n"), [(48000, 3 * 48000), (22050, 66150), (8000, 3 * 8000 + 17)])
def test_multitone_is_the_sum_of_its_sines(rate, n):
    freqs = signals.multitone_frequencies(0.45 * rate, count=40)
    x, amplitude = signals.multitone(freqs, rate, n, seed=3)
    phases = np.random.default_rng(3).uniform(0, 2 * np.pi, len(freqs))
    t = np.arange(n) / rate
    direct = sum(np.sin(2 * np.pi * f * t + p) for f, p in zip(freqs, phases, strict=True))
    scale = 0.5 / np.max(np.abs(direct))
    assert len(x) == n and amplitude == pytest.approx(scale, rel=1e-12)
    np.testing.assert_allclose(x, scale * direct, rtol=0, atol=1e-10)


@pytest.mark.parametrize("freqs", [[440.5], [0.0], [24000.0], [30000.0]])
def test_multitone_refuses_frequencies_off_the_1_hz_grid_or_band(freqs):
    with pytest.raises(ValueError, match=r"freqs: expected whole numbers of Hz in \(0, 24000\)"):
        signals.multitone(np.array(freqs), 48000, 48000)
