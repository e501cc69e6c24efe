"""Numba kernels. Imported only by backends that need Numba, never at package import.

Kernels are compiled on first call (no eager signatures), cached on disk
(``cache=True``) and release the GIL (``nogil=True``). They loop and nothing
else: validation and allocation happen in Python.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["linear_interpolate"]


@numba.njit(cache=True, nogil=True)
def linear_interpolate(
    hist: np.ndarray,
    x: np.ndarray,
    first: int,
    k0: int,
    L: int,
    M: int,
    step: np.ndarray,
    frac: np.ndarray,
    out: np.ndarray,
) -> None:
    """Linear interpolation of outputs ``k0 ...`` into ``out``.

    ``hist`` holds input frames ``first ...`` and ``x`` the frames after it;
    inputs past ``x`` are zero. Arithmetic is in the dtype of ``x`` with the
    same operation order as the NumPy backend, so both give the same bits.
    """
    nh = hist.shape[0]
    n_ext = nh + x.shape[0]
    channels = out.shape[1]
    zero = frac[0]  # always exactly 0, and of the stream's dtype
    q = k0 // L
    j = k0 - q * L
    base = q * M - first
    for k in range(out.shape[0]):
        e = base + step[j]
        w = frac[j]
        for c in range(channels):
            a = hist[e, c] if e < nh else x[e - nh, c]
            if e + 1 < nh:
                b = hist[e + 1, c]
            elif e + 1 < n_ext:
                b = x[e + 1 - nh, c]
            else:
                b = zero
            out[k, c] = a + (b - a) * w
        j += 1
        if j == L:
            j = 0
            base += M
