"""Running the checks over the targets: progress, isolation of failures, ratios.

Each (check, target) runs in a forked child process with a timeout, so a
backend that crashes the interpreter or hangs in one check costs only that
check: it is recorded as failed with the reason, and the run goes on and is
saved. Where ``fork`` is unavailable the checks run in-process (no timeout).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from harness.checks import CHECKS
from harness.results import Recorder
from harness.targets import Settings, Target
from harness.thresholds import Thresholds

__all__ = ["DEFAULT_TIMEOUT", "REFERENCE", "run_checks", "run_one", "throughput_ratios"]

#: Throughput is reported as a ratio to this backend, measured in the same run.
REFERENCE = Target("linear", (), False)
#: Seconds one check may take on one target (the slowest normal one takes ~30 s).
DEFAULT_TIMEOUT = 600.0


def run_checks(
    targets: Sequence[Target],
    settings: Settings,
    checks: Sequence[str],
    thresholds: Thresholds,
    *,
    console: Console,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[dict[str, Any]]:
    """Run every check over every target; a check that fails is recorded as failed.

    Checks run one target at a time, in the order of :data:`harness.checks.CHECKS`
    (timing-sensitive ones last, with nothing else running). ``timeout`` bounds
    each (check, target) in seconds.
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
            rows += run_one(check, target, settings, thresholds, timeout=timeout)
            progress.advance(task)
        progress.update(task, description="done")
    return rows + throughput_ratios(rows)


def _measure(
    check: str, target: Target, settings: Settings, thresholds: Thresholds
) -> list[dict[str, Any]]:
    rec = Recorder(target, check, thresholds)
    try:
        CHECKS[check](target, settings, rec)
    except Exception as exc:  # a broken backend must not stop the run
        rec.error(exc)
    return rec.rows


def _child(pipe: Connection, *args: Any) -> None:
    pipe.send(_measure(*args))
    pipe.close()


def run_one(
    check: str,
    target: Target,
    settings: Settings,
    thresholds: Thresholds,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[dict[str, Any]]:
    """One check on one target, in a forked child bounded by ``timeout`` seconds."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return _measure(check, target, settings, thresholds)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(send, check, target, settings, thresholds), daemon=True
    )
    child.start()
    send.close()
    try:
        if receive.poll(timeout):
            return receive.recv()
        reason = TimeoutError(f"{check} did not finish within {timeout:g} s")
    except EOFError:  # the child died before sending anything
        child.join(5)
        reason = RuntimeError(f"{check} crashed the interpreter (exit code {child.exitcode})")
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    rec = Recorder(target, check, thresholds)
    rec.error(reason)
    return rec.rows


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
