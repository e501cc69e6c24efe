"""The printed summaries: one row per backend variant, before/after comparisons, the gates.

Every table fits 80 columns (a terminal's default and a CI log's): the summary
is printed as one table per concern (correctness, quality, speed) with short
two-line headers explained in each table's caption, and the before/after and
gates tables list one measure per row under a heading row per variant or
check. Cells are rich ``Text``, never markup, so text from the data (error
messages, variant names) prints literally.
"""

from __future__ import annotations

import math

import pandas as pd

from harness.results.ranking import REJECTION_METRICS
from harness.results.store import EXACT_DB

__all__ = [
    "SUMMARY_COLUMNS",
    "cell_text",
    "failed_columns",
    "row_cells",
    "summarize",
    "verdicts",
]

#: Summary column -> (check, metric, reduction, filter, format, better).
SUMMARY_COLUMNS: dict[str, tuple] = {
    "drift frames": ("drift", "final_error_frames", "absmax", {}, "{:+.0f}", "low"),
    "dtype cells": ("dtype", None, "cells", {}, "{}", None),
    "cb p99.9/budget": (
        "timing",
        "budget_used_p99_9_pct",
        "max",
        {"mode": "callback"},
        "{:.0f}%",
        "low",
    ),
    "cb p95 µs": ("timing", "callback_p95_us", "max", {"mode": "callback"}, "{:.0f}", "low"),
    "GIL late p99 µs": ("timing", "wakeup_late_p99_us", "max", {"mode": "gil"}, "{:.0f}", "low"),
    "SNR dB": ("quality", "snr_db", "min", {}, "{:.1f}", "high"),
    "reject dB": (
        "quality",
        REJECTION_METRICS,
        "min",
        {},
        "{:.1f}",
        "high",
    ),
    "latency": ("quality", "latency_frames", "max", {}, "{:.0f}", "low"),
    "NaN spread ms": ("nonfinite", "contaminated_ms", "max", {"dtype": "nan"}, "{:.1f}", "low"),
    "delay": ("quality", "delay_frames", "absmax", {}, "{:+.2f}", "low"),
    "speed ×soxr HQ": (
        "throughput",
        "ratio_to_soxr_hq",
        "min",
        {"channels": 1, "schedule": "oneshot"},
        "{:.2f}",
        "high",
    ),
}


def _reduce(values: pd.Series, how: str) -> float:
    values = values.dropna()
    if values.empty:
        return math.nan
    if how == "absmax":
        return float(values.loc[values.abs().idxmax()])
    if how == "max":
        return float(values.max())
    if how == "min":
        return float(values.min())
    return float(values.iloc[0])


def verdicts(df: pd.DataFrame) -> pd.DataFrame:
    """Per variant: gates failed, gates checked, check errors, and the verdict."""
    rows = []
    for variant, g in df.groupby("variant", sort=False):
        gated = g[g["passed"].notna()]
        failed = int((gated["passed"] == False).sum())  # noqa: E712 (object column)
        errors = g[g["metric"] == "check_failed"]["error"].dropna().tolist()
        baseline = bool(g["baseline"].iloc[0])
        verdict = "REF" if baseline else ("FAIL" if failed else "PASS")
        rows.append(
            {
                "variant": variant,
                "baseline": baseline,
                "gates": len(gated),
                "failed": failed,
                "errors": errors,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """The summary DataFrame: one row per variant, the columns of SUMMARY_COLUMNS."""
    table = verdicts(df).set_index("variant")
    for column, (check, metric, how, where, _fmt, _better) in SUMMARY_COLUMNS.items():
        values = []
        for variant in table.index:
            g = df[(df["variant"] == variant) & (df["check"] == check)]
            if how == "cells":
                gated = g[g["passed"].notna()]
                values.append(
                    f"{int((gated['passed'] == True).sum())}/{len(gated)}"  # noqa: E712
                    if len(gated)
                    else ""
                )
                continue
            metrics = [metric] if isinstance(metric, str) else list(metric)
            measured = g[g["metric"].isin(metrics)]
            for key, value in where.items():
                measured = measured[measured[key] == value]
            if measured.empty and (g["metric"] == "not_applicable").any():
                values.append("one-shot")  # the check does not apply: say so, never "passed"
                continue
            values.append(_reduce(measured["value"], how))
        table[column] = values
    return table.reset_index()


def cell_text(value: object, fmt: str, unit: str = "") -> str:
    """A summary value as printed: ``exact``/``none`` for the dB stand-ins of ±infinity."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if unit == "dB" and abs(value) >= EXACT_DB:  # type: ignore[arg-type]
        return "exact" if value > 0 else "none"  # type: ignore[operator]
    return fmt.format(value)


def failed_columns(df: pd.DataFrame, variant: str) -> set[str]:
    """Summary columns in which ``variant`` failed a gate."""
    g = df[(df["variant"] == variant) & (df["passed"] == False)]  # noqa: E712
    failed = set()
    for column, (check, metric, *_rest) in SUMMARY_COLUMNS.items():
        if metric is None:
            if (g["check"] == check).any():
                failed.add(column)
        elif ((g["check"] == check) & (g["metric"].str.startswith(metric))).any():
            failed.add(column)
    return failed


def row_cells(df: pd.DataFrame, row: dict) -> list[tuple[str, str, bool]]:
    """``(column, text, failed)`` for each summary column of one summary row."""
    failed = failed_columns(df, row["variant"])
    return [
        (column, cell_text(row[column], fmt, "dB" if "dB" in column else ""), column in failed)
        for column, (*_head, fmt, _better) in SUMMARY_COLUMNS.items()
    ]
