"""The playback report as a table that fits 80 columns."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from backends import Variant

__all__ = ["report_table"]


def _us(stats: dict, keys: Sequence[str]) -> str:
    """``"p50 / p95 / max"`` style: the quantiles in whole µs, "-" when none was measured."""
    return " / ".join("-" if stats[k] is None else f"{stats[k]:.0f}" for k in keys)


def report_table(report: dict) -> Table:
    """The playback report as a two-column table that fits 80 columns."""
    table = Table(
        title=escape(
            f"playback report · {report['mode']} mode · "
            f"{report['in_rate']} → {report['out_rate']} Hz"
        ),
        caption=escape(f"gate: {report['gate']['rule']}"),
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    cb, rs, log = report["callback_us"], report["resample_us"], report["timing_log"]
    underruns = report["underruns"]
    rows = [
        ("device", f"{report['device']} ({report['hostapi']})"),
        (
            "frames played / expected",
            f"{report['frames_played']} / {report['frames_out_expected']}",
        ),
        ("duration", f"{report['duration_s']:.2f} s"),
        ("lost frames", str(report["lost_frames"])),
        (
            "underruns: FIFO / device",
            f"{underruns['fifo_empty']} / {underruns['device_output_underflow']}",
        ),
        ("device underruns after a late call", str(report["device_underflow_after_late_callback"])),
        (
            "callbacks over budget",
            f"{report['late_callbacks']} of {cb['count']} ({cb['budget_us']:.0f} µs)",
        ),
        ("callback µs p50/p95/p99/max", _us(cb, ("p50", "p95", "p99", "max"))),
        ("resample µs p50/p95/max", _us(rs, ("p50", "p95", "max"))),
    ]
    rows += [
        (
            f"  {Variant.parse(spec).short}",
            f"{_us(stats, ('p50', 'p95', 'max'))} ({stats['blocks']} calls)",
        )
        for spec, stats in report["resample_us_by_backend"].items()
    ]
    if log["callbacks_kept"] < log["callbacks"]:
        rows.append(("timing kept", f"last {log['seconds']} s ({log['callbacks_kept']} callbacks)"))
    rows += [
        ("swaps", str(report["swaps"])),
        ("backend faults (fallback took over)", str(len(report["faults"]))),
    ]
    if report["interrupted"]:
        rows.append(("interrupted", "yes (Ctrl-C)"))
    for label, value in rows:
        table.add_row(escape(label), escape(value))
    passed = report["gate"]["passed"]
    table.add_row("gate", "[green]PASS[/green]" if passed else "[bold red]FAIL[/bold red]")
    return table
