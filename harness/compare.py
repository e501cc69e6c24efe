"""Running the checks over the targets: progress, isolation of failures, ratios."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.checks import CHECKS
from harness.results import Recorder
from harness.targets import Settings, Target
from harness.thresholds import Thresholds

__all__ = ["REFERENCE", "run_checks", "throughput_ratios"]

#: Throughput is reported as a ratio to this backend, measured in the same run.
REFERENCE = Target("linear", (), False)


def run_checks(
    targets: Sequence[Target],
    settings: Settings,
    checks: Sequence[str],
    thresholds: Thresholds,
    *,
    console: Console,
) -> list[dict[str, Any]]:
    """Run every check over every target; a check that raises is recorded as failed.

    Checks run one target at a time, in the order of :data:`harness.checks.CHECKS`
    (timing-sensitive ones last, with nothing else running).
    """
    ordered = [c for c in CHECKS if c in checks]
    plan = [(c, t) for c in ordered for t in targets]
    if "throughput" in ordered and REFERENCE not in targets:
        plan.append(("throughput", REFERENCE))
    rows: list[dict[str, Any]] = []
    columns = (
        TextColumn("[bold]{task.description:<46}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("starting", total=len(plan))
        for check, target in plan:
            progress.update(task, description=f"{check} · {target.spec}")
            rec = Recorder(target, check, thresholds)
            try:
                CHECKS[check](target, settings, rec)
            except Exception as exc:  # a broken backend must not stop the run
                rec.error(exc)
            rows += rec.rows
            progress.advance(task)
        progress.update(task, description="done")
    return rows + throughput_ratios(rows)


def throughput_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``ratio_to_linear`` rows: each throughput figure over linear's in the same scenario."""
    df = pd.DataFrame([r for r in rows if r.get("metric") == "msamples_per_s"])
    if df.empty:
        return []
    keys = ["in_rate", "out_rate", "channels", "schedule"]
    ref = df[df["variant"] == REFERENCE.spec].set_index(keys)["value"]
    out = []
    for row in df.to_dict("records"):
        key = tuple(row[k] for k in keys)
        if key in ref.index:
            out.append(
                {**row, "metric": "ratio_to_linear", "value": row["value"] / ref[key], "unit": "x"}
            )
    return out
