"""Separate streams in separate threads are independent; one stream hammered from two
threads never corrupts (the kit's ``thread_guard`` check covers a refused call).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import backends


@pytest.mark.parametrize("spec", ["linear", "numba", "soxr", "samplerate", "numba-sinc"])
def test_separate_streams_in_separate_threads_match_single_threaded_output(spec):
    x = np.random.default_rng(0).standard_normal((200_000, 1)).astype(np.float32)
    want = backends.resample(x, 22050, 48000, backend=spec)
    results = [None] * 4

    def work(slot):
        stream = backends.create(spec, in_rate=22050, out_rate=48000)
        parts = [stream.process(x[i : i + 4096]) for i in range(0, len(x), 4096)]
        parts.append(stream.process(x[:0], last=True))
        results[slot] = np.concatenate(parts)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results:
        np.testing.assert_array_equal(got, want)


def test_hammering_one_stream_from_two_threads_raises_and_never_corrupts():
    stream = backends.create("numba", in_rate=22050, out_rate=48000)
    x = np.random.default_rng(2).standard_normal(512).astype(np.float32)
    refused, done = [], []

    def hammer():
        for _ in range(3000):
            try:
                stream.process(x)
                done.append(1)
            except RuntimeError:
                refused.append(1)

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # every accepted call was counted once: the counters match the accepted work
    assert stream.frames_in == 512 * len(done)
    assert 0 <= stream.expected_length(stream.frames_in) - stream.frames_out <= stream.latency
