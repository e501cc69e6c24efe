"""The output-length rule, in integer arithmetic.

Every backend, however its input is chunked, ends a flushed stream with exactly
``round_half_up(n_in * out_rate / in_rate)`` frames. Floats are never used: a
float ratio times a large frame count is where the original player drifted.
"""

from __future__ import annotations

import math

__all__ = ["expected_length", "reduced_ratio"]


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
