"""The figure builders and the spectra behind the quality pictures.

Figures are checked for what they draw (panels, lines, points, marked cells)
on a small synthetic run and on the committed reference run; the spectra
against answers known in closed form (a linear interpolator's kernel is a
triangle, whose response is sinc²).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib", reason="figures need matplotlib (the [notebooks] extra)")

from matplotlib.colors import to_rgb

import backends
from harness import figures, signals, spectra
from harness.results import load_run, to_frame
from harness.summary import summarize
from harness.targets import select_targets

RESULTS = Path(__file__).resolve().parents[1] / "results"
REFERENCE = next(iter(sorted(RESULTS.glob("*-reference"))), None)
QUANTILES = np.linspace(0, 1, 11)
DTYPES = ("int16", "float32")
HAVE = {target.spec for target in select_targets()}


def _variant_rows(variant: str, *, baseline: bool, speed: float, snr: float, held: int):
    """Every metric the figures read, for one variant at one rate pair."""
    name, options = backends.parse_backend_spec(variant)
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
        row("quality", "snr_db", snr),
        row("quality", "aliasing_rejection_db", snr - 10),
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


def synthetic_run(run_id: str = "20260101T000000Z-synthetic", *, scale: float = 1.0):
    rows = (
        _variant_rows("seed:rounding=round", baseline=True, speed=1.5, snr=-13, held=0)
        + _variant_rows("linear", baseline=False, speed=1.0 * scale, snr=50, held=2)
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


def test_pareto_front_keeps_only_undominated_points():
    speed = [1.0, 2.0, 3.0, 2.0, math.nan]
    snr = [100.0, 90.0, 50.0, 80.0, 200.0]
    assert figures.pareto_front(speed, snr).tolist() == [True, True, True, False, False]


def test_select_run_picks_the_latest_or_the_named_run(synthetic):
    later = synthetic_run("20270101T000000Z-later")
    both = pd.concat([synthetic, later], ignore_index=True)
    assert set(figures.select_run(both)["run_id"]) == {"20270101T000000Z-later"}
    assert set(figures.select_run(both, "20260101")["run_id"]) == {"20260101T000000Z-synthetic"}
    with pytest.raises(ValueError, match="matches 0"):
        figures.select_run(both, "1999")


def test_short_label_keeps_name_and_option_values():
    assert figures.short_label("soxr:quality=HQ") == "soxr HQ"
    assert figures.short_label("linear") == "linear"


# ------------------------------------------------------------- from results


def test_speed_vs_quality_one_point_per_variant(synthetic):
    fig = figures.speed_vs_quality(synthetic)
    (ax,) = fig.axes
    assert len(ax.collections) == 3  # one scatter per variant
    assert ax.get_xscale() == "log"
    assert "SNR" in ax.get_ylabel() and ax.get_title()
    # soxr HQ is faster and cleaner than linear; the seed baseline is no candidate.
    assert figures.pareto_variants(synthetic) == ["soxr:quality=HQ"]


def test_speed_vs_quality_on_the_reference_run(reference):
    fig = figures.speed_vs_quality(reference)
    assert len(fig.axes[0].collections) == reference["variant"].nunique()
    front = figures.pareto_variants(reference)
    table = summarize(reference).set_index("variant")
    assert front and not table.loc[front, "baseline"].any()
    best = table[~table["baseline"]]["SNR dB"].idxmax()
    fastest = table[~table["baseline"]]["speed ×linear"].idxmax()
    assert {best, fastest} <= set(front)


def test_callback_cdf_one_panel_per_blocksize_plus_legend(synthetic):
    fig = figures.callback_cdf(synthetic)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 2  # blocksizes 64 and 256 in callback mode
    # A curve per variant, the budget, the 5 ms gate and the p95 guide.
    assert all(_lines(ax) == 3 + 3 for ax in panels)
    budget = {round(line.get_xdata()[0]) for line in panels[0].get_lines()[3:5]}
    assert budget == {1333, 5000}
    assert len(fig.axes) == 3 and not fig.axes[2].axison  # the legend's place


def test_callback_cdf_on_the_reference_run(reference):
    fig = figures.callback_cdf(reference)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == reference["blocksize"].dropna().nunique()
    assert all(_lines(ax) == reference["variant"].nunique() + 3 for ax in panels)


def test_drift_over_time_panels_per_pair_and_schedule(synthetic):
    fig = figures.drift_over_time(synthetic)
    assert len(fig.axes) == 2  # one rate pair × two schedules
    for ax in fig.axes:
        assert ax.get_yscale() == "symlog"
        # Seed and both production variants: none is exactly on the rule all along.
        assert _lines(ax) == 3 + 1  # + the zero line


def test_drift_over_time_on_the_reference_run(reference):
    fig = figures.drift_over_time(reference)
    drift = reference[reference["metric"] == "error_frames"]
    pairs = len(drift[["in_rate", "out_rate"]].drop_duplicates())
    assert len(fig.axes) == pairs * drift["schedule"].nunique()


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


def test_run_comparison_of_two_runs(synthetic):
    faster = synthetic_run("20270101T000000Z-faster", scale=2.0)
    fig = figures.run_comparison(synthetic, faster)
    assert len([ax for ax in fig.axes if ax.axison]) == len(figures.COMPARED_COLUMNS)
    (bars,) = fig.axes[0].containers
    assert len(bars) == 3  # a bar per variant
    # linear got twice as fast: its bar ends at 2, green.
    bar = bars[1]
    assert bar.get_x() + bar.get_width() == pytest.approx(2.0)
    assert bar.get_facecolor()[:3] == pytest.approx(to_rgb("tab:green"))
    # The same comparison from one frame holding both runs.
    both = figures.run_comparison(pd.concat([synthetic, faster], ignore_index=True))
    assert len(both.axes[0].containers[0]) == 3


def test_run_comparison_needs_two_runs(synthetic):
    with pytest.raises(ValueError, match="two runs"):
        figures.run_comparison(synthetic)


def test_run_comparison_on_the_reference_run(reference):
    fig = figures.run_comparison(reference, reference.assign(run_id="20990101T000000Z-again"))
    assert len(fig.axes[0].containers[0]) == reference["variant"].nunique()


def test_missing_checks_raise_a_clear_error(synthetic):
    with pytest.raises(ValueError, match="timing/callback_us_quantile"):
        figures.callback_cdf(synthetic[synthetic["check"] != "timing"])


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
    fig = figures.sweep_spectrograms(LIVE, seconds=1.0)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == [figures.short_label(s) for s in LIVE]
    assert all(len(ax.collections) == 1 for ax in panels)  # the spectrogram mesh


def test_frequency_response_one_curve_per_spec_in_both_panels():
    fig = figures.frequency_response(LIVE)
    passband, full = fig.axes
    for ax in (passband, full):
        curves = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert len(curves) == len(LIVE)
    # The linear interpolator droops by sinc² at the passband edge (11025 of 48000 Hz).
    freqs, gain = passband.get_lines()[0].get_data()
    edge = 20 * np.log10(np.sinc(freqs[-1] * 1000 / 48000) ** 2)
    assert gain[-1] == pytest.approx(edge, abs=1e-3)


def test_impulse_response_rows_of_three():
    fig = figures.impulse_response(LIVE)
    assert len(fig.axes) == 3 * len(LIVE)
    assert "centre +0.000" in fig.axes[0].get_title()


def test_imd_spectrum_panel_per_spec():
    fig = figures.imd_spectrum(LIVE, seconds=2.0)
    titles = [ax.get_title() for ax in fig.axes if ax.axison]
    assert len(titles) == len(LIVE) and all("loudest spur" in t for t in titles)
