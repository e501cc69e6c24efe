"""The perf study's tables and verdicts (``python -m harness perf``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from rich import box
from rich.table import Table

from backends import Variant
from harness.measuring.perf import (
    CLAIM_PCT,
    DEVICE_BLOCK,
    GIL_EXPECTED,
    CachedArangeLinear,
)

__all__ = ["caching_verdict", "gil_verdict", "render"]


def gil_verdict(speedup: float, control: float = 2.0) -> str:
    """Read a two-thread speed-up, next to the control's, as whether the GIL is released.

    ``control`` is the speed-up of a GIL-free workload measured alongside
    (2.0 = both cores were free). Below 1.3 the machine gave no second core
    and nothing can be concluded.
    """
    if control < 1.3:
        return "inconclusive (machine busy)"
    relative = (speedup - 1) / (control - 1)
    if relative >= 0.7:
        return "yes"
    if relative >= 0.3:
        return "partly"
    return "no"


def caching_verdict(frame: pd.DataFrame, *, seconds: float | None = None) -> str:
    """One sentence on the seed's claim, from the ``caching`` rows of ``frame``."""
    rows = frame[(frame.check == "perf:caching") & (frame.variant == CachedArangeLinear.name)]
    value = dict(zip(rows.metric, rows.value, strict=True))
    lo, hi = CLAIM_PCT
    parts = []
    for key, what in (
        ("stream_saving_pct", f"{DEVICE_BLOCK}-frame streaming calls (p50)"),
        ("oneshot_saving_pct", f"{seconds:g} s one shot" if seconds else "one shot"),
    ):
        pct = value[key]
        truth = "true" if pct >= lo else "false"
        parts.append((f"{pct:+.1f} % for {what}", f"{truth} for {what}"))
    identical = "bit-identical output" if value["bit_identical"] else "OUTPUT DIFFERS"
    return (
        f"caching np.arange gives {parts[0][0]} and {parts[1][0]} ({identical}): "
        f"the {lo:g}–{hi:g} % claim is {parts[0][1]} and {parts[1][1]}."
    )


def _section(frame: pd.DataFrame, section: str) -> pd.DataFrame:
    return frame[frame.check == f"perf:{section}"]


def _wide(frame: pd.DataFrame, section: str) -> pd.DataFrame:
    part = _section(frame, section)
    order = list(dict.fromkeys(part.variant))
    return part.pivot(index="variant", columns="metric", values="value").reindex(order)


def _fmt(value: float, spec: str) -> str:
    return "–" if pd.isna(value) else format(value, spec)


def _table(title: str, columns: Sequence[str], *, text: Sequence[str] = ("variant",)) -> Table:
    """A compact table with ``columns``, the ``text`` ones left-aligned, the numbers right."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in columns:
        table.add_column(col, justify="left" if col in text else "right", overflow="fold")
    return table


def _short(spec: object) -> str:
    """``soxr:HQ``: a variant without its option names (tables fit 80 columns)."""
    try:
        return Variant.parse(str(spec)).short
    except ValueError:
        return str(spec)


def render(frame: pd.DataFrame, *, seconds: float | None = None) -> list[Table | str]:
    """Rich tables (and verdict lines) for a :func:`~harness.measuring.perf.collect` frame.

    Every table fits 80 columns.
    """
    out: list[Table | str] = []
    if _section(frame, "throughput").size:
        wide = _wide(frame, "throughput")
        copy = wide.loc["np.copyto", "copy_msps"]
        table = _table(
            f"Throughput vs memory copy — one shot, 44.1→48 kHz mono float32 "
            f"(np.copyto: {copy:,.0f} MS/s; into: process_into, preallocated output)",
            ("variant", "into\nMS/s", "% of\ncopy", "process\nMS/s", "×\nsoxr QQ", "×\nsoxr HQ"),
        )
        for spec, r in wide.drop(index="np.copyto").iterrows():
            table.add_row(
                _short(spec),
                _fmt(r.into_msps, ",.1f"),
                _fmt(r.into_pct_of_copy, ".2f"),
                _fmt(r.process_msps, ",.1f"),
                _fmt(r.get("ratio_to_soxr_qq"), ".3f"),
                _fmt(r.get("ratio_to_soxr_hq"), ".3f"),
            )
        out.append(table)
    if _section(frame, "per_call").size:
        wide = _wide(frame, "per_call")
        chunk = int(wide.input_frames_per_call.iloc[0])
        table = _table(
            f"Per-call overhead — {DEVICE_BLOCK}-frame output pulls ({chunk} input frames) "
            "via process_into; floor = an empty call on the same stream",
            ("variant", "calls", "p50 µs", "p99 µs", "floor\np50 µs", "p50 /\nfloor"),
        )
        for spec, r in wide.iterrows():
            table.add_row(
                _short(spec),
                f"{r.calls:.0f}",
                _fmt(r.call_p50_us, ".1f"),
                _fmt(r.call_p99_us, ".1f"),
                _fmt(r.floor_p50_us, ".2f"),
                _fmt(r.call_over_floor_p50, ".1f"),
            )
        out.append(table)
    if _section(frame, "threads").size:
        wide = _wide(frame, "threads")
        block = wide.block_frames.iloc[0]
        table = _table(
            f"Thread scaling — 2 streams in 2 threads vs 1, {block:.0f}-frame calls "
            "(speed-up 2.0 = parallel, 1.0 = serialised by the GIL; control: SHA-256, GIL-free)",
            (
                "backend",
                "1 thread\ns",
                "2 threads\ns",
                "speed-\nup",
                "control",
                "releases\nthe GIL",
            ),
            text=("backend", "releases\nthe GIL"),
        )
        for spec, r in wide.iterrows():
            documented = GIL_EXPECTED.get(str(spec).split(":")[0], "?")
            table.add_row(
                _short(spec),
                _fmt(r.t_one_s, ".3f"),
                _fmt(r.t_two_s, ".3f"),
                _fmt(r.speedup, ".2f"),
                _fmt(r.control_speedup, ".2f"),
                f"{gil_verdict(r.speedup, r.control_speedup)} (docs: {documented})",
            )
        out.append(table)
        out.append(
            "A kernel that releases the GIL scales only when it, not the Python around it "
            "(validation, slicing, wrappers), dominates a call; below 1.0 the two threads "
            "also fight over the GIL."
        )
    if _section(frame, "caching").size:
        wide = _wide(frame, "caching")
        table = _table(
            "The seed's caching claim — NumPy linear, np.arange cached or not",
            (
                "variant",
                "stream\np50 µs",
                "stream\nmean µs",
                "one-shot\nMS/s",
                "saving\nstream / 1-shot",
            ),
        )
        for spec, r in wide.iterrows():
            saving = (
                f"{r.stream_saving_pct:+.1f} % / {r.oneshot_saving_pct:+.1f} %"
                if not pd.isna(r.get("stream_saving_pct", np.nan))
                else "(reference)"
            )
            table.add_row(
                str(spec),
                _fmt(r.stream_call_p50_us, ".2f"),
                _fmt(r.stream_call_mean_us, ".2f"),
                _fmt(r.oneshot_msps, ",.1f"),
                saving,
            )
        out.append(table)
        out.append(caching_verdict(frame, seconds=seconds))
    out += _matrix_tables(frame)
    if _section(frame, "creation").size:
        wide = _section(frame, "creation").pivot_table(
            index=["variant", "in_rate", "out_rate"], columns="metric", values="value"
        )
        table = _table(
            "Creating a stream at the largest reduced ratios (designs not cached)",
            ("variant", "rates, Hz", "ms", "peak MB"),
        )
        for (spec, a, b), r in wide.iterrows():
            table.add_row(
                _short(spec), f"{a:.0f}→{b:.0f}", _fmt(r.create_ms, ".1f"), _fmt(r.peak_mb, ".1f")
            )
        out.append(table)
    if _section(frame, "oneshot").size:
        wide = _wide(frame, "oneshot")
        table = _table(
            "One-shot path: backends.resample() on a 1 s clip vs process() on a stream "
            "(ratio 1.0 = the convenience costs nothing)",
            ("variant", "resample()\nMS/s", "process()\nMS/s", "ratio"),
        )
        for spec, r in wide.iterrows():
            table.add_row(
                _short(spec),
                _fmt(r.resample_msps, ",.1f"),
                _fmt(r.process_msps, ",.1f"),
                _fmt(r.ratio, ".2f"),
            )
        out.append(table)
    return out


#: The matrix section's references: a variant is shown as a ratio to soxr of its quality.
_REFERENCES = {"soxr:quality=HQ": "ratio_to_soxr_hq", "soxr:quality=VHQ": "ratio_to_soxr_vhq"}


def _reference(spec: str, present: set[str]) -> tuple[str, str]:
    """(metric, header) of the ratio a matrix variant is shown as."""
    if spec.endswith("=vhq") and "soxr:quality=VHQ" in present:
        return "ratio_to_soxr_vhq", "×VHQ"
    if "soxr:quality=HQ" in present:
        return "ratio_to_soxr_hq", "×HQ"
    return "ratio_to_copy", "×copy"


def _matrix_tables(frame: pd.DataFrame) -> list[Table | str]:
    """Speed at each rate pair as a ratio to soxr HQ (vhq: VHQ) measured alongside.

    One table for one-shot, one for 512-frame calls, a column per variant;
    without a soxr reference in the run, as a ratio to the memory copy.
    """
    part = _section(frame, "matrix")
    if not part.size:
        return []
    present = set(part.variant)
    specs = [s for s in dict.fromkeys(part.variant) if s not in _REFERENCES and s != "np.copyto"]
    specs = specs or [s for s in dict.fromkeys(part.variant) if s != "np.copyto"]
    by = part.set_index(["in_rate", "out_rate", "variant", "schedule", "metric"])["value"]
    pairs = list(dict.fromkeys(zip(part.in_rate, part.out_rate, strict=True)))
    out: list[Table | str] = []
    against = "soxr measured alongside" if present & set(_REFERENCES) else "a memory copy"
    for scenario, what in (("oneshot", "one shot"), ("streaming", "512-frame calls")):
        # One-shot-only variants have no streaming figures.
        shown = [s for s in specs if (part.variant.eq(s) & part.schedule.eq(scenario)).any()]
        if not shown:
            continue
        columns = ["rates", *(f"{_short(s)}\n{_reference(s, present)[1]}" for s in shown)]
        table = _table(f"Rate matrix, {what}", columns, text=("rates",))
        floor: dict[str, float] = {}
        for a, b in pairs:
            cells = [f"{a / 1000:g}→{b / 1000:g}k"]
            for spec in shown:
                value = by.get((a, b, spec, scenario, _reference(spec, present)[0]), np.nan)
                if not np.isnan(value):
                    floor[spec] = min(floor.get(spec, np.inf), value)
                cells.append(_fmt(value, ".2f" if value >= 0.01 or np.isnan(value) else ".1e"))
            table.add_row(*cells)
        out.append(table)
        worst = ", ".join(f"{_short(s)} {v:.3g}×" for s, v in floor.items())
        out.append(f"Speed as a ratio to {against}; slowest pair ({what}): {worst}.")
    return out
