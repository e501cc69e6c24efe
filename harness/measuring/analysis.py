"""Measurements on resampled signals: SNR, THD+N, tone levels, response, delay.

Everything here is a pure function of arrays, so notebooks and the harness
compute the same numbers the same way.
"""

from __future__ import annotations

import numpy as np

from harness.results.store import EXACT_DB

__all__ = [
    "amplitude_db",
    "fit_tones",
    "response_db",
    "snr_db",
    "steady",
    "thd_n_db",
    "tone_level_dbfs",
]


def steady(y: np.ndarray, rate: int, *, skip_s: float = 0.1) -> np.ndarray:
    """``y`` without ``skip_s`` seconds at each end, where filters ramp in and out."""
    skip = int(skip_s * rate)
    return y[skip : len(y) - skip] if len(y) > 2 * skip + rate // 10 else y


def fit_tones(
    y: np.ndarray, freqs: np.ndarray | list[float], rate: int, *, start: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares fit of ``sum a_k sin + b_k cos`` at known frequencies.

    Parameters
    ----------
    y : numpy.ndarray
        1-D signal.
    freqs : array_like
        Frequencies in Hz.
    rate : int
        Sample rate of ``y``.
    start : int
        Frame index of ``y[0]`` in the full signal, so phases stay analytic.

    Returns
    -------
    fitted : numpy.ndarray
        The fitted sum of sines, same length as ``y``.
    amplitudes : numpy.ndarray
        Peak amplitude of each tone.
    """
    t = (start + np.arange(len(y))) / rate
    cols = []
    for f in np.atleast_1d(freqs):
        cols += [np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)]
    basis = np.stack(cols, axis=1)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    amplitudes = np.hypot(coef[0::2], coef[1::2])
    return basis @ coef, amplitudes


def snr_db(y: np.ndarray, freq: float, rate: int, *, start: int = 0) -> float:
    """SNR of a tone: fitted sine power over the power of everything else, in dB.

    The residual holds noise, distortion, aliases, imaging and any timing jitter,
    which is why the comparisons of the field use it.
    """
    fitted, _ = fit_tones(y, [freq], rate, start=start)
    noise_power = float(np.sum((y - fitted) ** 2))
    signal_power = float(np.sum(fitted**2))
    if noise_power == 0.0:
        return EXACT_DB
    return 10.0 * np.log10(signal_power / noise_power)


def thd_n_db(
    y: np.ndarray,
    freq: float,
    rate: int,
    *,
    start: int = 0,
    band: tuple[float, float] = (20.0, 20000.0),
) -> float:
    """THD+N in dB relative to the fundamental, within ``band`` (AES17-style).

    The fundamental is removed by a least-squares fit; the residual's power is
    counted between ``band[0]`` and ``min(band[1], rate / 2)`` from a
    Blackman-Harris-windowed spectrum.
    """
    fitted, _ = fit_tones(y, [freq], rate, start=start)
    residual = y - fitted
    window = _blackman_harris(len(y))
    spectrum = np.abs(np.fft.rfft(residual * window)) ** 2
    bins = np.fft.rfftfreq(len(y), 1.0 / rate)
    in_band = (bins >= band[0]) & (bins <= min(band[1], rate / 2))
    noise_power = float(np.sum(spectrum[in_band]))
    ref_power = float(np.sum(np.abs(np.fft.rfft(fitted * window)) ** 2))
    if noise_power == 0.0:
        return -EXACT_DB
    return 10.0 * np.log10(noise_power / ref_power)


def tone_level_dbfs(
    y: np.ndarray, freq: float, rate: int, *, start: int = 0, beside: tuple[float, ...] = ()
) -> float:
    """Peak level (dBFS) of the component of ``y`` at ``freq``.

    ``beside``: frequencies of other tones in ``y``, fitted together with it so
    that a strong tone close by does not leak into the figure (over a finite
    signal, sines of different frequencies are not exactly orthogonal).
    """
    _, amplitudes = fit_tones(y, [freq, *beside], rate, start=start)
    return amplitude_db(float(amplitudes[0]))


def amplitude_db(amplitude: float, *, floor: float = 1e-20) -> float:
    """``20 log10(amplitude)``, floored so silence gives a finite number."""
    return 20.0 * np.log10(max(amplitude, floor))


def response_db(
    y: np.ndarray, freqs: np.ndarray, rate: int, in_amplitude: np.ndarray | float
) -> np.ndarray:
    """Gain in dB of whole-number-Hz tones, read off a 1 s rFFT (no leakage).

    ``y`` must hold a whole number of seconds of a steady periodic signal.
    """
    seconds = len(y) // rate
    seg = y[: seconds * rate]
    spectrum = np.fft.rfft(seg) / (len(seg) / 2)
    amplitude = np.abs(spectrum[np.round(freqs * seconds).astype(int)])
    return 20.0 * np.log10(np.maximum(amplitude, 1e-20) / in_amplitude)


def _blackman_harris(n: int) -> np.ndarray:
    k = np.arange(n) / (n - 1) if n > 1 else np.zeros(1)
    a = (0.35875, 0.48829, 0.14128, 0.01168)
    return (
        a[0]
        - a[1] * np.cos(2 * np.pi * k)
        + a[2] * np.cos(4 * np.pi * k)
        - a[3] * np.cos(6 * np.pi * k)
    )
