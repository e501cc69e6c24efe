"""Spectra and kernels of resampled signals: the numbers behind the quality pictures.

Pure NumPy functions of arrays (no backend is called here), so notebooks, the
figures and the tests compute them the same way:

* :func:`amplitude_spectrum` and :func:`spectrogram` — Kaiser-windowed spectra
  scaled so a sine of peak amplitude ``A`` reads ``20 log10 A`` dBFS, with
  sidelobes low enough (about -189 dB) to show what a very good resampler
  leaves behind;
* :func:`impulse_train` and :func:`kernel_from_train` — the continuous kernel
  ``h(t)`` of a resampler, sampled on the exact grid of all its output phases,
  from one pass of a train of unit impulses;
* :func:`kernel_response` — passband and stopband gain and phase from that kernel;
* :func:`two_tone_products` and :func:`spur_level_db` — intermodulation
  products of a two-tone pair and the strongest component that is not a tone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from backends.testing import centroid

__all__ = [
    "KAISER_BETA",
    "ImpulseTrain",
    "amplitude_spectrum",
    "impulse_train",
    "kernel_centre",
    "kernel_from_train",
    "kernel_half_width",
    "kernel_response",
    "peak_decimate",
    "spectrogram",
    "spur_level_db",
    "two_tone_products",
]

#: Kaiser window shape: sidelobes near -189 dB and a main lobe of about ±7.7
#: bins. Anything milder hides the residue of soxr VHQ (SNR ≈ 187 dB) under the
#: window's own leakage.
KAISER_BETA = 24.0
#: Levels are floored here (dBFS) so silence and exact zeros stay finite.
FLOOR_DB = -400.0


def _db(amplitude: np.ndarray) -> np.ndarray:
    return 20.0 * np.log10(np.maximum(np.abs(amplitude), 10.0 ** (FLOOR_DB / 20.0)))


def amplitude_spectrum(
    y: np.ndarray, rate: int, *, beta: float = KAISER_BETA
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided spectrum of ``y`` in dBFS (a full-scale sine reads 0 dB).

    Parameters
    ----------
    y : numpy.ndarray
        1-D signal.
    rate : int
        Its sample rate in Hz.
    beta : float
        Kaiser window shape.

    Returns
    -------
    freqs : numpy.ndarray
        Bin frequencies in Hz.
    dbfs : numpy.ndarray
        Peak level of a sine centred on each bin, in dBFS.
    """
    window = np.kaiser(len(y), beta)
    # 2 / sum(w): the window's coherent gain, and one-sided (half the power per side)
    spectrum = np.fft.rfft(np.asarray(y, np.float64) * window) * (2.0 / np.sum(window))
    return np.fft.rfftfreq(len(y), 1.0 / rate), _db(spectrum)


def spectrogram(
    y: np.ndarray,
    rate: int,
    *,
    frame: int = 2048,
    hop: int | None = None,
    beta: float = KAISER_BETA,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Short-time spectra of ``y`` in dBFS, scaled as :func:`amplitude_spectrum`.

    Parameters
    ----------
    y : numpy.ndarray
        1-D signal, at least ``frame`` samples.
    rate : int
        Its sample rate in Hz.
    frame : int
        Samples per spectrum.
    hop : int, optional
        Samples between frame starts; default ``frame // 4``.
    beta : float
        Kaiser window shape.

    Returns
    -------
    times : numpy.ndarray
        Centre of each frame in seconds.
    freqs : numpy.ndarray
        Bin frequencies in Hz.
    dbfs : numpy.ndarray
        ``(len(freqs), len(times))`` levels in dBFS.
    """
    hop = frame // 4 if hop is None else hop
    if len(y) < frame:
        raise ValueError(f"spectrogram: need at least {frame} samples, got {len(y)}")
    frames = np.lib.stride_tricks.sliding_window_view(np.asarray(y, np.float64), frame)[::hop]
    window = np.kaiser(frame, beta)
    spectra = np.fft.rfft(frames * window, axis=1) * (2.0 / np.sum(window))
    times = (np.arange(len(frames)) * hop + frame / 2) / rate
    return times, np.fft.rfftfreq(frame, 1.0 / rate), _db(spectra.T)


def peak_decimate(
    freqs: np.ndarray, dbfs: np.ndarray, *, points: int = 4000
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``points`` bins of a spectrum, each the loudest of its group.

    Plotting every bin of a long FFT draws hundreds of thousands of segments;
    keeping each group's maximum draws the same outline with peaks intact.
    """
    group = max(1, math.ceil(len(dbfs) / points))
    usable = len(dbfs) // group * group
    if group == 1 or usable == 0:
        return freqs, dbfs
    peak = dbfs[:usable].reshape(-1, group).argmax(axis=1) + np.arange(0, usable, group)
    return freqs[peak], dbfs[peak]


@dataclass(frozen=True)
class ImpulseTrain:
    """A train of unit impulses that visits every output phase of a rate pair once.

    Attributes
    ----------
    x : numpy.ndarray
        The input signal (float64, zeros and ones).
    positions : numpy.ndarray
        Input frame index of each impulse.
    half_width : int
        Input frames on each side of an impulse read back as its kernel.
    """

    x: np.ndarray
    positions: np.ndarray
    half_width: int


def kernel_half_width(latency: int, in_rate: int, out_rate: int) -> int:
    """Input frames on each side of an impulse to read back, from a stream's latency.

    A linear-phase filter's delay is half its length, so its kernel ends about
    one latency after the impulse. Streams report more latency than that
    (buffering), never less; three times it, plus a few frames for the short
    interpolators, covered every backend measured to below 1e-9 of the peak.
    """
    return 3 * math.ceil(latency * in_rate / out_rate) + 16


def impulse_train(in_rate: int, out_rate: int, *, half_width: int) -> ImpulseTrain:
    """Impulses at ``in_rate // gcd`` positions, one per distinct output phase.

    An impulse at input frame ``m`` is seen by output frame ``j`` at offset
    ``j * in_rate / out_rate - m`` input frames, whose fractional part cycles
    through ``in_rate / gcd(in_rate, out_rate)`` values as ``m`` does. Spacing the
    impulses by ``1 (mod that count)`` frames, and by more than two half-widths so
    their kernels never overlap, gives every phase once.

    Raises
    ------
    ValueError
        The rate pair has more than 4096 phases (the train would be too long).
    """
    phases = in_rate // math.gcd(in_rate, out_rate)
    if phases > 4096:
        raise ValueError(
            f"impulse_train: {in_rate} -> {out_rate} Hz has {phases} output phases (max 4096)"
        )
    spacing = math.ceil((2 * half_width + 1) / phases) * phases + 1
    positions = spacing * np.arange(1, phases + 1)
    x = np.zeros(spacing * (phases + 1))
    x[positions] = 1.0
    return ImpulseTrain(x, positions, half_width)


def kernel_from_train(
    y: np.ndarray, train: ImpulseTrain, in_rate: int, out_rate: int
) -> tuple[np.ndarray, np.ndarray]:
    """The resampler's kernel ``h(t)`` from its output ``y`` for ``train``.

    A resampler computes output ``j`` as ``sum_m x[m] h(j in/out - m)``; each
    output frame near an impulse is one sample of ``h``. Gathered over the train
    they fill a uniform grid of step ``gcd / out_rate`` input frames exactly.

    Returns
    -------
    t : numpy.ndarray
        Offsets from the impulse in input frames, ascending, uniform.
    h : numpy.ndarray
        Kernel values; an interpolator that passes DC has ``sum h * dt == 1``.
    """
    g = math.gcd(in_rate, out_rate)
    reach = math.ceil(train.half_width * out_rate / in_rate) + 1
    centre = train.positions * out_rate // in_rate
    j = centre[:, np.newaxis] + np.arange(-reach, reach + 1)
    # Integer offsets in units of 1/(in*out) s: exact, so the grid has no rounding.
    units = j * in_rate - train.positions[:, np.newaxis] * out_rate
    keep = (np.abs(units) <= train.half_width * out_rate) & (j >= 0) & (j < len(y))
    index = units[keep] // g
    index -= index.min()
    counts = np.bincount(index)
    h = np.bincount(index, weights=y[j[keep]]) / np.maximum(counts, 1)
    t = (np.arange(len(h)) + units[keep].min() // g) * g / out_rate
    return t, h


def kernel_centre(t: np.ndarray, h: np.ndarray) -> float:
    """Time centre (input frames) of a kernel: its delay, if it is symmetric."""
    return float(t[0] + centroid(h) * (t[1] - t[0]))


def kernel_response(
    t: np.ndarray,
    h: np.ndarray,
    in_rate: int,
    *,
    max_freq: float,
    resolution_hz: float = 2.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gain and phase of a kernel up to ``max_freq`` Hz.

    The kernel's Fourier transform, scaled so a DC-preserving interpolator has
    0 dB at 0 Hz. For frequencies above the output's Nyquist frequency it is
    the stopband: how strongly input there is suppressed before it aliases
    (downsampling), or how strongly images are (upsampling).

    Parameters
    ----------
    t, h : numpy.ndarray
        As from :func:`kernel_from_train` (``t`` uniform, in input frames).
    in_rate : int
        Input rate in Hz (the unit of ``t``).
    max_freq : float
        Highest frequency returned, Hz.
    resolution_hz : float
        Bin spacing at most this (zero padding).

    Returns
    -------
    freqs : numpy.ndarray
        Frequencies in Hz.
    gain_db : numpy.ndarray
        Gain in dB.
    phase_deg : numpy.ndarray
        Phase in degrees relative to ``t = 0`` (unwrapped); 0 for a kernel
        symmetric about 0.
    """
    step = float(t[1] - t[0])
    grid_rate = in_rate / step
    nfft = 1 << math.ceil(math.log2(max(len(h), grid_rate / resolution_hz)))
    freqs = np.fft.rfftfreq(nfft, 1.0 / grid_rate)
    band = freqs <= max_freq
    freqs = freqs[band]
    # rfft puts the time origin at h[0]; rotate it back to t = 0.
    response = np.fft.rfft(h, nfft)[band] * step * np.exp(-2j * np.pi * freqs * t[0] / in_rate)
    return freqs, _db(response), np.degrees(np.unwrap(np.angle(response)))


def two_tone_products(low: float, high: float, *, order: int = 3) -> np.ndarray:
    """Frequencies ``|m low ± n high|`` of intermodulation products up to ``order``.

    Harmonics of each tone (``n = 0`` or ``m = 0``) are included from order 2;
    the tones themselves are not.
    """
    products = {
        abs(m * low + sign * n * high)
        for m in range(order + 1)
        for n in range(order + 1 - m)
        for sign in (1, -1)
        if m + n >= 2
    }
    return np.array(sorted(f for f in products if f > 0))


def spur_level_db(
    freqs: np.ndarray,
    dbfs: np.ndarray,
    tones: list[float] | np.ndarray,
    *,
    guard_hz: float,
    band: tuple[float, float] = (20.0, 20000.0),
) -> float:
    """Loudest component within ``band`` more than ``guard_hz`` from every tone, dBFS."""
    inside = (freqs >= band[0]) & (freqs <= band[1])
    for f in tones:
        inside &= np.abs(freqs - f) > guard_hz
    return float(dbfs[inside].max()) if inside.any() else FLOOR_DB
