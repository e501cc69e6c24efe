"""Changing the resampler backend mid-stream with no lost, repeated or clicking frames.

Every backend stream is time-aligned (contract item 3), so output frame ``j``
of any stream started at input frame ``h`` sits at absolute output index
``h * L / M + j``. Starting new streams only at multiples of ``M`` keeps that
offset a whole number, and each backend's output can be placed on one
absolute output timeline. The swapper emits every absolute index exactly
once, so after the flush ``frames_out == expected_length(frames_in)`` however
many swaps happened.

A swap (applied at the next block boundary):

1. the new stream is created and *primed* with recent input history, starting
   at a multiple of ``M`` far enough back to cover its latency and filter
   warm-up, so its output at the current position is already clean;
2. both streams are fed until each has produced the crossfade window;
3. the window is crossfaded with equal-power gains, corrected for the measured
   correlation of the two outputs: for independent signals that is the usual
   ``cos/sin`` law, for the near-identical outputs of two resamplers of the
   same input it becomes gains summing to one, so the level neither dips nor
   bumps (plain ``cos/sin`` would add 3 dB mid-fade);
4. the old stream is dropped.

**Faults.** A backend that raises, or returns output that breaks the contract
(wrong shape or dtype, more frames than the length rule allows, or NaN/inf from
finite input), is replaced on the spot by the ``fallback`` backend, primed from
the same history, so playback goes on with no frame lost. Each fault is
recorded once in :attr:`HotSwapResampler.faults`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import backends
from backends.lengths import reduced_ratio
from backends.validation import as_frames

__all__ = ["Fault", "HotSwapResampler", "SwapEvent", "crossfade_gains"]


@dataclass(frozen=True)
class Fault:
    """A backend that failed mid-stream and what replaced it."""

    backend: str
    error: str
    frame: int  # absolute output frame where the fallback took over
    fallback: str


@dataclass(frozen=True)
class SwapEvent:
    """One completed swap: where its crossfade lies and how alike the outputs were."""

    old: str
    new: str
    fade_start: int  # absolute output frame
    fade_frames: int
    rho: float  # correlation of old and new over the window


def crossfade_gains(n: int, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Old and new gains for an ``n``-frame crossfade at correlation ``rho``.

    The gains keep ``a**2 + b**2 + 2 * rho * a * b == 1``: constant output
    power for two unit-power signals with correlation ``rho``.
    """
    t = (np.arange(n) + 0.5) / n
    c, s = np.cos(0.5 * np.pi * t), np.sin(0.5 * np.pi * t)
    k = 1.0 / np.sqrt(1.0 + 2.0 * max(rho, 0.0) * c * s)
    return c * k, s * k


class _History:
    """The last ``keep`` input frames, appended block by block without reallocating."""

    def __init__(self, keep: int, channels: int, dtype: np.dtype) -> None:
        self._buf = np.zeros((2 * keep, channels), dtype)
        self._keep = keep
        self._len = 0
        self.end = 0  # absolute input index one past the newest frame

    @property
    def start(self) -> int:
        """Absolute input index of the oldest frame kept."""
        return self.end - self._len

    def append(self, block: np.ndarray) -> None:
        self.end += len(block)
        block = block[-self._keep :]
        n = len(block)
        if self._len + n > len(self._buf):  # shift once per ~keep frames, not per block
            retain = min(self._len, self._keep - n)
            self._buf[:retain] = self._buf[self._len - retain : self._len]
            self._len = retain
        self._buf[self._len : self._len + n] = block
        self._len += n

    def since(self, index: int) -> np.ndarray:
        """Frames from absolute input index ``index`` to the newest (a view)."""
        return self._buf[index - self.start : self._len]


@dataclass
class _Lane:
    """One backend stream placed on the absolute output timeline."""

    spec: str
    stream: Any
    base: int  # absolute output index of the stream's output frame 0
    pending: list[np.ndarray] = field(default_factory=list)
    start: int = 0  # absolute index of the first pending frame

    @property
    def end(self) -> int:
        """Absolute index one past the last frame produced so far."""
        return self.base + self.stream.frames_out

    def feed(self, x: np.ndarray, *, last: bool, emitted: int) -> None:
        """Feed input; keep output at absolute indices ``>= emitted``."""
        before = self.end
        y = self.stream.process(x, last=last)
        skip = max(0, emitted - before)
        if skip < len(y):
            if not self.pending:
                self.start = before + skip
            self.pending.append(y[skip:])

    def take(self, stop: int) -> np.ndarray:
        """Remove and return pending frames up to absolute index ``stop``."""
        frames = np.concatenate(self.pending) if len(self.pending) != 1 else self.pending[0]
        n = max(0, min(stop - self.start, len(frames)))
        head, rest = frames[:n], frames[n:]
        self.pending = [rest] if len(rest) else []
        self.start += n
        return head


class HotSwapResampler:
    """A resampler stream whose backend can be changed between blocks.

    Parameters
    ----------
    spec : str
        Initial backend, ``"name"`` or ``"name:key=value"``.
    in_rate, out_rate : int
        Sample rates in Hz.
    channels : int, default 1
        Channel count.
    dtype : {"float32", "float64"}, default "float32"
        Output dtype.
    crossfade_frames : int, default 240
        Length of the crossfade at a swap (5 ms at 48 kHz).
    factory : callable, optional
        ``factory(spec, **kwargs) -> stream``; default :func:`backends.create`.
    fallback : str, default "linear"
        Backend that replaces one that fails mid-stream.
    """

    def __init__(
        self,
        spec: str,
        *,
        in_rate: int,
        out_rate: int,
        channels: int = 1,
        dtype: Any = "float32",
        crossfade_frames: int = 240,
        factory: Callable[..., Any] | None = None,
        fallback: str = "linear",
    ) -> None:
        if crossfade_frames < 1:
            raise ValueError(f"crossfade_frames: expected >= 1, got {crossfade_frames}")
        self.in_rate, self.out_rate, self.channels = in_rate, out_rate, channels
        self.dtype = np.dtype(dtype)
        self.crossfade_frames = crossfade_frames
        self.L, self.M = reduced_ratio(in_rate, out_rate)
        self._factory = factory or backends.create
        self._retired: dict[str, Any] = {}  # spec -> a stream that left playback healthy
        self._lane = _Lane(spec, self._make(spec), 0)
        self._old: _Lane | None = None
        self._fade_start = 0
        self._requested: str | None = None
        # Recent input for priming new streams: enough for any backend's warm-up.
        self._history = _History(4 * self.M + 8 * in_rate // 10, channels, self.dtype)
        self.frames_in = 0
        self.frames_out = 0
        self.events: list[SwapEvent] = []
        self.fallback = fallback
        self.faults: list[Fault] = []
        self._last_nonfinite = -(1 << 62)  # input frame index of the latest NaN/inf

    @property
    def backend(self) -> str:
        """The spec of the backend now producing output."""
        return self._lane.spec

    @property
    def swaps(self) -> int:
        """Completed swaps."""
        return len(self.events)

    @property
    def swapping(self) -> bool:
        """A crossfade is in progress."""
        return self._old is not None

    @property
    def latency(self) -> int:
        """Bound on held-back output frames in steady state (the current backend's)."""
        return self._lane.stream.latency

    def prepare(self, specs: Sequence[str]) -> None:
        """Build a stream for each of ``specs`` now, so that no swap has to."""
        for spec in specs:
            if spec != self._lane.spec and spec not in self._retired:
                self._retired[spec] = self._make(spec)

    def request_swap(self, spec: str) -> None:
        """Switch to backend ``spec`` at the next block boundary (after any running fade)."""
        self._requested = spec

    def process(self, x: np.ndarray, /, *, last: bool = False) -> np.ndarray:
        """Resample one block, swapping first if one was requested.

        Output keeps the ndim of ``x`` like any backend.
        """
        block, was_1d = as_frames(x, channels=self.channels, dtype=self.dtype)
        if self._requested is not None and self._old is None:
            self._start_swap(self._requested)
            self._requested = None
        self._history.append(block)
        if len(block) and not np.isfinite(block).all():
            self._last_nonfinite = self.frames_in + len(block)
        self.frames_in += len(block)
        for lane in (self._old, self._lane):
            if lane is not None:
                self._feed_or_replace(lane, block, last=last)
        y = self._emit(last=last)
        return y[:, 0] if was_1d else y

    # -- internals -----------------------------------------------------------------

    def _make(self, spec: str) -> Any:
        """A fresh stream for ``spec``: a retired one, reset, when there is one.

        Reusing streams keeps constructors out of playback: building a soxr HQ
        stream designs its filters and holds the GIL for milliseconds, which an
        audio callback waiting for the GIL cannot afford at every swap.
        """
        retired = self._retired.pop(spec, None)
        if retired is not None:
            retired.reset()
            return retired
        return self._factory(
            spec,
            in_rate=self.in_rate,
            out_rate=self.out_rate,
            channels=self.channels,
            dtype=self.dtype,
        )

    def _retire(self, lane: _Lane) -> None:
        """Keep a stream that left playback healthy, for the next swap back to it."""
        self._retired[lane.spec] = lane.stream

    def _latency_in(self, stream: Any) -> int:
        """``stream``'s latency in input frames (rounded up)."""
        return -(-stream.latency * self.M // self.L)

    def _history_frames(self, stream: Any) -> int:
        """Input the new stream needs before the current output position."""
        return 2 * self._latency_in(stream) + 64 + self.M

    def _feed_or_replace(self, lane: _Lane, block: np.ndarray, *, last: bool) -> None:
        try:
            before = len(lane.pending)
            lane.feed(block, last=last, emitted=self.frames_out)
            self._check_output(lane, lane.pending[before:])
        except Exception as exc:  # any failure of a backend is survivable here
            self._replace(lane, f"{type(exc).__name__}: {exc}", last=last)

    def _check_output(self, lane: _Lane, new: list[np.ndarray]) -> None:
        """Raise if a lane's fresh output breaks the contract."""
        stream = lane.stream
        allowed = stream.expected_length(stream.frames_in)
        if stream.frames_out > allowed:
            raise ValueError(
                f"emitted {stream.frames_out} frames for {stream.frames_in} in; "
                f"the length rule allows {allowed}"
            )
        for y in new:
            if y.ndim != 2 or y.shape[1] != self.channels or y.dtype != self.dtype:
                raise ValueError(
                    f"returned {y.dtype}{y.shape}, expected {self.dtype}(frames, {self.channels})"
                )
        # NaN/inf out of finite input (all within this lane's reach) is garbage.
        reach = 2 * self._latency_in(stream) + 1024
        if self.frames_in - self._last_nonfinite > reach:
            for y in new:
                if not np.isfinite(y).all():
                    raise ValueError("returned NaN/inf from finite input")

    def _replace(self, lane: _Lane, error: str, *, last: bool) -> None:
        """Put the fallback backend in ``lane``'s place, caught up to the input."""
        if lane is self._old:  # a fade from a failing stream: finish it at once
            self._old = None
            self.faults.append(Fault(lane.spec, error, self.frames_out, self._lane.spec))
            return
        fallback = self._prime(self.fallback, last=last)
        self.faults.append(Fault(lane.spec, error, self.frames_out, fallback.spec))
        self._lane = fallback

    def _prime(self, spec: str, *, last: bool = False) -> _Lane:
        """A lane for ``spec`` fed with history, producing output from ``frames_out`` on."""
        new = self._make(spec)
        position = self.frames_out * self.M // self.L  # input frame of the next output
        start = max(0, position - self._history_frames(new))
        start = max(start - start % self.M, 0)
        while start < self._history.start:  # history too short: start later, still on M
            start += self.M
        lane = _Lane(spec, new, start * self.L // self.M)
        lane.feed(self._history.since(start), last=last, emitted=self.frames_out)
        return lane

    def _start_swap(self, spec: str) -> None:
        try:
            lane = self._prime(spec)
        except Exception as exc:  # cannot even start: stay with the current backend
            self.faults.append(
                Fault(spec, f"{type(exc).__name__}: {exc}", self.frames_out, self._lane.spec)
            )
            return
        self._old, self._lane = self._lane, lane
        self._fade_start = self.frames_out

    def _emit(self, *, last: bool) -> np.ndarray:
        parts = []
        if self._old is not None:
            fade_end = self._fade_start + self.crossfade_frames
            if last:  # the stream may end inside the window
                fade_end = min(fade_end, self._lane.end)
            if min(self._old.end, self._lane.end) < fade_end:
                return np.zeros((0, self.channels), self.dtype)  # wait for both windows
            old = self._old.take(fade_end)
            new = self._lane.take(fade_end)
            faded, rho = self._crossfade(old, new)
            parts.append(faded)
            self.events.append(
                SwapEvent(self._old.spec, self._lane.spec, self.frames_out, len(old), rho)
            )
            self.frames_out += len(old)
            self._retire(self._old)
            self._old = None
        if self._lane.pending:
            parts.append(self._lane.take(self._lane.end))
            self.frames_out += len(parts[-1])
        if not parts:
            return np.zeros((0, self.channels), self.dtype)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _crossfade(self, old: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, float]:
        o, n = old.astype(np.float64), new.astype(np.float64)
        denom = math.sqrt(float(np.sum(o * o)) * float(np.sum(n * n)))
        rho = float(np.sum(o * n)) / denom if denom > 0 else 1.0
        a, b = crossfade_gains(len(old), rho)
        return (a[:, np.newaxis] * o + b[:, np.newaxis] * n).astype(self.dtype), rho
