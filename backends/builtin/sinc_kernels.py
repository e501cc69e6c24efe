"""Numba kernels of ``numba-sinc``. Imported only when a ``numba-sinc`` stream opens.

Compiled on first call, cached on disk (``cache=True``), GIL released
(``nogil=True``); allocation happens in Python, once per stream. Sums are
float64 whatever the stream's dtype: float32 streams lose nothing but the final
rounding.

**One call per process().** :func:`advance` runs a stream's whole chain of
stages (:mod:`backends.builtin.sinc_design`) for one call: it cuts the
outputs into chunks of a few thousand input frames, so that every stage's
buffer stays in cache, and for each chunk walks back from the outputs to
the frames each stage still lacks, computes them stage by stage and drops
the frames no later output reads. A stage's state is its input buffer:
frames ``[origin, end)`` (``meta[s]``) in a fixed region of ``bufs``
(``spec[s]`` says where, and everything else about the stage).

**Layouts.** A stage reads its input in the layout its kernel reads fastest;
stage kernels write plain frames and :func:`spread` copies them in:

* ``PLAIN`` — one copy; what the polyphase kernels read when ``L`` is
  large (their windows then spread over a block too wide to copy into L1).
* ``COPIES`` — eight copies, copy ``i`` shifted by ``i`` frames (element
  ``i*cap + k`` is frame ``origin + k + i``): any 8 consecutive frames are one
  *aligned* vector load from copy ``j % 8``. An unaligned 64-byte load
  straddles two cache lines and costs two; aligned, a group of outputs runs
  at ~1.8x the speed (measured: 54 against 31 GMAC/s at 144 taps).
* ``ODD_EVEN`` — ``COPIES`` of the odd frames, then the even frames
  (``origin`` even): what a half-band decimator reads.

**Outputs in lanes.** The half-band kernels compute 64 consecutive outputs at
a time, eight per vector (:mod:`backends.builtin.simd`): per tap one vector
of the tap and eight aligned data vectors, no horizontal sums. Each output is
a sequential chain of fused multiply-adds over its taps, so its bits do not
depend on the group or lane that computes it: groups past the call's
outputs run on the buffers' slack (:data:`SLACK`) and are dropped.

* :func:`poly_exact` — exact phase table: outputs of one phase in 8
  consecutive periods share a row; each dot product in the fixed order of
  :func:`_dot`, whether it is computed in a group of 4 or alone.
* :func:`poly_grid` — large ``L``: each output's taps are a cubic Lagrange
  interpolation of four stored phases around its exact offset.
* :func:`halfband_down` — half-band decimator: centre tap plus odd frames.
* :func:`halfband_up` — half-band interpolator: even outputs copy the input.

Every output is thus computed by the same kernel from the same frames in any
call: streaming is bit-exact under any chunking.
"""

from __future__ import annotations

import numba

from .simd import vadd, vfma, vget, vload, vsplat, vstore, vsum, vsum8, vzero, vzip_hi, vzip_lo

__all__ = [
    "COPIES",
    "GRID",
    "HALF_DOWN",
    "HALF_UP",
    "LANES",
    "ODD_EVEN",
    "PLAIN",
    "POLY",
    "SLACK",
    "SPEC_FIELDS",
    "advance",
    "copies_of",
    "first_in",
    "last_in",
]

# Stage kinds and input layouts.
POLY, GRID, HALF_DOWN, HALF_UP = 0, 1, 2, 3
PLAIN, COPIES, ODD_EVEN = 0, 1, 2
#: Outputs per group of the half-band kernels (eight vectors of eight).
LANES = 64
#: Frames a half-band kernel may read past the data its valid outputs need.
SLACK = 2 * LANES + 16
#: Columns of a stage's row in ``spec``.
SPEC_FIELDS = (
    "kind",  # POLY, GRID, HALF_DOWN, HALF_UP
    "L",
    "M",
    "half",  # polyphase: half the taps; half-band: K (2K odd taps)
    "block",  # POLY: periods per pass; GRID: stored phases per frame
    "layout",  # of the stage's input buffer
    "slack",  # frames the kernel reads past its data
    "buf",  # first column of the stage's region in bufs
    "cap",  # elements per copy in that region
    "coef",  # first element of its taps in coefs
    "rows",  # table rows (POLY, GRID)
    "taps",  # taps per row
    "ints",  # first element of its phase steps in ints (POLY)
    "lead",  # zero taps in front of each row (POLY: rows of whole pairs of vectors)
)
(_KIND, _L, _M, _HALF, _BLOCK, _LAYOUT, _SLACK, _BUF, _CAP, _COEF, _ROWS, _TAPS, _INTS, _LEAD) = (
    range(len(SPEC_FIELDS))
)
_ORIGIN, _END = 0, 1

_FAST = {"contract", "reassoc"}


# -- index maps -------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def first_in(spec, s, k):
    """The first input frame of stage ``s`` that its output ``k`` reads."""
    kind, half = spec[s, _KIND], spec[s, _HALF]
    if kind == HALF_DOWN:
        return 2 * k - (2 * half - 1)
    if kind == HALF_UP:
        return k // 2 - half + 1
    return k * spec[s, _M] // spec[s, _L] - (half - 1) - spec[s, _LEAD]


@numba.njit(cache=True, nogil=True)
def last_in(spec, s, k):
    """The last input frame of stage ``s`` that its output ``k`` (or any before it) reads."""
    kind, half = spec[s, _KIND], spec[s, _HALF]
    if kind == HALF_DOWN:
        return 2 * k + 2 * half - 1
    if kind == HALF_UP:
        return k // 2 + half
    return k * spec[s, _M] // spec[s, _L] + half


# -- stage kernels (one channel) --------------------------------------------------


@numba.njit(cache=True, nogil=True, inline="always")
def _aligned(q, cap, copies):
    """Where frame ``q`` (relative) starts an aligned window: in copy ``q & copies``."""
    i = q & copies
    return q + i * cap - i


@numba.njit(cache=True, nogil=True, inline="always")
def _dot(h, src, a, taps):
    """``sum_t h[t] * src[a + t]`` (``taps % 16 == 0``), in :func:`poly_exact`'s order."""
    u = w = vzero()
    for t in range(0, taps, 16):
        u = vfma(vload(h, t), vload(src, a + t), u)
        w = vfma(vload(h, t + 8), vload(src, a + t + 8), w)
    return vsum(vadd(u, w))


@numba.njit(cache=True, nogil=True)
def poly_exact(src, cap, copies, origin, k0, n, L, M, start, steps, table, block, dst, d0):
    """Outputs ``k0 .. k0 + n - 1`` with the exact phase table.

    Output ``k = q*L + j`` is ``sum_t table[j, t] * s[q*M + step[j] + start + t]``,
    stored in ``dst[d0 + k - k0]``, with the stream ``s`` in ``src`` plain
    (``copies`` 0) or as :data:`COPIES` (``copies`` 7: each window read from
    the copy where it is aligned). ``steps`` holds ``step``, then the phases
    in the order to apply them: grouped by ``step % 8``, so that while ``M``
    is a multiple of 8 one group reads one copy. ``block`` periods at a time,
    so their input stays in cache while every row is applied. Outputs of one
    phase in 8 consecutive periods share each load of the row (measured 1.1x
    over 4); the rest go two by two, and one alone. A call with fewer than
    two outputs per phase (streaming with a large ``L``) goes in output order.
    Either way each output is two vector chains over alternate groups of 8
    taps, added and summed in :func:`vsum`'s order (:func:`vsum8` for a group
    of 8): the same bits in any group.
    """
    taps = table.shape[1]
    k1 = k0 + n
    if n < 2 * L:  # a few outputs per phase: in output order, two at a time
        k = k0
        while k + 2 <= k1:
            j0, j1 = k % L, (k + 1) % L
            a0 = _aligned(k // L * M + steps[j0] + start - origin, cap, copies)
            a1 = _aligned((k + 1) // L * M + steps[j1] + start - origin, cap, copies)
            h0, h1 = table[j0], table[j1]
            u0 = u1 = w0 = w1 = vzero()
            for t in range(0, taps, 16):
                u0 = vfma(vload(h0, t), vload(src, a0 + t), u0)
                u1 = vfma(vload(h1, t), vload(src, a1 + t), u1)
                w0 = vfma(vload(h0, t + 8), vload(src, a0 + t + 8), w0)
                w1 = vfma(vload(h1, t + 8), vload(src, a1 + t + 8), w1)
            dst[d0 + k - k0] = vsum(vadd(u0, w0))
            dst[d0 + k + 1 - k0] = vsum(vadd(u1, w1))
            k += 2
        if k < k1:
            a = _aligned(k // L * M + steps[k % L] + start - origin, cap, copies)
            dst[d0 + k - k0] = _dot(table[k % L], src, a, taps)
        return
    first, stop = k0 // L, (k1 + L - 1) // L  # periods touched
    for b0 in range(first, stop, block):
        b1 = min(b0 + block, stop)
        whole = b0 * L >= k0 and b1 * L <= k1  # every phase has all the block's periods
        for i in range(L):
            j = steps[L + i]
            # periods p in [b0, b1) whose output p*L + j lies in [k0, k1)
            p, p_hi = b0, b1
            if not whole:
                p = max(b0, (k0 - j + L - 1) // L)
                p_hi = min(b1, (k1 - j + L - 1) // L)
            h = table[j]
            shift = steps[j] + start - origin
            while p + 8 <= p_hi:
                a0 = _aligned(p * M + shift, cap, copies)
                a1 = _aligned((p + 1) * M + shift, cap, copies)
                a2 = _aligned((p + 2) * M + shift, cap, copies)
                a3 = _aligned((p + 3) * M + shift, cap, copies)
                a4 = _aligned((p + 4) * M + shift, cap, copies)
                a5 = _aligned((p + 5) * M + shift, cap, copies)
                a6 = _aligned((p + 6) * M + shift, cap, copies)
                a7 = _aligned((p + 7) * M + shift, cap, copies)
                u0 = u1 = u2 = u3 = u4 = u5 = u6 = u7 = vzero()
                w0 = w1 = w2 = w3 = w4 = w5 = w6 = w7 = vzero()
                for t in range(0, taps, 16):
                    c, d = vload(h, t), vload(h, t + 8)
                    u0 = vfma(c, vload(src, a0 + t), u0)
                    u1 = vfma(c, vload(src, a1 + t), u1)
                    u2 = vfma(c, vload(src, a2 + t), u2)
                    u3 = vfma(c, vload(src, a3 + t), u3)
                    u4 = vfma(c, vload(src, a4 + t), u4)
                    u5 = vfma(c, vload(src, a5 + t), u5)
                    u6 = vfma(c, vload(src, a6 + t), u6)
                    u7 = vfma(c, vload(src, a7 + t), u7)
                    w0 = vfma(d, vload(src, a0 + t + 8), w0)
                    w1 = vfma(d, vload(src, a1 + t + 8), w1)
                    w2 = vfma(d, vload(src, a2 + t + 8), w2)
                    w3 = vfma(d, vload(src, a3 + t + 8), w3)
                    w4 = vfma(d, vload(src, a4 + t + 8), w4)
                    w5 = vfma(d, vload(src, a5 + t + 8), w5)
                    w6 = vfma(d, vload(src, a6 + t + 8), w6)
                    w7 = vfma(d, vload(src, a7 + t + 8), w7)
                sums = vsum8(
                    vadd(u0, w0), vadd(u1, w1), vadd(u2, w2), vadd(u3, w3),
                    vadd(u4, w4), vadd(u5, w5), vadd(u6, w6), vadd(u7, w7),
                )  # fmt: skip
                o = d0 + p * L + j - k0
                for r in range(8):
                    dst[o + r * L] = vget(sums, r)
                p += 8
            while p + 2 <= p_hi:  # two chains each: four in flight, not two
                a0 = _aligned(p * M + shift, cap, copies)
                a1 = _aligned((p + 1) * M + shift, cap, copies)
                u0 = u1 = w0 = w1 = vzero()
                for t in range(0, taps, 16):
                    c, d = vload(h, t), vload(h, t + 8)
                    u0 = vfma(c, vload(src, a0 + t), u0)
                    u1 = vfma(c, vload(src, a1 + t), u1)
                    w0 = vfma(d, vload(src, a0 + t + 8), w0)
                    w1 = vfma(d, vload(src, a1 + t + 8), w1)
                o = d0 + p * L + j - k0
                dst[o] = vsum(vadd(u0, w0))
                dst[o + L] = vsum(vadd(u1, w1))
                p += 2
            if p < p_hi:
                dst[d0 + p * L + j - k0] = _dot(h, src, _aligned(p * M + shift, cap, copies), taps)


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def poly_grid(src, origin, k0, n, L, M, start, per_frame, grid, coef, dst, d0):
    """Outputs ``k0 .. k0 + n - 1`` from the phase grid (``src`` plain).

    Grid row ``r`` holds the taps for offset ``(r - 1) / per_frame``; an output
    at offset ``u / per_frame`` (``u`` real) takes rows ``floor(u) .. floor(u) + 3``
    weighted by the cubic Lagrange polynomials at ``s = u - floor(u)``.
    ``coef`` is scratch for one row of taps.
    """
    taps = grid.shape[1]
    step_n, step_rem = M // L, M % L
    pos, rem = k0 * M // L, k0 * M % L
    for k in range(n):
        num = rem * per_frame
        i = num // L
        s = (num - i * L) / L
        w0 = -s * (s - 1.0) * (s - 2.0) / 6.0
        w1 = (s + 1.0) * (s - 1.0) * (s - 2.0) / 2.0
        w2 = -(s + 1.0) * s * (s - 2.0) / 2.0
        w3 = (s + 1.0) * s * (s - 1.0) / 6.0
        g0, g1, g2, g3 = grid[i], grid[i + 1], grid[i + 2], grid[i + 3]
        for t in range(taps):
            coef[t] = w0 * g0[t] + w1 * g1[t] + w2 * g2[t] + w3 * g3[t]
        first = pos + start - origin
        seg = src[first : first + taps]
        acc = 0.0
        for t in range(taps):
            acc += coef[t] * seg[t]
        dst[d0 + k] = acc
        pos += step_n
        rem += step_rem
        if rem >= L:
            rem -= L
            pos += 1


@numba.njit(cache=True, nogil=True, inline="always")
def _lanes64(row, cap, q0, taps8):
    """``sum_t taps[t] * s[q0 + 8r + l + t]`` for the 64 outputs ``8r + l``.

    ``s`` is the stream held in ``row`` as :data:`COPIES` (relative index
    ``q``), ``taps8`` its taps, each repeated eight times. Returns the eight
    vectors ``r = 0 .. 7``.
    """
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = vzero()
    for t in range(taps8.shape[0] // 8):
        h = vload(taps8, 8 * t)
        q = q0 + t
        i = q & 7
        b = i * cap + q - i  # copy i holds s[q ...] at an aligned index
        a0 = vfma(h, vload(row, b), a0)
        a1 = vfma(h, vload(row, b + 8), a1)
        a2 = vfma(h, vload(row, b + 16), a2)
        a3 = vfma(h, vload(row, b + 24), a3)
        a4 = vfma(h, vload(row, b + 32), a4)
        a5 = vfma(h, vload(row, b + 40), a5)
        a6 = vfma(h, vload(row, b + 48), a6)
        a7 = vfma(h, vload(row, b + 56), a7)
    return a0, a1, a2, a3, a4, a5, a6, a7


@numba.njit(cache=True, nogil=True, inline="always")
def _store(dst, j, v, lo, hi):
    """``dst[j + l] = v[l]`` for ``lo <= l < hi`` (one vector store when whole and contiguous)."""
    if lo == 0 and hi == 8 and dst.strides[0] == dst.itemsize:
        vstore(dst, j, v)
        return
    for lane in range(lo, hi):
        dst[j + lane] = vget(v, lane)


@numba.njit(cache=True, nogil=True)
def halfband_down(src, cap, origin, m0, n, taps8, dst, d0):
    """Outputs ``m0 .. m0 + n - 1`` of a half-band decimator (``src`` odd/even).

    ``y[m] = u[2m] / 2 + sum_j odd_taps[j] * u[2m - (2K-1) + 2j]`` (``2K`` taps,
    ``taps8`` each repeated eight times), stored in ``dst[d0 + m - m0]``.
    """
    K = taps8.shape[0] // 16
    half = vsplat(0.5)
    for g in range(0, n, LANES):
        m = m0 + g
        # odd frame 2(m - K) + 1 and even frame 2m, as stream indices
        vs = _lanes64(src, cap, m - K - origin // 2, taps8)
        even = 8 * cap + m - origin // 2
        for r in range(min(8, (n - g + 7) // 8)):
            y = vfma(half, vload(src, even + 8 * r), vs[r])
            _store(dst, d0 + g + 8 * r, y, 0, min(8, n - g - 8 * r))


@numba.njit(cache=True, nogil=True)
def halfband_up(src, cap, origin, k0, n, taps8, dst, d0):
    """Outputs ``k0 .. k0 + n - 1`` of a half-band interpolator (``src`` copies).

    Even ``k``: input frame ``k / 2``; odd ``k = 2m + 1``:
    ``sum_j taps8[8j] * w[m - K + 1 + j]`` (``2K`` taps, already doubled),
    stored in ``dst[d0 + k - k0]``.
    """
    K = taps8.shape[0] // 16
    k1 = k0 + n
    for m in range(k0 // 2, (k1 + 1) // 2, LANES):
        vs = _lanes64(src, cap, m - K + 1 - origin, taps8)
        for r in range(8):
            mm = m + 8 * r  # outputs 2mm .. 2mm + 15
            if 2 * mm >= k1:
                break
            q = mm - origin
            i = q & 7
            even = vload(src, i * cap + q - i)
            k = 2 * mm
            _store(dst, d0 + k - k0, vzip_lo(even, vs[r]), max(0, k0 - k), min(8, k1 - k))
            k += 8
            if k < k1:
                _store(dst, d0 + k - k0, vzip_hi(even, vs[r]), max(0, k0 - k), min(8, k1 - k))


# -- buffers ----------------------------------------------------------------------


@numba.njit(cache=True, nogil=True, inline="always")
def _strided(src, first, stride, have, out):
    """``out[i] = src[first + stride * i]`` while that is below ``have``, then zeros."""
    n = min(out.shape[0], max(0, (have - first + stride - 1) // stride))
    for i in range(n):
        out[i] = src[first + stride * i]
    for i in range(n, out.shape[0]):
        out[i] = 0.0


@numba.njit(cache=True, nogil=True)
def spread(src, have, count, row, layout, cap, j0):
    """Frames ``j0 .. j0 + count - 1`` of ``row`` (in ``layout``) are ``src[:have]``, then zeros.

    ``src`` is any 1-D float array (a column of the stream's input, or plain
    float64 frames). Copy 0 is written from ``src``, copies 1 to 7 from copy
    0 (contiguous loops).
    """
    if layout == ODD_EVEN:
        odd = (j0 + 1) & 1  # the first odd frame is src[odd]
        k0, n = (j0 + odd) >> 1, (count - odd + 1) >> 1
        first, stride = odd, 2
        e0 = (j0 + 1 - odd) >> 1
        evens = row[8 * cap + e0 : 8 * cap + e0 + ((count - (1 - odd) + 1) >> 1)]
        _strided(src, 1 - odd, 2, have, evens)
    else:
        k0, n, first, stride = j0, count, 0, 1
    _strided(src, first, stride, have, row[k0 : k0 + n])
    if layout == PLAIN:
        return
    # element k of copy r is element k + r of copy 0: new ones from k0 - r
    for r in range(1, 8):
        lo = max(0, k0 - r)
        out = row[r * cap + lo : r * cap + k0 + n - r]
        base = row[lo + r : k0 + n]
        for i in range(out.shape[0]):
            out[i] = base[i]


@numba.njit(cache=True, nogil=True)
def copies_of(layout):
    """Copies of ``cap`` elements per channel in a buffer of ``layout``."""
    return 1 if layout == PLAIN else (8 if layout == COPIES else 9)


@numba.njit(cache=True, nogil=True)
def _region(spec, bufs, s, c):
    """Channel ``c`` of stage ``s``'s input buffer, all copies."""
    first = spec[s, _BUF]
    return bufs[c, first : first + copies_of(spec[s, _LAYOUT]) * spec[s, _CAP]]


@numba.njit(cache=True, nogil=True)
def _reserve(spec, meta, bufs, s, keep_from, count):
    """Room for ``count`` frames at the end of buffer ``s``, keeping frames from ``keep_from``.

    Frames before ``keep_from`` are dropped (the rest moved to the front) when
    the end would pass the capacity. Returns the relative index of the end.
    """
    origin, end = meta[s, _ORIGIN], meta[s, _END]
    step = 2 if spec[s, _LAYOUT] == ODD_EVEN else 1
    frames = spec[s, _CAP] * step
    if end - origin + count + spec[s, _SLACK] > frames:
        keep_from = min(max(keep_from, origin), end)
        keep_from -= (keep_from - origin) % step
        if end - keep_from + count + spec[s, _SLACK] > frames:
            raise ValueError("numba-sinc: stage buffer too small (internal error)")
        skip = (keep_from - origin) // step
        cap, copies = spec[s, _CAP], copies_of(spec[s, _LAYOUT])
        for c in range(bufs.shape[0]):
            region = _region(spec, bufs, s, c)
            for r in range(copies):
                part = region[r * cap : (r + 1) * cap]
                for i in range(cap - skip):
                    part[i] = part[skip + i]
        meta[s, _ORIGIN] = keep_from
    return end - meta[s, _ORIGIN]


@numba.njit(cache=True, nogil=True)
def _append(spec, meta, bufs, s, staging, count, keep_from):
    """Append ``staging[:, :count]`` (plain frames) to buffer ``s``."""
    j0 = _reserve(spec, meta, bufs, s, keep_from, count)
    for c in range(bufs.shape[0]):
        region = _region(spec, bufs, s, c)
        spread(staging[c], count, count, region, spec[s, _LAYOUT], spec[s, _CAP], j0)
    meta[s, _END] += count


@numba.njit(cache=True, nogil=True)
def _run(spec, meta, bufs, coefs, ints, scratch, s, c, k0, n, dst, d0):
    """Outputs ``k0 .. k0 + n - 1`` of stage ``s``, channel ``c``, into ``dst[d0 ...]``."""
    kind, origin, cap = spec[s, _KIND], meta[s, _ORIGIN], spec[s, _CAP]
    src = _region(spec, bufs, s, c)
    first, rows, taps = spec[s, _COEF], spec[s, _ROWS], spec[s, _TAPS]
    if kind == HALF_DOWN:
        halfband_down(src, cap, origin, k0, n, coefs[first : first + 8 * taps], dst, d0)
    elif kind == HALF_UP:
        halfband_up(src, cap, origin, k0, n, coefs[first : first + 8 * taps], dst, d0)
    else:
        table = coefs[first : first + rows * taps].reshape((rows, taps))
        L, M, start = spec[s, _L], spec[s, _M], 1 - spec[s, _HALF] - spec[s, _LEAD]
        if kind == POLY:
            steps = ints[spec[s, _INTS] : spec[s, _INTS] + 2 * L]
            copies = 7 if spec[s, _LAYOUT] == COPIES else 0
            block = spec[s, _BLOCK]
            poly_exact(src, cap, copies, origin, k0, n, L, M, start, steps, table, block, dst, d0)
        else:
            grid_phases = spec[s, _BLOCK]
            poly_grid(src, origin, k0, n, L, M, start, grid_phases, table, scratch, dst, d0)


# -- one call ---------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _feed(x, frames_in, spec, meta, bufs, stop, next_output):
    """Input frames up to ``stop`` into buffer 0: from ``x``, zeros past its end.

    Frame ``frames_in`` is ``x[0]``; past ``x`` only a flushed stream reads.
    """
    end = meta[0, _END]
    if stop <= end:
        return
    count = stop - end
    have = max(0, min(count, frames_in + x.shape[0] - end))
    j0 = _reserve(spec, meta, bufs, 0, first_in(spec, 0, next_output), count)
    for c in range(bufs.shape[0]):
        region = _region(spec, bufs, 0, c)
        spread(x[end - frames_in :, c], have, count, region, spec[0, _LAYOUT], spec[0, _CAP], j0)
    meta[0, _END] = stop


@numba.njit(cache=True, nogil=True)
def _chunk(x, frames_in, out, a, k0, k1, spec, meta, bufs, coefs, ints, staging, scratch, ends):
    """Outputs ``[k0, k1)`` into ``out[a ...]``: each stage computes the frames the next lacks."""
    stages = spec.shape[0]
    end = k1
    for s in range(stages - 1, -1, -1):
        ends[s] = end  # stage s must have computed its outputs up to here
        end = last_in(spec, s, end - 1) + 1
    _feed(x, frames_in, spec, meta, bufs, end, meta[1, _END] if stages > 1 else k0)
    for s in range(stages - 1):
        start = meta[s + 1, _END]
        count = ends[s] - start
        if count > 0:
            for c in range(bufs.shape[0]):
                _run(spec, meta, bufs, coefs, ints, scratch, s, c, start, count, staging[c], 0)
            after = meta[s + 2, _END] if s + 2 < stages else k0
            _append(spec, meta, bufs, s + 1, staging, count, first_in(spec, s + 1, after))
    for c in range(out.shape[1]):
        _run(spec, meta, bufs, coefs, ints, scratch, stages - 1, c, k0, k1 - k0, out[:, c], a)


@numba.njit(cache=True, nogil=True)
def advance(x, frames_in, out, frames_out, chunk, spec, meta, bufs, coefs, ints, staging, work):
    """One call: outputs ``frames_out ...`` into ``out`` (all of it), then the rest of ``x``.

    ``chunk`` outputs at a time; ``work`` is scratch for one row of a phase
    grid's taps, ``meta[:, 2]`` for each stage's end of outputs in a chunk.
    """
    stages = spec.shape[0]
    scratch = work
    ends = meta[:, 2]
    n = out.shape[0]
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        _chunk(
            x, frames_in, out, a, frames_out + a, frames_out + b, spec, meta, bufs, coefs,
            ints, staging, scratch, ends,
        )  # fmt: skip
    after = meta[1, _END] if stages > 1 else frames_out + n
    _feed(x, frames_in, spec, meta, bufs, frames_in + x.shape[0], after)
