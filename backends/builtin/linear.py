"""``linear``: stateful linear interpolation in NumPy with an exact phase.

Positions come from the integer phase table of :mod:`backends.timeline`; the
streaming bookkeeping (history, emit-once-final, latency) is
:class:`backends.builtin.interpolator.ExactPhaseInterpolator`'s. Output frame ``k``
reads the input frame at or before its position and the one after.
"""

from __future__ import annotations

import numpy as np

from ..timeline import phase_table
from .interpolator import ExactPhaseInterpolator

__all__ = ["LinearResampler"]


class LinearResampler(ExactPhaseInterpolator):
    """Exact-phase linear interpolation (NumPy); see the module docstring."""

    name = "linear"
    summary = "stateful linear interpolation, exact integer phase (NumPy)"
    _before = 0
    _reach = 1

    def _open(self) -> None:
        self._table = phase_table(self.L, self.M, self.dtype)
        super()._open()

    def _interpolate(self, x: np.ndarray, out: np.ndarray) -> None:
        """``ext = [history, x, 0]`` covers every input an output can touch."""
        t = self._table
        q, j = np.divmod(np.arange(self.frames_out, self.frames_out + len(out)), t.L)
        e = q * t.M + t.step[j] - (self.frames_in - len(self._hist))
        ext = np.concatenate((self._hist, x, np.zeros_like(self._hist[:1])))
        a = ext[e]
        # NaN/inf input gives NaN/inf output near it (documented); no warning per block.
        with np.errstate(invalid="ignore", over="ignore"):
            np.add(a, (ext[e + 1] - a) * t.frac[j][:, np.newaxis], out=out)
