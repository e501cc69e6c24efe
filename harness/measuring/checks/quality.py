"""Quality: the measurements of the SRC comparisons, per rate pair.

* ``snr_db`` — 997 Hz at -1 dBFS, streamed in 512-frame device pulls, against
  a least-squares fit of the analytic sine over the whole steady part; also
  one-shot (``snr_oneshot_db``) and with the fit redone every 50 ms
  (``snr_local_db``), which forgives drift and shows block-boundary jitter.
* ``thd_n_db`` — 1 kHz at -1 dBFS, residual within 20 Hz-20 kHz.
* ``response_db`` (curve), ``passband_ripple_db`` up to 80 % of the lower
  Nyquist frequency, and ``bandwidth_3db_pct`` of the lower Nyquist frequency,
  from a multitone on exact 1 Hz bins.
* ``aliasing_rejection_db`` — a -1 dBFS tone 10 % above the new Nyquist
  frequency, downsampling (the reverse of an upsampling pair): minus its
  alias's level.
* ``delay_frames`` — centre of a band-limited pulse vs where it belongs.
* ``continuity_snr_db`` — random 1…4096-frame chunking vs one-shot output.
"""

from __future__ import annotations

import numpy as np

from backends import Variant
from backends.testing import block_sizes, centroid, hann_pulse
from harness.measuring import analysis, signals
from harness.measuring.settings import Settings
from harness.results.store import Recorder

__all__ = ["run", "stream_blocks"]


def stream_blocks(stream, x: np.ndarray, sizes) -> np.ndarray:
    """Feed ``x`` in the given block sizes and flush; return all output."""
    out, pos = [], 0
    for size in sizes:
        out.append(stream.process(x[pos : pos + size]))
        pos += size
    out.append(stream.process(x[pos:], last=True))
    return np.concatenate(out)


def local_snr_db(y: np.ndarray, freq: float, rate: int, *, window_s: float = 0.05) -> float:
    """SNR with the sine refitted (amplitude and phase) every ``window_s``."""
    w = int(window_s * rate)
    signal = noise = 0.0
    for start in range(0, len(y) - w + 1, w):
        seg = y[start : start + w]
        fitted, _ = analysis.fit_tones(seg, [freq], rate)
        signal += float(np.sum(fitted**2))
        noise += float(np.sum((seg - fitted) ** 2))
    return analysis.EXACT_DB if noise == 0 else 10 * np.log10(signal / noise)


def _tone_metrics(
    variant: Variant, settings: Settings, rec: Recorder, in_rate: int, out_rate: int, dims: dict
) -> None:
    n = settings.quality_seconds * in_rate
    skip = int(0.1 * out_rate)
    make = lambda: variant.create(in_rate=in_rate, out_rate=out_rate, dtype="float64")  # noqa: E731

    x = signals.tone(997.0, in_rate, n, dbfs=-1.0)
    oneshot = make().process(x, last=True)
    device = list(block_sizes("device-512", n, in_rate=in_rate, out_rate=out_rate, seed=0))
    streamed = stream_blocks(make(), x, device[:-1])
    rec.add(
        "snr_db",
        analysis.snr_db(analysis.steady(streamed, out_rate), 997.0, out_rate, start=skip),
        "dB",
        **dims,
    )
    rec.add(
        "snr_oneshot_db",
        analysis.snr_db(analysis.steady(oneshot, out_rate), 997.0, out_rate, start=skip),
        "dB",
        **dims,
    )
    rec.add(
        "snr_local_db",
        local_snr_db(analysis.steady(streamed, out_rate), 997.0, out_rate),
        "dB",
        **dims,
    )

    chunks = list(
        block_sizes("random-1-4096", n, in_rate=in_rate, out_rate=out_rate, seed=settings.seed)
    )
    chunked = stream_blocks(make(), x, chunks[:-1])
    if chunked.shape == oneshot.shape:
        diff = float(np.sum((chunked - oneshot) ** 2))
        continuity = (
            analysis.EXACT_DB if diff == 0 else 10 * np.log10(float(np.sum(oneshot**2)) / diff)
        )
    else:
        continuity = -analysis.EXACT_DB  # lengths differ: nothing lines up
    rec.add("continuity_snr_db", continuity, "dB", **dims)

    k = signals.tone(1000.0, in_rate, n, dbfs=-1.0)
    y = make().process(k, last=True)
    rec.add(
        "thd_n_db",
        analysis.thd_n_db(analysis.steady(y, out_rate), 1000.0, out_rate, start=skip),
        "dB",
        **dims,
    )


def _response_metrics(
    variant: Variant, settings: Settings, rec: Recorder, in_rate: int, out_rate: int, dims: dict
) -> None:
    nyquist = min(in_rate, out_rate) / 2
    freqs = np.unique(
        np.concatenate(
            [
                signals.multitone_frequencies(0.75 * nyquist, count=40),
                np.round(np.linspace(0.75 * nyquist, 0.995 * nyquist, 40)),
            ]
        )
    )
    seconds = 3
    x, in_amp = signals.multitone(freqs, in_rate, seconds * in_rate, seed=settings.seed)
    y = variant.create(in_rate=in_rate, out_rate=out_rate, dtype="float64").process(x, last=True)
    gain = analysis.response_db(y[out_rate : 2 * out_rate], freqs, out_rate, in_amp)
    for f, g in zip(freqs, gain, strict=True):
        rec.add("response_db", float(g), "dB", x=float(f), x_unit="Hz", gate=False, **dims)
    band = freqs <= 0.8 * nyquist
    rec.add("passband_ripple_db", float(np.ptp(gain[band])), "dB", **dims)
    below = np.flatnonzero(gain < -3.0)
    edge = (
        freqs[below[0] - 1]
        if len(below) and below[0] > 0
        else (freqs[-1] if not len(below) else 0.0)
    )
    rec.add("bandwidth_3db_pct", 100 * float(edge) / nyquist, "%", **dims)


def _aliasing(
    variant: Variant, settings: Settings, rec: Recorder, in_rate: int, out_rate: int, dims: dict
) -> None:
    src, dst = (in_rate, out_rate) if out_rate < in_rate else (out_rate, in_rate)
    if src == dst:
        return
    freq = min(1.1 * dst / 2, 0.95 * src / 2)
    x = signals.tone(freq, src, settings.quality_seconds * src, dbfs=-1.0)
    y = variant.create(in_rate=src, out_rate=dst, dtype="float64").process(x, last=True)
    alias = dst - freq
    level = analysis.tone_level_dbfs(analysis.steady(y, dst), alias, dst, start=int(0.1 * dst))
    adims = {**dims, "in_rate": src, "out_rate": dst}
    rec.add("aliasing_tone_hz", freq, "Hz", gate=False, **adims)
    rec.add("aliasing_rejection_db", -1.0 - level, "dB", **adims)


def _delay(variant: Variant, rec: Recorder, in_rate: int, out_rate: int, dims: dict) -> None:
    width = 32 * max(2, -(-in_rate // out_rate))
    n = 8 * width + 4096
    stream = variant.create(in_rate=in_rate, out_rate=out_rate, dtype="float64")
    y = stream.process(hann_pulse(n, n // 2, width), last=True)
    rec.add("delay_frames", centroid(y) - (n // 2) * out_rate / in_rate, "frames", **dims)
    rec.add("latency_frames", stream.latency, "frames", gate=False, **dims)


def run(variant: Variant, settings: Settings, rec: Recorder) -> None:
    for in_rate, out_rate in settings.rate_pairs:
        dims = dict(in_rate=in_rate, out_rate=out_rate, channels=1, dtype="float64")
        _tone_metrics(variant, settings, rec, in_rate, out_rate, dims)
        _response_metrics(variant, settings, rec, in_rate, out_rate, dims)
        _aliasing(variant, settings, rec, in_rate, out_rate, dims)
        _delay(variant, rec, in_rate, out_rate, dims)
