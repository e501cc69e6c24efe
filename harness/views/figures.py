"""Figures of the comparison, shared by the notebooks and the HTML report.

Two kinds, each function returning a :class:`matplotlib.figure.Figure`:

* from saved results (a DataFrame from :func:`harness.results.store.load_runs` or
  :func:`harness.results.store.load_run`): :func:`speed_vs_quality`,
  :func:`callback_cdf`, :func:`drift_over_time`, :func:`dtype_heatmap`,
  :func:`latency` and :func:`run_comparison`. Given several runs, they show the
  latest unless ``run=`` names one;
* computed live from backend specs (``"soxr:quality=VHQ"``): the quality
  pictures :func:`sweep_spectrograms`, :func:`frequency_response`,
  :func:`impulse_response` and :func:`imd_spectrum`; the numbers come from
  :mod:`harness.measuring.spectra`.

Figures are built on :class:`~matplotlib.figure.Figure` directly, never through
``pyplot``: no GUI backend is ever selected (rendering is Agg's, so this works
without a display), nothing is shown, and figures are freed like any object.
Jupyter displays a returned figure itself.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedFormatter, FixedLocator, FuncFormatter, NullFormatter

import backends
from harness.measuring import analysis, signals, spectra
from harness.results import ranking
from harness.results.summary import SUMMARY_COLUMNS, summarize

__all__ = [
    "COMPARED_COLUMNS",
    "RINGING_FLOOR_DB",
    "SPEED",
    "MissingDataError",
    "callback_cdf",
    "drift_over_time",
    "dtype_heatmap",
    "frequency_response",
    "imd_spectrum",
    "impulse_response",
    "latency",
    "pareto_variants",
    "run_comparison",
    "select_run",
    "short_label",
    "speed_vs_quality",
    "sweep_spectrograms",
]

#: The speed panel of :func:`run_comparison` (:func:`harness.results.ranking.speed_change`).
SPEED = "speed"
#: Panels of :func:`run_comparison`: :data:`SPEED`, then summary columns (see
#: :data:`harness.results.summary.SUMMARY_COLUMNS`).
COMPARED_COLUMNS = (
    SPEED,
    "cb p95 µs",
    "cb p99.9/budget",
    "SNR dB",
    "alias dB",
    "latency",
)
#: One colour map per backend, in order of appearance; the baseline is grey.
_FAMILY_MAPS = ("Blues", "Oranges", "Greens", "Purples", "Reds", "YlOrBr", "PuRd", "BuGn")
#: Quantiles labelled on the CDF's logit axis.
_CDF_TICKS = (0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999)
#: Ratios labelled on the run comparison's log axes: (widest ratio shown, ticks).
_RATIO_TICKS = (
    (1.6, (0.8, 0.9, 1.0, 1.1, 1.25)),
    (3.0, (0.5, 0.8, 1.0, 1.25, 2.0)),
    (math.inf, (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)),
)
_LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
#: Impulse responses share one time axis wide enough for every kernel's ringing
#: above this level (dB re peak): 20 dB clear of the float32 rounding noise
#: (spikes up to about -140 dB) of the backends that compute in float32, so the
#: span is the filter's ringing, not its arithmetic.
RINGING_FLOOR_DB = -120.0
#: Colour range of dB pictures: the best resamplers leave residues near -190 dB.
_DB_RANGE = (-200.0, 0.0)


# --------------------------------------------------------------------------- helpers


def short_label(variant: str) -> str:
    """``"soxr:quality=HQ"`` -> ``"soxr HQ"``: the option values after the name."""
    parsed = backends.Variant.parse(variant)
    return " ".join([parsed.name, *parsed.options_dict.values()])


def _option_label(variant: str) -> str:
    """``"soxr:quality=HQ"`` -> ``"HQ"``: the option values alone, for a backend's group."""
    return " ".join(backends.Variant.parse(variant).options_dict.values()) or "(no options)"


def select_run(df: pd.DataFrame, run: str | None = None) -> pd.DataFrame:
    """Rows of one run: ``run`` (an id or unique prefix) or, by default, the latest.

    Run ids start with a UTC timestamp, so the latest sorts last.

    Raises
    ------
    ValueError
        ``run`` matches no run or several.
    """
    if "run_id" not in df:
        return df
    ids = sorted(df["run_id"].dropna().unique())
    if run is None:
        return df if len(ids) <= 1 else df[df["run_id"] == ids[-1]]
    matches = [r for r in ids if r == run] or [r for r in ids if r.startswith(run)]
    if len(matches) != 1:
        raise ValueError(f"run {run!r} matches {len(matches)} of the runs {', '.join(ids)}")
    return df[df["run_id"] == matches[0]]


class MissingDataError(ValueError):
    """The results lack the measurements a figure draws (e.g. a run of ``--checks drift``)."""

    def __init__(self, what: str, *checks: str) -> None:
        needed = " and ".join(repr(c) for c in checks)
        plural = "s" if len(checks) > 1 else ""
        super().__init__(f"no {what} in these results (needs the {needed} check{plural})")
        self.checks = checks


def _rows(df: pd.DataFrame, check: str, metric: str, **where: Any) -> pd.DataFrame:
    sel = (df["check"] == check) & (df["metric"] == metric)
    for key, value in where.items():
        sel &= df[key] == value
    rows = df[sel]
    if rows.empty:
        raise MissingDataError(f"{check}/{metric} rows {where or ''}".rstrip(), check)
    return rows


def _run_name(df: pd.DataFrame) -> str:
    return str(df["run_id"].iloc[0]) if "run_id" in df and len(df) else "results"


def _variants(df: pd.DataFrame) -> list[tuple[str, str, bool]]:
    """(variant, backend, baseline) in order of first appearance."""
    first = df.drop_duplicates("variant")
    return [
        (str(v), str(b), bool(base))
        for v, b, base in zip(first["variant"], first["backend"], first["baseline"], strict=True)
    ]


def _styles(variants: Sequence[tuple[str, str, bool]]) -> dict[str, dict[str, Any]]:
    """Line/marker style per variant: one hue per backend, shades within it.

    Variants of one backend share a hue so families read at a glance; the
    baseline is grey and dotted so it never passes for a candidate.
    """
    families: dict[str, list[str]] = {}
    for variant, backend, _ in variants:
        families.setdefault(backend, []).append(variant)
    baseline = {backend for _, backend, base in variants if base}
    maps = iter(_FAMILY_MAPS * 4)
    styles: dict[str, dict[str, Any]] = {}
    for backend, members in families.items():
        cmap = colormaps["Greys" if backend in baseline else next(maps)]
        for k, variant in enumerate(members):
            low = 0.6 if backend in baseline else 0.45  # light greys vanish on white
            shade = 0.75 if len(members) == 1 else 0.95 - (0.95 - low) * k / (len(members) - 1)
            styles[variant] = {
                "color": cmap(shade),
                "linestyle": ":" if backend in baseline else _LINESTYLES[k % len(_LINESTYLES)],
                "marker": "X" if backend in baseline else "o",
                "label": short_label(variant) + (" (baseline)" if backend in baseline else ""),
            }
    return styles


def _spec_variants(specs: Sequence[str]) -> list[tuple[str, str, bool]]:
    out = []
    for spec in specs:
        name = backends.Variant.parse(spec).name
        out.append((spec, name, bool(getattr(backends.backend_class(name), "baseline", False))))
    return out


def _line_style(style: dict[str, Any]) -> dict[str, Any]:
    return {k: style[k] for k in ("color", "linestyle", "label")}


def _grouped_legend(
    fig: Figure,
    variants: Sequence[tuple[str, str, bool]],
    styles: dict[str, dict[str, Any]],
    **kw: Any,
) -> Any:
    """A figure legend with one column per backend: its name, then its option values.

    Columns are padded to the same length so that each backend stays in a
    column of its own (a legend fills its columns top to bottom).
    """
    groups: dict[str, list[str]] = {}
    for variant, backend, _ in variants:
        groups.setdefault(backend, []).append(variant)
    depth = 1 + max(len(members) for members in groups.values())
    blank = Line2D([], [], linestyle="", marker="")
    handles, labels, headers = [], [], []
    for backend, members in groups.items():
        headers.append(len(labels))
        handles.append(blank)
        baseline = any(base for v, _, base in variants if v in members and base)
        labels.append(backend + (" (baseline)" if baseline else ""))
        for variant in members:
            style = styles[variant]
            handles.append(Line2D([], [], color=style["color"], linestyle=style["linestyle"]))
            labels.append(_option_label(variant))
        handles += [blank] * (depth - 1 - len(members))
        labels += [""] * (depth - 1 - len(members))
    legend = fig.legend(
        handles, labels, ncols=len(groups), handlelength=2.6, columnspacing=1.2, **kw
    )
    for i in headers:
        legend.get_texts()[i].set_fontweight("bold")
    return legend


def _figure(nrows: int, ncols: int, *, size: tuple[float, float], **kw: Any) -> tuple[Figure, Any]:
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False, **kw)


def _grid(n: int, *, max_cols: int) -> tuple[int, int]:
    cols = min(max_cols, n)
    return math.ceil(n / cols), cols


def _hide_unused(axes: np.ndarray, used: int) -> None:
    for ax in axes.flat[used:]:
        ax.set_axis_off()


def pareto_variants(df: pd.DataFrame, *, run: str | None = None) -> list[str]:
    """Variants on the speed × quality front of one run (see :mod:`harness.results.ranking`)."""
    return ranking.front_variants(select_run(df, run))


def _speed_axis(df: pd.DataFrame) -> str:
    """Label of the speed axis for the throughput figure this run has."""
    pair = df[(df["metric"] == "msamples_per_s") & (df["schedule"] == "oneshot")]
    rates = ", ".join(
        f"{int(a)}→{int(b)}" for a, b in pair[["in_rate", "out_rate"]].drop_duplicates().values
    )
    where = f"one-shot mono float32, worst of {rates} Hz" if rates else "one-shot mono float32"
    if ranking.speed_metric(df) == "cpu_msamples_per_s":
        return f"throughput, Msamples/s on the CPU clock\n({where})"
    return f"throughput, × linear backend (wall clock)\n({where})"


# --------------------------------------------------------------- figures from results


def speed_vs_quality(df: pd.DataFrame, *, run: str | None = None) -> Figure:
    """Speed and the three quality axes side by side, one row per variant.

    Quality is SNR, aliasing rejection and −3 dB bandwidth together
    (:mod:`harness.results.ranking`). Rows run from the fastest variant down; shaded,
    bold rows are on the front: no other candidate is at least as fast and at
    least as good on all three. Candidates are production variants with an
    anti-alias filter; the baseline (X) and the interpolators without a filter
    (open markers) are drawn for reference, never on the front.

    Raises
    ------
    MissingDataError
        No variant has both a throughput and the quality figures.
    """
    df = select_run(df, run)
    table = ranking.ranking_table(df)
    shown = table.dropna(subset=[ranking.SPEED, *ranking.QUALITY])
    if shown.empty:
        raise MissingDataError(
            "variant with both throughput and quality rows", "throughput", "quality"
        )
    shown = shown.sort_values(ranking.SPEED, ascending=False)
    speed_label = _speed_axis(df)
    styles = _styles(_variants(df))
    panels = {ranking.SPEED: speed_label} | {k: d for k, (_m, d) in ranking.QUALITY.items()}
    fig, axes = _figure(
        1,
        len(panels),
        size=(3.6 * len(panels) + 2.2, 0.34 * len(shown) + 2.0),
        sharey=True,
        width_ratios=(1.3, *([1.0] * (len(panels) - 1))),
    )
    rows = np.arange(len(shown))
    for ax, (column, label) in zip(axes[0], panels.items(), strict=True):
        values = shown[column].to_numpy(float)
        for i, (variant, row) in enumerate(shown.iterrows()):
            style = styles[variant]
            filled = bool(row["candidate"] or row["baseline"])
            ax.scatter(
                values[i],
                i,
                s=70 if row["front"] else 45,
                marker=style["marker"],
                facecolors=style["color"] if filled else "white",
                edgecolors="black" if row["front"] else style["color"],
                linewidths=1.3,
                zorder=3,
            )
            if row["front"]:
                ax.axhspan(i - 0.5, i + 0.5, color="gold", alpha=0.25, zorder=0, linewidth=0)
        ax.hlines(rows, values.min(), values, color="0.8", linewidth=0.8, zorder=1)
        if column == ranking.SPEED:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.set_title(label, fontsize=9)
        ax.grid(True, axis="x", which="both", alpha=0.3)
    labels = [
        styles[v]["label"] + ("" if r["candidate"] or r["baseline"] else " (no filter)")
        for v, r in shown.iterrows()
    ]
    axes[0, 0].set_yticks(rows, labels, fontsize=8)
    for tick, on_front in zip(axes[0, 0].get_yticklabels(), shown["front"], strict=True):
        tick.set_fontweight("bold" if on_front else "normal")
    axes[0, 0].set_ylim(len(shown) - 0.5, -0.5)  # fastest on top
    fig.suptitle(
        f"Speed × quality — {_run_name(df)}. Shaded, bold: on the front (no other variant "
        "with an anti-alias filter\nis at least as fast and as good in SNR, aliasing "
        f"rejection and bandwidth). Open: no filter (aliasing rejection < "
        f"{ranking.MIN_FILTERING_REJECTION_DB:g} dB); X: baseline. Higher is better everywhere.",
        fontsize=10,
    )
    return fig


def callback_cdf(df: pd.DataFrame, *, run: str | None = None, mode: str = "callback") -> Figure:
    """Distribution of time per simulated device callback, one panel per blocksize.

    Vertical lines: the blocksize's real-time budget and the seed's release
    gate (p95 under 5 ms). A logit y axis spreads the tail, where deadlines
    are missed.
    """
    df = select_run(df, run)
    rows = _rows(df, "timing", "callback_us_quantile", mode=mode)
    budgets = _rows(df, "timing", "budget_us", mode=mode).groupby("blocksize")["value"].first()
    gate_rows = df[(df["metric"] == "callback_p95_us") & df["threshold"].notna()]
    # The gate is whatever the run was held to; 5 ms is the seed's own figure.
    gate_us = float(gate_rows["threshold"].iloc[0]) if len(gate_rows) else 5000.0
    styles = _styles(_variants(df))
    sizes = sorted(rows["blocksize"].dropna().unique())
    nrows, ncols = _grid(len(sizes), max_cols=3)
    fig, axes = _figure(nrows, ncols, size=(5.0 * ncols, 3.8 * nrows), sharey=True)
    for ax, size in zip(axes.flat, sizes, strict=False):
        for variant, g in rows[rows["blocksize"] == size].groupby("variant", sort=False):
            g = g.sort_values("x")
            keep = (g["x"] > 0) & (g["x"] < 1)  # logit scale: min and max are off the axis
            ax.plot(g["value"][keep], g["x"][keep], **_line_style(styles[variant]))
        budget = float(budgets.get(size, math.nan))
        ax.axvline(budget, color="crimson", linewidth=1.5, label="real-time budget")
        ax.axvline(gate_us, color="black", linewidth=1.5, linestyle="--", label="gate: p95")
        ax.axhline(0.95, color="0.6", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("logit")
        ax.set_ylim(0.02, 0.9996)
        ax.yaxis.set_major_locator(FixedLocator(_CDF_TICKS))
        ax.yaxis.set_major_formatter(FixedFormatter([f"{100 * q:g} %" for q in _CDF_TICKS]))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"blocksize {int(size)} frames — budget {budget:.0f} µs")
        ax.set_xlabel("time per callback (µs, log scale)")
        ax.grid(True, which="major", alpha=0.3)
    for row in axes:
        row[0].set_ylabel("fraction of callbacks ≤ time")
    _hide_unused(axes, len(sizes))
    _grouped_legend(fig, _variants(rows), styles, loc="outside lower center", fontsize=8)
    fig.suptitle(
        f"Per-callback time, '{mode}' design (wall clock, callbacks run back to back) — "
        f"{_run_name(df)}\nred: the block's real-time budget; dashed: gate, "
        f"p95 < {gate_us / 1000:g} ms (the seed's)"
    )
    return fig


def drift_over_time(df: pd.DataFrame, *, run: str | None = None) -> Figure:
    """Output length error over session time: production variants, then the baseline.

    Columns are feeding schedules; each rate pair gets a row for the
    production variants (one scale for all: they stay within their latency)
    and, below it, a row for the ``seed`` baseline, each panel on its own
    scale (it drifts by tens to tens of thousands of frames) with the final
    error written in. Every axis is linear, in output frames.
    """
    df = select_run(df, run)
    rows = _rows(df, "drift", "error_frames")
    variants = _variants(rows)
    styles = _styles(_variants(df))
    pairs = list(rows[["in_rate", "out_rate"]].drop_duplicates().itertuples(index=False))
    schedules = list(rows["schedule"].drop_duplicates())
    kinds = [k for k in (False, True) if (rows["baseline"].astype(bool) == k).any()]
    fig, axes = _figure(
        len(pairs) * len(kinds),
        len(schedules),
        size=(4.0 * len(schedules), (2.9 * len(kinds) + 0.3) * len(pairs) + 2.0),
        height_ratios=[3 if not k else 2 for _ in pairs for k in kinds],
        sharex="col",
    )
    for r, ((in_rate, out_rate), baseline) in enumerate(itertools.product(pairs, kinds)):
        for c, schedule in enumerate(schedules):
            ax = axes[r, c]
            panel = rows[
                (rows["in_rate"] == in_rate)
                & (rows["out_rate"] == out_rate)
                & (rows["schedule"] == schedule)
                & (rows["baseline"].astype(bool) == baseline)
            ]
            ends: dict[tuple[float, float], list[str]] = {}
            for variant, g in panel.groupby("variant", sort=False):
                g = g.sort_values("x")
                ax.plot(g["x"], g["value"], linewidth=1.4, **_line_style(styles[variant]))
                end = (float(g["x"].iloc[-1]), float(g["value"].iloc[-1]))
                ends.setdefault(end, []).append(_option_label(variant))
            if baseline:  # each seed panel has its own scale: write the final error in
                for (x, y), names in ends.items():
                    ax.annotate(
                        f"{', '.join(names)}: {y:+,.0f}",
                        (x, y),
                        xytext=(-4, 4 if y <= 0 else -4),
                        textcoords="offset points",
                        ha="right",
                        va="bottom" if y <= 0 else "top",
                        fontsize=8,
                        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
                    )
            ax.axhline(0, color="0.3", linewidth=0.8)
            ax.grid(True, alpha=0.3)
            who = "seed baseline" if baseline else "production"
            ax.set_title(f"{who} — {schedule} — {int(in_rate)}→{int(out_rate)} Hz", fontsize=9)
            if c == 0:
                ax.set_ylabel("output − expected\n(frames)", fontsize=9)
            # Production panels share a scale, so they compare directly.
            first = axes[kinds.index(False), 0] if False in kinds else None
            if not baseline and ax is not first:
                ax.sharey(first)
    for ax in axes[-1]:
        ax.set_xlabel("session time (s)")
    _grouped_legend(fig, variants, styles, loc="outside lower center", fontsize=8)
    fig.suptitle(
        f"Length drift over a session — {_run_name(df)}\n"
        "below 0: frames held back (at most the latency, 0 after the flush); above 0: ahead"
    )
    return fig


def dtype_heatmap(df: pd.DataFrame, *, run: str | None = None) -> Figure:
    """Per variant × input dtype: max error vs float64 input (colour) and pass/fail.

    Failing cells are framed in red. Columns for dtypes that must be refused
    show whether a ``TypeError`` was raised.
    """
    df = select_run(df, run)
    rows = df[df["check"] == "dtype"]
    if rows.empty:
        raise MissingDataError("dtype rows", "dtype")
    variants = list(rows["variant"].drop_duplicates())
    dtypes = list(rows["dtype"].drop_duplicates())
    errors = (
        rows[rows["metric"] == "max_abs_error"]
        .pivot_table(index="variant", columns="dtype", values="value", aggfunc="max")
        .reindex(index=variants, columns=dtypes)
    )
    raises = (
        rows[rows["metric"] == "raises_type_error"]
        .pivot_table(index="variant", columns="dtype", values="value", aggfunc="min")
        .reindex(index=variants, columns=dtypes)
    )
    judged = rows[rows["passed"].notna()]
    failed = (
        (judged["passed"] == False)  # noqa: E712 (object column)
        .groupby([judged["variant"], judged["dtype"]])
        .any()
        .unstack()
        .reindex(index=variants, columns=dtypes)
        .fillna(False)
        .astype(bool)
    )
    limit = rows.loc[rows["metric"] == "max_abs_error", "threshold"].dropna()
    floor = 1e-12  # an exact match is drawn at the bottom of the scale
    values = errors.to_numpy(float)
    norm = LogNorm(vmin=floor, vmax=max(1e-3, np.nanmax(values, initial=floor)))
    cmap = colormaps["viridis"].with_extremes(bad="0.88")
    fig, axes = _figure(1, 1, size=(2.5 + 0.72 * len(dtypes), 1.8 + 0.36 * len(variants)))
    ax = axes[0, 0]
    image = ax.imshow(
        np.ma.masked_invalid(np.maximum(values, floor)), cmap=cmap, norm=norm, aspect="auto"
    )
    for (i, variant), (j, dtype) in itertools.product(enumerate(variants), enumerate(dtypes)):
        bad = bool(failed.at[variant, dtype])
        if not math.isnan(values[i, j]):
            e = values[i, j]
            text = "0" if e == 0 else f"{e:.0e}"
            dark = sum(cmap(norm(max(e, floor)))[:3]) < 1.5
            color = "white" if dark else "black"
        elif not math.isnan(raises.at[variant, dtype]):
            text, color = (
                ("TypeError", "black") if raises.at[variant, dtype] >= 1 else ("accepted", "red")
            )
        else:
            continue
        ax.text(j, i, text, ha="center", va="center", fontsize=6.5, color=color)
        if bad:
            frame = Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2.5)
            ax.add_patch(frame)
    ax.set_xticks(range(len(dtypes)), dtypes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(variants)), [short_label(v) for v in variants], fontsize=8)
    ax.set_xlabel("input dtype (layout)")
    colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
    colorbar.set_label("max |output − output of float64 input| (full scale)")
    if len(limit):
        colorbar.ax.axhline(float(limit.iloc[0]), color="red", linewidth=2)
    ax.set_title(
        "Input dtypes: error vs the float64 input (grey: must raise TypeError; "
        "red frame: gate failed, red line on the scale: the limit)",
        fontsize=10,
    )
    return fig


def latency(df: pd.DataFrame, *, run: str | None = None) -> Figure:
    """Frames held back vs reported latency (left) and pulse delay error (right).

    A stream may hold back at most its reported latency; points above the
    diagonal break that promise. The pulse delay is where a band-limited pulse
    comes out relative to where it belongs, after the stream's own compensation.
    """
    df = select_run(df, run)
    keys = ["variant", "in_rate", "out_rate"]
    held = _rows(df, "drift", "max_held_frames").groupby(keys, sort=False)["value"].max()
    reported = _rows(df, "drift", "latency_frames").groupby(keys, sort=False)["value"].max()
    points = pd.DataFrame({"held": held, "reported": reported}).reset_index()
    delay = _rows(df, "quality", "delay_frames")
    styles = _styles(_variants(df))
    pairs = list(points[["in_rate", "out_rate"]].drop_duplicates().itertuples(index=False))
    markers = dict(zip(pairs, "os^Dv<>", strict=False))
    fig, axes = _figure(1, 2, size=(13.0, 6.0), width_ratios=(1.1, 1.0))
    left, right = axes[0]
    top = max(points["held"].max(), points["reported"].max(), 10.0) * 2
    left.plot([0, top], [0, top], color="0.4", linewidth=1, label="held = reported latency")
    for p in points.itertuples(index=False):
        style = styles[p.variant]
        left.scatter(
            p.reported,
            p.held,
            color=style["color"],
            marker=markers[(p.in_rate, p.out_rate)],
            s=50,
            edgecolors="black",
            linewidths=0.5,
            zorder=3,
        )
    left.set_xscale("symlog", linthresh=1)
    left.set_yscale("symlog", linthresh=1)
    left.set_xlabel("reported latency, stream.latency (output frames)")
    left.set_ylabel("most frames held back in any drift session (output frames)")
    left.set_title("Held back vs reported latency (above the line: more than promised)")
    left.grid(True, which="major", alpha=0.3)
    variants = list(dict.fromkeys(points["variant"]))
    for i, variant in enumerate(variants):
        g = delay[delay["variant"] == variant]
        for d in g.itertuples(index=False):
            right.scatter(
                d.value,
                i,
                color=styles[variant]["color"],
                marker=markers.get((d.in_rate, d.out_rate), "o"),
                s=50,
                edgecolors="black",
                linewidths=0.5,
                zorder=3,
            )
    limit = delay["threshold"].dropna()
    if len(limit):
        bound = float(limit.iloc[0])
        right.axvspan(-bound, bound, color="tab:green", alpha=0.12, label=f"gate ±{bound:g}")
    right.axvline(0, color="0.4", linewidth=0.8)
    right.set_xscale("symlog", linthresh=0.01)
    reach = max(1.0, float(delay["value"].abs().max()) * 1.5)
    right.set_xlim(-reach, reach)  # show the gate band's edges
    right.set_yticks(range(len(variants)), [styles[v]["label"] for v in variants], fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("pulse centre − expected position (output frames, symlog)")
    right.set_title("Pulse delay after latency compensation")
    right.grid(True, axis="x", alpha=0.3)
    handles = [
        Line2D([], [], marker=m, linestyle="", color="0.5", label=f"{int(a)}→{int(b)} Hz")
        for (a, b), m in markers.items()
    ]
    # Lower right: the diagonal's far end is the one place no point can be.
    left.legend(handles=[*handles, *left.get_legend_handles_labels()[0]], loc="lower right")
    if len(limit):
        right.legend(loc="lower right")
    fig.suptitle(f"Latency — {df['run_id'].iloc[0]} (colour: variant, marker: rate pair)")
    return fig


def run_comparison(
    before: pd.DataFrame,
    after: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] = COMPARED_COLUMNS,
) -> Figure:
    """After/before ratio of key figures per variant, one panel each.

    ``run_comparison(df)`` with two or more runs in ``df`` compares the latest
    with the one before it. The :data:`SPEED` panel is :func:`harness.results.ranking.speed_change`:
    grey bands show each variant's noise, a bar ending inside its band is
    grey. The other panels are summary columns, where changes within 10 % are
    grey. Red: worse, green: better (the direction of "better" is the summary
    table's).

    Raises
    ------
    ValueError
        Only one run is given.
    """
    if after is None:
        ids = sorted(before["run_id"].dropna().unique())
        if len(ids) < 2:
            raise ValueError("run_comparison: need two runs (two frames, or one with 2+ runs)")
        before, after = select_run(before, ids[-2]), select_run(before, ids[-1])
    else:
        before, after = select_run(before), select_run(after)
    old = summarize(before).set_index("variant")
    new = summarize(after).set_index("variant")
    variants = [v for v in new.index if v in old.index]
    speed = ranking.speed_change(before, after).reindex(variants)
    nrows, ncols = _grid(len(columns), max_cols=3)
    fig, axes = _figure(
        nrows, ncols, size=(5.2 * ncols, 0.28 * len(variants) * nrows + 1.6 * nrows), sharey=True
    )
    labels = [short_label(v) for v in variants]
    for ax, column in zip(axes.flat, columns, strict=False):
        if column == SPEED:
            better = "high"
            ratio = speed["ratio"].to_numpy(float)
            noise = speed["noise"].to_numpy(float)
            for i, n in enumerate(noise):
                ax.hlines(i, 1 / (1 + n), 1 + n, color="0.85", linewidth=9, zorder=0)
            if speed.attrs["metric"] == "cpu_msamples_per_s":
                title = "speed, CPU clock"
            else:
                title = "speed ×linear, wall clock (a run predates CPU timing)"
        else:
            better = SUMMARY_COLUMNS[column][-1]
            a = new.loc[variants, column].to_numpy(float)
            b = old.loc[variants, column].to_numpy(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(b != 0, a / b, np.nan)
            noise = np.full(len(variants), ranking.CHANGE)
            ax.axvspan(1 / (1 + ranking.CHANGE), 1 + ranking.CHANGE, color="0.85", zorder=0)
            title = column
        inside = np.abs(np.log(ratio)) <= np.log1p(noise)
        up = ratio > 1 if better == "high" else ratio < 1
        colors = np.where(inside | np.isnan(ratio), "0.6", np.where(up, "tab:green", "tab:red"))
        shown = np.where(np.isfinite(ratio) & (ratio > 0), ratio, 1.0)
        ax.barh(range(len(variants)), shown - 1.0, left=1.0, color=colors, height=0.6)
        for i, r in enumerate(ratio):
            ax.text(
                shown[i],
                i,
                f" {r:.2f} " if np.isfinite(r) else " – ",
                va="center",
                ha="left" if shown[i] >= 1 else "right",
                fontsize=7,
            )
        ax.axvline(1.0, color="black", linewidth=1)
        # Symmetric on the log scale, so "twice as fast" and "half as fast" look alike.
        reach = max(1.3, 1.15 * float(np.max(np.maximum(shown, 1 / shown), initial=1.0)))
        ax.set_xscale("log")
        ax.set_xlim(1 / reach, reach)
        ticks = next(t for widest, t in _RATIO_TICKS if reach <= widest)
        ticks = [v for v in ticks if 1 / reach <= v <= reach]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FixedFormatter([f"{v:g}" for v in ticks]))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{title} ({'higher' if better == 'high' else 'lower'} is better)")
        ax.set_xlabel("after / before (log scale)")
        ax.set_yticks(range(len(variants)), labels, fontsize=8)
        ax.grid(True, axis="x", which="both", alpha=0.3)
    axes.flat[0].invert_yaxis()  # shared: first variant on top in every panel
    _hide_unused(axes, len(columns))
    fig.suptitle(
        f"{after['run_id'].iloc[0]} against {before['run_id'].iloc[0]}\n"
        "red: worse, green: better, grey: within the noise "
        f"(grey band: ±{100 * ranking.CHANGE:g} %; speed: ±{100 * ranking.SPEED_NOISE:g} % "
        "or the spread both runs measured, if wider)"
    )
    return fig


# ---------------------------------------------------------- quality pictures, live


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
    nrows, ncols = _grid(len(specs), max_cols=max_cols)
    fig, axes = _figure(
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
    _hide_unused(axes, len(specs))
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
    styles = _styles(_spec_variants(specs))
    low, high = min(in_rate, out_rate) / 2, max(in_rate, out_rate) / 2
    fig, axes = _figure(1, 2, size=(14.0, 5.5))
    passband, full = axes[0]
    for spec in specs:
        t, h = _kernel(spec, in_rate, out_rate)
        freqs, gain, _ = spectra.kernel_response(t, h, in_rate, max_freq=high)
        style = _line_style(styles[spec])
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
    styles = _styles(_spec_variants(specs))
    low = min(in_rate, out_rate) / 2
    kernels = {spec: _kernel(spec, in_rate, out_rate) for spec in specs}
    levels = {
        spec: 20 * np.log10(np.abs(h) / np.abs(h).max() + 1e-300)
        for spec, (_t, h) in kernels.items()
    }
    rings = {spec: _ringing_ms(kernels[spec][0], levels[spec], in_rate) for spec in specs}
    reach = 1.1 * max(max(abs(a), abs(b)) for a, b in rings.values())
    fig, axes = _figure(len(specs), 3, size=(14.0, 2.3 * len(specs) + 0.8), sharex="col")
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
    styles = _styles(_spec_variants(specs))
    nrows, ncols = _grid(len(specs), max_cols=max_cols)
    fig, axes = _figure(nrows, ncols, size=(7.0 * ncols, 2.8 * nrows + 0.6), sharey=True)
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
    _hide_unused(axes, len(specs))
    fig.suptitle(
        _rates_title("Two-tone IMD: 64.59 Hz −6 dBFS + 6998 Hz −18 dBFS", in_rate, out_rate)
    )
    return fig
