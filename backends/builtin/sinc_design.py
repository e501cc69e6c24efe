"""Filter design for ``numba-sinc``: Kaiser-windowed sinc, exact phases or a phase grid.

Everything here is NumPy and runs once per configuration (cached). Frequencies
are in cycles per input frame; the lower Nyquist frequency is ``0.5 * min(1,
L / M)`` for ``L / M = out_rate / in_rate``.

* **Spec to filter.** A preset (:class:`SincSpec`) gives the stopband
  attenuation ``A`` (from the lower Nyquist frequency up: nothing above it is
  aliased or imaged by more than ``-A`` dB) and the passband edge as a fraction
  of the lower Nyquist frequency. The sinc's cutoff is the middle of the
  transition band; Kaiser's formulas give the window's ``beta`` and the length,
  ``2 * half`` taps, ``half = ceil((A' - 7.95) / (2.285 * 2pi * dF) / 2)``.
  Kaiser's formulas were fitted for moderate attenuations and fall short at
  the stopband edge as ``A`` grows (measured: 0.4 dB at 100 dB, 6 dB at 165,
  16 dB at 240), so they are given ``A' = A +`` :func:`design_margin_db`, and
  the unit tests check the promised ``A`` on the designed tables.
* **Exact phases** (:func:`exact_table`): one row of taps per output phase
  ``j`` (offset ``frac = (j*M mod L) / L``), each normalised to unit DC gain.
  Used while ``L`` rows fit :data:`EXACT_TABLE_MAX` coefficients.
* **Phase grid** (:func:`grid_table`): for large ``L`` (192001 -> 192000 Hz
  has ``L = 192000``) the kernel is stored at ``per_frame`` phases per input
  frame (``spec.grid_phases`` per zero crossing of the sinc) and each output's
  taps are a cubic Lagrange interpolation between the four stored phases
  around its exact offset, as libsamplerate interpolates between stored
  phases. Rows sum to one, and Lagrange weights sum to one, so DC gain stays
  exact. Memory and design time are bounded for any rate pair.
* **Half-band stages** (:func:`halfband_stages`): downsampling by 4 or more
  first halves the rate ``s`` times (soxr's rule: while at least 2 is left
  for the main filter), each time with a half-band filter whose stopband
  starts where aliases would reach the final band (``0.5 - f_o`` cycles per
  stage input frame, ``f_o`` the final Nyquist frequency) and holds the
  preset's attenuation: ~25 taps (hq), half of them zero. The main filter then
  runs at ``2**s`` times fewer input frames per output. Upsampling by 4 or
  more mirrors it: the main filter to ``out_rate / 2**s``, then half-band
  interpolators doubling the rate, whose even outputs are copies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = [
    "EXACT_TABLE_MAX",
    "PRESETS",
    "FilterSize",
    "SincSpec",
    "decimation_stages",
    "design_margin_db",
    "exact_table",
    "filter_size",
    "grid_per_frame",
    "grid_table",
    "halfband_stages",
    "main_ratio",
    "table_bytes",
    "uses_grid",
]

#: Most coefficients of an exact-phase table (4 MB of float64, designed in ~50 ms);
#: beyond it, the phase grid.
EXACT_TABLE_MAX = 2**19
#: Coefficients designed at a time (bounds the design's temporaries to ~1 MB each).
DESIGN_CHUNK = 2**17
#: Rows of the grid around each stored phase: cubic Lagrange needs one before, two after.
GRID_PAD = 3


@dataclass(frozen=True)
class SincSpec:
    """What a preset promises.

    Attributes
    ----------
    attenuation_db : float
        Stopband attenuation from the lower Nyquist frequency up.
    passband : float
        Passband edge as a fraction of the lower Nyquist frequency.
    grid_phases : int
        Stored phases per zero crossing of the sinc when ``L`` is large.
    """

    attenuation_db: float
    passband: float
    grid_phases: int

    def describe(self) -> str:
        """``"165 dB, 91.7 % band"``: the preset for help text and docs."""
        return f"{self.attenuation_db:g} dB, {100 * self.passband:g} % band"


#: quality -> spec. ``hq`` and ``vhq`` are set to beat soxr HQ / VHQ on the
#: suite's quality check at every common rate pair (SNR, aliasing rejection of a
#: tone 10 % above the new Nyquist frequency, -3 dB bandwidth) at a quarter of
#: their latency; ``fast`` trades quality for speed.
PRESETS: dict[str, SincSpec] = {
    "fast": SincSpec(100.0, 0.80, 64),
    "hq": SincSpec(160.0, 0.917, 256),
    "vhq": SincSpec(235.0, 0.917, 1280),
}


def design_margin_db(attenuation_db: float) -> float:
    """What Kaiser's formulas need on top of ``attenuation_db`` to reach it at the edge.

    Fitted to the measured shortfall of Kaiser-windowed sincs between 100 and
    240 dB, with ~1 dB to spare.
    """
    return 1.0 + 0.13 * max(0.0, attenuation_db - 100.0)


@dataclass(frozen=True)
class FilterSize:
    """The continuous kernel for a ratio and spec.

    Output ``k`` at input position ``n + frac`` reads input frames
    ``n - (half - 1)`` to ``n + half``: ``2 * half`` taps.
    """

    half: int
    cutoff: float  # cycles per input frame
    beta: float

    @property
    def taps(self) -> int:
        return 2 * self.half


def filter_size(L: int, M: int, spec: SincSpec) -> FilterSize:
    """Kaiser's length and ``beta`` for ``spec`` at ``L / M``."""
    nyquist = 0.5 * min(1.0, L / M)
    passband = spec.passband * nyquist
    width = nyquist - passband
    attenuation = spec.attenuation_db + design_margin_db(spec.attenuation_db)
    taps = (attenuation - 7.95) / (2.285 * 2 * math.pi * width)
    half = max(2, math.ceil(taps / 2))
    beta = 0.1102 * (attenuation - 8.7)
    return FilterSize(half, 0.5 * (nyquist + passband), beta)


def _kernel(t: np.ndarray, size: FilterSize) -> np.ndarray:
    """The windowed sinc at distances ``t`` (input frames) from the position."""
    fc, half = size.cutoff, size.half
    window = np.i0(size.beta * np.sqrt(np.clip(1.0 - (t / half) ** 2, 0.0, None)))
    return 2 * fc * np.sinc(2 * fc * t) * (window / np.i0(size.beta))


def _rows(frac: np.ndarray, size: FilterSize) -> np.ndarray:
    """One row of taps per fractional offset, each summing to one, read-only.

    Rows are designed :data:`DESIGN_CHUNK` coefficients at a time so that the
    temporaries of the design stay small next to the table.
    """
    d = np.arange(-(size.half - 1), size.half + 1)
    rows = np.empty((len(frac), size.taps))
    chunk = max(1, DESIGN_CHUNK // size.taps)
    for i in range(0, len(frac), chunk):
        block = _kernel(frac[i : i + chunk, np.newaxis] - d[np.newaxis, :], size)
        rows[i : i + chunk] = block / block.sum(axis=1, keepdims=True)
    rows.flags.writeable = False
    return rows


def grid_per_frame(L: int, M: int, spec: SincSpec) -> int:
    """Stored phases per input frame: ``grid_phases`` per zero crossing (``1 / 2fc`` frames)."""
    return max(1, math.ceil(spec.grid_phases * 2 * filter_size(L, M, spec).cutoff))


def uses_grid(L: int, M: int, quality: str) -> bool:
    """Whether ``L / M`` at ``quality`` interpolates between stored phases."""
    return L * filter_size(L, M, PRESETS[quality]).taps > EXACT_TABLE_MAX


@lru_cache(maxsize=32)
def exact_table(L: int, M: int, quality: str) -> tuple[np.ndarray, int]:
    """``(L, 2*half)`` float64 taps, row ``j`` for phase ``j``, and ``half``."""
    size = filter_size(L, M, PRESETS[quality])
    frac = (np.arange(L, dtype=np.int64) * M % L) / L
    return _rows(frac, size), size.half


@lru_cache(maxsize=32)
def grid_table(L: int, M: int, quality: str) -> tuple[np.ndarray, int, int]:
    """Phase grid taps, ``half`` and ``per_frame``.

    Row ``r`` of the ``(per_frame + 3, 2*half)`` table holds the taps for the
    offset ``(r - 1) / per_frame``.
    """
    spec = PRESETS[quality]
    size = filter_size(L, M, spec)
    per_frame = grid_per_frame(L, M, spec)
    frac = (np.arange(per_frame + GRID_PAD) - 1) / per_frame
    return _rows(frac, size), size.half, per_frame


def table_bytes(L: int, M: int, quality: str) -> int:
    """Bytes of the coefficients a stream at ``L / M`` holds (without designing them).

    The main filter's table (exact or grid) at :func:`main_ratio`, plus the
    half-band stages' taps.
    """
    spec = PRESETS[quality]
    L2, M2 = main_ratio(L, M)
    size = filter_size(L2, M2, spec)
    rows = grid_per_frame(L2, M2, spec) + GRID_PAD if uses_grid(L2, M2, quality) else L2
    stages = halfband_stages(L, M, quality) + halfband_stages(M, L, quality)
    halfbands = sum(len(odd) for odd, _ in stages)
    return (rows * size.taps + halfbands) * np.dtype(np.float64).itemsize


def decimation_stages(L: int, M: int) -> int:
    """Half-band stages before the main filter: ``s`` with ``M / (L * 2**s)`` in [2, 4)."""
    return max(0, (M // L).bit_length() - 2)


def main_ratio(L: int, M: int) -> tuple[int, int]:
    """``L2 / M2``, the main filter's ratio in lowest terms, between the half-band stages."""
    down, up = decimation_stages(L, M), decimation_stages(M, L)
    L2, M2 = L * 2**down, M * 2**up
    g = math.gcd(L2, M2)
    return L2 // g, M2 // g


@lru_cache(maxsize=32)
def halfband_stages(L: int, M: int, quality: str) -> tuple[tuple[np.ndarray, float], ...]:
    """Per stage, the taps at odd offsets ``-(2K-1), ..., 2K-1`` and the centre tap.

    Stage ``i`` (from 1) runs at ``in_rate / 2**(i-1)``, where the final Nyquist
    frequency is ``f_o = 2**(i-2) * L / M`` cycles per frame (at most 1/8): its
    transition band is ``[f_o, 0.5 - f_o]``, symmetric about 1/4. The centre
    tap is 1/2 and the odd taps sum to 1/2, so both polyphase branches have
    unit DC gain. Upsampling by 4 or more uses the same designs with ``L`` and
    ``M`` swapped, as interpolators after the main filter (frequencies then
    per stage output frame).
    """
    spec = PRESETS[quality]
    # 10 dB more: the aliases of every stage and of the main filter add up, and
    # scaling each branch to unit DC gain moves the stopband by the ripple.
    attenuation = spec.attenuation_db + design_margin_db(spec.attenuation_db) + 10.0
    beta = 0.1102 * (attenuation - 8.7)
    stages = []
    for i in range(1, decimation_stages(L, M) + 1):
        final_nyquist = 2.0 ** (i - 2) * L / M
        width = 0.5 - 2 * final_nyquist
        taps = (attenuation - 7.95) / (2.285 * 2 * math.pi * width)
        k = max(1, math.ceil((taps / 2 + 1) / 2))
        n = np.arange(-(2 * k - 1), 2 * k, 2)  # the odd offsets
        window = np.i0(beta * np.sqrt(1.0 - (n / (2 * k)) ** 2)) / np.i0(beta)
        odd = 0.5 * np.sinc(n / 2) * window
        odd *= 0.5 / odd.sum()  # each polyphase branch has unit DC gain
        odd.flags.writeable = False
        stages.append((odd, 0.5))
    return tuple(stages)
