"""``linear``: stateful linear interpolation in NumPy with an exact phase.

The stream keeps the last few input frames, so interpolation runs across block
boundaries exactly as in one shot. Positions come from the integer phase table
of :mod:`backends.phase`. Output frame ``k`` is emitted once the input frame
after its position has arrived; past the end of a flushed stream the input is
taken as zero, as band-limited resamplers (soxr, libsamplerate) do.
"""

from __future__ import annotations

import numpy as np

from .phase import final_count, hold_back, phase_table
from .stream import StreamResampler

__all__ = ["LinearResampler"]


class LinearResampler(StreamResampler):
    """Exact-phase linear interpolation (NumPy); see the module docstring.

    Subclasses that read a wider input window around each position (a FIR
    interpolator) set ``_before`` and ``_reach`` in ``_open`` before calling
    this one: output ``k`` reads input frames ``floor(k*M/L) - _before`` to
    ``floor(k*M/L) + _reach``.
    """

    name = "linear"
    summary = "stateful linear interpolation, exact integer phase (NumPy)"
    _before = 0
    _reach = 1

    @property
    def latency(self) -> int:
        return self._latency

    def _open(self) -> None:
        self._table = phase_table(self.L, self.M, self.dtype)
        self._latency = hold_back(self.L, self.M, self._reach)
        # An output can be final yet held back by the length rule; when
        # downsampling by M/L its position then lies up to M/(2L) frames before
        # the newest input, so that much history is kept, plus its window.
        size = self.M // (2 * self.L) + self._before + self._reach + 2
        self._hist = np.zeros((size, self.channels), self.dtype)

    def _reset(self) -> None:
        self._hist[:] = 0

    def _process(self, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        n_in = self.frames_in + len(x)
        end = self.expected_length(n_in)
        if not last:
            end = min(end, final_count(n_in, self.L, self.M, self._reach))
        count = end - self.frames_out
        if count:
            self._interpolate(x, out[:count])
        self._keep_history(x)
        return count

    def _keep_history(self, x: np.ndarray) -> None:
        h, m = len(self._hist), len(x)
        if m >= h:
            self._hist[:] = x[m - h :]
        elif m:
            self._hist[: h - m] = self._hist[m:]
            self._hist[h - m :] = x

    def _interpolate(self, x: np.ndarray, out: np.ndarray) -> None:
        """Fill ``out`` with outputs ``frames_out ...`` from the history and ``x``.

        ``ext = [history, x, 0]`` covers every input an output can touch; the
        history ends at input frame ``frames_in - 1`` and the zero stands for
        the frame past the end of a flushed stream.
        """
        t = self._table
        q, j = np.divmod(np.arange(self.frames_out, self.frames_out + len(out)), t.L)
        e = q * t.M + t.step[j] - (self.frames_in - len(self._hist))
        ext = np.concatenate((self._hist, x, np.zeros_like(self._hist[:1])))
        a = ext[e]
        # NaN/inf input gives NaN/inf output near it (documented); no warning per block.
        with np.errstate(invalid="ignore", over="ignore"):
            np.add(a, (ext[e + 1] - a) * t.frac[j][:, np.newaxis], out=out)
