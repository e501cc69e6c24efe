"""Filter design for ``numba-sinc``: a chain of stages per rate pair, each a Kaiser-windowed sinc.

Everything here is NumPy and runs once per configuration (cached). ``B`` is
the lower Nyquist frequency of the pair, ``min(in_rate, out_rate) / 2``.

* **Spec** (:class:`SincSpec`). Flat to ``P = passband * B``; from ``S =
  stopband * B`` up, nothing is aliased or imaged by more than ``-A`` dB.
  Every preset has ``S = B``: nothing aliases into the transition band, as
  with soxr. A spec may set ``S = 2B - P`` instead (SoX's ``rate -a``): the
  only aliases left land in the transition band ``[P, B]`` above the
  passband, and the filter that halves a rate is a true half-band filter
  (every other tap zero), about twice as fast; no preset does, because a
  tone just beyond the Nyquist frequency then comes through barely
  attenuated (the quality check's ``edge_rejection_db``). With such a spec,
  downsampling by less than ~1.27 the band above the new Nyquist frequency
  is narrow, and the stopband starts lower (:func:`stopband_edge`): aliases may come from
  its lowest third only (48 -> 44.1 kHz: from 22.05-22.7 kHz).
* **Kaiser windows** (:func:`kaiser_beta`, :func:`kaiser_span`). ``beta`` is
  Kaiser's plus :data:`BETA_MARGIN`: at high attenuation Kaiser's own
  ``beta`` leaves the first sidelobe above ``A``, and raising it a little
  costs far less length than designing for a larger ``A`` (measured: 250 dB
  at 1.03x Kaiser's length instead of 1.48x). Tap counts are rounded up to
  multiples of 8 (:data:`TAP_QUANTUM`) for whole SIMD vectors; the extra
  taps lengthen the window, so they only add attenuation. Filters of up to
  :data:`CHECKED_TAPS` taps, where Kaiser's relation falls short, are
  checked on their designed taps and lengthened until they reach ``A``.
* **Stages** (:func:`plan`). A rate pair runs through the chain a cost model
  (:func:`stage_cost`, fitted to the kernels' measured speed) finds cheapest
  among:

  - one polyphase filter (:class:`Poly`) with the spec's transition band;
  - down by ``M / L >= 2``: a *wide* polyphase filter to ``2**k`` times the
    output rate, then ``k`` half-band decimators (:class:`HalfBand`), the
    last of which has the narrow transition band ``[P, S]``: the expensive
    filter runs at the lowest rate and skips every other tap;
  - up: the mirror, a narrow half-band interpolator at the input rate first;
  - the first round's chain, half-band stages at the high rate and the narrow
    polyphase filter at the low one, which is what a spec without aliasing
    into the transition band (``fast``) can use.

  A wide stage only has to keep its images and aliases out of ``[0, S]``
  (the stages after it remove the rest), so its transition band is many times
  wider than the spec's and its filter short. Wide stages get 6 dB more
  attenuation, as their leaks add to the narrow stage's.
* **Polyphase tables**: one row of taps per output phase (:func:`exact_table`,
  offset ``frac = (j*M mod L) / L``, each row normalised to unit DC gain)
  while ``L`` rows fit :data:`EXACT_TABLE_MAX` coefficients; beyond it a
  phase grid (:func:`grid_table`) with cubic Lagrange interpolation between
  ``spec.grid_phases`` stored phases per zero crossing of the sinc, as
  libsamplerate interpolates between stored phases. Memory and design time
  stay bounded for any rate pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

import numpy as np

__all__ = [
    "BETA_MARGIN",
    "EXACT_TABLE_MAX",
    "PRESETS",
    "TAP_QUANTUM",
    "HalfBand",
    "Poly",
    "SincSpec",
    "clear_caches",
    "exact_table",
    "grid_per_frame",
    "grid_table",
    "halfband_taps",
    "kaiser_beta",
    "kaiser_span",
    "plan",
    "poly_size",
    "stage_cost",
    "stopband_edge",
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
#: Added to Kaiser's ``beta``: puts the first sidelobe below ``A`` at high attenuation.
BETA_MARGIN = 0.8
#: Tap counts are multiples of this (one 512-bit vector of float64).
TAP_QUANTUM = 8
#: Downsampling aliases come from at most the lowest 1/ALIAS_FRACTION of the
#: band between the new Nyquist frequency and the old one.
ALIAS_FRACTION = 3
#: Polyphase stages read aligned copies of their input (:attr:`Poly.aligned_copies`)
#: for ``L`` up to this whatever ``M``...
COPIES_MAX_L = 16
#: ... or ``M`` a multiple of 8 up to this ...
COPIES_MAX_M = 256
#: ... if they do at least this many multiply-adds per input frame.
COPIES_MIN_MACS = 64
#: Extra attenuation of the wide stages, whose leaks add to the narrow stage's.
WIDE_EXTRA_DB = 6.0


@dataclass(frozen=True)
class SincSpec:
    """What a preset promises.

    Attributes
    ----------
    attenuation_db : float
        Stopband attenuation from ``stopband`` up.
    passband : float
        Passband edge as a fraction of the lower Nyquist frequency.
    stopband : float
        Stopband edge as a fraction of the lower Nyquist frequency, in
        ``[1, 2 - passband]``: above 1, frequencies just above the Nyquist
        frequency alias into the transition band ``[passband, 1]``.
    grid_phases : int
        Stored phases per zero crossing of the sinc when ``L`` is large.
    """

    attenuation_db: float
    passband: float
    stopband: float
    grid_phases: int

    def __post_init__(self) -> None:
        if not 0 < self.passband < 1 <= self.stopband <= 2 - self.passband + 1e-12:
            raise ValueError(
                f"SincSpec: expected 0 < passband < 1 <= stopband <= 2 - passband, "
                f"got passband {self.passband}, stopband {self.stopband}"
            )

    def describe(self) -> str:
        """``"174 dB from 109 % of the band, flat to 91 %"``: for help text and docs."""
        return (
            f"{self.attenuation_db:g} dB from {100 * self.stopband:g} % of the band, "
            f"flat to {100 * self.passband:g} %"
        )


#: quality -> spec. ``hq`` and ``vhq`` are set to beat soxr HQ / VHQ on the
#: suite's quality check at every common rate pair (SNR, rejection 2 % and
#: 10 % beyond the Nyquist frequency, -3 dB bandwidth) at a fraction of their
#: latency: the attenuation is the largest rejection soxr reaches there (171
#: and 241 dB, both at 24 <-> 44.1 kHz) plus 3 dB. ``fast`` trades quality for
#: speed. No preset aliases into its transition band.
PRESETS: dict[str, SincSpec] = {
    "fast": SincSpec(100.0, 0.80, 1.0, 64),
    "hq": SincSpec(174.0, 0.91, 1.0, 256),
    "vhq": SincSpec(244.0, 0.91, 1.0, 2048),
}


def kaiser_beta(attenuation_db: float) -> float:
    """Kaiser's window ``beta`` for ``attenuation_db``, plus :data:`BETA_MARGIN`."""
    return 0.1102 * (attenuation_db - 8.7) + BETA_MARGIN


def kaiser_span(attenuation_db: float) -> float:
    """Window length times transition width (frames x cycles per frame) that reaches the spec.

    Measured on windowed sincs with :func:`kaiser_beta`: ``(A - 1) / 14.36`` for
    ``A`` from 100 to 270 dB; 3 dB of margin on top.
    """
    return (attenuation_db + 2.0) / (2.285 * 2 * math.pi)


def _quantum(n: float) -> int:
    """``n`` rounded up to a multiple of :data:`TAP_QUANTUM`, at least one quantum."""
    return max(TAP_QUANTUM, -(-math.ceil(n) // TAP_QUANTUM) * TAP_QUANTUM)


@dataclass(frozen=True)
class Poly:
    """A polyphase stage from ``rate_in`` to ``rate_in * L / M``.

    ``passband`` and ``stopband`` are the filter's band edges in cycles per
    input frame of the stage, the sinc's cutoff is halfway between them;
    output ``k`` at input position ``n + frac`` reads input frames
    ``n - (half - 1)`` to ``n + half``.
    """

    L: int
    M: int
    half: int
    passband: float
    stopband: float
    attenuation_db: float
    grid_phases: int

    @property
    def taps(self) -> int:
        return 2 * self.half

    @property
    def cutoff(self) -> float:
        return 0.5 * (self.passband + self.stopband)

    @property
    def row_taps(self) -> int:
        """Taps per stored row of the exact table: whole pairs of vectors (zeros in front)."""
        return self.taps + -self.taps % (2 * TAP_QUANTUM)

    @property
    def aligned_copies(self) -> bool:
        """Whether the stage reads its input from aligned copies (see :mod:`.sinc_kernels`).

        They pay off when a block of periods' windows fit in L1: for small
        ``L``, or with ``M`` a multiple of 8 (the phases reading one copy go
        together) and not so large that the block leaves L2; and when the
        stage does enough multiply-adds per input frame to pay for copying
        every frame 8 times (~20). Measured: 3/4 and 2/3 at ~200 taps 1.5x,
        147/160 1.4x; 160/147 0.9x, 441/640 0.6x, 1/3 at 112 taps 0.86x.
        """
        fits = self.L <= COPIES_MAX_L or (self.M % 8 == 0 and self.M <= COPIES_MAX_M)
        return fits and self.taps * self.L >= COPIES_MIN_MACS * self.M

    @property
    def beta(self) -> float:
        return kaiser_beta(self.attenuation_db)


@dataclass(frozen=True)
class HalfBand:
    """A half-band stage: decimator (``up=False``) or interpolator by 2.

    ``edge`` is the passband edge in cycles per frame at the higher of its two
    rates; the stopband starts at ``0.5 - edge``. ``K`` taps on each side sit
    at the odd offsets ``±1, ±3, ..., ±(2K - 1)`` around the centre tap 1/2.
    """

    up: bool
    edge: float
    K: int
    attenuation_db: float

    @property
    def taps(self) -> int:
        return 2 * self.K

    @property
    def beta(self) -> float:
        return kaiser_beta(self.attenuation_db)


def poly_size(
    L: int, M: int, passband: float, stopband: float, attenuation_db: float, grid_phases: int
) -> Poly:
    """A polyphase stage: ``passband`` and ``stopband`` in cycles per input frame."""
    half = _quantum(kaiser_span(attenuation_db) / (stopband - passband)) // 2
    return Poly(L, M, half, passband, stopband, attenuation_db, grid_phases)


def _halfband(up: bool, edge: float, attenuation_db: float) -> HalfBand:
    """A half-band stage with passband edge ``edge`` (cycles per frame at the higher rate)."""
    width = 0.5 - 2 * edge
    # The window reaches zero at offsets ±2K: 4K frames long.
    K = _quantum(kaiser_span(attenuation_db) / width / 2) // 2
    return HalfBand(up, edge, K, attenuation_db)


#: Filters up to this many taps are checked after design (see :func:`_checked`).
CHECKED_TAPS = 64


def _stopband_db(stage: Poly | HalfBand) -> float:
    """The designed filter's largest gain (dB) from its stopband edge up."""
    if isinstance(stage, HalfBand):
        h = np.zeros(4 * stage.K - 1)
        h[0::2] = halfband_taps(stage)
        h[len(h) // 2] = 0.5
        scale, stop = 1, 0.5 - stage.edge
    else:
        # the exact table as one filter at L times the input rate
        frac = np.arange(stage.L) * stage.M % stage.L
        d = np.arange(-(stage.half - 1), stage.half + 1)
        where = (frac[:, np.newaxis] - d[np.newaxis, :] * stage.L).ravel()
        h = np.zeros(where.max() - where.min() + 1)
        h[where - where.min()] = exact_table(stage).ravel()
        scale, stop = stage.L, stage.stopband
    n = 1 << max(14, (8 * h.size).bit_length())
    gain = np.abs(np.fft.rfft(h, n)) / scale
    return float(20 * np.log10(max(gain[np.fft.rfftfreq(n) * scale >= stop].max(), 1e-300)))


def _checked(stage: Poly | HalfBand) -> Poly | HalfBand:
    """``stage``, lengthened by whole vectors until it reaches its attenuation.

    Kaiser's relation between length and transition width holds for long
    windows; a window of a few dozen taps sampled at high ``beta`` falls
    short (measured: 256 of 257 dB at 40 taps), so short filters are checked
    on their designed taps (cheap at that size).
    """
    if stage.taps > CHECKED_TAPS or (isinstance(stage, Poly) and uses_grid(stage)):
        return stage
    while _stopband_db(stage) > -stage.attenuation_db:
        if isinstance(stage, HalfBand):
            stage = replace(stage, K=stage.K + TAP_QUANTUM // 2)
        else:
            stage = replace(stage, half=stage.half + TAP_QUANTUM // 2)
    return stage


# -- planning -----------------------------------------------------------------------

#: Cost model: GMAC/s and ns per output of each kernel, ns per frame copied in
#: (measured on 56 rate pairs x 3 presets, one-shot; see :func:`stage_cost`).
_GMACS = {"poly": 22.0, "poly_copies": 33.0, "poly_l3": 15.0, "down": 50.0, "up": 43.0}
_NS_PER_OUTPUT = {"poly": 1.2, "poly_copies": 0.8, "poly_l3": 1.2, "down": 0.8, "up": 0.0}
_NS_PER_FRAME_IN = {"poly": 0.1, "poly_copies": 0.6, "poly_l3": 0.1, "down": 0.6, "up": 1.2}
#: A phase table larger than this streams from L3, and a block of 16 periods
#: longer than this many frames leaves L1 (``poly_l3`` either way).
_L2_TABLE_BYTES = 2**19
_L1_BLOCK_FRAMES = 6144


def stage_cost(stage: Poly | HalfBand) -> float:
    """Estimated nanoseconds per input frame of the stage."""
    if isinstance(stage, Poly):
        kind = "poly_copies" if stage.aligned_copies else "poly"
        if stage.L * stage.taps * 8 > _L2_TABLE_BYTES or 16 * stage.M > _L1_BLOCK_FRAMES:
            kind = "poly_l3"
        outputs = stage.L / stage.M
    else:
        # A decimator computes one output per two frames; an interpolator one
        # odd output (and a copy) per frame.
        kind, outputs = ("up", 1.0) if stage.up else ("down", 0.5)
    taps = stage.row_taps if isinstance(stage, Poly) else stage.taps
    per_output = taps / _GMACS[kind] + _NS_PER_OUTPUT[kind]
    return per_output * outputs + _NS_PER_FRAME_IN[kind]


def _wide(low_rate: float, edge: float) -> bool:
    """Whether a half-band stage whose lower rate is ``low_rate`` is wide with passband ``edge``.

    Its transition band ``[edge, low_rate - edge]`` must span a quarter of
    ``low_rate``: narrower, it costs about what it saves and adds latency
    (``fast`` at 22.05 -> 48 kHz: 176 output frames instead of 78).
    """
    return low_rate - 2 * edge >= low_rate / 4


def _next_rate(stage: Poly | HalfBand) -> Fraction:
    """Output rate over input rate of a stage."""
    if isinstance(stage, Poly):
        return Fraction(stage.L, stage.M)
    return Fraction(2) if stage.up else Fraction(1, 2)


def _chain_cost(chain: list[Poly | HalfBand]) -> float:
    """Estimated ns per input frame of a chain (each stage weighted by its input rate)."""
    total, rate = 0.0, Fraction(1)
    for stage in chain:
        total += stage_cost(stage) * float(rate)
        rate *= _next_rate(stage)
    return total


def stopband_edge(L: int, M: int, quality: str) -> float:
    """Where the stopband starts for ``L / M``, as a fraction of the lower Nyquist frequency.

    The preset's ``stopband``, except when downsampling close to 1: the band
    above the new Nyquist frequency is then narrow, and aliases may come from
    its lowest ``1 / ALIAS_FRACTION`` at most (48 -> 44.1 kHz: 22.05-22.7 kHz).
    """
    edge = PRESETS[quality].stopband
    if L < M:
        edge = min(edge, 1 + (M / L - 1) / ALIAS_FRACTION)
    return edge


@lru_cache(maxsize=64)
def plan(L: int, M: int, quality: str) -> tuple[Poly | HalfBand, ...]:
    """The cheapest chain of stages for ``L / M = out_rate / in_rate`` (see the module doc).

    Rates and frequencies here are in units of the input rate; each stage's
    filter is given in cycles per frame of its own rates.
    """
    if L == M:
        return ()
    spec = PRESETS[quality]
    narrow_db, wide_db = spec.attenuation_db, spec.attenuation_db + WIDE_EXTRA_DB
    ratio = Fraction(L, M)
    B = float(min(Fraction(1), ratio)) / 2
    P, S = spec.passband * B, stopband_edge(L, M, quality) * B
    # The narrow half-band's stopband: S, unless the spec's band is asymmetric.
    narrow_stop = min(S, 2 * B - P)

    def poly(rate_in: Fraction, rate_out: Fraction, stop: float, db: float) -> Poly:
        q, r = rate_out / rate_in, float(rate_in)
        return poly_size(q.numerator, q.denominator, P / r, stop / r, db, spec.grid_phases)

    def halfband(up: bool, high_rate: Fraction, edge: float, db: float) -> HalfBand:
        return _halfband(up, edge / float(high_rate), db)

    narrow_edge = 2 * B - narrow_stop
    chains: list[list[Poly | HalfBand]] = []
    if ratio < 1:
        # j wide decimators (each keeps [0, S] clean), then the narrow polyphase filter.
        j = 0
        while j == 0 or _wide(2.0**-j, S):
            chain: list[Poly | HalfBand] = [
                halfband(False, Fraction(1, 2**i), S, wide_db) for i in range(j)
            ]
            if Fraction(1, 2**j) != ratio:
                chain.append(poly(Fraction(1, 2**j), ratio, S, narrow_db))
            chains.append(chain)
            j += 1
        # A wide polyphase filter to 2**k times the output rate, then k decimators,
        # the last one narrow: aliases from [mid - S, ...] would land in [0, S].
        k = 1
        while narrow_stop > B and ratio * 2**k < 2:
            mid = ratio * 2**k
            chain = [poly(Fraction(1), mid, float(mid) - S, wide_db)] if mid != 1 else []
            for i in range(k):
                last = i == k - 1
                edge, db = (narrow_edge, narrow_db) if last else (S, wide_db)
                chain.append(halfband(False, mid / 2**i, edge, db))
            chains.append(chain)
            k += 1
    else:
        # The narrow polyphase filter, then j wide interpolators.
        j = 0
        while j == 0 or _wide(float(ratio / 2**j), S):
            low = ratio / 2**j
            chain = [poly(Fraction(1), low, S, narrow_db)] if low != 1 else []
            chain += [halfband(True, low * 2 ** (i + 1), S, wide_db) for i in range(j)]
            chains.append(chain)
            j += 1
        # k interpolators, the first one narrow, then a wide polyphase filter:
        # images from [mid - S, ...] would land in [0, S].
        k = 1
        while narrow_stop > B and 2**k < 2 * ratio:
            mid = Fraction(2**k)
            chain = []
            for i in range(k):
                edge, db = (narrow_edge, narrow_db) if i == 0 else (S, wide_db)
                chain.append(halfband(True, Fraction(2 ** (i + 1)), edge, db))
            if mid != ratio:
                chain.append(poly(mid, ratio, float(mid) - S, wide_db))
            chains.append(chain)
            k += 1
    return tuple(_checked(stage) for stage in min(chains, key=_chain_cost))


# -- tables ---------------------------------------------------------------------------


def _kernel(t: np.ndarray, stage: Poly) -> np.ndarray:
    """The windowed sinc at distances ``t`` (input frames) from the position."""
    fc, half = stage.cutoff, stage.half
    window = np.i0(stage.beta * np.sqrt(np.clip(1.0 - (t / half) ** 2, 0.0, None)))
    return 2 * fc * np.sinc(2 * fc * t) * (window / np.i0(stage.beta))


def _rows(frac: np.ndarray, stage: Poly) -> np.ndarray:
    """One row of taps per fractional offset, each summing to one, read-only.

    Rows are designed :data:`DESIGN_CHUNK` coefficients at a time so that the
    temporaries of the design stay small next to the table.
    """
    d = np.arange(-(stage.half - 1), stage.half + 1)
    rows = np.empty((len(frac), stage.taps))
    chunk = max(1, DESIGN_CHUNK // stage.taps)
    for i in range(0, len(frac), chunk):
        block = _kernel(frac[i : i + chunk, np.newaxis] - d[np.newaxis, :], stage)
        rows[i : i + chunk] = block / block.sum(axis=1, keepdims=True)
    rows.flags.writeable = False
    return rows


def grid_per_frame(stage: Poly) -> int:
    """Stored phases per input frame: ``grid_phases`` per zero crossing (``1 / 2fc`` frames)."""
    return max(1, math.ceil(stage.grid_phases * 2 * stage.cutoff))


def uses_grid(stage: Poly) -> bool:
    """Whether the stage interpolates between stored phases (its ``L`` rows would not fit)."""
    return stage.L * stage.taps > EXACT_TABLE_MAX


@lru_cache(maxsize=32)
def exact_table(stage: Poly) -> np.ndarray:
    """``(L, taps)`` float64, row ``j`` for output phase ``j``."""
    frac = (np.arange(stage.L, dtype=np.int64) * stage.M % stage.L) / stage.L
    return _rows(frac, stage)


@lru_cache(maxsize=32)
def grid_table(stage: Poly) -> tuple[np.ndarray, int]:
    """Phase grid taps and ``per_frame``.

    Row ``r`` of the ``(per_frame + 3, taps)`` table holds the taps for the
    offset ``(r - 1) / per_frame``.
    """
    per_frame = grid_per_frame(stage)
    frac = (np.arange(per_frame + GRID_PAD) - 1) / per_frame
    return _rows(frac, stage), per_frame


@lru_cache(maxsize=32)
def halfband_taps(stage: HalfBand) -> np.ndarray:
    """The ``2K`` taps at the odd offsets ``-(2K-1), ..., 2K-1``, summing to 1/2, read-only.

    With the centre tap 1/2 both polyphase branches have unit DC gain, and a
    decimator's response is exactly zero at its input's Nyquist frequency.
    """
    n = np.arange(-(2 * stage.K - 1), 2 * stage.K, 2)
    window = np.i0(stage.beta * np.sqrt(1.0 - (n / (2 * stage.K)) ** 2)) / np.i0(stage.beta)
    odd = 0.5 * np.sinc(n / 2) * window
    odd *= 0.5 / odd.sum()
    odd.flags.writeable = False
    return odd


def table_bytes(L: int, M: int, quality: str) -> int:
    """Bytes of the coefficients a stream at ``L / M`` holds (without designing them).

    Half-band taps are held once per SIMD lane (:data:`TAP_QUANTUM` times).
    """
    total = 0
    for stage in plan(L, M, quality):
        if isinstance(stage, HalfBand):
            total += stage.taps * TAP_QUANTUM
        elif uses_grid(stage):
            total += (grid_per_frame(stage) + GRID_PAD) * stage.taps
        else:
            total += stage.L * stage.row_taps
    return total * np.dtype(np.float64).itemsize


def clear_caches() -> None:
    """Forget every cached plan, table and half-band design (for timing creation cold)."""
    for cached in (plan, exact_table, grid_table, halfband_taps):
        cached.cache_clear()
