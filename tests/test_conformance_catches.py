"""The conformance checks catch what they are for.

Each fake wraps a correct backend (``linear``) and breaks one thing the way
real bugs do: a FIFO that drops a frame, int16 scaled by 32767, output delayed
by one frame, a latency that understates what is held back, a click at block
boundaries. Each must make its check fail, and only the checks it should.
"""

from __future__ import annotations

import numpy as np
import pytest

import backends

import conformance as cf


class Wrapper:
    """A stream that forwards to ``linear`` and lets a subclass tamper with it."""

    name = "fake"

    def __init__(self, **kwargs):
        self.inner = backends.create("linear", **kwargs)
        self.in_rate, self.out_rate = self.inner.in_rate, self.inner.out_rate
        self.channels, self.dtype = self.inner.channels, self.inner.dtype
        self.frames_in = self.frames_out = 0
        self.calls = 0

    @property
    def latency(self):
        return self.inner.latency

    def tamper(self, y):
        return y

    def convert(self, x):
        return x

    def process(self, x, /, *, last=False):
        y = self.tamper(self.inner.process(self.convert(x), last=last))
        self.calls += 1
        self.frames_in = self.inner.frames_in
        self.frames_out += len(y)
        return y

    def reset(self):
        self.inner.reset()
        self.frames_in = self.frames_out = self.calls = 0


class DropsFrame(Wrapper):
    """Loses the first frame of every 7th block (a FIFO off-by-one)."""

    def tamper(self, y):
        return y[1:] if self.calls % 7 == 6 and len(y) else y


class MisscalesInt16(Wrapper):
    """Scales int16 by 1/32767 instead of 1/32768."""

    def convert(self, x):
        return x.astype(np.float64) / 32767 if x.dtype == np.int16 else x


class OneFrameLate(Wrapper):
    """A one-frame delay line on the output: same length, every frame one late."""

    def tamper(self, y):
        if self.calls == 0:
            self._carry = np.zeros((1, *y.shape[1:]), y.dtype)
        joined = np.concatenate([self._carry, y])
        self._carry = joined[-1:]
        return joined[:-1]


class UnderstatesLatency(Wrapper):
    """Holds back as much as ``linear`` does but reports 0."""

    @property
    def latency(self):
        return 0


class ClicksAtBoundaries(Wrapper):
    """Adds a tiny step at the start of every output block."""

    def tamper(self, y):
        if len(y):
            y = y.copy()
            y[0] += 1e-3
        return y


def fake(cls):
    return lambda **kwargs: cls(**kwargs)


def test_wrapper_itself_passes_every_check():
    """The harmless wrapper passes, so a failure below is the tampering's doing."""
    make = fake(Wrapper)
    cf.check_length_rule(make, 22050, 48000, 2)
    cf.check_chunk_invariance(make, 22050, 48000, 2, exact=True)
    cf.check_time_alignment(make, 22050, 48000)
    cf.check_dtype(make, 22050, 48000, "int16", "float32")


#: The length check reports either symptom of a lost frame: too much held back
#: during the stream or a short total after the flush.
LENGTH_FAILURE = r"holds back \d+ frames; expected 0\.\.\d+|frames out after the flush"


def test_dropped_frame_is_caught_by_length_rule():
    with pytest.raises(AssertionError, match=LENGTH_FAILURE):
        cf.check_length_rule(fake(DropsFrame), 22050, 48000, 1)


def test_misscaled_int16_is_caught_by_dtype_check():
    with pytest.raises(AssertionError, match="int16 input: output differs"):
        cf.check_dtype(fake(MisscalesInt16), 22050, 48000, "int16", "float32")
    cf.check_dtype(fake(MisscalesInt16), 22050, 48000, "int32", "float32")  # others untouched


def test_one_frame_shift_is_caught_by_time_alignment():
    make = fake(OneFrameLate)
    cf.check_length_rule(make, 22050, 48000, 1)  # the length is still right
    with pytest.raises(AssertionError, match=r"error \+1\.0"):
        cf.check_time_alignment(make, 22050, 48000)


def test_understated_latency_is_caught_by_length_rule():
    with pytest.raises(AssertionError, match=r"holds back [12] frames; expected 0\.\.0"):
        cf.check_length_rule(fake(UnderstatesLatency), 22050, 48000, 1)


def test_block_boundary_click_is_caught_by_chunk_invariance():
    with pytest.raises(AssertionError, match=r"differs from one-shot by 0\.001"):
        cf.check_chunk_invariance(fake(ClicksAtBoundaries), 22050, 48000, 1)


def test_seed_baseline_fails_length_and_chunk_invariance():
    """The seed shows the original bugs through the same checks (drift and jitter)."""
    make = lambda **kw: backends.create("seed", **kw)  # noqa: E731
    with pytest.raises(AssertionError, match=LENGTH_FAILURE):
        cf.check_length_rule(make, 22050, 48000, 1)
    with pytest.raises(AssertionError, match="shape"):
        cf.check_chunk_invariance(make, 22050, 48000, 1)
    # At a whole-number ratio the lengths are exact, yet block boundaries still
    # restart the interpolation: the values differ.
    cf.check_length_rule(make, 8000, 16000, 1)
    with pytest.raises(AssertionError, match="differs from one-shot"):
        cf.check_chunk_invariance(make, 8000, 16000, 1)
    cf.check_time_alignment(make, 22050, 48000)  # one block: no drift, no phase restart
