"""The streaming bookkeeping of exact-phase interpolators.

With ``L / M = out_rate / in_rate`` in lowest terms, output frame ``k`` sits at
input position ``k * M / L`` (:mod:`backends.timeline`). An interpolator reads a
fixed window of input frames around each position: ``floor(k*M/L) - before``
to ``floor(k*M/L) + reach``. This base class turns any such interpolator into
a stream that keeps the contract:

* an output is emitted once its whole window has arrived (it is *final*) and
  the length rule allows it, so it is computed exactly once, from the same
  input, whatever the chunking;
* past the end of a flushed stream the input is zero, as band-limited
  resamplers (soxr, libsamplerate) assume;
* ``latency`` is the exact worst case of ``expected_length(frames_in) -
  frames_out`` (:func:`backends.timeline.hold_back`);
* the last input frames are kept as history: the left part of the next
  window, plus what an output held back by the length rule still reads.

Two classes share it: :class:`ExactPhaseStream` decides which outputs a call
emits (the first two points, and ``latency``) and leaves the input to its
subclass; :class:`ExactPhaseInterpolator` adds the history (the last point) for
interpolators that read their window from ``[history, x]``. Subclasses set
``_reach`` (and ``_before``) in ``_open`` before calling the base's.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from ..stream import StreamResampler
from ..timeline import final_count, hold_back

__all__ = ["ExactPhaseInterpolator", "ExactPhaseStream"]


class ExactPhaseStream(StreamResampler):
    """Emit-once-final outputs and the exact latency; subclasses keep their own input."""

    #: Input frames read after ``floor(position)``.
    _reach = 1

    @property
    def latency(self) -> int:
        return self._latency

    def _open(self) -> None:
        self._latency = hold_back(self.L, self.M, self._reach)

    def _process(self, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        n_in = self.frames_in + len(x)
        end = self.expected_length(n_in)
        if not last:
            end = min(end, final_count(n_in, self.L, self.M, self._reach))
        count = end - self.frames_out
        self._advance(x, out[:count])
        return count

    @abstractmethod
    def _advance(self, x: np.ndarray, out: np.ndarray) -> None:
        """Take ``x`` in and fill ``out`` (maybe empty) with outputs ``frames_out ...``.

        The counters still hold the values from before this call; inputs past
        ``x`` are zero (only read after the flush).
        """


class ExactPhaseInterpolator(ExactPhaseStream):
    """Base of ``linear`` and ``numba``: a window read from ``[history, x, 0]``."""

    #: Input frames read before ``floor(position)``.
    _before = 0

    def _open(self) -> None:
        super()._open()
        # An output can be final yet held back by the length rule; when
        # downsampling by M/L its position then lies up to M/(2L) frames before
        # the newest input, so that much history is kept, plus its window.
        size = self.M // (2 * self.L) + self._before + self._reach + 2
        self._hist = np.zeros((size, self.channels), self.dtype)

    def _reset(self) -> None:
        self._hist[:] = 0

    def _advance(self, x: np.ndarray, out: np.ndarray) -> None:
        if len(out):
            self._interpolate(x, out)
        self._keep_history(x)

    def _keep_history(self, x: np.ndarray) -> None:
        h, m = len(self._hist), len(x)
        if m >= h:
            self._hist[:] = x[m - h :]
        elif m:
            self._hist[: h - m] = self._hist[m:]
            self._hist[h - m :] = x

    @abstractmethod
    def _interpolate(self, x: np.ndarray, out: np.ndarray) -> None:
        """Fill ``out`` with outputs ``frames_out ...`` from the history and ``x``.

        The history ``self._hist`` ends at input frame ``frames_in - 1``; ``x``
        follows it; inputs past ``x`` are zero (only read after the flush).
        """
