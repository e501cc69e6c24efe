"""Benchmarks of every backend variant at 44.1 → 48 kHz float32, one group per scenario.

* ``oneshot-<N>s-mono`` / ``oneshot-<N>s-stereo``: the whole input in one
  ``process_into(..., last=True)`` call (N = ``$BENCH_SECONDS``, default 60);
* ``streaming-512``: 512-frame input blocks through ``process_into``, then a flush;
* ``callback-mode``: :func:`harness.measuring.checks.timing.simulate` in callback mode,
  blocksize 256 (the seed's player design).

Every benchmark also checks the output length against ``expected_length``, so
a fast but wrong backend fails here too. Streams are reset inside the timed
function (a few µs) so that every round starts from the same state.
"""

from __future__ import annotations

import numpy as np
import pytest

from harness.measuring.checks.throughput import STREAM_BLOCK
from harness.measuring.checks.timing import simulate

IN_RATE, OUT_RATE = 44100, 48000
CALLBACK_BLOCK = 256


def length_slack(stream, calls: int) -> int:
    """Frames the total may be off by: 0, or one per call for a baseline that drifts.

    The ``seed`` baseline rounds each block on its own and knowingly breaks the
    length rule (it reports so through ``breaks``); its error stays within one
    frame per call.
    """
    breaks = getattr(type(stream), "breaks", None)
    if breaks is not None and breaks("length", in_rate=IN_RATE, out_rate=OUT_RATE):
        return calls
    return 0


@pytest.mark.parametrize("channels", [1, 2], ids=["mono", "stereo"])
def test_oneshot(benchmark, make_stream, signal, oneshot_seconds, channels):
    benchmark.group = f"oneshot-{oneshot_seconds:g}s-{'mono' if channels == 1 else 'stereo'}"
    x = signal(oneshot_seconds, channels)
    stream = make_stream(channels)
    out = np.empty((stream.output_frames_max(len(x)), *x.shape[1:]), np.float32)

    def run() -> int:
        stream.reset()
        return stream.process_into(x, out, last=True)

    n = benchmark(run)
    assert abs(n - stream.expected_length(len(x))) <= length_slack(stream, 1)


def test_streaming_512(benchmark, streaming, make_stream, signal, bench_seconds):
    benchmark.group = "streaming-512"
    x = signal(min(bench_seconds, 10.0), 1)
    stream = make_stream()
    out = np.empty(stream.output_frames_max(STREAM_BLOCK), np.float32)
    calls = -(-len(x) // STREAM_BLOCK) + 1

    def run() -> int:
        stream.reset()
        total = 0
        for pos in range(0, len(x), STREAM_BLOCK):
            total += stream.process_into(x[pos : pos + STREAM_BLOCK], out)
        return total + stream.process_into(x[:0], out, last=True)

    total = benchmark(run)
    assert abs(total - stream.expected_length(len(x))) <= length_slack(stream, calls)


def test_callback_mode(benchmark, streaming, make_stream, bench_seconds):
    benchmark.group = "callback-mode"
    seconds = min(bench_seconds, 3.0)
    stream = make_stream()

    def run() -> dict:
        stream.reset()
        return simulate(stream, blocksize=CALLBACK_BLOCK, seconds=seconds, mode="callback")

    raw = benchmark(run)
    callbacks = max(1, int(seconds * OUT_RATE) // CALLBACK_BLOCK)
    assert len(raw["callback_ns"]) == callbacks
    us = raw["callback_ns"] / 1000.0
    benchmark.extra_info.update(
        callback_p50_us=float(np.quantile(us, 0.5)),
        callback_p99_us=float(np.quantile(us, 0.99)),
        resampler_calls=raw["calls"],
    )
    # Every callback was served, and flushing completes the exact length.
    assert stream.frames_out >= callbacks * CALLBACK_BLOCK
    stream.process(np.zeros(0, np.float32), last=True)
    slack = length_slack(stream, raw["calls"] + 1)
    assert abs(stream.frames_out - stream.expected_length(stream.frames_in)) <= slack
