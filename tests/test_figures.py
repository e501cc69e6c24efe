"""The figure builders and the spectra behind the quality pictures.

Figures are checked for what they draw (panels, lines, points, marked cells)
on a small synthetic run and on the committed reference run; the spectra
against answers known in closed form (a linear interpolator's kernel is a
triangle, whose response is sinc²).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib", reason="figures need matplotlib (the [notebooks] extra)")

from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb

import backends
from harness.measuring import signals, spectra
from harness.measuring.settings import select_variants
from harness.results import ranking
from harness.results.store import RunNotFoundError, load_run, to_frame
from harness.results.summary import summarize
from harness.views import figures, signal_figures

RESULTS = Path(__file__).resolve().parents[1] / "results"
REFERENCE = next(iter(sorted(RESULTS.glob("*-reference"))), None)
QUANTILES = np.linspace(0, 1, 11)
DTYPES = ("int16", "float32")
HAVE = {variant.spec for variant in select_variants()}


def _variant_rows(
    variant: str, *, baseline: bool, speed: float, snr: float, held: int, spread: float = 2.0
):
    """Every metric the figures read, for one variant at one rate pair.

    ``speed`` is relative to ``linear``; the CPU-clock throughput is 20 MS/s
    times that in every scenario, with ``spread`` per cent of noise recorded.
    """
    parsed = backends.Variant.parse(variant)
    name, options = parsed.name, parsed.options_dict
    base = {
        "backend": name,
        "options": ",".join(f"{k}={v}" for k, v in options.items()),
        "variant": variant,
        "baseline": baseline,
        "in_rate": 22050,
        "out_rate": 48000,
        "channels": 1,
    }

    def row(check, metric, value, **dims):
        return {**base, "check": check, "metric": metric, "value": float(value), **dims}

    rows = [
        row("throughput", "ratio_to_linear", speed, schedule="oneshot"),
        row("throughput", "ratio_to_linear", speed / 2, schedule="streaming"),
        *(
            row("throughput", metric, value, schedule=schedule, channels=channels)
            for schedule in ("oneshot", "streaming")
            for channels in (1, 2)
            for metric, value in (("cpu_msamples_per_s", 20 * speed), ("cpu_spread_pct", spread))
        ),
        row("quality", "snr_db", snr),
        row("quality", "aliasing_rejection_db", snr - 10),
        row("quality", "bandwidth_3db_pct", 50 + snr / 4),
        row("quality", "latency_frames", held),
        row("quality", "delay_frames", 0.01, threshold=0.6, limit_key="delay_frames_abs_max"),
    ]
    for blocksize, mode in [(64, "callback"), (64, "producer"), (256, "callback")]:
        dims = {"blocksize": blocksize, "mode": mode}
        rows += [row("timing", "budget_us", 1e6 * blocksize / 48000, **dims)]
        rows += [
            row("timing", "callback_p95_us", 50.0, threshold=5000.0, passed=True, **dims),
            *(
                row("timing", "callback_us_quantile", 10 + 100 * q**4, x=q, **dims)
                for q in QUANTILES
            ),
        ]
    for schedule in ("device-512", "prime-17"):
        drift = 40 * np.arange(1, 6) if baseline else np.zeros(5)
        rows += [
            row("drift", "error_frames", e - (0 if baseline else held), x=t, schedule=schedule)
            for t, e in enumerate(drift, start=1)
        ]
        rows += [
            row("drift", "max_held_frames", held * (50 if baseline else 1), schedule=schedule),
            row("drift", "latency_frames", 0 if baseline else held, schedule=schedule),
        ]
    for dtype in DTYPES:
        error = 1e-3 if (variant == "linear" and dtype == "int16") else 1e-8
        rows += [
            row(
                "dtype",
                "max_abs_error",
                error,
                dtype=dtype,
                threshold=1e-5,
                passed=error <= 1e-5,
                gated=not baseline,
            ),
            row("dtype", "output_dtype_ok", 1, dtype=dtype, threshold=1, passed=True),
        ]
    rows.append(row("dtype", "raises_type_error", 1, dtype="bool", threshold=1, passed=True))
    return rows


def synthetic_run(
    run_id: str = "20260101T000000Z-synthetic", *, scale: float = 1.0, spread: float = 2.0
):
    """Seed baseline, ``linear`` (no anti-alias filter: 40 dB) and soxr HQ.

    ``scale`` multiplies linear's speed; ``spread`` is the noise every
    throughput figure records.
    """
    rows = (
        _variant_rows("seed:rounding=round", baseline=True, speed=1.5, snr=-13, held=0)
        + _variant_rows("linear", baseline=False, speed=1.0 * scale, snr=50, held=2, spread=spread)
        + _variant_rows("soxr:quality=HQ", baseline=False, speed=4.0, snr=133, held=2000)
    )
    return to_frame(rows, run_id)


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return synthetic_run()


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    if REFERENCE is None:
        pytest.skip("no committed reference run under results/")
    df, _ = load_run(REFERENCE, RESULTS)
    return df


def _lines(ax) -> int:
    return len(ax.get_lines())


# ------------------------------------------------------------------ helpers


def test_select_run_picks_the_latest_or_the_named_run(synthetic):
    later = synthetic_run("20270101T000000Z-later")
    both = pd.concat([synthetic, later], ignore_index=True)
    assert set(figures.select_run(both)["run_id"]) == {"20270101T000000Z-later"}
    assert set(figures.select_run(both, "20260101")["run_id"]) == {"20260101T000000Z-synthetic"}
    with pytest.raises(RunNotFoundError, match="matches no run"):
        figures.select_run(both, "1999")


def test_short_label_keeps_name_and_option_values():
    assert figures.short_label("soxr:quality=HQ") == "soxr HQ"
    assert figures.short_label("linear") == "linear"


# ------------------------------------------------------------- from results


def _points(ax) -> int:
    return sum(isinstance(c, PathCollection) for c in ax.collections)


def _bold_ticks(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]


def test_speed_vs_quality_a_panel_per_axis_a_row_per_variant(synthetic):
    fig = figures.speed_vs_quality(synthetic)
    speed, snr, alias, band = fig.axes
    assert all(_points(ax) == 3 for ax in fig.axes)  # one marker per variant
    assert speed.get_xscale() == "log" and "CPU clock" in speed.get_title()
    assert "SNR" in snr.get_title() and "rejection" in alias.get_title()
    assert "bandwidth" in band.get_title()
    # soxr HQ is faster and cleaner than linear, which has no anti-alias filter;
    # the seed baseline is no candidate.
    assert figures.pareto_variants(synthetic) == ["soxr:quality=HQ"]
    assert _bold_ticks(speed) == ["soxr HQ"]
    assert "linear (no filter)" in [t.get_text() for t in speed.get_yticklabels()]


def test_speed_vs_quality_on_the_reference_run(reference):
    fig = figures.speed_vs_quality(reference)
    assert len(fig.axes) == 1 + len(ranking.QUALITY)
    assert all(_points(ax) == reference["variant"].nunique() for ax in fig.axes)
    front = figures.pareto_variants(reference)
    table = summarize(reference).set_index("variant")
    assert front and not table.loc[front, "baseline"].any()
    # Linear interpolation rejects 2 dB of aliasing: fast, but never a quality choice.
    assert not {"numba", "linear"} & set(front)
    assert table.loc[front, "reject dB"].min() > 90
    best = table[~table["baseline"]]["SNR dB"].idxmax()
    assert best in front
    assert sorted(_bold_ticks(fig.axes[0])) == sorted(figures.short_label(v) for v in front)


def test_speed_vs_quality_needs_throughput_and_quality(synthetic):
    for check in ("throughput", "quality"):
        with pytest.raises(figures.MissingDataError, match="throughput' and 'quality"):
            figures.speed_vs_quality(synthetic[synthetic["check"] != check])


def _legend_columns(fig) -> list[list[str]]:
    """The figure legend's entries, one list per backend header (bold), blanks dropped."""
    (legend,) = fig.legends
    texts = legend.get_texts()
    headers = [i for i, t in enumerate(texts) if t.get_fontweight() == "bold"]
    # Each backend's column is padded to the same depth, so that the legend's
    # columns (filled top to bottom) hold one backend each.
    depth = len(texts) // len(headers)
    assert headers == list(range(0, len(texts), depth))
    columns = [texts[i : i + depth] for i in headers]
    return [[t.get_text() for t in column if t.get_text()] for column in columns]


def _assert_grouped_by_backend(fig, df):
    """One legend column per backend: its name, then one entry per variant."""
    families = df.drop_duplicates("variant").groupby("backend", sort=False)["variant"].apply(list)
    columns = _legend_columns(fig)
    assert [column[0].split(" ")[0] for column in columns] == list(families.index)
    for column, members in zip(columns, families, strict=True):
        assert len(column) == 1 + len(members)


def test_callback_cdf_one_panel_per_blocksize(synthetic):
    fig = figures.callback_cdf(synthetic)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 2  # blocksizes 64 and 256 in callback mode
    # A curve per variant, the budget, the 5 ms gate and the p95 guide.
    assert all(_lines(ax) == 3 + 3 for ax in panels)
    budget = {round(line.get_xdata()[0]) for line in panels[0].get_lines()[3:5]}
    assert budget == {1333, 5000}
    _assert_grouped_by_backend(fig, synthetic)


def test_callback_cdf_on_the_reference_run(reference):
    fig = figures.callback_cdf(reference)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == reference["blocksize"].dropna().nunique()
    assert all(_lines(ax) == reference["variant"].nunique() + 3 for ax in panels)
    _assert_grouped_by_backend(fig, reference)


def test_drift_over_time_production_and_baseline_rows(synthetic):
    fig = figures.drift_over_time(synthetic)
    # One rate pair: a production row and a baseline row, × two schedules.
    assert len(fig.axes) == 2 * 2
    production, baseline = fig.axes[:2], fig.axes[2:]
    assert all(ax.get_yscale() == "linear" for ax in fig.axes)
    assert all(_lines(ax) == 2 + 1 for ax in production)  # linear, soxr HQ, the zero line
    assert all(_lines(ax) == 1 + 1 for ax in baseline)
    assert all(ax.get_title().startswith("seed baseline") for ax in baseline)
    # The final error of the baseline is written in: it has a scale of its own.
    assert [t.get_text() for t in baseline[0].texts] == ["round: +200"]
    _assert_grouped_by_backend(fig, synthetic)


def test_drift_over_time_on_the_reference_run(reference):
    fig = figures.drift_over_time(reference)
    drift = reference[reference["metric"] == "error_frames"]
    pairs = len(drift[["in_rate", "out_rate"]].drop_duplicates())
    schedules = drift["schedule"].nunique()
    assert len(fig.axes) == 2 * pairs * schedules
    assert all(ax.get_yscale() == "linear" for ax in fig.axes)
    production = [ax for ax in fig.axes if ax.get_title().startswith("production")]
    assert len(production) == pairs * schedules
    # Production panels share one scale, down to the largest hold-back (soxr: ~2000
    # frames) and not beyond the seed's drift, which is on rows of its own.
    limits = {ax.get_ylim() for ax in production}
    assert len(limits) == 1
    ((low, high),) = limits
    held = drift[~drift["baseline"].astype(bool)]["value"]
    assert low <= held.min() and high >= held.max()
    assert high - low < 1.2 * (held.max() - held.min()) + 100
    _assert_grouped_by_backend(fig, drift)
    assert max(len(column) for column in _legend_columns(fig)) <= 1 + 5


def test_dtype_heatmap_marks_failed_cells(synthetic):
    fig = figures.dtype_heatmap(synthetic)
    ax = fig.axes[0]
    (image,) = ax.get_images()
    assert image.get_array().shape == (3, len(DTYPES) + 1)  # + the must-raise column
    frames = [p for p in ax.patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert len(frames) == 1  # linear × int16 exceeds the limit
    assert [t.get_text() for t in ax.get_xticklabels()] == [*DTYPES, "bool"]


def test_dtype_heatmap_on_the_reference_run(reference):
    fig = figures.dtype_heatmap(reference)
    dtype = reference[reference["check"] == "dtype"]
    (image,) = fig.axes[0].get_images()
    assert image.get_array().shape == (dtype["variant"].nunique(), dtype["dtype"].nunique())


def test_latency_points_per_variant_and_rate_pair(synthetic):
    fig = figures.latency(synthetic)
    left, right = fig.axes
    assert len(left.collections) == 3 and len(right.collections) == 3
    assert [t.get_text() for t in right.get_yticklabels()][1] == "linear"


def test_latency_on_the_reference_run(reference):
    fig = figures.latency(reference)
    held = reference[reference["metric"] == "max_held_frames"]
    points = len(held[["variant", "in_rate", "out_rate"]].drop_duplicates())
    assert len(fig.axes[0].collections) == points


def _with_noise(df: pd.DataFrame, run_id: str, seed: int) -> pd.DataFrame:
    """``df`` as another run whose speeds differ by noise inside the recorded spread."""
    rng = np.random.default_rng(seed)
    out = df.assign(run_id=run_id)
    cpu = out["metric"] == "cpu_msamples_per_s"
    spread = out.loc[out["metric"] == "cpu_spread_pct", "value"].to_numpy() / 100
    out.loc[cpu, "value"] *= 1 + rng.uniform(-1, 1, cpu.sum()) * spread
    return out


@pytest.mark.parametrize("seed", range(5))
def test_speed_change_of_identical_runs_is_within_noise(synthetic, seed):
    again = _with_noise(synthetic, "20270101T000000Z-again", seed)
    change = ranking.speed_change(synthetic, again)
    assert change.attrs["metric"] == "cpu_msamples_per_s"
    assert (change["verdict"] == "within noise").all()


@pytest.mark.parametrize(("scale", "verdict"), [(2.0, "faster"), (0.5, "slower"), (1.5, "faster")])
def test_speed_change_calls_a_change_beyond_the_noise(synthetic, scale, verdict):
    changed = _with_noise(synthetic_run("20270101T000000Z-changed", scale=scale), "x", 1)
    change = ranking.speed_change(synthetic, changed)
    assert change.at["linear", "verdict"] == verdict
    assert change.at["linear", "ratio"] == pytest.approx(scale, rel=0.05)
    assert (change.drop(index="linear")["verdict"] == "within noise").all()


def test_speed_change_noise_is_the_spread_the_runs_recorded(synthetic):
    # Two noisy runs (50 % spread each): even a 1.5× change is not called.
    noisy = synthetic_run("20270101T000000Z-noisy", spread=50.0)
    faster = synthetic_run("20270101T000000Z-faster", scale=1.5, spread=50.0)
    change = ranking.speed_change(noisy, faster)
    assert change.at["linear", "noise"] == pytest.approx(1.0)
    assert change.at["linear", "verdict"] == "within noise"


def test_speed_change_falls_back_to_the_ratio_to_linear_for_old_runs(synthetic):
    old = synthetic[~synthetic["metric"].isin(["cpu_msamples_per_s", "cpu_spread_pct"])]
    faster = synthetic_run("20270101T000000Z-faster", scale=2.0)
    change = ranking.speed_change(old, faster)
    assert change.attrs["metric"] == "ratio_to_linear"
    assert change.at["linear", "ratio"] == pytest.approx(2.0)
    assert change.at["linear", "verdict"] == "faster"
    fig = figures.run_comparison(old, faster)
    assert "wall clock" in fig.axes[0].get_title()


def test_speed_change_without_throughput_rows_says_not_measured(synthetic):
    partial = synthetic[synthetic["check"] != "throughput"]
    change = ranking.speed_change(partial, synthetic)
    assert (change["verdict"] == "not measured").all()


def _bar_colours(ax) -> list[tuple[float, ...]]:
    (bars,) = ax.containers
    return [tuple(bar.get_facecolor()[:3]) for bar in bars]


def test_run_comparison_of_two_runs(synthetic):
    faster = synthetic_run("20270101T000000Z-faster", scale=2.0)
    fig = figures.run_comparison(synthetic, faster)
    assert len([ax for ax in fig.axes if ax.axison]) == len(figures.COMPARED_COLUMNS)
    (bars,) = fig.axes[0].containers
    assert len(bars) == 3  # a bar per variant
    assert "CPU clock" in fig.axes[0].get_title()
    # linear got twice as fast: its bar ends at 2, green; the others are grey.
    bar = bars[1]
    assert bar.get_x() + bar.get_width() == pytest.approx(2.0)
    grey, green = to_rgb("0.6"), to_rgb("tab:green")
    assert _bar_colours(fig.axes[0]) == [grey, pytest.approx(green), grey]
    # The same comparison from one frame holding both runs.
    both = figures.run_comparison(pd.concat([synthetic, faster], ignore_index=True))
    assert len(both.axes[0].containers[0]) == 3


def test_run_comparison_of_two_runs_of_the_same_code_is_grey(synthetic):
    fig = figures.run_comparison(synthetic, _with_noise(synthetic, "20270101T000000Z-same", 3))
    assert set(_bar_colours(fig.axes[0])) == {to_rgb("0.6")}


def test_run_comparison_needs_two_runs(synthetic):
    with pytest.raises(ValueError, match="two runs"):
        figures.run_comparison(synthetic)


def test_run_comparison_on_the_reference_run(reference):
    fig = figures.run_comparison(reference, reference.assign(run_id="20990101T000000Z-again"))
    assert len(fig.axes[0].containers[0]) == reference["variant"].nunique()
    # Made before throughput was timed on the CPU clock: the fallback, said so.
    assert "wall clock" in fig.axes[0].get_title()
    assert set(_bar_colours(fig.axes[0])) == {to_rgb("0.6")}


def test_missing_checks_raise_a_clear_error(synthetic):
    with pytest.raises(figures.MissingDataError, match="timing/callback_us_quantile"):
        figures.callback_cdf(synthetic[synthetic["check"] != "timing"])


@pytest.mark.parametrize(
    ("build", "check"),
    [
        (figures.speed_vs_quality, "quality"),
        (figures.callback_cdf, "timing"),
        (figures.drift_over_time, "drift"),
        (figures.dtype_heatmap, "dtype"),
        (figures.latency, "drift"),
        (figures.latency, "quality"),
    ],
)
def test_each_figure_names_the_check_its_data_needs(synthetic, build, check):
    # A run made with some checks only (compare --checks ...) lacks the others' rows.
    with pytest.raises(figures.MissingDataError, match=f"needs the .*'{check}'") as raised:
        build(synthetic[synthetic["check"] != check])
    assert check in raised.value.checks


# ------------------------------------------------------------------ spectra


def test_amplitude_spectrum_reads_a_sine_in_dbfs():
    rate, n = 8000, 8000
    freqs, dbfs = spectra.amplitude_spectrum(signals.tone(1000.0, rate, n, dbfs=-6.0), rate)
    assert freqs[np.argmax(dbfs)] == 1000.0
    assert dbfs.max() == pytest.approx(-6.0, abs=0.01)


def test_spectrogram_of_a_tone_peaks_at_its_frequency():
    rate = 22050
    times, freqs, dbfs = spectra.spectrogram(signals.tone(3000.0, rate, rate), rate, frame=1024)
    assert dbfs.shape == (len(freqs), len(times))
    peaks = freqs[np.argmax(dbfs, axis=0)]
    assert np.all(np.abs(peaks - 3000.0) <= rate / 1024)
    assert times[0] == pytest.approx(512 / rate)


def test_peak_decimate_keeps_the_peaks():
    freqs = np.arange(10_000.0)
    level = np.full(10_000, -150.0)
    level[1234] = -3.0
    f, db = spectra.peak_decimate(freqs, level, points=100)
    assert len(f) == 100 and db.max() == -3.0 and 1234.0 in f


@pytest.mark.parametrize(("in_rate", "out_rate"), [(48000, 22050), (22050, 48000), (44100, 48000)])
def test_impulse_train_visits_every_output_phase_once(in_rate, out_rate):
    train = spectra.impulse_train(in_rate, out_rate, half_width=40)
    g = math.gcd(in_rate, out_rate)
    phases = (train.positions * out_rate) % in_rate // g
    assert len(set(phases.tolist())) == len(phases) == in_rate // g
    assert np.all(np.diff(train.positions) > 2 * 40)
    assert train.x.sum() == len(train.positions)


@pytest.mark.parametrize(("in_rate", "out_rate"), [(48000, 22050), (22050, 48000)])
def test_kernel_of_the_linear_backend_is_a_triangle(in_rate, out_rate):
    train = spectra.impulse_train(in_rate, out_rate, half_width=8)
    y = backends.resample(train.x, in_rate, out_rate, backend="linear", dtype="float64")
    t, h = spectra.kernel_from_train(y, train, in_rate, out_rate)
    assert np.allclose(np.diff(t), math.gcd(in_rate, out_rate) / out_rate)
    np.testing.assert_allclose(h, np.clip(1 - np.abs(t), 0, None), atol=1e-12)
    assert spectra.kernel_centre(t, h) == pytest.approx(0.0, abs=1e-9)
    # Its transform is sinc², the droop of linear interpolation; to within the
    # grid's sampling of the kink (steps of 1/147 frame: ~1e-4 dB at 24 kHz).
    freqs, gain, phase = spectra.kernel_response(t, h, in_rate, max_freq=in_rate / 2)
    expected = 20 * np.log10(np.sinc(freqs / in_rate) ** 2)
    np.testing.assert_allclose(gain, expected, atol=1e-3)
    np.testing.assert_allclose(phase, 0.0, atol=1e-6)


def test_kernel_response_of_a_delayed_kernel_has_linear_phase():
    t = np.arange(-400, 401) / 100.0  # input frames, step 1/100
    h = np.clip(1 - np.abs(t - 0.5), 0, None)  # triangle delayed by half a frame
    freqs, _, phase = spectra.kernel_response(t, h, 48000, max_freq=10000)
    np.testing.assert_allclose(phase, -360 * freqs * 0.5 / 48000, atol=1e-6)
    assert spectra.kernel_centre(t, h) == pytest.approx(0.5)


def test_two_tone_products():
    assert spectra.two_tone_products(100.0, 1000.0, order=2).tolist() == [
        200.0,
        900.0,
        1100.0,
        2000.0,
    ]
    third = spectra.two_tone_products(100.0, 1000.0, order=3)
    assert {300.0, 800.0, 1200.0, 1900.0, 2100.0, 3000.0} <= set(third.tolist())


def _spur(y: np.ndarray, rate: int) -> float:
    freqs, dbfs = spectra.amplitude_spectrum(y, rate)
    return spectra.spur_level_db(
        freqs, dbfs, [64.59, 6998.0], guard_hz=12 * rate / len(y), band=(20.0, 10000.0)
    )


def test_imd_of_a_perfect_resampler_is_below_the_floor():
    # What a perfect converter would output: the pair generated at the output rate.
    assert _spur(signals.two_tone(22050, 4 * 22050), 22050) < -170


def test_imd_spectrum_shows_the_aliases_of_linear_interpolation():
    x = signals.two_tone(48000, 4 * 48000)
    y = backends.resample(x, 48000, 22050, backend="linear", dtype="float64")
    assert _spur(y[2205:-2205], 22050) > -80


@pytest.mark.skipif("soxr:quality=VHQ" not in HAVE, reason="soxr is not installed")
def test_imd_of_soxr_vhq_is_near_the_floor():
    x = signals.two_tone(48000, 4 * 48000)
    y = backends.resample(x, 48000, 22050, backend="soxr:quality=VHQ", dtype="float64")
    assert _spur(y[2205:-2205], 22050) < -150


# ------------------------------------------------------------ live figures


LIVE = ["linear"] + [s for s in ("soxr:quality=HQ",) if s in HAVE]


def test_sweep_spectrograms_one_panel_per_spec():
    fig = signal_figures.sweep_spectrograms(LIVE, seconds=1.0)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == [figures.short_label(s) for s in LIVE]
    assert all(len(ax.collections) == 1 for ax in panels)  # the spectrogram mesh


def test_frequency_response_one_curve_per_spec_in_both_panels():
    fig = signal_figures.frequency_response(LIVE)
    passband, full = fig.axes
    for ax in (passband, full):
        curves = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert len(curves) == len(LIVE)
    # The linear interpolator droops by sinc² at the passband edge (11025 of 48000 Hz).
    freqs, gain = passband.get_lines()[0].get_data()
    edge = 20 * np.log10(np.sinc(freqs[-1] * 1000 / 48000) ** 2)
    assert gain[-1] == pytest.approx(edge, abs=1e-3)


def test_impulse_response_rows_of_three():
    fig = signal_figures.impulse_response(LIVE)
    assert len(fig.axes) == 3 * len(LIVE)
    assert "centre +0.000" in fig.axes[0].get_title()


#: Kernels from one input frame long (linear) to thousands (soxr VHQ).
RINGING = ["linear"] + [
    s for s in ("numba-sinc:quality=fast", "soxr:quality=QQ", "soxr:quality=VHQ") if s in HAVE
]


def test_impulse_response_columns_share_one_axis():
    fig = signal_figures.impulse_response(RINGING)
    rows = np.array(fig.axes).reshape(len(RINGING), 3)
    for column in rows.T:
        assert len({ax.get_xlim() for ax in column}) == 1
    # The ringing column spans the longest ringing above the floor, every
    # row's included (each row's title gives its own span).
    low, high = rows[0, 1].get_xlim()
    spans = []
    for ax in rows[:, 1]:
        start, end = (float(v) for v in re.findall(r"[-+]\d+\.\d+", ax.get_title()))
        spans.append(end - start)
        assert low < start < end < high
    assert high - low == pytest.approx(1.1 * max(spans), rel=0.02)


def test_imd_spectrum_panel_per_spec():
    fig = signal_figures.imd_spectrum(LIVE, seconds=2.0)
    titles = [ax.get_title() for ax in fig.axes if ax.axison]
    assert len(titles) == len(LIVE) and all("loudest spur" in t for t in titles)


def test_speed_change_without_recorded_spread_uses_the_floor(synthetic):
    # Runs of one pass per scenario record no spread.
    single = synthetic[synthetic["metric"] != "cpu_spread_pct"]
    change = ranking.speed_change(single, _with_noise(synthetic, "20270101T000000Z-again", 0))
    assert (change["noise"] == 0.25).all()
    assert (change["verdict"] == "within noise").all()
    faster = synthetic_run("20270101T000000Z-faster", scale=2.0)
    assert ranking.speed_change(single, faster).at["linear", "verdict"] == "faster"
