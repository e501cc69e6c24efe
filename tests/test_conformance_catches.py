"""The conformance kit catches what it is for, item by item.

Each fake breaks one item of the contract the way real bugs do (a FIFO that
drops a frame, int16 scaled by 32767, a one-frame delay, a latency that
understates what is held back, a click at block boundaries, a reset that keeps
history, no thread guard, ...). The kit must fail it on that item, naming it;
a correct backend built the same way passes the whole kit.
"""

from __future__ import annotations

import numpy as np
import pytest

from backends import Capabilities, StreamResampler
from backends.builtin.linear import LinearResampler
from backends.testing import ConformanceError, cases, check_backend


class Wrapper(StreamResampler):
    """Forwards to ``linear``; subclasses tamper with its output or its manners."""

    name = "fake"
    summary = "a correct stream that subclasses break"

    def _open(self):
        self.inner = LinearResampler(
            in_rate=self.in_rate, out_rate=self.out_rate, channels=self.channels, dtype=self.dtype
        )
        self.calls = 0

    @property
    def latency(self):
        return self.inner.latency

    def tamper(self, y):
        return y

    def _process(self, x, out, *, last):
        y = self.tamper(self.inner.process(x, last=last))
        self.calls += 1
        out[: len(y)] = y
        return len(y)

    def _reset(self):
        self.inner.reset()
        self.calls = 0


class DropsFrame(Wrapper):
    """Loses the first frame of every 7th block (a FIFO off-by-one)."""

    def tamper(self, y):
        return y[1:] if self.calls % 7 == 6 and len(y) else y


class UnderstatesLatency(Wrapper):
    """Holds back as much as ``linear`` but reports 0."""

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


class OneFrameLate(Wrapper):
    """A one-frame delay line on the output: same length, every frame one late."""

    def tamper(self, y):
        if self.calls == 0:
            self._carry = np.zeros((1, *y.shape[1:]), y.dtype)
        joined = np.concatenate([self._carry, y])
        self._carry = joined[-1:]
        return joined[:-1]


class Flattens1D(Wrapper):
    """Returns ``(frames, 1)`` for 1-D mono input."""

    def process(self, x, /, *, last=False):
        y = super().process(x, last=last)
        return y[:, np.newaxis] if y.ndim == 1 else y


class MisscalesInt16(Wrapper):
    """Scales int16 by 1/32767 instead of 1/32768."""

    def process(self, x, /, *, last=False):
        if getattr(x, "dtype", None) == np.int16:
            x = x.astype(np.float64) / 32767
        return super().process(x, last=last)


class TakesFloatRates(Wrapper):
    """Rounds a fractional rate down instead of refusing it."""

    def __init__(self, *, in_rate, out_rate, **kwargs):
        super().__init__(in_rate=int(in_rate), out_rate=int(out_rate), **kwargs)


class IgnoresUnknownOptions(Wrapper):
    """Drops options it does not know."""

    def __init__(self, **kwargs):
        kwargs.pop("bogus", None)
        super().__init__(**kwargs)


class KeepsGoingAfterFlush(Wrapper):
    """Silently starts over after ``last=True`` instead of asking for ``reset()``."""

    def _accept(self, x, last):
        if self._flushed:
            self.inner.reset()
            self._flushed = False
        return super()._accept(x, last)


class RejectedInputLeaksIn(Wrapper):
    """Feeds the inner stream a few frames before it checks the channel count."""

    def process(self, x, /, *, last=False):
        if getattr(x, "ndim", 0) == 2 and x.shape[1] != self.channels:
            self.inner.process(np.zeros((5, self.channels)))
        return super().process(x, last=last)


class RefusesEmptyBlocks(Wrapper):
    def process(self, x, /, *, last=False):
        if len(x) == 0 and not last:
            raise ValueError("x: expected at least one frame")
        return super().process(x, last=last)


class _AlwaysFree:
    def acquire(self, blocking=True):
        return True

    def release(self):
        pass


class NoThreadGuard(Wrapper):
    """A second thread walks into a busy stream."""

    def _open(self):
        super()._open()
        self._in_use = _AlwaysFree()


class UndersizesBuffers(Wrapper):
    """Says no call needs more than 1 frame of buffer."""

    def output_frames_max(self, n_in):
        return 1


class LinearClaimingNoAllocation(LinearResampler):
    """NumPy ``linear`` (it allocates temporaries) declaring itself allocation-free."""

    name = "fake"
    CAPABILITIES = Capabilities(allocation_free=True)


class OverflowsNearTheBound(Wrapper):
    """Squares its output's scale: huge but finite input comes out as inf."""

    def tamper(self, y):
        with np.errstate(over="ignore"):
            return y * np.abs(y) if np.max(np.abs(y), initial=0) > 1e18 else y


class AcceptsMoreChannelsThanDeclared(Wrapper):
    """Declares a 4-channel limit (after its own check ran) and takes any count."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.capabilities = Capabilities(max_channels=4)


class OneShotTakingBlocks(Wrapper):
    """Declares itself one-shot only but accepts ``last=False`` blocks."""

    CAPABILITIES = Capabilities(streaming=False)

    def _accept(self, x, last):
        return super()._accept(x, True)


#: fake -> the contract item it breaks (the kit must fail it there).
BROKEN = {
    DropsFrame: "length",
    UnderstatesLatency: "latency",
    ClicksAtBoundaries: "chunk_invariance",
    OneFrameLate: "time_alignment",
    Flattens1D: "layout",
    MisscalesInt16: "dtypes",
    TakesFloatRates: "rates",
    IgnoresUnknownOptions: "options",
    KeepsGoingAfterFlush: "flush_reset",
    RejectedInputLeaksIn: "bad_input",
    RefusesEmptyBlocks: "small_blocks",
    NoThreadGuard: "thread_guard",
    UndersizesBuffers: "process_into",
    LinearClaimingNoAllocation: "allocation",
    OverflowsNearTheBound: "finite_input",
    AcceptsMoreChannelsThanDeclared: "channels",
    OneShotTakingBlocks: "streaming",
}

PAIRS = [(22050, 48000), (48000, 16000)]


def test_a_correct_backend_passes_the_whole_kit():
    ran = check_backend(Wrapper, rate_pairs=PAIRS)
    items = {case.item for case in ran}
    assert set(BROKEN.values()) - {"allocation", "streaming"} <= items  # every item ran


@pytest.mark.parametrize("fake", list(BROKEN), ids=lambda c: c.__name__)
def test_each_broken_fake_fails_on_its_item(fake):
    item = BROKEN[fake]
    failures = []
    for case in cases(fake, rate_pairs=PAIRS):
        if case.item != item:
            continue
        try:
            case()
        except ConformanceError as exc:
            failures.append(exc)
    assert failures, f"{fake.__name__}: no {item} check failed"
    assert all(exc.item == item and str(exc).startswith(f"{item}: ") for exc in failures)


def test_check_backend_names_each_failed_case_and_its_evidence():
    with pytest.raises(ConformanceError) as info:
        check_backend(OneFrameLate, rate_pairs=PAIRS)
    text = str(info.value)
    assert "time_alignment[22050-48000]: time_alignment: pulse at input frame" in text
    assert "error +1.0" in text and "checks failed" in text


def test_the_seed_baseline_breaks_exactly_what_it_declares():
    """Its declared breaks are expected failures, and they do fail (and nothing else)."""
    for case in cases("seed", rate_pairs=[(22050, 48000), (8000, 16000)]):
        if case.expected_failure:
            with pytest.raises(ConformanceError):
                case()
        else:
            case()
