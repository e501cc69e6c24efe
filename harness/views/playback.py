"""The playback report as a table that fits 80 columns."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from backends import Variant

__all__ = ["minutes_table", "report_table", "soaks_table"]


def _us(stats: dict, keys: Sequence[str]) -> str:
    """``"p50 / p95 / max"`` style: the quantiles in whole µs, "-" when none was measured."""
    return " / ".join("-" if stats[k] is None else f"{stats[k]:.0f}" for k in keys)


def _maybe(value: object) -> str:
    """``value`` as text, "-" when it was not measured."""
    return "-" if value is None else str(value)


def _attribution(report: dict) -> list[tuple[str, str]]:
    """Rows comparing our underflows with the control's, when a control ran."""
    control, found = report.get("control"), report.get("attribution")
    if control is None:
        return []
    if found is None:
        return [("control", f"failed: {control.get('error', 'no figures')}")]
    rows = [
        ("control client (GIL-free, full ring)", f"{control['client']} ({control['sched']})"),
        (
            "device underruns: ours / control",
            f"{report['underruns']['device_output_underflow']} / {control['device_underflows']}",
        ),
    ]
    late = f"{found['ours']} / {found['control']}"
    if found["source"] == "server log":
        rows.append(("late cycles ours / control (server)", late))
        rows.append(("server's own xruns", _maybe(found["server"])))
    else:
        rows.append(("no server log, underruns ours / ctl", late))
    rows.append(
        (
            "seconds ours / control late more",
            f"{found['seconds_ours_worse']} / {found['seconds_control_worse']}",
        )
    )
    rows.append(("p of ours beyond the control's", f"{found['excess_p']:.3g}"))
    return rows


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
    late = report["late_callbacks"]
    rows = [
        ("device", f"{report['device']} ({report['hostapi']})"),
        ("audio thread scheduling", _maybe(report.get("sched"))),
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
        (
            "FIFO lowest / target frames",
            f"{_maybe(report['fifo_low_frames'])} / {report['fifo_target_frames']}",
        ),
        *_attribution(report),
        (
            "device underruns after a late call",
            _maybe(report["device_underflow_after_late_callback"]),
        ),
        (
            "callbacks over budget",
            f"{late} of {cb['count']} ({cb['budget_us']:.0f} µs)"
            if late is not None
            else f"- (C callback, {report['blocks']} blocks)",
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


#: Columns of the per-minute table: report key, heading.
MINUTE_COLUMNS = (
    ("ours_underflows", "our device\nunderruns"),
    ("control_underflows", "control's\nunderruns"),
    ("late_ours", "late cycles\nours"),
    ("late_control", "late cycles\ncontrol"),
    ("late_server", "server's\nown xruns"),
)


def minutes_table(report: dict) -> Table:
    """Ours next to the control, minute by minute (late cycles from the server's log)."""
    minutes = report["per_minute"]
    table = Table(title="per minute: ours next to the control")
    table.add_column("minute", justify="right")
    keys = [(key, head) for key, head in MINUTE_COLUMNS if key in minutes[0]]
    for _, head in keys:
        table.add_column(head, justify="right")
    for row in minutes:
        table.add_row(str(row["minute"]), *(str(row[key]) for key, _ in keys))
    return table


def soaks_table(reports: Sequence[dict]) -> Table:
    """One row per soak of ``soak --repeat``: the gate's figures and verdict."""
    table = Table(title="soaks in a row")
    for head in (
        "#",
        "device xrun\nours/ctl",
        "late cycles\nours/ctl",
        "late secs\nours/ctl",
        "p",
        "FIFO",
        "lost",
        "p95 µs",
        "gate",
    ):
        table.add_column(head, justify="right")
    for i, report in enumerate(reports, 1):
        found = report.get("attribution") or {}
        control = report.get("control") or {}
        gate = report["gate"]
        p95 = report["resample_us"]["p95"]
        table.add_row(
            str(i),
            f"{report['underruns']['device_output_underflow']}/"
            f"{_maybe(control.get('device_underflows'))}",
            f"{_maybe(found.get('ours'))}/{_maybe(found.get('control'))}",
            f"{_maybe(found.get('seconds_ours_worse'))}/{_maybe(found.get('seconds_control_worse'))}",
            "-" if found.get("excess_p") is None else f"{found['excess_p']:.2g}",
            str(report["underruns"]["fifo_empty"]),
            str(report["lost_frames"]),
            "-" if p95 is None else f"{p95:.0f}",
            "[green]PASS[/green]" if gate["passed"] else "[bold red]FAIL[/bold red]",
        )
    return table
