"""Quality: the measurements of the SRC comparisons, per rate pair.

* ``snr_db`` — 997 Hz at -1 dBFS, streamed in 512-frame device pulls (one
  call for a one-shot backend), against a least-squares fit of the analytic
  sine over the whole steady part; also one-shot (``snr_oneshot_db``) and with
  the fit redone every 50 ms (``snr_local_db``), which forgives drift and
  shows block-boundary jitter.
* ``thd_n_db`` — 1 kHz at -1 dBFS, residual within 20 Hz-20 kHz.
* ``response_db`` (curve), ``passband_ripple_db`` up to 80 % of the lower
  Nyquist frequency, and ``bandwidth_3db_pct`` of the lower Nyquist frequency,
  from a multitone on exact 1 Hz bins.
* ``aliasing_rejection_db`` (downsampling) — a -1 dBFS tone 10 % above the
  new Nyquist frequency: minus its alias's level; ``image_rejection_db``
  (upsampling) — a -1 dBFS tone at 90 % of the input Nyquist frequency: minus
  the level of its image 10 % above it (folded into the output band when the
  output Nyquist frequency is lower still, as at 44.1 -> 48 kHz).
* ``edge_rejection_db`` — the same 2 % from the Nyquist frequency, not gated:
  a filter whose stopband starts above the Nyquist frequency (soxr's
  "aliasing allowed", numba-sinc ``hq``/``vhq``) shows its transition band here.
* ``delay_frames`` — centre of a band-limited pulse vs where it belongs.
* ``continuity_snr_db`` — random 1…4096-frame chunking vs one-shot output
  (streaming backends only).
"""

from __future__ import annotations

import numpy as np

from backends import Variant
from backends.testing import block_sizes, centroid, hann_pulse
from harness.measuring import analysis, signals
from harness.measuring.settings import Settings, capabilities_of
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


def _continuity(
    stream, x: np.ndarray, oneshot: np.ndarray, in_rate: int, out_rate: int, seed: int
) -> float:
    """Random 1…4096-frame chunking against the one-shot output, in dB (EXACT_DB: bit-exact)."""
    chunks = list(
        block_sizes("random-1-4096", len(x), in_rate=in_rate, out_rate=out_rate, seed=seed)
    )
    chunked = stream_blocks(stream, x, chunks[:-1])
    if chunked.shape != oneshot.shape:
        return -analysis.EXACT_DB  # lengths differ: nothing lines up
    diff = float(np.sum((chunked - oneshot) ** 2))
    return analysis.EXACT_DB if diff == 0 else 10 * np.log10(float(np.sum(oneshot**2)) / diff)


def _tone_metrics(
    variant: Variant, settings: Settings, rec: Recorder, in_rate: int, out_rate: int, dims: dict
) -> None:
    n = settings.quality_seconds * in_rate
    skip = int(0.1 * out_rate)
    make = lambda: variant.create(in_rate=in_rate, out_rate=out_rate, dtype="float64")  # noqa: E731

    x = signals.tone(997.0, in_rate, n, dbfs=-1.0)
    oneshot = make().process(x, last=True)
    streaming = capabilities_of(variant).streaming
    device = list(block_sizes("device-512", n, in_rate=in_rate, out_rate=out_rate, seed=0))
    streamed = stream_blocks(make(), x, device[:-1]) if streaming else oneshot
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

    if streaming:
        continuity = _continuity(make(), x, oneshot, in_rate, out_rate, settings.seed)
        rec.add("continuity_snr_db", continuity, "dB", **dims)
    else:
        rec.not_applicable("one-shot only: no chunking to compare", **dims)

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
    # 2 s of a signal that repeats every second; the middle second is read, far
    # from where the filters ramp in and out.
    x, in_amp = signals.multitone(freqs, in_rate, 2 * in_rate, seed=settings.seed)
    y = variant.create(in_rate=in_rate, out_rate=out_rate, dtype="float64").process(x, last=True)
    middle = y[out_rate // 2 : out_rate // 2 + out_rate]
    gain = analysis.response_db(middle, freqs, out_rate, in_amp)
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


def _rejection(
    variant: Variant,
    settings: Settings,
    rec: Recorder,
    in_rate: int,
    out_rate: int,
    dims: dict,
    *,
    margin: float = 0.1,
    metric: str | None = None,
) -> None:
    """What must not appear: the alias of a tone ``margin`` above the new Nyquist
    frequency (down), or the image of a tone ``margin`` below the old one (up),
    each as dB under the tone. ``metric`` defaults to ``aliasing_rejection_db`` /
    ``image_rejection_db``."""
    if in_rate == out_rate:
        return
    if out_rate < in_rate:
        default = "aliasing_rejection_db"
        freq = min((1 + margin) * out_rate / 2, 0.95 * in_rate / 2)
        unwanted, beside = out_rate - freq, ()  # the tone itself is beyond the output band
    else:
        default, freq = "image_rejection_db", (1 - margin) * in_rate / 2
        unwanted, beside = in_rate - freq, (freq,)
        if unwanted > out_rate / 2:  # above the output Nyquist: it folds back down
            unwanted = out_rate - unwanted
    x = signals.tone(freq, in_rate, settings.quality_seconds * in_rate, dbfs=-1.0)
    y = variant.create(in_rate=in_rate, out_rate=out_rate, dtype="float64").process(x, last=True)
    steady = analysis.steady(y, out_rate)
    # The tone itself, close by when upsampling, is fitted too so that it cannot leak in.
    level = analysis.tone_level_dbfs(
        steady, unwanted, out_rate, start=int(0.1 * out_rate), beside=beside
    )
    if metric is None:
        rec.add("rejection_tone_hz", freq, "Hz", gate=False, **dims)
        rec.add(default, -1.0 - level, "dB", **dims)
    else:
        rec.add(metric, -1.0 - level, "dB", gate=False, **dims)


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
        _rejection(variant, settings, rec, in_rate, out_rate, dims)
        # 2 % from the Nyquist frequency: shows a filter that lets the band just
        # beyond it alias or image into its transition band (not gated).
        _rejection(
            variant, settings, rec, in_rate, out_rate, dims, margin=0.02, metric="edge_rejection_db"
        )
        _delay(variant, rec, in_rate, out_rate, dims)
