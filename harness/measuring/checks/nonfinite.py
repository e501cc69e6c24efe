"""Non-finite input: how far one NaN or inf spreads, and whether the stream recovers.

No backend scans its input for NaN/inf (it would cost every call for a fault
upstream); a non-finite sample simply goes through the arithmetic. This check
measures what that means for each backend: a 440 Hz tone with one NaN (then
one +inf) one second in, streamed in 512-frame blocks. Recorded: the output
frames that come out non-finite, whether the last half second is finite again
(the stream recovers by itself), and whether ``reset()`` gives clean output.
"""

from __future__ import annotations

import numpy as np

from backends import Variant
from harness.measuring.settings import Settings, capabilities_of
from harness.measuring.signals import tone
from harness.results.store import Recorder

__all__ = ["run"]

BLOCK = 512


def run(variant: Variant, settings: Settings, rec: Recorder) -> None:
    """At the run's first streaming pair; a one-shot backend gets the tone in one call."""
    in_rate, out_rate = settings.stream_pairs[0]
    streaming = capabilities_of(variant).streaming
    clean = tone(440.0, in_rate, 3 * in_rate, dbfs=-6).astype(np.float32)
    for label, bad in (("nan", np.nan), ("inf", np.inf)):
        x = clean.copy()
        x[in_rate] = bad
        stream = variant.create(in_rate=in_rate, out_rate=out_rate)
        if streaming:
            parts = [stream.process(x[i : i + BLOCK]) for i in range(0, len(x), BLOCK)]
            y = np.concatenate([*parts, stream.process(x[:0], last=True)])
        else:
            y = stream.process(x, last=True)
        spoiled = ~np.isfinite(y)
        dims = dict(in_rate=in_rate, out_rate=out_rate, channels=1, dtype=label)
        rec.add("contaminated_frames", int(spoiled.sum()), "frames", **dims)
        where = np.flatnonzero(spoiled)
        span = (where[-1] - where[0] + 1) if len(where) else 0
        rec.add("contaminated_ms", 1000 * span / out_rate, "ms", **dims)
        rec.add("recovers", float(not spoiled[-out_rate // 2 :].any()), "bool", **dims)
        fresh = variant.create(in_rate=in_rate, out_rate=out_rate).process(clean, last=True)
        try:
            stream.reset()
            recovered = np.array_equal(stream.process(clean, last=True), fresh)
        except Exception:  # a reset that leaves the stream unusable failed
            recovered = False
        rec.add("reset_recovers", float(recovered), "bool", **dims)
