"""The printed summaries: one row per backend variant, and before/after comparisons."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.table import Table

from harness.analysis import EXACT_DB

__all__ = [
    "SUMMARY_COLUMNS",
    "against_table",
    "cell_text",
    "failed_columns",
    "render_summary",
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
    "SNR dB": ("quality", "snr_db", "min", {}, "{:.1f}", "high"),
    "alias dB": ("quality", "aliasing_rejection_db", "min", {}, "{:.1f}", "high"),
    "latency": ("quality", "latency_frames", "first", {}, "{:.0f}", "low"),
    "NaN spread ms": ("nonfinite", "contaminated_ms", "max", {"dtype": "nan"}, "{:.1f}", "low"),
    "delay": ("quality", "delay_frames", "absmax", {}, "{:+.2f}", "low"),
    "speed ×linear": (
        "throughput",
        "ratio_to_linear",
        "first",
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
            g = g[g["metric"] == metric]
            for key, value in where.items():
                g = g[g[key] == value]
            values.append(_reduce(g["value"], how))
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


def render_summary(df: pd.DataFrame, console: Console, *, title: str) -> None:
    """Print the summary table, failed gates in red (baselines dimmed)."""
    summary = summarize(df)
    table = Table(
        title=title,
        caption="red: a gate failed · REF: baseline, reported not gated",
        show_lines=False,
    )
    table.add_column("backend variant", no_wrap=True, style="bold")
    for column in SUMMARY_COLUMNS:
        table.add_column(column, justify="right")
    table.add_column("verdict", justify="center")
    for row in summary.to_dict("records"):
        cells = [f"[red]{text}[/red]" if bad else text for _c, text, bad in row_cells(df, row)]
        verdict = {
            "PASS": "[green]PASS[/green]",
            "FAIL": "[bold red]FAIL[/bold red]",
            "REF": "[dim]REF[/dim]",
        }[row["verdict"]]
        style = "dim" if row["baseline"] else None
        table.add_row(row["variant"], *cells, verdict, style=style)
    console.print(table)
    for row in summary.to_dict("records"):
        for error in row["errors"]:
            console.print(f"[red]check failed[/red] {row['variant']}: {error}")


def against_table(
    before: pd.DataFrame, after: pd.DataFrame, *, before_name: str, after_name: str
) -> Table:
    """Before/after per variant for the summary's numeric columns, with ratios."""
    b = summarize(before).set_index("variant")
    a = summarize(after).set_index("variant")
    table = Table(title=f"{after_name} against {before_name}")
    for column in ("backend variant", "metric", "before", "after", "after/before"):
        table.add_column(
            column, justify="left" if column in ("backend variant", "metric") else "right"
        )
    for variant in a.index.intersection(b.index):
        for column, (*_head, fmt, better) in SUMMARY_COLUMNS.items():
            old, new = b.at[variant, column], a.at[variant, column]
            if isinstance(old, str) or isinstance(new, str):
                if old != new:
                    table.add_row(variant, column, str(old), str(new), "")
                continue
            if math.isnan(old) and math.isnan(new):
                continue
            ratio = new / old if old not in (0, 0.0) and not math.isnan(old) else math.nan
            text = "–" if math.isnan(ratio) else f"{ratio:.2f}"
            worse = (better == "high" and ratio < 0.9) or (better == "low" and ratio > 1.1)
            unit = "dB" if "dB" in column else ""
            table.add_row(
                variant,
                column,
                cell_text(old, fmt, unit),
                cell_text(new, fmt, unit),
                f"[red]{text}[/red]" if worse else text,
            )
    return table
