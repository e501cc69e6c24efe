"""``numba``: the ``linear`` algorithm as a Numba JIT kernel.

Same bookkeeping as :mod:`backends.linear` (the class only swaps the inner
loop), so the two give identical output. The kernel lives in
:mod:`backends.numba_kernels` and is compiled on first use.
"""

from __future__ import annotations

import numpy as np

from .linear import LinearResampler
from .optional import require

__all__ = ["NumbaLinearResampler"]


class NumbaLinearResampler(LinearResampler):
    """Exact-phase linear interpolation, Numba kernel (GIL released)."""

    name = "numba"
    summary = "stateful linear interpolation, exact integer phase (Numba JIT, nogil)"

    def _open(self) -> None:
        require("numba", backend=self.name)
        from .numba_kernels import linear_interpolate

        self._kernel = linear_interpolate
        super()._open()

    def _interpolate(self, x: np.ndarray, out: np.ndarray) -> None:
        t = self._table
        first = self.frames_in - len(self._hist)
        self._kernel(self._hist, x, first, self.frames_out, t.L, t.M, t.step, t.frac, out)
