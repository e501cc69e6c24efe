"""The checks of ``python -m harness compare``, one module each.

Every check is a function ``run(variant, settings, rec)`` that measures one
backend variant and records rows on the :class:`harness.results.store.Recorder`.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.measuring.checks import drift, dtypes, nonfinite, quality, throughput, timing

#: Check name -> function, in the order a run executes them (timing-sensitive last).
CHECKS: dict[str, Callable] = {
    "drift": drift.run,
    "dtype": dtypes.run,
    "quality": quality.run,
    "nonfinite": nonfinite.run,
    "timing": timing.run,
    "throughput": throughput.run,
}

#: Checks that measure time: they run alone, with nothing else on the machine.
TIMING_SENSITIVE = frozenset({"timing", "throughput"})

__all__ = ["CHECKS", "TIMING_SENSITIVE"]
