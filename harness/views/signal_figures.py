"""Quality pictures computed live from backend variants (``"soxr:quality=VHQ"``).

:func:`sweep_spectrograms`, :func:`frequency_response`, :func:`impulse_response`
and :func:`imd_spectrum` resample test signals through the backends now; the
numbers come from :mod:`harness.measuring.spectra`. Figures of saved results
are in :mod:`harness.views.figures`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

import backends
from harness.measuring import analysis, signals, spectra
from harness.views.figure_style import (
    grid_shape,
    hide_unused,
    line_style,
    new_figure,
    short_label,
    spec_variants,
    variant_styles,
)

__all__ = [
    "RINGING_FLOOR_DB",
    "frequency_response",
    "imd_spectrum",
    "impulse_response",
    "sweep_spectrograms",
]

#: Impulse responses share one time axis wide enough for every kernel's ringing
#: above this level (dB re peak): 20 dB clear of the float32 rounding noise
#: (spikes up to about -140 dB) of the backends that compute in float32, so the
#: span is the filter's ringing, not its arithmetic.
RINGING_FLOOR_DB = -120.0
#: Colour range of dB pictures: the best resamplers leave residues near -190 dB.
_DB_RANGE = (-200.0, 0.0)


def _resampled(spec: str, x: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    return backends.resample(x, in_rate, out_rate, backend=spec, dtype="float64")


@functools.lru_cache(maxsize=32)
def _kernel(spec: str, in_rate: int, out_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Measured kernel of one variant; cached because two figures use it."""
    stream = backends.create(spec, in_rate=in_rate, out_rate=out_rate, dtype="float64")
    half_width = spectra.kernel_half_width(stream.latency, in_rate, out_rate)
    train = spectra.impulse_train(in_rate, out_rate, half_width=half_width)
    t, h = spectra.kernel_from_train(
        _resampled(spec, train.x, in_rate, out_rate), train, in_rate, out_rate
    )
    t.setflags(write=False)
    h.setflags(write=False)
    return t, h


def _rates_title(what: str, in_rate: int, out_rate: int) -> str:
    return f"{what}, {in_rate} → {out_rate} Hz"


def sweep_spectrograms(
    specs: Sequence[str],
    *,
    in_rate: int = 48000,
    out_rate: int = 22050,
    seconds: float = 6.0,
    max_cols: int = 4,
) -> Figure:
    """Spectrogram of a log sweep (20 Hz to the input Nyquist) after each resampler.

    Ideal: one rising line that stops at the output Nyquist frequency when
    downsampling. Aliases (downsampling) and images (upsampling) show as extra,
    mirrored lines; their brightness is how little the filter suppressed them.
    """
    x = signals.log_sweep(in_rate, round(seconds * in_rate), f0=20.0)
    nrows, ncols = grid_shape(len(specs), max_cols=max_cols)
    fig, axes = new_figure(
        nrows, ncols, size=(3.6 * ncols + 1.0, 3.0 * nrows + 0.6), sharex=True, sharey=True
    )
    image = None
    for ax, spec in zip(axes.flat, specs, strict=False):
        times, freqs, dbfs = spectra.spectrogram(_resampled(spec, x, in_rate, out_rate), out_rate)
        image = ax.pcolormesh(
            times,
            freqs / 1000,
            dbfs,
            vmin=_DB_RANGE[0],
            vmax=_DB_RANGE[1],
            # 10 dB per colour: levels read off the bar, and the noise floor's
            # speckle stops bloating the PNG (half the size of a smooth map).
            cmap=colormaps["magma"].resampled(20),
            shading="auto",
            rasterized=True,
        )
        ax.set_title(short_label(spec), fontsize=10)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    for row in axes:
        row[0].set_ylabel("frequency (kHz)")
    hide_unused(axes, len(specs))
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8).set_label("level (dBFS)")
    fig.suptitle(_rates_title("Log sweep, 20 Hz to input Nyquist", in_rate, out_rate))
    return fig


def frequency_response(
    specs: Sequence[str], *, in_rate: int = 48000, out_rate: int = 22050
) -> Figure:
    """Passband (left, zoomed) and full response up to the higher Nyquist (right).

    From each resampler's measured kernel (:func:`harness.measuring.spectra.kernel_from_train`).
    Right of the output Nyquist frequency the curve is the stopband: the
    suppression of what would alias (downsampling) or image (upsampling).
    """
    styles = variant_styles(spec_variants(specs))
    low, high = min(in_rate, out_rate) / 2, max(in_rate, out_rate) / 2
    fig, axes = new_figure(1, 2, size=(14.0, 5.5))
    passband, full = axes[0]
    for spec in specs:
        t, h = _kernel(spec, in_rate, out_rate)
        freqs, gain, _ = spectra.kernel_response(t, h, in_rate, max_freq=high)
        style = line_style(styles[spec])
        band = freqs <= low
        passband.plot(freqs[band] / 1000, gain[band], **style)
        full.plot(*spectra.peak_decimate(freqs / 1000, gain), **style)
    passband.set_ylim(-3.0, 0.5)
    passband.set_title("Passband (up to the lower Nyquist frequency)")
    full.set_ylim(_DB_RANGE[0], 10)
    full.axvspan(low / 1000, high / 1000, color="0.9", zorder=0, label="stopband region")
    full.set_title("Full response: stopband right of the output Nyquist frequency")
    for ax in (passband, full):
        ax.axvline(low / 1000, color="0.4", linestyle="--", linewidth=1)
        ax.set_xlabel("frequency (kHz)")
        ax.set_ylabel("gain (dB)")
        ax.grid(True, alpha=0.3)
    full.legend(fontsize=8, loc="lower left")
    fig.suptitle(_rates_title("Frequency response from the measured kernel", in_rate, out_rate))
    return fig


def _ringing_ms(t: np.ndarray, level: np.ndarray, in_rate: int) -> tuple[float, float]:
    """First and last time (ms) at which the kernel's envelope exceeds RINGING_FLOOR_DB."""
    above = np.flatnonzero(level > RINGING_FLOOR_DB)
    return float(t[above[0]] * 1000 / in_rate), float(t[above[-1]] * 1000 / in_rate)


def impulse_response(
    specs: Sequence[str],
    *,
    in_rate: int = 48000,
    out_rate: int = 22050,
    zoom_frames: float = 12.0,
) -> Figure:
    """Per resampler: kernel near its centre, its envelope in dB, passband phase.

    The kernel is the continuous impulse response, sampled at every output
    phase. Its centre is the delay left after latency compensation (0 for a
    symmetric kernel); ringing before 0 is pre-ringing of a linear-phase filter.
    Each column shares one axis across the rows, so kernels compare by eye; the
    envelopes' time axis spans the longest ringing above
    :data:`RINGING_FLOOR_DB` (quieter tails, if any, run on outside it).
    """
    styles = variant_styles(spec_variants(specs))
    low = min(in_rate, out_rate) / 2
    kernels = {spec: _kernel(spec, in_rate, out_rate) for spec in specs}
    levels = {
        spec: 20 * np.log10(np.abs(h) / np.abs(h).max() + 1e-300)
        for spec, (_t, h) in kernels.items()
    }
    rings = {spec: _ringing_ms(kernels[spec][0], levels[spec], in_rate) for spec in specs}
    reach = 1.1 * max(max(abs(a), abs(b)) for a, b in rings.values())
    fig, axes = new_figure(len(specs), 3, size=(14.0, 2.3 * len(specs) + 0.8), sharex="col")
    for row, spec in zip(axes, specs, strict=True):
        t, h = kernels[spec]
        color = styles[spec]["color"]
        near = np.abs(t) <= zoom_frames
        centre = spectra.kernel_centre(t, h)
        row[0].plot(t[near], h[near], color=color)
        row[0].axvline(centre, color="0.3", linestyle="--", linewidth=1)
        row[0].set_title(f"{short_label(spec)} — centre {centre:+.3f} input frames", fontsize=9)
        row[0].set_ylabel("h(t)")
        ms = t * 1000 / in_rate
        shown = np.abs(ms) <= reach
        ms, db = spectra.peak_decimate(ms[shown], levels[spec][shown])
        row[1].plot(ms, np.maximum(db, _DB_RANGE[0]), color=color, linewidth=0.8)
        row[1].axhline(RINGING_FLOOR_DB, color="0.4", linestyle=":", linewidth=1)
        row[1].set_ylim(_DB_RANGE[0], 10)
        row[1].set_ylabel("|h(t)| (dB re peak)")
        start, end = rings[spec]
        row[1].set_title(
            f"rings above {RINGING_FLOOR_DB:g} dB from {start:+.2f} to {end:+.2f} ms", fontsize=9
        )
        freqs, _, phase = spectra.kernel_response(t, h, in_rate, max_freq=0.9 * low)
        row[2].plot(freqs / 1000, phase, color=color)
        row[2].set_ylabel("phase (°)")
        span = max(1.0, float(np.ptp(phase)) * 0.6)
        row[2].set_ylim(float(np.mean(phase)) - span, float(np.mean(phase)) + span)
        for ax in row:
            ax.grid(True, alpha=0.3)
    axes[0, 0].set_xlim(-zoom_frames, zoom_frames)
    axes[0, 1].set_xlim(-reach, reach)
    axes[-1, 0].set_xlabel("offset from the impulse (input frames)")
    axes[-1, 1].set_xlabel(f"offset from the impulse (ms); dotted: {RINGING_FLOOR_DB:g} dB")
    axes[-1, 2].set_xlabel("frequency (kHz), up to 90 % of the lower Nyquist")
    fig.suptitle(
        _rates_title("Impulse response (measured kernel)", in_rate, out_rate)
        + " — every column on one axis"
    )
    return fig


def imd_spectrum(
    specs: Sequence[str],
    *,
    in_rate: int = 48000,
    out_rate: int = 22050,
    seconds: float = 4.0,
    max_cols: int = 2,
) -> Figure:
    """Spectrum of the two-tone IMD pair (64.59 Hz −6 dBFS + 6998 Hz −18 dBFS).

    A resampler is linear, so anything besides the two tones is aliasing,
    imaging or numerical noise; the title of each panel gives the loudest such
    component within 20 Hz–20 kHz. Dotted lines: 2nd- and 3rd-order products.
    """
    tones = (64.59, 6998.0)
    x = signals.two_tone(in_rate, round(seconds * in_rate))
    products = spectra.two_tone_products(*tones, order=3)
    products = products[products < out_rate / 2]
    styles = variant_styles(spec_variants(specs))
    nrows, ncols = grid_shape(len(specs), max_cols=max_cols)
    fig, axes = new_figure(nrows, ncols, size=(7.0 * ncols, 2.8 * nrows + 0.6), sharey=True)
    for ax, spec in zip(axes.flat, specs, strict=False):
        y = analysis.steady(_resampled(spec, x, in_rate, out_rate), out_rate)
        freqs, dbfs = spectra.amplitude_spectrum(y, out_rate)
        # Guard: the Kaiser main lobe is ±7.7 bins wide; a few more for safety.
        guard = 12 * out_rate / len(y)
        spur = spectra.spur_level_db(
            freqs, dbfs, tones, guard_hz=guard, band=(20.0, min(20000.0, 0.99 * out_rate / 2))
        )
        for f in products:
            ax.axvline(f, color="0.75", linestyle=":", linewidth=0.8)
        keep = freqs >= 10
        ax.plot(
            *spectra.peak_decimate(freqs[keep], dbfs[keep]),
            color=styles[spec]["color"],
            linewidth=0.7,
        )
        ax.set_xscale("log")
        ax.set_ylim(*_DB_RANGE)
        ax.set_xlim(10, out_rate / 2)
        ax.set_title(f"{short_label(spec)} — loudest spur {spur:.0f} dBFS", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("frequency (Hz, log scale)")
    for row in axes:
        row[0].set_ylabel("level (dBFS)")
    hide_unused(axes, len(specs))
    fig.suptitle(
        _rates_title("Two-tone IMD: 64.59 Hz −6 dBFS + 6998 Hz −18 dBFS", in_rate, out_rate)
    )
    return fig
