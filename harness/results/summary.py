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
from collections.abc import Iterable, Sequence

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.measuring.analysis import EXACT_DB
from harness.results.gates import Thresholds

__all__ = [
    "CONCERNS",
    "HEADERS",
    "SUMMARY_COLUMNS",
    "against_table",
    "cell_text",
    "failed_columns",
    "gates_table",
    "render_summary",
    "row_cells",
    "summarize",
    "summary_tables",
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


#: The printed summary, one table per concern: title -> (columns, caption explaining them).
CONCERNS: dict[str, tuple[tuple[str, ...], str]] = {
    "correctness": (
        ("drift frames", "dtype cells", "NaN spread ms", "delay"),
        "drift: output length error after the flush, worst session · dtype: input-dtype "
        "cells passed · NaN: output ms spoiled by one NaN · delay: pulse delay against "
        "the reported latency · verdict: every gate of every check",
    ),
    "quality": (
        ("SNR dB", "alias dB", "latency"),
        "SNR: 997 Hz tone, worst rate pair · alias: rejection of a tone 10 % above the "
        "new Nyquist frequency · latency: frames a stream holds back (reported)",
    ),
    "speed": (
        ("cb p95 µs", "cb p99.9/budget", "speed ×linear"),
        "cb: resampling inside a simulated device callback, worst blocksize; p99.9 as a "
        "share of the block's time budget · speed: one-shot mono throughput as a ratio "
        "to linear in the same run",
    ),
}
#: Printed headers of the summary columns: short, unit on the second line.
HEADERS = {
    "drift frames": "drift\nframes",
    "dtype cells": "dtype\ncells",
    "NaN spread ms": "NaN\nms",
    "delay": "delay\nframes",
    "SNR dB": "SNR\ndB",
    "alias dB": "alias\ndB",
    "latency": "latency\nframes",
    "cb p95 µs": "cb p95\nµs",
    "cb p99.9/budget": "cb p99.9\n% budget",
    "speed ×linear": "speed\n×linear",
}
_VERDICT_STYLE = {"PASS": "green", "FAIL": "bold red", "REF": "dim"}


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


def _table(title: str, caption: str | None = None) -> Table:
    """A table in the compact style every printed table shares (no vertical rules)."""
    return Table(
        title=Text(title, style="bold"),
        caption=Text(caption) if caption else None,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        title_justify="left",
        caption_justify="left",
    )


def _label_column(table: Table, header: str) -> None:
    # Long labels fold rather than push the numbers off the screen.
    table.add_column(header, overflow="fold")


def _number_column(table: Table, header: str) -> None:
    table.add_column(header, justify="right", overflow="fold")


def summary_tables(df: pd.DataFrame) -> list[Table]:
    """The summary of one run as one table per concern (see :data:`CONCERNS`).

    A row per variant; red: a gate failed; baselines dimmed; the first table
    ends with the verdict over every gate.
    """
    summary = summarize(df).to_dict("records")
    cells = {
        row["variant"]: {column: (text, bad) for column, text, bad in row_cells(df, row)}
        for row in summary
    }
    tables = []
    for number, (concern, (columns, caption)) in enumerate(CONCERNS.items()):
        table = _table(concern, caption)
        _label_column(table, "backend variant")
        for column in columns:
            _number_column(table, HEADERS[column])
        if number == 0:
            table.add_column("verdict", justify="center")
        for row in summary:
            texts = [
                Text(text, style="red" if bad else "")
                for text, bad in (cells[row["variant"]][c] for c in columns)
            ]
            if number == 0:
                texts.append(Text(row["verdict"], style=_VERDICT_STYLE[row["verdict"]]))
            table.add_row(
                Text(row["variant"], style="bold"),
                *texts,
                style="dim" if row["baseline"] else None,
            )
        tables.append(table)
    return tables


def render_summary(df: pd.DataFrame, console: Console, *, title: str) -> None:
    """Print the run's title, the summary tables and the checks that failed to run."""
    console.print(Text(title, style="bold"))
    console.print(Text("red: a gate failed · REF: the baseline, reported, never gated"))
    for table in summary_tables(df):
        console.print()
        console.print(table)
    for row in summarize(df).to_dict("records"):
        for error in row["errors"]:
            console.print(
                Text.assemble(("check failed", "red"), f" {row['variant']}: {error}"),
                soft_wrap=True,
            )


def _add_group(table: Table, heading: str, rows: Iterable[Sequence[str | Text]]) -> None:
    """A bold heading row, then ``rows`` indented under it, then a rule."""
    rows = list(rows)
    table.add_row(Text(heading, style="bold"), end_section=not rows)
    for index, (label, *values) in enumerate(rows):
        table.add_row(
            Text(f"  {label}"),
            *(value if isinstance(value, Text) else Text(value) for value in values),
            end_section=index == len(rows) - 1,
        )


def against_table(
    before: pd.DataFrame, after: pd.DataFrame, *, before_name: str, after_name: str
) -> Table:
    """Before/after per variant for the summary's columns, with ratios (red: >10 % worse)."""
    b = summarize(before).set_index("variant")
    a = summarize(after).set_index("variant")
    table = _table(f"{after_name} against {before_name}")
    _label_column(table, "variant / measure")
    for header in ("before", "after", "after/\nbefore"):
        _number_column(table, header)
    for variant in a.index.intersection(b.index):
        rows = []
        for column, (*_head, fmt, better) in SUMMARY_COLUMNS.items():
            old, new = b.at[variant, column], a.at[variant, column]
            if isinstance(old, str) or isinstance(new, str):
                if old != new:
                    rows.append((column, str(old), str(new), ""))
                continue
            if math.isnan(old) and math.isnan(new):
                continue
            ratio = new / old if old not in (0, 0.0) and not math.isnan(old) else math.nan
            text = "–" if math.isnan(ratio) else f"{ratio:.2f}"
            worse = (better == "high" and ratio < 0.9) or (better == "low" and ratio > 1.1)
            unit = "dB" if "dB" in column else ""
            rows.append(
                (
                    column,
                    cell_text(old, fmt, unit),
                    cell_text(new, fmt, unit),
                    Text(text, style="red" if worse else ""),
                )
            )
        _add_group(table, variant, rows)
    return table


def gates_table(thresholds: Thresholds) -> Table:
    """The gates, a heading row per check; overrides one per line after the default."""
    table = _table("Gates (harness/thresholds.toml; the seed baseline is never gated)")
    _label_column(table, "check / gate")
    table.add_column("limit", overflow="fold")
    for check, section in thresholds.table.items():
        rows = []
        for key, entry in section.items():
            if isinstance(entry, dict):
                lines = [f"{entry['default']:g}"] if "default" in entry else []
                lines += [f"{k} {v:g}" for k, v in entry.items() if k != "default"]
                rows.append((key, "\n".join(lines)))
            else:
                rows.append((key, f"{entry:g}"))
        _add_group(table, check, rows)
    return table
