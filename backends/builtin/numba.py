"""``numba``: the ``linear`` algorithm as Numba JIT kernels.

Same bookkeeping as :mod:`backends.builtin.linear` (the class only swaps the inner
loop), so the two give identical output. Each block is cut into the whole
phase periods that lie inside it, computed by a period kernel, and the edges,
computed by the general kernel; see :mod:`backends.builtin.linear_kernels`. The kernels
are compiled on first use and cached on disk.
"""

from __future__ import annotations

import numpy as np

from ..capabilities import Capabilities
from ..optional import require
from .linear import LinearResampler

__all__ = ["NumbaResampler"]

#: Mean run length from which the run kernel beats the table kernel, for more
#: than one channel (measured, stereo: runs of 11.4 -> 2.0x faster; 1.8 -> 2.8x slower).
_MIN_MEAN_RUN = 4.0


class NumbaResampler(LinearResampler):
    """Exact-phase linear interpolation, Numba kernels (GIL released)."""

    name = "numba"
    summary = "stateful linear interpolation, exact integer phase (Numba JIT, nogil)"
    # process_into allocates no array memory (proved by the conformance kit).
    CAPABILITIES = Capabilities(allocation_free=True)

    def _open(self) -> None:
        require("numba", backend=self.name, extra="numba")
        from . import linear_kernels

        super()._open()
        self._kernels = linear_kernels
        t = self._table
        ch = self.channels
        self._runs = linear_kernels.runs_of(t.step)
        self._use_runs = ch > 1 and t.L / len(self._runs[0]) >= _MIN_MEAN_RUN
        self._frac_rep = np.repeat(t.frac, ch)
        self._source = (np.repeat(t.step, ch) * ch + np.tile(np.arange(ch), t.L)).astype(np.uint32)

    def _interpolate(self, x: np.ndarray, out: np.ndarray) -> None:
        t, k = self._table, self._kernels
        L, M = t.L, t.M
        k0, start = self.frames_out, self.frames_in
        # Whole periods p with every input they read inside x: p*M >= start and
        # (p+1)*M <= start + len(x) - 1 (the last output reads one frame past p*M+step).
        p0 = max(-(-k0 // L), -(-start // M))
        p1 = min((k0 + len(out)) // L, (start + len(x) - 1) // M)
        first = start - len(self._hist)
        if p1 <= p0:
            k.linear_interpolate(self._hist, x, first, k0, L, M, t.step, t.frac, out)
            return
        head, body_end = p0 * L - k0, p1 * L - k0
        k.linear_interpolate(self._hist, x, first, k0, L, M, t.step, t.frac, out[:head])
        # Flat interleaved views: one contiguous loop per run for any channel count.
        xs, body = x[p0 * M - start :].reshape(-1), out[head:body_end].reshape(-1)
        ch = self.channels
        if self._use_runs:
            k.linear_periods_runs(xs, body, p1 - p0, L, M, ch, self._frac_rep, *self._runs)
        else:
            k.linear_periods_table(xs, body, p1 - p0, L, M, ch, self._source, self._frac_rep)
        k.linear_interpolate(
            self._hist, x, first, k0 + body_end, L, M, t.step, t.frac, out[body_end:]
        )
