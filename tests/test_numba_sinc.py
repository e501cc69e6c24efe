"""numba-sinc: its stage designs against the preset specs, the chain end to end,
bounded tables, equal-rate passthrough, float32 quality, and the contract at every
common rate pair.
"""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

import backends
from backends import testing as cf
from backends.builtin import sinc_design
from backends.builtin.sinc_design import PRESETS, HalfBand, Poly
from backends.timeline import hold_back, reduced_ratio
from harness.measuring import analysis, signals

pytest.importorskip("numba", reason="numba-sinc needs numba")

QUALITIES = list(PRESETS)
#: The common rates; their 56 ordered pairs are the comparison matrix.
COMMON_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000)
MATRIX = list(itertools.permutations(COMMON_RATES, 2))
#: Rate pairs whose reduced ratio is too long for an exact table (large L),
#: up and down, near 1 and at the ratio limits.
LARGE_L = [(192001, 192000), (999983, 1000003), (1000003, 3907), (3907, 1000003)]
#: One pair per kind of chain: direct polyphase near 1 (both ways), half-band
#: only (down, up), wide polyphase then half-bands (down), half-band then wide
#: polyphase (up), several half-band stages, fractional with a factor of 2.
CHAINS = [
    (48000, 44100),
    (44100, 48000),
    (48000, 24000),
    (24000, 48000),
    (48000, 8000),
    (8000, 48000),
    (96000, 24000),
    (8000, 96000),
    (44100, 16000),
    (22050, 96000),
    (32000, 24000),
]


def make(quality: str, in_rate: int, out_rate: int, **kwargs):
    return backends.create(
        f"numba-sinc:quality={quality}", in_rate=in_rate, out_rate=out_rate, **kwargs
    )


def _stages(pairs, kind):
    """Every distinct stage of ``kind`` the plans of ``pairs`` use, per preset."""
    found = set()
    for quality, (in_rate, out_rate) in itertools.product(QUALITIES, pairs):
        L, M = reduced_ratio(in_rate, out_rate)
        found.update(s for s in sinc_design.plan(L, M, quality) if isinstance(s, kind))
    return sorted(found, key=repr)


@functools.cache
def _polyphase_response(stage: Poly) -> tuple[np.ndarray, np.ndarray]:
    """|H(f)| of an exact table as one filter at L times the input rate.

    Row ``j`` holds the taps at distances ``frac_j - d`` from the position, on a
    grid of ``1/L`` input frames; ``f`` is in cycles per input frame.
    """
    table, L = sinc_design.exact_table(stage), stage.L
    frac = np.arange(L) * stage.M % L
    d = np.arange(-(stage.half - 1), stage.half + 1)
    where = frac[:, np.newaxis] - d[np.newaxis, :] * L
    h = np.zeros(where.max() - where.min() + 1)
    h[(where - where.min()).ravel()] = table.ravel()
    n = 1 << max(20, int(h.size * 4).bit_length())
    return np.fft.rfftfreq(n) * L, np.abs(np.fft.rfft(h, n)) / L


EXACT_POLY = [s for s in _stages(MATRIX, Poly) if not sinc_design.uses_grid(s)]


@pytest.mark.parametrize("stage", EXACT_POLY, ids=repr)
def test_polyphase_stage_meets_its_design(stage):
    f, gain = _polyphase_response(stage)
    stop = 20 * np.log10(gain[f >= stage.stopband].max())
    assert stop <= -stage.attenuation_db, f"stopband {stop:.1f} dB"
    band = gain[f <= stage.passband]
    assert 20 * np.log10(band.max() / band.min()) < 1e-3, "passband ripple"
    assert gain[0] == pytest.approx(1, abs=1e-12), "DC gain"


@pytest.mark.parametrize("stage", _stages(MATRIX + LARGE_L, HalfBand), ids=repr)
def test_halfband_stage_meets_its_design(stage):
    """Flat to ``edge``, the stage's attenuation from ``0.5 - edge``, zero at 0.5."""
    odd = sinc_design.halfband_taps(stage)
    h = np.zeros(2 * len(odd) - 1)
    h[0::2] = odd
    h[len(h) // 2] = 0.5
    n = 1 << 18
    f, gain = np.fft.rfftfreq(n), np.abs(np.fft.rfft(h, n))
    assert gain[0] == pytest.approx(1, abs=1e-12)
    assert gain[-1] == pytest.approx(0, abs=1e-12)
    assert 20 * np.log10(gain[f >= 0.5 - stage.edge].max()) <= -stage.attenuation_db
    band = gain[f <= stage.edge]
    assert 20 * np.log10(band.max() / band.min()) < 1e-3


def _step(stage) -> Fraction:
    if isinstance(stage, Poly):
        return Fraction(stage.L, stage.M)
    return Fraction(2) if stage.up else Fraction(1, 2)


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(("in_rate", "out_rate"), MATRIX + LARGE_L, ids=str)
def test_plan_converts_the_ratio(quality, in_rate, out_rate):
    """The stages multiply to ``L / M`` and never run above twice the higher rate."""
    L, M = reduced_ratio(in_rate, out_rate)
    rate, highest = Fraction(1), Fraction(1)
    for stage in sinc_design.plan(L, M, quality):
        rate *= _step(stage)
        highest = max(highest, rate)
    assert rate == Fraction(L, M)
    assert highest <= 2 * max(1, Fraction(L, M))


def _leak_db(quality, in_rate, out_rate, tone, at):
    """Level (dB re the -1 dBFS tone at ``tone`` Hz) of the output component at ``at`` Hz.

    The tone, if it lies in the output's band, is fitted too: at -75 dB a
    single-frequency fit would still see its leakage.
    """
    y = make(quality, in_rate, out_rate, dtype="float64").process(
        signals.tone(tone, in_rate, in_rate // 2, dbfs=-1.0), last=True
    )
    skip = out_rate // 20
    freqs = [at, tone] if tone < out_rate / 2 and tone != at else [at]
    _, amplitudes = analysis.fit_tones(y[skip:-skip], freqs, out_rate, start=skip)
    return analysis.amplitude_db(float(amplitudes[0])) + 1.0


@pytest.mark.parametrize("quality", ["hq", "vhq"])
@pytest.mark.parametrize(("in_rate", "out_rate"), CHAINS, ids=str)
def test_chain_keeps_the_preset_end_to_end(quality, in_rate, out_rate):
    """Downsampling: tones from the stopband edge up to the input's Nyquist frequency
    alias below -A; upsampling: passband tones image below -A; the passband passes.
    """
    spec = PRESETS[quality]
    L, M = reduced_ratio(in_rate, out_rate)
    band = min(in_rate, out_rate) / 2
    if out_rate < in_rate:
        edge = sinc_design.stopband_edge(L, M, quality) * band
        leaks = [
            _leak_db(quality, in_rate, out_rate, f, out_rate - f)
            for f in (edge * 1.001, (edge + in_rate / 2) / 2, in_rate / 2 * 0.999)
        ]
    else:
        leaks = [
            _leak_db(quality, in_rate, out_rate, f, in_rate - f)
            for f in (band * spec.passband * 0.999, band / 3)
        ]
    assert max(leaks) <= -spec.attenuation_db, f"leaks {leaks} dB"
    f = band * spec.passband * 0.5
    assert _leak_db(quality, in_rate, out_rate, f, f) == pytest.approx(0.0, abs=1e-4)


@pytest.mark.parametrize("quality", ["hq", "vhq"])
@pytest.mark.parametrize(
    ("in_rate", "out_rate"), [(48000, 44100), (24000, 22050), (96000, 88200), (50000, 44100)]
)
def test_downsampling_close_to_one_rejects_the_top_of_the_input_band(quality, in_rate, out_rate):
    """Above the new Nyquist frequency the input band is narrow: a tone at 95 % of the
    input's Nyquist frequency (the suite's rejection tone there) aliases below -A.
    """
    freq = 0.95 * in_rate / 2
    leak = _leak_db(quality, in_rate, out_rate, freq, out_rate - freq)
    assert leak <= -PRESETS[quality].attenuation_db


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(("in_rate", "out_rate"), LARGE_L, ids=str)
def test_phase_grid_interpolates_within_the_stopband_spec(quality, in_rate, out_rate):
    """Interpolated taps differ from the exact design by less than the stopband allows."""
    L, M = reduced_ratio(in_rate, out_rate)
    grids = [
        s
        for s in sinc_design.plan(L, M, quality)
        if isinstance(s, Poly) and sinc_design.uses_grid(s)
    ]
    assert grids, "large L takes the phase grid"
    for stage in grids:
        grid, per_frame = sinc_design.grid_table(stage)
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
            exact = sinc_design._rows(np.array([frac]), stage)[0]
            worst = max(worst, np.abs(np.fft.rfft(taps - exact, 1 << 16)).max())
        assert 20 * np.log10(worst) <= -stage.attenuation_db


@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(("in_rate", "out_rate"), [*LARGE_L, (44100, 48000), (96000, 8000)])
def test_tables_and_buffers_are_bounded_and_counted(quality, in_rate, out_rate):
    """A stream holds under 64 MB for any valid rates, and ``table_bytes`` is true."""
    stream = make(quality, in_rate, out_rate, channels=2)
    assert stream._coefs.nbytes == sinc_design.table_bytes(stream.L, stream.M, quality)
    held = stream._coefs.nbytes + stream._bufs.nbytes + stream._staging.nbytes
    assert held <= 64 * 2**20


@pytest.mark.parametrize("quality", QUALITIES)
def test_no_exact_table_beyond_the_limit(quality):
    """Every polyphase stage whose exact table would pass the limit takes the grid."""
    for L, M in [(192000, 192001), (1000003, 999983), (2000, 1999), (44100, 1)]:
        for stage in sinc_design.plan(L, M, quality):
            if isinstance(stage, Poly):
                too_big = stage.L * stage.taps > sinc_design.EXACT_TABLE_MAX
                assert sinc_design.uses_grid(stage) == too_big
        assert sinc_design.table_bytes(L, M, quality) <= 64 * 2**20


def test_kaiser_design_reaches_its_attenuation_across_the_range():
    """``kaiser_beta`` and ``kaiser_span`` give the attenuation at the stopband edge."""
    for attenuation in (100.0, 140.0, 174.0, 210.0, 251.0):
        stage = sinc_design.poly_size(1, 1, 0.2, 0.25, attenuation, 64)
        f, gain = _polyphase_response(stage)
        assert 20 * np.log10(gain[f >= stage.stopband].max()) <= -attenuation


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
@pytest.mark.parametrize(
    ("in_rate", "out_rate"), [(22050, 48000), (44100, 48000), (48000, 16000), (8000, 96000)]
)
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


# -- kernels: the same bits whatever the grouping -------------------------------------


def _simd_probe():
    numba = pytest.importorskip("numba")
    from backends.builtin.simd import vfma, vget, vload, vsplat, vsum, vsum8

    @numba.njit
    def probe(a, b, c, vectors, fused, sums, each):
        v = vfma(vsplat(a), vsplat(b), vsplat(c))
        for lane in range(8):
            fused[lane] = vget(v, lane)
        v0, v1, v2, v3 = (
            vload(vectors, 0),
            vload(vectors, 8),
            vload(vectors, 16),
            vload(vectors, 24),
        )
        v4, v5, v6, v7 = (
            vload(vectors, 32),
            vload(vectors, 40),
            vload(vectors, 48),
            vload(vectors, 56),
        )
        s8 = vsum8(v0, v1, v2, v3, v4, v5, v6, v7)
        for i in range(8):
            sums[i] = vget(s8, i)
        each[0], each[1], each[2], each[3] = vsum(v0), vsum(v1), vsum(v2), vsum(v3)
        each[4], each[5], each[6], each[7] = vsum(v4), vsum(v5), vsum(v6), vsum(v7)

    return probe


def test_vector_multiply_adds_are_fused_and_sums_have_one_order():
    """``vfma`` rounds once; ``vsum8`` adds each vector exactly as ``vsum`` does."""
    probe = _simd_probe()
    vectors = np.random.default_rng(0).standard_normal(64) * 10.0 ** np.arange(-8, 8, 0.25)
    fused, sums, each = np.empty(8), np.empty(8), np.empty(8)
    a, b = 1 + 2.0**-30, 1 - 2.0**-30
    probe(a, b, -1.0, vectors, fused, sums, each)
    np.testing.assert_array_equal(fused, -(2.0**-60))  # unfused: a*b rounds to 1, gives 0
    v = vectors.reshape(8, 8)
    tree = ((v[:, 0] + v[:, 4]) + (v[:, 2] + v[:, 6])) + ((v[:, 1] + v[:, 5]) + (v[:, 3] + v[:, 7]))
    np.testing.assert_array_equal(each, tree)
    np.testing.assert_array_equal(sums, tree)


@pytest.mark.parametrize(("L", "M"), [(147, 160), (2, 3), (160, 441)], ids=str)
@pytest.mark.parametrize("copies", [False, True])
def test_polyphase_kernel_gives_the_same_bits_in_any_grouping(L, M, copies):
    """Groups of 8 periods, pairs, single outputs and output order agree bit for bit."""
    from backends.builtin import sinc_kernels as k

    rng = np.random.default_rng(1)
    taps = 48
    table = rng.standard_normal((L, taps))
    step = backends.timeline.phase_table(L, M, np.float64).step
    steps = np.concatenate([step, np.argsort(step % 8, kind="stable")])
    n = 40 * L
    frames = rng.standard_normal(n * M // L + taps + 64)
    cap = len(frames) + 8
    src = np.zeros(8 * cap) if copies else frames
    if copies:
        for r in range(8):
            src[r * cap : r * cap + len(frames) - r] = frames[r:]
    mask = 7 if copies else 0

    def outputs(k0, count):
        y = np.empty(count)
        k.poly_exact(src, cap, mask, 0, k0, count, L, M, taps, steps, table, 16, y, 0)
        return y

    whole = outputs(3, n - 6)  # groups of 8 periods
    ones = np.concatenate([outputs(k0, 1) for k0 in range(3, n - 3)])
    pieces = np.concatenate([outputs(k0, min(L + 1, n - 3 - k0)) for k0 in range(3, n - 3, L + 1)])
    np.testing.assert_array_equal(ones, whole)
    np.testing.assert_array_equal(pieces, whole)


@pytest.mark.parametrize("up", [False, True])
def test_halfband_kernels_give_the_same_bits_in_any_grouping(up):
    """An output computed in a group of 64 or alone comes out bit for bit the same."""
    from backends.builtin import sinc_kernels as k

    # 48 -> 12 kHz starts with a half-band decimator; 12 -> 48 ends with the interpolator.
    stage = sinc_design.plan(4, 1, "hq")[-1] if up else sinc_design.plan(1, 4, "hq")[0]
    assert isinstance(stage, sinc_design.HalfBand)
    taps8 = np.repeat(sinc_design.halfband_taps(stage) * (2.0 if up else 1.0), 8)
    rng = np.random.default_rng(2)
    frames = rng.standard_normal(4096)
    cap = 4096 + 8
    stream = np.zeros((1, 9 * cap))
    layout = k.COPIES if up else k.ODD_EVEN
    k.spread(frames, len(frames), len(frames), stream[0], layout, cap, 0)
    kernel = k.halfband_up if up else k.halfband_down
    first, count = 2 * stage.K + 3, 1000

    def outputs(k0, n):
        y = np.empty((1, n))
        kernel(stream[0], cap, 0, k0, n, taps8, y[0], 0)
        return y[0]

    whole = outputs(first, count)
    ones = np.concatenate([outputs(k0, 1) for k0 in range(first, first + count)])
    np.testing.assert_array_equal(ones, whole)
