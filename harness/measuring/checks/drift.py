"""Length drift: long sessions in several feeding schedules, error over session time.

For each of the run's streaming rate pairs and each schedule a session of noise
(the content does not matter for lengths) is streamed and flushed: ``drift_seconds``
of input or ``drift_max_calls`` calls, whichever ends first; a one-shot backend
gets the whole session in one call (its length alone). Recorded: the final
frame error (``frames_out - expected_length(frames_in)``) in frames, ms and ppm; the most
frames held back and run ahead during the session and how far beyond the
reported latency; and the held-back count once per second as a time series
(``x`` = session time in s) for plots.
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from backends import Variant, expected_length
from backends.testing import block_sizes, noise
from harness.measuring.settings import Settings, capabilities_of
from harness.results.store import Recorder

__all__ = ["SCHEDULES", "run", "session_blocks"]

#: The feeding patterns of a session (see :mod:`backends.testing.schedules`).
SCHEDULES = ("device-512", "random-1-4096", "prime-17", "1-frame")


def session_blocks(schedule: str, settings: Settings, in_rate: int, out_rate: int) -> list[int]:
    """Block sizes of one session: ``drift_seconds`` of input or ``drift_max_calls``
    blocks, whichever ends first.

    Length errors build up per call, so the tiny-block schedules (1-frame,
    prime-17: thousands of calls per second) reach the statistic's scale in a
    fraction of the session the large blocks need.
    """
    n = round(settings.drift_seconds * in_rate)
    sizes = block_sizes(schedule, n, in_rate=in_rate, out_rate=out_rate, seed=settings.seed)
    return list(islice(sizes, settings.drift_max_calls))


def run(variant: Variant, settings: Settings, rec: Recorder) -> None:
    """Sessions in every schedule, or one call for a one-shot backend (its length alone)."""
    streaming = capabilities_of(variant).streaming
    for in_rate, out_rate in settings.stream_pairs:
        source = noise(in_rate, 1, seed=settings.seed)[:, 0].astype(np.float32)  # 1 s, looped
        for schedule in SCHEDULES if streaming else ("one-shot",):
            sizes = session_blocks(schedule, settings, in_rate, out_rate)
            n = sum(sizes)
            seconds = n / in_rate
            stream = variant.create(in_rate=in_rate, out_rate=out_rate)
            latency = stream.latency
            held_max, ahead_max, next_mark = 0, 0, in_rate
            series = []
            for size in sizes:
                start = stream.frames_in % in_rate
                block = source[start : start + size]
                if len(block) < size:  # wrap around the 1 s source
                    block = np.concatenate((block, np.resize(source, size - len(block))))
                stream.process(block, last=not streaming)
                held = expected_length(stream.frames_in, in_rate, out_rate) - stream.frames_out
                held_max, ahead_max = max(held_max, held), max(ahead_max, -held)
                while stream.frames_in >= next_mark:
                    series.append((next_mark / in_rate, -held))
                    next_mark += in_rate
            if streaming:
                stream.process(source[:0], last=True)
            final = stream.frames_out - expected_length(n, in_rate, out_rate)
            dims = dict(
                in_rate=in_rate, out_rate=out_rate, channels=1, dtype="float32", schedule=schedule
            )
            rec.add("session_seconds", seconds, "s", **dims)
            rec.add("final_error_frames", final, "frames", **dims)
            rec.add("final_error_ms", 1000.0 * final / out_rate, "ms", **dims)
            rec.add(
                "final_error_ppm",
                1e6 * final / max(1, expected_length(n, in_rate, out_rate)),
                "ppm",
                **dims,
            )
            rec.add("max_held_frames", held_max, "frames", **dims)
            rec.add("max_ahead_frames", ahead_max, "frames", **dims)
            rec.add("latency_frames", latency, "frames", **dims)
            rec.add("held_beyond_latency_frames", max(0, held_max - latency), "frames", **dims)
            for t, err in series:
                rec.add("error_frames", err, "frames", x=t, x_unit="s", **dims)
            rec.add("error_frames", final, "frames", x=seconds, x_unit="s", **dims)
