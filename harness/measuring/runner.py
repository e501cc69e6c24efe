"""Running the checks over the variants: progress, isolation of failures, ratios.

Each (check, variant) runs in a forked child process with a timeout, so a
backend that crashes the interpreter or hangs in one check costs only that
check: it is recorded as failed with the reason, and the run goes on and is
saved. Checks that do not measure time run one per core; timing and
throughput run alone afterwards. Every variant is warmed up first, in this
process (:func:`warm_up`), so that JIT compilation happens once, not in every
forked check. Where ``fork`` is unavailable the checks run in-process, one at a
time, with no timeout.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column

from backends import Variant, available_backends
from harness.measuring.checks import CHECKS, TIMING_SENSITIVE
from harness.measuring.settings import Settings
from harness.results.gates import Thresholds
from harness.results.store import Recorder

__all__ = [
    "DEFAULT_TIMEOUT",
    "FALLBACK_REFERENCE",
    "MAX_TIMEOUT",
    "REFERENCE",
    "check_timeout",
    "ratio_metric",
    "reference_variant",
    "run_checks",
    "throughput_ratios",
    "warm_up",
]

#: Throughput is reported as a ratio to this backend measured in the same run
#: (the anchor users compare against); ``linear`` when soxr is not installed.
REFERENCE = Variant.of("soxr", {"quality": "HQ"})
FALLBACK_REFERENCE = Variant("linear")
#: Seconds one check may take on one variant (the slowest normal one takes ~30 s).
DEFAULT_TIMEOUT = 600.0
#: Longest timeout accepted: waiting goes through poll(), whose timeout is an int of
#: milliseconds (at most ~24.8 days).
MAX_TIMEOUT = 1e6


def check_timeout(seconds: float, *, name: str = "timeout") -> float:
    """``seconds`` if it is a usable per-check timeout, else ValueError naming ``name``.

    NaN would disable the timeout (every comparison with it is false) and
    busy-wait a core; infinity overflows the wait.
    """
    if not 0 < seconds <= MAX_TIMEOUT:  # also false for NaN
        raise ValueError(f"{name}: expected seconds in (0, {MAX_TIMEOUT:g}], got {seconds:g}")
    return seconds


def run_checks(
    variants: Sequence[Variant],
    settings: Settings,
    checks: Sequence[str],
    thresholds: Thresholds,
    *,
    console: Console,
    timeout: float = DEFAULT_TIMEOUT,
    jobs: int | None = None,
) -> list[dict[str, Any]]:
    """Run every check over every variant; a check that fails is recorded as failed.

    Checks whose figures do not depend on a quiet machine run ``jobs`` at a time
    (default: one per core); the timing-sensitive ones (see
    :data:`harness.measuring.checks.TIMING_SENSITIVE`) run last, one at a time, with
    nothing else running. ``timeout`` bounds each (check, variant) in seconds.
    Rows come back in plan order whatever the order of completion.

    Raises
    ------
    ValueError
        ``timeout`` is not a number of seconds in (0, :data:`MAX_TIMEOUT`].
    """
    check_timeout(timeout)
    ordered = [c for c in CHECKS if c in checks]
    plan = [(c, t) for c in ordered for t in variants]
    reference = reference_variant()
    if "throughput" in ordered and reference not in variants:
        plan.append(("throughput", reference))
    shared = [i for i, (c, _t) in enumerate(plan) if c not in TIMING_SENSITIVE]
    alone = [i for i, (c, _t) in enumerate(plan) if c in TIMING_SENSITIVE]
    results: dict[int, list[dict[str, Any]]] = {}
    columns = (  # the description gives way (cut with "…") so the counts always show
        TextColumn(
            "{task.description}",
            style="bold",
            table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis"),
        ),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False, expand=True) as progress:
        task = progress.add_task("starting", total=len(plan))
        if _can_fork():
            warm_up(
                list(dict.fromkeys(t for _c, t in plan)),
                timeout=timeout,
                describe=lambda text: progress.update(task, description=escape(text)),
            )
        for indices, width in ((shared, jobs or os.cpu_count() or 1), (alone, 1)):
            for index, rows in _run_many(
                plan,
                indices,
                width,
                settings,
                thresholds,
                timeout,
                lambda text: progress.update(task, description=escape(text)),
            ):
                results[index] = rows
                progress.advance(task)
        progress.update(task, description="done")
    rows = [row for index in range(len(plan)) for row in results[index]]
    return rows + throughput_ratios(rows)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def warm_up(
    variants: Sequence[Variant], *, timeout: float, describe: Callable[[str], object]
) -> None:
    """Compile and load every variant's kernels here, once, before the checks fork.

    Each forked check inherits them instead of compiling its own: a JIT library
    without an on-disk cache (resampy) compiles for a second or more per
    process, in every check. Float32 and float64, mono and stereo, as the
    checks use them. A variant that fails or takes longer than ``timeout`` here
    is left to its checks, which record the failure in their own processes.
    """
    for variant in variants:
        describe(f"warming up · {variant.spec}")
        try:
            with _deadline(timeout):
                for dtype in ("float32", "float64"):
                    for channels in (1, 2):
                        stream = variant.create(
                            in_rate=44100, out_rate=48000, channels=channels, dtype=dtype
                        )
                        stream.process(np.zeros((256, channels), dtype), last=True)
        except Exception:  # reported by the checks, each isolated in its own process
            continue


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in this (main) thread after ``seconds``; a no-op elsewhere."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"warm-up took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _measure(
    check: str, variant: Variant, settings: Settings, thresholds: Thresholds
) -> list[dict[str, Any]]:
    rec = Recorder(variant, check, thresholds)
    started = time.perf_counter()
    try:
        CHECKS[check](variant, settings, rec)
    except Exception as exc:  # a broken backend must not stop the run
        rec.error(exc)
    # Where a run's time goes (wall clock of this check on this variant).
    rec.add("check_seconds", time.perf_counter() - started, "s", gate=False)
    return rec.rows


def _child(pipe: Connection, *args: Any) -> None:
    pipe.send(_measure(*args))
    pipe.close()


class _Job:
    """One check on one variant running in a forked child."""

    def __init__(
        self, context: Any, check: str, variant: Variant, settings: Settings, thresholds: Thresholds
    ) -> None:
        self.check, self.variant, self.thresholds = check, variant, thresholds
        self.pipe, send = context.Pipe(duplex=False)
        self.child = context.Process(
            target=_child, args=(send, check, variant, settings, thresholds), daemon=True
        )
        self.child.start()
        send.close()
        self.started = time.monotonic()

    def finish(self, *, timeout: float) -> list[dict[str, Any]]:
        """Its rows, or one failed row if it crashed or ran out of time."""
        try:
            if self.pipe.poll(0):
                return self.pipe.recv()
            reason: Exception = TimeoutError(f"{self.check} did not finish within {timeout:g} s")
        except EOFError:  # the child died before sending anything
            self.child.join(5)
            reason = RuntimeError(
                f"{self.check} crashed the interpreter (exit code {self.child.exitcode})"
            )
        finally:
            self.pipe.close()
            if self.child.is_alive():
                self.child.kill()
            self.child.join(5)
        rec = Recorder(self.variant, self.check, self.thresholds)
        rec.error(reason)
        return rec.rows


def _run_many(
    plan, indices, width, settings, thresholds, timeout, describe
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Run ``plan[i]`` for ``i`` in ``indices``, ``width`` at a time; yield as they end."""
    if not _can_fork():  # no isolation possible
        for index in indices:
            check, variant = plan[index]
            describe(f"{check} · {variant.spec}")
            yield index, _measure(check, variant, settings, thresholds)
        return
    context = multiprocessing.get_context("fork")
    waiting, running = list(indices), {}
    while waiting or running:
        while waiting and len(running) < width:
            index = waiting.pop(0)
            running[index] = _Job(context, *plan[index], settings, thresholds)
        describe(" + ".join(f"{j.check} · {j.variant.spec}" for j in running.values()))
        soonest = min(j.started for j in running.values()) + timeout - time.monotonic()
        ready = wait([j.pipe for j in running.values()], timeout=max(0.0, soonest))
        now = time.monotonic()
        for index, job in list(running.items()):
            if job.pipe in ready or now - job.started >= timeout:
                del running[index]
                yield index, job.finish(timeout=timeout)


def reference_variant() -> Variant:
    """soxr HQ when soxr is installed, else ``linear``."""
    info = {i.name: i for i in available_backends()}
    return REFERENCE if info.get("soxr") and info["soxr"].available else FALLBACK_REFERENCE


def ratio_metric(reference: Variant) -> str:
    """``ratio_to_soxr_hq`` (or ``ratio_to_linear``): the speed-ratio rows' metric."""
    return "ratio_to_" + (reference.short.replace(":", "_").lower())


def throughput_ratios(
    rows: list[dict[str, Any]], reference: Variant | None = None
) -> list[dict[str, Any]]:
    """Each CPU-clock throughput over the reference's in the same scenario.

    The metric is :func:`ratio_metric` of the reference (``ratio_to_soxr_hq``).
    """
    reference = reference or reference_variant()
    df = pd.DataFrame([r for r in rows if r.get("metric") == "cpu_msamples_per_s"])
    if df.empty:
        return []
    keys = ["in_rate", "out_rate", "channels", "schedule"]
    ref = df[df["variant"] == reference.spec].set_index(keys)["value"]
    metric = ratio_metric(reference)
    out = []
    for row in df.to_dict("records"):
        key = tuple(row[k] for k in keys)
        if key in ref.index:
            out.append({**row, "metric": metric, "value": row["value"] / ref[key], "unit": "x"})
    return out
