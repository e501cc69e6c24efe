"""Test signals, all in float64 and fully determined by their arguments (and a seed).

The signals of the Hydrogenaudio/Infinitewave SRC comparisons and libsamplerate's
own tests: tones, multitones on exact 1 Hz bins, log sweeps and two-tone IMD
pairs. Noise and band-limited pulses are the conformance kit's
(:mod:`backends.testing.signals`).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "db_to_amplitude",
    "log_sweep",
    "multitone",
    "multitone_frequencies",
    "tone",
    "two_tone",
]


def db_to_amplitude(dbfs: float) -> float:
    """Peak amplitude of a sine at ``dbfs`` (0 dBFS = amplitude 1)."""
    return float(10.0 ** (dbfs / 20.0))


def tone(freq: float, rate: int, n: int, *, dbfs: float = -1.0, phase: float = 0.0) -> np.ndarray:
    """A sine of ``freq`` Hz, ``n`` frames at ``rate`` Hz, peak level ``dbfs``."""
    t = np.arange(n) / rate
    return db_to_amplitude(dbfs) * np.sin(2 * np.pi * freq * t + phase)


def two_tone(
    rate: int,
    n: int,
    *,
    low: tuple[float, float] = (64.59, -6.0),
    high: tuple[float, float] = (6998.0, -18.0),
) -> np.ndarray:
    """The IMD pair of the SRC comparisons: 64.59 Hz at −6 dBFS + 6998 Hz at −18 dBFS."""
    return tone(low[0], rate, n, dbfs=low[1]) + tone(high[0], rate, n, dbfs=high[1])


def multitone_frequencies(
    max_freq: float, *, count: int = 48, min_freq: float = 20.0
) -> np.ndarray:
    """Log-spaced whole-number frequencies (distinct) from ``min_freq`` to ``max_freq``."""
    freqs = np.unique(np.round(np.geomspace(min_freq, max_freq, count)))
    return freqs[freqs <= max_freq]


def multitone(freqs: np.ndarray, rate: int, n: int, *, seed: int = 0) -> tuple[np.ndarray, float]:
    """Equal-amplitude sines at ``freqs`` with random phases, peak-normalised to 0.5.

    With whole-number frequencies the signal repeats every second, so every
    tone sits exactly on a bin of a 1 s FFT and a response can be read without
    leakage. One period is synthesised by an inverse FFT and repeated: the
    cost of one FFT instead of a sine per tone and frame.

    Returns
    -------
    x : numpy.ndarray
        The signal.
    amplitude : float
        Peak amplitude of each tone in it.

    Raises
    ------
    ValueError
        A frequency that is not a whole number of Hz below ``rate / 2``.
    """
    freqs = np.asarray(freqs, dtype=float)
    bins = np.round(freqs).astype(int)
    if np.any(bins != freqs) or np.any(bins <= 0) or np.any(2 * bins >= rate):
        raise ValueError(f"freqs: expected whole numbers of Hz in (0, {rate / 2:g}), got {freqs}")
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 2 * np.pi, len(freqs))
    spectrum = np.zeros(rate // 2 + 1, complex)
    # irfft gives (2/rate) * |X| * cos(2 pi f t + angle X); sin is cos shifted by -pi/2.
    np.add.at(spectrum, bins, rate / 2 * np.exp(1j * (phases - np.pi / 2)))
    period = np.fft.irfft(spectrum, rate)
    scale = 0.5 / np.max(np.abs(period))
    return scale * np.resize(period, n), float(scale)


def log_sweep(
    rate: int, n: int, *, f0: float = 20.0, f1: float | None = None, dbfs: float = -6.0
) -> np.ndarray:
    """An exponential sine sweep from ``f0`` to ``f1`` (default: Nyquist) over ``n`` frames."""
    f1 = rate / 2 if f1 is None else f1
    duration = n / rate
    k = np.log(f1 / f0)
    t = np.arange(n) / rate
    phase = 2 * np.pi * f0 * duration / k * (np.exp(t / duration * k) - 1)
    return db_to_amplitude(dbfs) * np.sin(phase)
