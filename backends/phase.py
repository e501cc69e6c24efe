"""Exact phase arithmetic for interpolating resamplers.

With ``L / M = out_rate / in_rate`` in lowest terms, output frame ``k`` sits at
input position ``k * M / L``. Writing ``k = q * L + j`` (``0 <= j < L``), the
integer part is ``q * M + step[j]`` and the fraction ``frac[j]``: the pattern
repeats every ``L`` outputs, so positions never accumulate rounding error and
no per-sample division is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["PhaseTable", "final_count", "linear_hold_back", "phase_table"]


@dataclass(frozen=True, eq=False)
class PhaseTable:
    """One period of output positions for a reduced ratio ``L / M``.

    Attributes
    ----------
    L, M : int
        The reduced ratio.
    step : numpy.ndarray
        ``(j * M) // L`` for ``j`` in ``range(L)``, int64.
    frac : numpy.ndarray
        ``((j * M) % L) / L``, in the stream's dtype.
    """

    L: int
    M: int
    step: np.ndarray
    frac: np.ndarray


@lru_cache(maxsize=64)
def _phase_table(L: int, M: int, dtype_name: str) -> PhaseTable:
    num = np.arange(L, dtype=np.int64) * M
    step, rem = np.divmod(num, L)
    frac = (rem / L).astype(dtype_name)
    step.flags.writeable = False
    frac.flags.writeable = False
    return PhaseTable(L, M, step, frac)


def phase_table(L: int, M: int, dtype: np.dtype) -> PhaseTable:
    """Return the (cached, read-only) phase table for ``L / M`` in ``dtype``."""
    return _phase_table(L, M, np.dtype(dtype).name)


def final_count(n_in: int, L: int, M: int) -> int:
    """Outputs whose two input neighbours are among the first ``n_in`` frames.

    Output ``k`` is final once ``k * M <= (n_in - 1) * L``: its position does
    not exceed the last input frame received.
    """
    return (n_in - 1) * L // M + 1 if n_in > 0 else 0


@lru_cache(maxsize=64)
def linear_hold_back(L: int, M: int) -> int:
    """Exact maximum of ``expected_length(n) - frames_out`` for linear interpolation.

    The difference is periodic in ``n`` with period ``M``, so one period is
    enough.
    """
    n = np.arange(1, M + 1, dtype=np.int64)
    expected = (2 * n * L + M) // (2 * M)
    final = (n - 1) * L // M + 1
    return int(np.max(expected - np.minimum(final, expected)))
