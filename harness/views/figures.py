"""Figures of saved results, shared by the notebooks and the HTML report.

Each function takes a DataFrame from :func:`harness.results.load_runs` or
:func:`harness.results.load_run` and returns a :class:`matplotlib.figure.Figure`:
:func:`speed_vs_quality`, :func:`callback_cdf`, :func:`drift_over_time`,
:func:`dtype_heatmap`, :func:`latency` and :func:`run_comparison`. Given several
runs, they show the latest unless ``run=`` names one; a run that lacks a
figure's check raises :class:`MissingDataError`. Figures that resample signals
live are in :mod:`harness.views.signal_figures`.
"""

from __future__ import annotations

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

from harness.results import ranking
from harness.results.store import match_run_id
from harness.results.summary import SUMMARY_COLUMNS, summarize
from harness.views.figure_style import (
    grid_shape,
    grouped_legend,
    hide_unused,
    line_style,
    new_figure,
    option_label,
    short_label,
    variant_styles,
)

__all__ = [
    "COMPARED_COLUMNS",
    "MATRIX_PANELS",
    "SPEED",
    "MissingDataError",
    "callback_cdf",
    "drift_over_time",
    "dtype_heatmap",
    "latency",
    "pareto_variants",
    "rate_matrix",
    "run_comparison",
    "select_run",
    "short_label",
    "speed_vs_quality",
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
    "reject dB",
    "latency",
)
#: Quantiles labelled on the CDF's logit axis.
_CDF_TICKS = (0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999)
#: Ratios labelled on the run comparison's log axes: (widest ratio shown, ticks).
_RATIO_TICKS = (
    (1.6, (0.8, 0.9, 1.0, 1.1, 1.25)),
    (3.0, (0.5, 0.8, 1.0, 1.25, 2.0)),
    (math.inf, (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)),
)

# --------------------------------------------------------------------------- helpers


def select_run(df: pd.DataFrame, run: str | None = None) -> pd.DataFrame:
    """Rows of one run: ``run`` (an id or unique prefix) or, by default, the latest.

    Runs are matched as the results store matches them
    (:func:`harness.results.store.match_run_id`).

    Raises
    ------
    harness.results.RunNotFoundError
        ``run`` matches no run or several.
    """
    if "run_id" not in df:
        return df
    ids = sorted(df["run_id"].dropna().unique())
    if len(ids) <= 1 and run is None:
        return df
    return df[df["run_id"] == match_run_id(run or "latest", ids, where=" in these rows")]


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
    styles = variant_styles(_variants(df))
    panels = {ranking.SPEED: speed_label} | {k: d for k, (_m, d) in ranking.QUALITY.items()}
    fig, axes = new_figure(
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


#: Panels of :func:`rate_matrix`: title -> (check, metrics, filter, format, colour map,
#: higher is better).
MATRIX_PANELS: dict[str, tuple[str, tuple[str, ...], dict[str, Any], str, str, bool]] = {
    "speed × soxr HQ (one-shot, CPU clock)": (
        "throughput",
        ("ratio_to_soxr_hq",),
        {"channels": 1, "schedule": "oneshot"},
        "{:.2g}",
        "RdYlGn",
        True,
    ),
    "SNR of a 997 Hz tone, dB": ("quality", ("snr_db",), {}, "{:.0f}", "viridis", True),
    "alias / image rejection, dB": (
        "quality",
        ranking.REJECTION_METRICS,
        {},
        "{:.0f}",
        "viridis",
        True,
    ),
    "latency, output frames": ("quality", ("latency_frames",), {}, "{:.0f}", "viridis_r", False),
}


def rate_matrix(df: pd.DataFrame, *, run: str | None = None) -> Figure:
    """Backend variant × rate pair heatmaps: speed against soxr HQ, SNR, rejection, latency.

    One panel per measure (:data:`MATRIX_PANELS`), a row per variant, a
    column per rate pair of the run, each cell printed. Speed is on a log
    colour scale centred on 1 (green: faster than soxr HQ, measured in the same
    run); the dB panels share no scale with each other.

    Raises
    ------
    MissingDataError
        The run has neither throughput ratios nor quality rows.
    """
    df = select_run(df, run)
    variants = [v for v, _b, _base in _variants(df)]
    panels = []
    for title, (check, metrics, where, fmt, cmap, _higher) in MATRIX_PANELS.items():
        rows = df[(df["check"] == check) & df["metric"].isin(metrics)]
        for key, value in where.items():
            rows = rows[rows[key] == value]
        if rows.empty:
            continue
        rows = rows.assign(
            pair=[
                f"{a / 1000:g}→{b / 1000:g}"
                for a, b in zip(rows["in_rate"], rows["out_rate"], strict=True)
            ]
        )
        grid = rows.pivot_table(
            index="variant", columns="pair", values="value", aggfunc="min", sort=False
        )
        panels.append((title, grid.reindex([v for v in variants if v in grid.index]), fmt, cmap))
    if not panels:
        raise MissingDataError("rate-pair measurements", "throughput", "quality")
    width = max(len(g.columns) for _t, g, _f, _c in panels)
    height = max(len(g) for _t, g, _f, _c in panels)
    fig, axes = new_figure(
        len(panels), 1, size=(1.0 + 0.62 * width + 3.0, len(panels) * (0.3 * height + 1.4))
    )
    for ax, (title, grid, fmt, cmap) in zip(axes[:, 0], panels, strict=True):
        values = grid.to_numpy(float)
        if title.startswith("speed"):
            spread = np.nanmax(np.abs(np.log10(np.clip(values, 1e-3, None))), initial=0.3)
            norm = LogNorm(vmin=10**-spread, vmax=10**spread)
        else:
            norm = None
        image = ax.imshow(values, aspect="auto", cmap=cmap, norm=norm)
        ax.set_xticks(range(len(grid.columns)), grid.columns, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(grid)), [short_label(v) for v in grid.index], fontsize=7)
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=6)
        ax.set_title(title + " (kHz in → out)", fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
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
    styles = variant_styles(_variants(df))
    sizes = sorted(rows["blocksize"].dropna().unique())
    nrows, ncols = grid_shape(len(sizes), max_cols=3)
    fig, axes = new_figure(nrows, ncols, size=(5.0 * ncols, 3.8 * nrows), sharey=True)
    for ax, size in zip(axes.flat, sizes, strict=False):
        for variant, g in rows[rows["blocksize"] == size].groupby("variant", sort=False):
            g = g.sort_values("x")
            keep = (g["x"] > 0) & (g["x"] < 1)  # logit scale: min and max are off the axis
            ax.plot(g["value"][keep], g["x"][keep], **line_style(styles[variant]))
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
    hide_unused(axes, len(sizes))
    grouped_legend(fig, _variants(rows), styles, loc="outside lower center", fontsize=8)
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
    styles = variant_styles(_variants(df))
    pairs = list(rows[["in_rate", "out_rate"]].drop_duplicates().itertuples(index=False))
    schedules = list(rows["schedule"].drop_duplicates())
    kinds = [k for k in (False, True) if (rows["baseline"].astype(bool) == k).any()]
    fig, axes = new_figure(
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
                ax.plot(g["x"], g["value"], linewidth=1.4, **line_style(styles[variant]))
                end = (float(g["x"].iloc[-1]), float(g["value"].iloc[-1]))
                ends.setdefault(end, []).append(option_label(variant))
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
    grouped_legend(fig, variants, styles, loc="outside lower center", fontsize=8)
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
        .eq(True)  # a cell never judged (NaN after the reindex) did not fail
    )
    limit = rows.loc[rows["metric"] == "max_abs_error", "threshold"].dropna()
    floor = 1e-12  # an exact match is drawn at the bottom of the scale
    values = errors.to_numpy(float)
    norm = LogNorm(vmin=floor, vmax=max(1e-3, np.nanmax(values, initial=floor)))
    cmap = colormaps["viridis"].with_extremes(bad="0.88")
    fig, axes = new_figure(1, 1, size=(2.5 + 0.72 * len(dtypes), 1.8 + 0.36 * len(variants)))
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
    styles = variant_styles(_variants(df))
    pairs = list(points[["in_rate", "out_rate"]].drop_duplicates().itertuples(index=False))
    markers = dict(zip(pairs, "os^Dv<>", strict=False))
    fig, axes = new_figure(1, 2, size=(13.0, 6.0), width_ratios=(1.1, 1.0))
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
    nrows, ncols = grid_shape(len(columns), max_cols=3)
    fig, axes = new_figure(
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
    hide_unused(axes, len(columns))
    fig.suptitle(
        f"{after['run_id'].iloc[0]} against {before['run_id'].iloc[0]}\n"
        "red: worse, green: better, grey: within the noise "
        f"(grey band: ±{100 * ranking.CHANGE:g} %; speed: ±{100 * ranking.SPEED_NOISE:g} % "
        "or the spread both runs measured, if wider)"
    )
    return fig
