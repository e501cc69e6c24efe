"""numba-sinc: its filter designs against the preset specs, bounded tables,
equal-rate passthrough, float32 quality, and the contract at every common rate pair.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import backends
from backends import testing as cf
from backends.builtin import sinc_design
from backends.builtin.sinc_design import PRESETS
from backends.timeline import hold_back
from harness.measuring import analysis, signals

pytest.importorskip("numba", reason="numba-sinc needs numba")

QUALITIES = list(PRESETS)
#: The common rates; their 56 ordered pairs are the comparison matrix.
COMMON_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000)
MATRIX = list(itertools.permutations(COMMON_RATES, 2))
#: Rate pairs whose reduced ratio is too long for an exact table (large L),
#: up and down, near 1 and at the ratio limits.
LARGE_L = [(192001, 192000), (999983, 1000003), (1000003, 3907), (3907, 1000003)]
#: Ratios (L, M) for the design checks: whole and fractional, up and down.
RATIOS = [(2, 1), (1, 2), (1, 3), (6, 1), (1, 12), (160, 147), (147, 160), (441, 80), (80, 441)]


def make(quality: str, in_rate: int, out_rate: int, **kwargs):
    return backends.create(
        f"numba-sinc:quality={quality}", in_rate=in_rate, out_rate=out_rate, **kwargs
    )


def composite_response(L: int, M: int, quality: str) -> tuple[np.ndarray, np.ndarray]:
    """|H(f)| of the exact-phase table as one filter at L times the input rate.

    Row ``j`` holds the taps at distances ``frac_j - d`` from the position, on a
    grid of ``1/L`` input frames; ``f`` is in cycles per input frame.
    """
    table, half = sinc_design.exact_table(L, M, quality)
    frac = np.arange(L) * M % L
    d = np.arange(-(half - 1), half + 1)
    where = frac[:, np.newaxis] - d[np.newaxis, :] * L
    h = np.zeros(where.max() - where.min() + 1)
    h[(where - where.min()).ravel()] = table.ravel()
    n = 1 << 20
    return np.fft.rfftfreq(n) * L, np.abs(np.fft.rfft(h, n)) / L


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(("L", "M"), RATIOS, ids=str)
def test_designed_table_meets_its_preset(quality, L, M):
    spec = PRESETS[quality]
    f, gain = composite_response(L, M, quality)
    nyquist = 0.5 * min(1, L / M)
    stop = 20 * np.log10(gain[f >= nyquist].max())
    assert stop <= -spec.attenuation_db, (
        f"stopband {stop:.1f} dB above the {spec.attenuation_db} dB of {quality}"
    )
    band = gain[f <= spec.passband * nyquist]
    assert 20 * np.log10(band.max() / band.min()) < 0.01, "passband ripple"
    assert gain[0] == pytest.approx(1, abs=1e-12), "DC gain"


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(("in_rate", "out_rate"), LARGE_L, ids=str)
def test_phase_grid_interpolates_within_the_stopband_spec(quality, in_rate, out_rate):
    """Interpolated taps differ from the exact design by less than the stopband allows."""
    L, M = backends.timeline.reduced_ratio(in_rate, out_rate)
    assert sinc_design.uses_grid(L, M, quality)
    grid, _half, per_frame = sinc_design.grid_table(L, M, quality)
    size = sinc_design.filter_size(L, M, PRESETS[quality])
    worst = 0.0
    for frac in np.random.default_rng(0).random(12):
        u = frac * per_frame
        i, s = int(u), u - int(u)
        weights = [
            -s * (s - 1) * (s - 2) / 6,
            (s + 1) * (s - 1) * (s - 2) / 2,
            -(s + 1) * s * (s - 2) / 2,
            (s + 1) * s * (s - 1) / 6,
        ]
        taps = sum(w * grid[i + m] for m, w in enumerate(weights))
        exact = sinc_design._rows(np.array([frac]), size)[0]
        worst = max(worst, np.abs(np.fft.rfft(taps - exact, 1 << 16)).max())
    assert 20 * np.log10(worst) <= -PRESETS[quality].attenuation_db


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(("in_rate", "out_rate"), [*LARGE_L, (44100, 48000), (96000, 8000)])
def test_tables_are_bounded_and_counted(quality, in_rate, out_rate):
    """A stream's tables stay within 64 MB for any valid rates, and ``table_bytes`` is true."""
    stream = make(quality, in_rate, out_rate)
    table = stream._table if stream._table is not None else stream._grid
    held = table.nbytes + sum(odd.nbytes for odd, _ in stream._down + stream._up)
    assert held == sinc_design.table_bytes(stream.L, stream.M, quality)
    assert held + stream._hist.nbytes <= 64 * 2**20
    L2, M2 = sinc_design.main_ratio(stream.L, stream.M)
    assert sinc_design.uses_grid(L2, M2, quality) == (stream._grid is not None)


@pytest.mark.parametrize("quality", QUALITIES)
def test_no_exact_table_beyond_the_limit(quality):
    """Every reduced ratio whose exact table would pass the limit takes the grid."""
    for L, M in [(192000, 192001), (1000003, 999983), (2000, 1999), (44100, 1)]:
        taps = sinc_design.filter_size(L, M, PRESETS[quality]).taps
        assert sinc_design.uses_grid(L, M, quality) == (L * taps > sinc_design.EXACT_TABLE_MAX)
        assert sinc_design.table_bytes(L, M, quality) <= 64 * 2**20


def test_hold_back_closed_form_matches_a_scan_over_one_period():
    def scan(L, M, reach):
        n = np.arange(1, reach + M + 1, dtype=np.int64)
        expected = (2 * n * L + M) // (2 * M)
        m = n - reach
        final = np.where(m > 0, (m * L - 1) // M + 1, 0)
        return int(np.max(expected - np.minimum(final, expected)))

    rng = np.random.default_rng(0)
    for _ in range(3000):
        L, M = (int(v) for v in rng.integers(1, 500, size=2))
        g = math.gcd(L, M)
        reach = int(rng.integers(0, 400))
        assert hold_back(L // g, M // g, reach) == scan(L // g, M // g, reach)


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize("rate", [8000, 44100, 48000, 192000])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_equal_rates_pass_the_signal_through(quality, rate, dtype):
    x = signals.log_sweep(rate, 3000, dbfs=-1.0).astype(dtype)
    stream = make(quality, rate, rate, dtype=dtype)
    assert stream.latency == 0
    y = np.concatenate([stream.process(x[:1]), stream.process(x[1:700]), stream.process(x[700:])])
    np.testing.assert_array_equal(y, x)
    pcm = np.round(x * 32767).astype(np.int16)
    scaled = make(quality, rate, rate, dtype=dtype).process(pcm, last=True)
    np.testing.assert_array_equal(scaled, (pcm / 32768).astype(dtype))


@pytest.mark.parametrize("quality", ["hq", "vhq"])
@pytest.mark.parametrize(("in_rate", "out_rate"), [(22050, 48000), (44100, 48000), (48000, 16000)])
def test_float32_stream_keeps_the_float64_quality(quality, in_rate, out_rate):
    """A float32 stream's SNR is the float64 stream's or the float32 floor, within 1 dB.

    The floor: the ideal output tone rounded to float32, with the noise doubled
    because a float32 stream's input is rounded to float32 too (~150 dB, what
    soxr VHQ reaches in float32). Summing in float32 gives ~133 dB.
    """
    n = in_rate
    x = signals.tone(997.0, in_rate, n, dbfs=-1.0)
    skip = out_rate // 10

    def snr(y):
        return analysis.snr_db(y[skip:-skip].astype(np.float64), 997.0, out_rate, start=skip)

    y64 = make(quality, in_rate, out_rate, dtype="float64").process(x, last=True)
    y32 = make(quality, in_rate, out_rate, dtype="float32").process(x.astype(np.float32), last=True)
    ideal = signals.tone(997.0, out_rate, len(y64), dbfs=-1.0).astype(np.float32)
    floor = snr(ideal) - 10 * np.log10(2)
    assert snr(y32) >= min(snr(y64), floor) - 1.0


def test_option_help_comes_from_the_presets():
    doc = backends.backend_class("numba-sinc").OPTIONS["quality"].doc
    for name, spec in PRESETS.items():
        assert f"{name}: {spec.describe()}" in doc


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(
    ("in_rate", "out_rate"), [*MATRIX, (48000, 48000), (192001, 192000)], ids=str
)
def test_contract_at_every_common_rate_pair(quality, in_rate, out_rate):
    """Length, bit-exact chunk invariance and alignment for each preset over the matrix."""
    spec = f"numba-sinc:quality={quality}"

    def factory(**kwargs):
        return backends.create(spec, **kwargs)

    n = 1500
    schedules = {
        s: cf.schedule(s, n, in_rate=in_rate, out_rate=out_rate)
        for s in ("one-shot", "1-frame", "prime-17", "random-1-4096", "whole-output")
    }
    for channels in (1, 2):
        cf.check_length(factory, in_rate, out_rate, channels, n=n, schedules=schedules)
        cf.check_chunk_invariance(
            factory, in_rate, out_rate, channels, n=n, schedules=schedules, exact=True
        )
    cf.check_time_alignment(factory, in_rate, out_rate)


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(("L", "M"), [(1, 4), (1, 12), (80, 441), (147, 640), (1, 256)], ids=str)
def test_halfband_stages_meet_the_preset(quality, L, M):
    """Each stage: flat to the final band, the preset's attenuation where aliases would land."""
    spec = PRESETS[quality]
    stages = sinc_design.halfband_stages(L, M, quality)
    assert len(stages) == sinc_design.decimation_stages(L, M) >= 1
    for i, (odd, centre) in enumerate(stages, start=1):
        final_nyquist = 2.0 ** (i - 2) * L / M
        h = np.zeros(2 * len(odd) - 1)
        h[0::2] = odd
        h[len(h) // 2] = centre
        n = 1 << 16
        f, gain = np.fft.rfftfreq(n), np.abs(np.fft.rfft(h, n))
        assert gain[0] == pytest.approx(1, abs=1e-12)
        assert 20 * np.log10(gain[f >= 0.5 - final_nyquist].max()) <= -spec.attenuation_db
        band = gain[f <= final_nyquist]
        assert 20 * np.log10(band.max() / band.min()) < 1e-3
