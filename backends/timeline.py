"""The output timeline: the length rule and the exact phase of every output frame.

Every backend, however its input is chunked, ends a flushed stream with exactly
``round_half_up(n_in * out_rate / in_rate)`` frames. Floats are never used: a
float ratio times a large frame count is where the original player drifted.

With ``L / M = out_rate / in_rate`` in lowest terms, output frame ``k`` sits at
input position ``k * M / L``. Writing ``k = q * L + j`` (``0 <= j < L``), the
integer part is ``q * M + step[j]`` and the fraction ``frac[j]``: the pattern
repeats every ``L`` outputs, so positions never accumulate rounding error and
no per-sample division is needed (:func:`phase_table`). Interpolators emit an
output once it is final (:func:`final_count`) and hold back at most
:func:`hold_back` frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = [
    "PhaseTable",
    "expected_length",
    "final_count",
    "hold_back",
    "phase_table",
    "reduced_ratio",
]


def expected_length(n_in: int, in_rate: int, out_rate: int) -> int:
    """Return the number of output frames for ``n_in`` input frames.

    Parameters
    ----------
    n_in : int
        Input frames consumed (≥ 0).
    in_rate, out_rate : int
        Sample rates in Hz (> 0).

    Returns
    -------
    int
        ``round_half_up(n_in * out_rate / in_rate)``, computed as
        ``(2 * n_in * out_rate + in_rate) // (2 * in_rate)``.

    Examples
    --------
    >>> expected_length(1001, 22050, 48000)
    2179
    >>> expected_length(5, 48000, 24000)
    3
    """
    n_in, in_rate, out_rate = int(n_in), int(in_rate), int(out_rate)
    if n_in < 0:
        raise ValueError(f"n_in: expected a frame count >= 0, got {n_in}")
    if in_rate <= 0 or out_rate <= 0:
        raise ValueError(f"rates: expected positive integers, got {in_rate} and {out_rate}")
    return (2 * n_in * out_rate + in_rate) // (2 * in_rate)


def reduced_ratio(in_rate: int, out_rate: int) -> tuple[int, int]:
    """Return ``(L, M)`` with ``L / M == out_rate / in_rate`` in lowest terms.

    Output frame ``k`` sits at input position ``k * M / L``.
    """
    g = math.gcd(in_rate, out_rate)
    return out_rate // g, in_rate // g


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


def final_count(n_in: int, L: int, M: int, reach: int = 1) -> int:
    """Outputs whose input window lies within the first ``n_in`` frames.

    Output ``k`` reads input frames up to ``floor(k * M / L) + reach``, so it
    is final once that index is below ``n_in``, i.e. ``k * M < (n_in - reach) * L``.
    """
    m = n_in - reach
    return (m * L - 1) // M + 1 if m > 0 else 0


def hold_back(L: int, M: int, reach: int = 1) -> int:
    """Exact maximum of ``expected_length(n) - frames_out`` for an interpolator.

    Frames are emitted as soon as they are final (see :func:`final_count`) and
    the length rule allows. For ``n <= reach`` nothing is final and the
    maximum is ``expected(reach)``. For ``n > reach`` write ``n * L = q * M +
    rho``: the difference is ``[2 rho >= M] - 1 - floor((rho - reach*L - 1) / M)``,
    which depends on ``rho`` only; ``L`` and ``M`` are coprime, so ``rho`` takes
    every value in ``[0, M)``, and as the floor never decreases in ``rho`` the
    maximum is at ``rho = 0`` or ``rho = ceil(M / 2)``. O(1) in time and
    memory for any rates (a scan over one period would need ``M`` values).
    """
    early = (2 * reach * L + M) // (2 * M)
    at_zero = -1 - (-reach * L - 1) // M
    at_half = -((M + 1) // 2 - reach * L - 1) // M
    return max(early, at_zero, at_half, 0)
