"""The printed tables: a run's summary (one per concern), the gates, before/after.

Every cell is rich ``Text`` (never markup: data may hold ``[...]``), and every
table fits 80 columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.results.gates import Thresholds
from harness.results.summary import SUMMARY_COLUMNS, cell_text, row_cells, summarize

__all__ = [
    "CONCERNS",
    "HEADERS",
    "against_table",
    "gates_table",
    "render_summary",
    "summary_tables",
]

#: The printed summary, one table per concern: title -> (columns, caption explaining them).
CONCERNS: dict[str, tuple[tuple[str, ...], str]] = {
    "correctness": (
        ("drift frames", "dtype cells", "NaN spread ms", "delay"),
        "drift: output length error after the flush, worst session · dtype: input-dtype "
        "cells passed · NaN: output ms spoiled by one NaN · delay: pulse delay against "
        "the reported latency · verdict: every gate of every check",
    ),
    "quality": (
        ("SNR dB", "reject dB", "latency"),
        "worst rate pair · SNR: 997 Hz tone · reject: the alias (downsampling) or image "
        "(upsampling) of a tone 2 % and 10 % beyond Nyquist, dB under it · latency: frames a "
        "stream holds back (reported)",
    ),
    "speed": (
        ("cb p95 µs", "cb p99.9/budget", "GIL late p99 µs", "speed ×soxr HQ"),
        "cb: resampling inside a simulated device callback, worst blocksize; p99.9 as a "
        "share of the block's time budget · GIL: how late a Python callback wakes "
        "(p99, 256 frames) while a producer resamples back to back (the rows of mode "
        "gil-free: the same schedule in a process of its own) · speed: one-shot mono "
        "throughput (CPU clock) as a ratio to soxr HQ in the same run, worst rate "
        "pair · one-shot: the check does not apply to a one-shot-only backend",
    ),
}
#: Printed headers of the summary columns: short, unit on the second line.
HEADERS = {
    "drift frames": "drift\nframes",
    "dtype cells": "dtype\ncells",
    "NaN spread ms": "NaN\nms",
    "delay": "delay\nframes",
    "SNR dB": "SNR\ndB",
    "reject dB": "reject\ndB",
    "latency": "latency\nframes",
    "cb p95 µs": "cb p95\nµs",
    "cb p99.9/budget": "cb p99.9\n% budget",
    "GIL late p99 µs": "GIL late\np99 µs",
    "speed ×soxr HQ": "speed\n×soxr HQ",
}
_VERDICT_STYLE = {"PASS": "green", "FAIL": "bold red", "REF": "dim"}


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
    table = _table("Gates (harness/results/thresholds.toml; the seed baseline is never gated)")
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
