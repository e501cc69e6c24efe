"""``StreamResampler``: the bookkeeping every built-in backend shares.

Backends subclass it and implement :meth:`StreamResampler._process`, which
receives validated ``(frames, channels)`` input in the stream's dtype and an
output buffer sized by :meth:`StreamResampler.output_frames_next`. Validation,
counters, the flush state, buffer sizing, ``process_into`` and the declared
:class:`~backends.capabilities.Capabilities` live here once.

A stream is single-threaded: one thread at a time may call ``process``,
``process_into`` or ``reset``. A second thread calling while the first is
inside raises ``RuntimeError`` at once (a non-blocking lock, so an audio
callback never waits on it) and leaves the stream untouched. Separate streams
in separate threads are independent.
"""

from __future__ import annotations

import functools
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np

from .capabilities import Capabilities
from .timeline import expected_length, reduced_ratio
from .validation import (
    Choice,
    as_frames,
    check_channels,
    check_output_dtype,
    check_rates,
    resolve_options,
)

__all__ = ["StreamResampler"]


def _single_threaded(method: Callable) -> Callable:
    """Run ``method`` holding the stream's lock; a second thread raises instead of waiting."""

    @functools.wraps(method)
    def guarded(self: StreamResampler, *args: Any, **kwargs: Any) -> Any:
        if not self._in_use.acquire(blocking=False):
            raise RuntimeError(
                f"{self.name}: stream used from two threads at once; a stream is "
                "single-threaded (give each thread its own stream)"
            )
        try:
            return method(self, *args, **kwargs)
        finally:
            self._in_use.release()

    return guarded


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two C-contiguous arrays share memory (their byte ranges overlap).

    Not ``np.may_share_memory``: it releases the GIL for a moment on every
    call, and a producer that holds the GIL otherwise (python-samplerate does
    for its whole C call) and lets go of it only for moments starves a thread
    waiting for it. CPython's waiter asks for the GIL after the switch
    interval only if no thread took it meanwhile, and the producer keeps
    taking it back first: a Python audio callback beside such a producer was
    measured waking 0.2-1 s late instead of 0.7 ms.
    """
    a0 = a.__array_interface__["data"][0]
    b0 = b.__array_interface__["data"][0]
    return a0 < b0 + b.nbytes and b0 < a0 + a.nbytes


class StreamResampler(ABC):
    """Base class of the built-in backends (implements ``Resampler``).

    Parameters
    ----------
    in_rate, out_rate : int
        Sample rates in Hz; ratio within [1/256, 256].
    channels : int, default 1
        Channel count.
    dtype : {"float32", "float64"}, default "float32"
        Output dtype, fixed for the stream's life.
    **options : str
        Backend options, as declared in the class's ``OPTIONS``.
    """

    #: Registry name.
    name: ClassVar[str]
    #: One line for ``harness list``.
    summary: ClassVar[str]
    #: Declared options: name -> choices and default.
    OPTIONS: ClassVar[Mapping[str, Choice]] = {}
    #: True for reference baselines that knowingly break the contract.
    baseline: ClassVar[bool] = False
    #: Distribution of the library doing the work, whose version ``harness list``
    #: and the results report (``"scipy"``); None: the registering distribution.
    library_distribution: ClassVar[str | None] = None
    #: What every variant of the backend can do (see :meth:`capabilities_for`).
    CAPABILITIES: ClassVar[Capabilities] = Capabilities()

    @classmethod
    def capabilities_for(cls, options: Mapping[str, str]) -> Capabilities:
        """The capabilities of the variant with these (resolved) options.

        ``CAPABILITIES`` by default; a backend whose abilities depend on an
        option (libsamplerate's channel limit on its converter) overrides this.
        The channel limit is checked once, at creation.
        """
        return cls.CAPABILITIES

    def __init__(
        self,
        *,
        in_rate: int,
        out_rate: int,
        channels: int = 1,
        dtype: Any = "float32",
        **options: str,
    ) -> None:
        self.in_rate, self.out_rate = check_rates(in_rate, out_rate)
        self.channels = check_channels(channels)
        self.dtype = check_output_dtype(dtype)
        self.options = resolve_options(self.name, self.OPTIONS, options)
        self.capabilities = self.capabilities_for(self.options)
        limit = self.capabilities.max_channels
        if limit is not None and self.channels > limit:
            raise ValueError(f"channels: {self.spec} takes at most {limit}, got {self.channels}")
        self.L, self.M = reduced_ratio(self.in_rate, self.out_rate)
        self.frames_in = 0
        self.frames_out = 0
        self._flushed = False
        self._in_use = threading.Lock()
        self._open()

    # -- what a backend implements -------------------------------------------------

    @property
    @abstractmethod
    def latency(self) -> int:
        """Bound on held-back output frames (see the protocol)."""

    @abstractmethod
    def _open(self) -> None:
        """Set up per-stream state; called by ``__init__`` after validation."""

    @abstractmethod
    def _process(self, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        """Resample ``x`` into ``out`` and return the frames written.

        ``x`` is C-contiguous ``(frames, channels)`` in ``self.dtype`` and must
        not be written to. ``out`` has ``output_frames_next(len(x))`` rows. The
        counters still hold the values from before this call.
        """

    @abstractmethod
    def _reset(self) -> None:
        """Return per-stream state to what ``_open`` made."""

    @classmethod
    def breaks(cls, item: str, *, in_rate: int, out_rate: int) -> bool:
        """Whether this backend knowingly breaks contract ``item`` at these rates.

        Only reference baselines answer True; the conformance suite marks
        exactly those cases as expected failures.
        """
        return False

    # -- public API ----------------------------------------------------------------

    @property
    def spec(self) -> str:
        """``"name:key=value,..."``: what ``create()`` takes to build this variant."""
        items = ",".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.name}:{items}" if items else self.name

    def expected_length(self, n_in: int) -> int:
        """``expected_length(n_in, in_rate, out_rate)`` for this stream."""
        return expected_length(n_in, self.in_rate, self.out_rate)

    def output_frames_next(self, n_in: int) -> int:
        """Most frames the *next* call with ``n_in`` input frames can return.

        Exact for this stream's state: the length rule's frames for everything
        fed so far plus ``n_in``, less what was already emitted.
        """
        return self.expected_length(self.frames_in + n_in) - self.frames_out

    def output_frames_max(self, n_in: int) -> int:
        """Most frames *any* call with ``n_in`` input frames can return.

        ``latency + ceil(n_in * out_rate / in_rate)``, whatever the state: size a
        buffer once with it and every ``process_into`` call of up to ``n_in``
        frames fits. (The rule's count grows by at most ``ceil(n_in * L / M)``
        over ``n_in`` frames, and at most ``latency`` frames are held back.)
        """
        return self.latency + -(-n_in * self.L // self.M)

    @_single_threaded
    def process(self, x: np.ndarray, /, *, last: bool = False) -> np.ndarray:
        """Resample one block of any size; ``last=True`` flushes the stream.

        Parameters
        ----------
        x : numpy.ndarray
            ``(frames,)`` (mono) or ``(frames, channels)``; 0 frames is valid.
        last : bool, default False
            This is the final block: emit everything, so that ``frames_out ==
            expected_length(frames_in)``. Further calls raise until ``reset()``.

        Returns
        -------
        numpy.ndarray
            The output frames that became final, with the ndim of ``x``.
        """
        frames, was_1d = self._accept(x, last)
        out = np.empty((self.output_frames_next(len(frames)), self.channels), self.dtype)
        y = out[: self._run(frames, out, last)]
        return y[:, 0] if was_1d else y

    @_single_threaded
    def process_into(self, x: np.ndarray, out: np.ndarray, /, *, last: bool = False) -> int:
        """Resample ``x`` into the caller's buffer.

        The input is converted (integer PCM scaled) only when it is not already
        C-contiguous in the stream's dtype. Whether the backend itself then
        allocates is its declared ``capabilities.allocation_free``, which the
        conformance kit proves.

        Parameters
        ----------
        x : numpy.ndarray
            As for :meth:`process`.
        out : numpy.ndarray
            C-contiguous, writeable, ``self.dtype``, same ndim as ``x`` (2-D:
            ``(capacity, channels)``) with ``capacity >= output_frames_next(len(x))``
            (``output_frames_max(n)`` frames fit any call of up to ``n`` frames).
            It may overlap ``x`` (resampling in place): the input is then
            copied first, the one case in which float input allocates.
        last : bool, default False
            As for :meth:`process`.

        Returns
        -------
        int
            Frames written to ``out[:n]``.
        """
        frames, was_1d = self._accept(x, last)
        need = self.output_frames_next(len(frames))
        target = self._check_out(out, was_1d=was_1d, need=need)
        # Backends read their input while writing outputs (and keep some as
        # history afterwards), so overlapping input is copied first.
        if _overlap(frames, target):
            frames = frames.copy()
        return self._run(frames, target, last)

    @_single_threaded
    def reset(self) -> None:
        """Forget all input: back to the freshly created state."""
        self._reset()
        self.frames_in = 0
        self.frames_out = 0
        self._flushed = False

    def __repr__(self) -> str:
        opts = "".join(f", {k}={v}" for k, v in self.options.items())
        return (
            f"<{type(self).__name__} {self.name!r} {self.in_rate}->{self.out_rate} Hz, "
            f"{self.channels} ch, {self.dtype.name}{opts}>"
        )

    # -- internals -----------------------------------------------------------------

    def _accept(self, x: object, last: bool) -> tuple[np.ndarray, bool]:
        if self._flushed:
            raise RuntimeError(
                f"{self.name}: stream already flushed with last=True "
                f"({self.frames_in} frames in, {self.frames_out} out); call reset() first"
            )
        if not (last or self.capabilities.streaming):
            raise RuntimeError(
                f"{self.spec} is one-shot only: expected the whole signal in one call "
                "with last=True, got last=False"
            )
        return as_frames(x, channels=self.channels, dtype=self.dtype)

    def _check_out(self, out: object, *, was_1d: bool, need: int) -> np.ndarray:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out: expected a numpy.ndarray, got {type(out).__name__}")
        if out.dtype != self.dtype:
            raise TypeError(f"out: expected dtype {self.dtype.name}, got {out.dtype}")
        want_ndim = 1 if was_1d else 2
        if out.ndim != want_ndim:
            raise ValueError(f"out: expected {want_ndim}-D like x, got {out.ndim}-D")
        if not was_1d and out.shape[1] != self.channels:
            raise ValueError(f"out channels: expected {self.channels}, got {out.shape[1]}")
        if not (out.flags.c_contiguous and out.flags.writeable):
            raise ValueError("out: expected a C-contiguous, writeable array")
        if out.shape[0] < need:
            raise ValueError(f"out: expected room for at least {need} frames, got {out.shape[0]}")
        return out[:, np.newaxis] if was_1d else out

    def _run(self, frames: np.ndarray, out: np.ndarray, last: bool) -> int:
        written = self._process(frames, out, last=last)
        self.frames_in += len(frames)
        self.frames_out += written
        if last:
            self._flushed = True
        return written
