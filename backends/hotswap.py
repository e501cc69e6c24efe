"""``HotSwapResampler``: a stream whose backend changes mid-stream, losing no frame.

It implements the :class:`~backends.protocol.Resampler` protocol, so a
production playback path uses it like any backend (``process`` or
``process_into`` from a producer thread) and calls :meth:`~HotSwapResampler.request_swap`
from anywhere; nothing outside :mod:`backends` is imported.

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
2. both streams are fed, and each frame of the crossfade window is emitted as
   soon as both have produced it: a long window never holds output back (the
   FIFO behind the swapper would run dry) and never arrives in one burst;
3. the window is crossfaded with equal-power gains, corrected for the
   correlation ``rho`` of the two outputs: for independent signals that is the
   usual ``cos/sin`` law, for the near-identical outputs of two resamplers of
   the same input it becomes gains summing to one, so the level neither dips
   nor bumps (plain ``cos/sin`` would add 3 dB mid-fade);
4. the old stream is dropped once the window is complete.

``rho`` is estimated from the part of the window emitted so far (running
sums), so each chunk's gains use every frame available, its own included. For
two resamplers of the same input the outputs agree to -40 dB or better from
the first frames on, so the estimate starts near 1 and stays there: the gains
are the amplitude-complementary ones throughout. Only for unrelated signals
can the early estimate move; the law then changes by at most a factor
``1/sqrt(2)`` mid-window and not at all at its ends (where ``cos * sin`` is
0), and the estimate settles as the window fills. A negative estimate is
treated as 0 (uncorrelated).

**Faults.** A backend that raises, or returns output that breaks the contract
(wrong shape or dtype; more frames than the length rule allows, or fewer: held
back beyond its stated latency before the flush, not exactly the rule's count
after it; NaN/inf from finite input), is replaced on the spot by the
``fallback`` backend, primed from the same history, so playback goes on with
no frame lost: the fallback produces every frame from the last one emitted
on. Each fault is recorded once in :attr:`HotSwapResampler.faults`.

Input beyond :data:`backends.validation.FINITE_INPUT_BOUND` in magnitude counts
as non-finite input: backends may legitimately return NaN/inf within their
reach of it, so that is not a fault.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .capabilities import Capabilities
from .registry import backend_class
from .selection import create
from .stream import StreamResampler
from .timeline import expected_length
from .validation import FINITE_INPUT_BOUND
from .variant import Variant

__all__ = ["ContractError", "Fault", "HotSwapResampler", "SwapEvent", "crossfade_gains"]


class ContractError(ValueError):
    """A backend's output broke the contract (length, shape, dtype, NaN from finite input)."""


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


def crossfade_gains(
    n: int, rho: float, *, start: int = 0, stop: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Old and new gains for frames ``start:stop`` of an ``n``-frame crossfade.

    The gains keep ``a**2 + b**2 + 2 * rho * a * b == 1``: constant output
    power for two unit-power signals with correlation ``rho`` (a negative
    ``rho`` is taken as 0).
    """
    t = (np.arange(start, n if stop is None else stop) + 0.5) / n
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

    def reserve(self, keep: int) -> None:
        """Keep at least ``keep`` frames from now on (frames kept so far stay)."""
        if keep > self._keep:
            buf = np.zeros((2 * keep, self._buf.shape[1]), self._buf.dtype)
            buf[: self._len] = self._buf[: self._len]
            self._buf, self._keep = buf, keep

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

    spec: Variant
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


@dataclass
class _Fade:
    """A crossfade in progress: where it lies and the running sums behind ``rho``."""

    old: _Lane
    start: int  # absolute output frame of the window's first frame
    oo: float = 0.0  # sum of old * old over the frames emitted so far
    nn: float = 0.0
    on: float = 0.0

    @property
    def rho(self) -> float:
        """Correlation of old and new over the frames emitted so far (1 for silence)."""
        denom = math.sqrt(self.oo * self.nn)
        return self.on / denom if denom > 0 else 1.0

    def add(self, old: np.ndarray, new: np.ndarray) -> None:
        self.oo += float(np.sum(old * old))
        self.nn += float(np.sum(new * new))
        self.on += float(np.sum(old * new))


class HotSwapResampler(StreamResampler):
    """A resampler stream whose backend can be changed between blocks.

    It keeps the whole contract of :class:`~backends.protocol.Resampler`
    (exact length after the flush, time alignment, layouts, dtypes, the
    single-stream rules), and outside crossfade windows every frame is the
    active backend's own output, so without swaps it gives exactly what its
    backend gives under any chunking.

    Parameters
    ----------
    variant : str or Variant
        Initial backend, ``"name"`` or ``"name:key=value"``.
    in_rate, out_rate : int
        Sample rates in Hz.
    channels : int, default 1
        Channel count.
    dtype : {"float32", "float64"}, default "float32"
        Output dtype.
    crossfade_frames : int, default 240
        Length of the crossfade at a swap (5 ms at 48 kHz); any length works,
        the window is emitted as it is produced.
    factory : callable, optional
        ``factory(variant, **kwargs) -> stream``; default :func:`backends.create`,
        in which case every variant is checked (name, options) when it is first
        named, not when it is swapped to.
    fallback : str or Variant, default "linear"
        Backend that replaces one that fails mid-stream.

    Raises
    ------
    ValueError, TypeError, BackendUnavailable
        A variant, rate, channel count or dtype that ``create()`` refuses.
    """

    name = "hotswap"
    summary = "a stream whose backend can be swapped mid-stream, crossfaded, losing no frame"
    # Crossfades differ from either backend's own output, and swapping allocates.
    CAPABILITIES = Capabilities(bit_exact=False)

    def __init__(
        self,
        variant: str | Variant,
        *,
        in_rate: int,
        out_rate: int,
        channels: int = 1,
        dtype: Any = "float32",
        crossfade_frames: int = 240,
        factory: Callable[..., Any] | None = None,
        fallback: str | Variant = "linear",
        **options: str,
    ) -> None:
        if not isinstance(crossfade_frames, int) or crossfade_frames < 1:
            raise ValueError(f"crossfade_frames: expected an int >= 1, got {crossfade_frames!r}")
        self.crossfade_frames = crossfade_frames
        self._factory = factory or create
        self.fallback = self._checked(fallback)
        self._initial = self._checked(variant)
        # No options of its own: ``options`` are refused by name, as any backend's.
        super().__init__(
            in_rate=in_rate, out_rate=out_rate, channels=channels, dtype=dtype, **options
        )

    def _open(self) -> None:
        self._retired: dict[Variant, Any] = {}  # a stream that left playback healthy
        self._latency_max = 0  # the largest latency of any stream made so far
        # Recent input for priming new streams: enough for any backend's warm-up
        # (grown by _make for streams with a longer reach).
        self._keep = 4 * self.M + 8 * self.in_rate // 10
        self._history = _History(self._keep, self.channels, self.dtype)
        self._lane = _Lane(self._initial, self._make(self._initial), 0)
        self._start_fresh()

    def _start_fresh(self) -> None:
        self._fade: _Fade | None = None
        self._requested: Variant | None = None
        self._in = 0  # the counters inside a call (frames_in/_out follow after it)
        self._out = 0
        self.events: list[SwapEvent] = []
        self.faults: list[Fault] = []
        self._last_nonfinite = -(1 << 62)  # input frame index of the latest NaN/inf

    def _reset(self) -> None:
        """Back to the initial variant; streams made so far are kept for later swaps."""
        for lane in (self._fade.old if self._fade else None, self._lane):
            if lane is not None:
                self._retire(lane)
        self._lane = _Lane(self._initial, self._make(self._initial), 0)
        self._history = _History(self._keep, self.channels, self.dtype)
        self._start_fresh()

    @property
    def variant(self) -> Variant:
        """The backend now producing output (after a fade: the new one)."""
        return self._lane.spec

    @property
    def backend(self) -> str:
        """The spec of the backend now producing output."""
        return self._lane.spec.spec

    @property
    def latency(self) -> int:
        """Bound on held-back output frames now: the active backend's, the larger
        of the two while fading (it changes with a swap)."""
        if self._fade is None:
            return self._lane.stream.latency
        return max(self._lane.stream.latency, self._fade.old.stream.latency)

    def output_frames_max(self, n_in: int) -> int:
        """Most frames any call with ``n_in`` input frames can return.

        Bounded by the largest latency of any stream made so far: call
        :meth:`prepare` with every variant you will swap to before sizing
        buffers with it (swapping away from a long-latency backend releases
        what it held back).
        """
        return self._latency_max + -(-n_in * self.L // self.M)

    def _process(self, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        y = self._step(x, last=last)
        out[: len(y)] = y
        return len(y)

    @property
    def swaps(self) -> int:
        """Completed swaps."""
        return len(self.events)

    @property
    def swapping(self) -> bool:
        """A crossfade is in progress."""
        return self._fade is not None

    def prepare(self, variants: Sequence[str | Variant]) -> None:
        """Build a stream for each of ``variants`` now, so that no swap has to.

        Each is checked first; the error names the one ``create()`` refuses.
        """
        for variant in map(self._checked, variants):
            if variant != self._lane.spec and variant not in self._retired:
                self._retired[variant] = self._make(variant)

    def request_swap(self, variant: str | Variant) -> None:
        """Switch to ``variant`` at the next block boundary (after any running fade).

        The variant is checked now, so a bad name fails here, not mid-stream.
        """
        self._requested = self._checked(variant)

    # -- internals -----------------------------------------------------------------

    def _checked(self, variant: str | Variant) -> Variant:
        """``variant`` parsed and, with the default factory, resolved against its
        backend and refused when it cannot stream."""
        parsed = Variant.parse(variant)
        if self._factory is not create:
            return parsed
        resolved = parsed.resolved()
        cls = backend_class(resolved.name)
        if hasattr(cls, "capabilities_for"):
            _require_streaming(resolved, cls.capabilities_for(resolved.options_dict))
        return resolved

    def _step(self, block: np.ndarray, *, last: bool) -> np.ndarray:
        if self._requested is not None and self._fade is None:
            self._start_swap(self._requested)
            self._requested = None
        # NaN, inf and magnitudes beyond the bound (x <= bound is False for NaN)
        if len(block) and not np.max(np.abs(block)) <= FINITE_INPUT_BOUND:
            self._last_nonfinite = self._in + len(block)
        self._in += len(block)
        lanes = (self._fade.old if self._fade else None, self._lane)
        for lane in lanes:
            if lane is not None:
                self._feed_or_replace(lane, block, last=last)
        # Only now: a fallback primed above must get this block from the
        # block itself, not from the history.
        self._history.append(block)
        return self._emit(last=last)

    def _make(self, variant: Variant) -> Any:
        """A fresh stream for ``variant``: a retired one, reset, when there is one.

        Reusing streams keeps constructors out of playback: building a soxr HQ
        stream designs its filters and holds the GIL for milliseconds, which an
        audio callback waiting for the GIL cannot afford at every swap.
        """
        retired = self._retired.pop(variant, None)
        if retired is not None:
            retired.reset()
            return retired
        stream = self._factory(
            variant,
            in_rate=self.in_rate,
            out_rate=self.out_rate,
            channels=self.channels,
            dtype=self.dtype,
        )
        _require_streaming(variant, stream.capabilities)
        self._latency_max = max(self._latency_max, stream.latency)
        # Priming any stream after this one may reach back over this one's
        # held-back output and the new stream's own warm-up.
        self._history.reserve(3 * self._latency_in(stream) + 2 * self.M + 128)
        return stream

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
        """Feed ``lane``; a backend that raises or breaks the contract is replaced."""
        before = len(lane.pending)
        try:
            lane.feed(block, last=last, emitted=self._out)
        except Exception as exc:  # the backend's own failure, whatever it is
            self._replace(lane, f"{type(exc).__name__}: {exc}", block, last=last)
            return
        try:
            self._check_output(lane, lane.pending[before:], last=last)
        except ContractError as exc:
            self._replace(lane, f"{type(exc).__name__}: {exc}", block, last=last)

    def _check_output(self, lane: _Lane, new: list[np.ndarray], *, last: bool) -> None:
        """Raise :class:`ContractError` if a lane's fresh output breaks the contract.

        Only protocol attributes of the stream are read.
        """
        stream = lane.stream
        rule = expected_length(stream.frames_in, self.in_rate, self.out_rate)
        done = f"{stream.frames_out} frames for {stream.frames_in} in"
        if stream.frames_out > rule:
            raise ContractError(f"emitted {done}; the length rule allows {rule}")
        if last and stream.frames_out != rule:
            raise ContractError(f"flushed with {done}; the length rule says {rule}")
        if rule - stream.frames_out > stream.latency:
            raise ContractError(
                f"held back {rule - stream.frames_out} frames ({done}); "
                f"its latency allows {stream.latency}"
            )
        for y in new:
            if y.ndim != 2 or y.shape[1] != self.channels or y.dtype != self.dtype:
                raise ContractError(
                    f"returned {y.dtype}{y.shape}, expected {self.dtype}(frames, {self.channels})"
                )
        # NaN/inf out of finite input (all within this lane's reach) is garbage.
        reach = 2 * self._latency_in(stream) + 1024
        if self._in - self._last_nonfinite > reach:
            for y in new:
                if not np.isfinite(y).all():
                    raise ContractError("returned NaN/inf from finite input")

    def _replace(self, lane: _Lane, error: str, block: np.ndarray, *, last: bool) -> None:
        """Put the fallback backend in ``lane``'s place, caught up to the input."""
        if self._fade is not None and lane is self._fade.old:
            # a fade from a failing stream: the new stream takes over at once
            self.faults.append(Fault(lane.spec.spec, error, self._out, self.backend))
            self._fade = None
            return
        fallback = self._prime(self.fallback)
        fallback.feed(block, last=last, emitted=self._out)
        self.faults.append(Fault(lane.spec.spec, error, self._out, fallback.spec.spec))
        self._lane = fallback

    def _prime(self, variant: Variant) -> _Lane:
        """A lane for ``variant`` fed with history, to produce output from ``frames_out`` on.

        Raises
        ------
        ValueError
            The history does not reach back to the next output frame, so the
            new stream would leave a gap.
        """
        new = self._make(variant)
        position = self._out * self.M // self.L  # input frame of the next output
        start = max(0, position - self._history_frames(new))
        start -= start % self.M
        while start < self._history.start:  # history short of a full warm-up: start later
            start += self.M
        if start * self.L // self.M > self._out:
            raise ValueError(
                f"{variant}: input history starts at frame {self._history.start}, after the "
                f"next output's input frame {position}"
            )
        lane = _Lane(variant, new, start * self.L // self.M)
        lane.feed(self._history.since(start), last=False, emitted=self._out)
        return lane

    def _start_swap(self, variant: Variant) -> None:
        try:
            lane = self._prime(variant)
        except Exception as exc:  # the backend cannot even start: stay with the current one
            self.faults.append(
                Fault(variant.spec, f"{type(exc).__name__}: {exc}", self._out, self.backend)
            )
            return
        self._fade = _Fade(self._lane, self._out)
        self._lane = lane

    def _emit(self, *, last: bool) -> np.ndarray:
        parts = []
        if self._fade is not None:
            faded = self._fade_some(last=last)
            if len(faded):
                parts.append(faded)
        if self._fade is None and self._lane.pending:
            parts.append(self._lane.take(self._lane.end))
            self._out += len(parts[-1])
        if not parts:
            return np.zeros((0, self.channels), self.dtype)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _fade_some(self, *, last: bool) -> np.ndarray:
        """Crossfade every window frame both lanes have produced; end the fade when done.

        At the end of the stream (``last``) both lanes are flushed, so the
        window ends there if it has not ended before.
        """
        fade, new = self._fade, self._lane
        assert fade is not None
        fade_end = fade.start + self.crossfade_frames
        stop = min(fade.old.end, new.end, fade_end)
        faded = np.zeros((0, self.channels), self.dtype)
        if stop > self._out:
            o = fade.old.take(stop).astype(np.float64)
            n = new.take(stop).astype(np.float64)
            fade.add(o, n)
            offset = self._out - fade.start
            a, b = crossfade_gains(
                self.crossfade_frames, fade.rho, start=offset, stop=offset + len(o)
            )
            faded = (a[:, np.newaxis] * o + b[:, np.newaxis] * n).astype(self.dtype)
            self._out += len(faded)
        if self._out >= fade_end or last:
            self.events.append(
                SwapEvent(
                    fade.old.spec.spec,
                    new.spec.spec,
                    fade.start,
                    self._out - fade.start,
                    fade.rho,
                )
            )
            self._retire(fade.old)
            self._fade = None
        return faded


def _require_streaming(variant: Variant, capabilities: Capabilities) -> None:
    # A one-shot library would need the whole signal before its first frame.
    if not capabilities.streaming:
        raise ValueError(
            f"hotswap: expected a streaming backend, got {variant.spec} (one-shot only)"
        )
