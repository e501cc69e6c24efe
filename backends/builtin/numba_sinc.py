"""``numba-sinc``: a streaming Kaiser-windowed-sinc resampler in Numba, a chain of stages.

* **Rational, exact phase.** ``L / M = out_rate / in_rate`` from the integer
  rates; output ``k`` sits at input position ``k * M / L``. Every stage is
  centred on its positions (polyphase stages on their exact phase, half-band
  stages symmetric), so the chain is time-aligned by construction, with no
  drift and no leading delay. Which outputs a call emits, and the latency,
  are :class:`backends.builtin.interpolator.ExactPhaseStream`'s.
* **Stages from the preset** (:func:`backends.builtin.sinc_design.plan`): one
  polyphase filter, or half-band stages for the factors of two with a short
  polyphase filter for the rest, whichever the cost model finds cheaper; the
  filter with the preset's narrow transition band runs at the lowest rate
  and, when it halves or doubles the rate, skips every other tap.
* **Each intermediate frame is computed once**, when an output first needs
  it, and kept in its stage's input buffer until no later output reads it.
  An intermediate frame is a fixed function of the input frames around it
  (zero before the start and past the end of a flushed stream), computed by
  the same kernel whatever the chunking, so streaming stays bit-exact.
* **float64 sums** for every stream dtype (:mod:`backends.builtin.sinc_kernels`):
  a float32 stream differs from a float64 one only by the final rounding.
* **One Numba call per process()** (:func:`backends.builtin.sinc_kernels.advance`)
  runs every stage; a long call is cut into chunks of ~:data:`CHUNK_INPUT`
  frames at the higher rate, so each chunk's stages work in cache. The
  buffers (channel-major float64 per stage, in the layout its kernel reads)
  are sized for one chunk when the stream opens: ``process_into`` allocates
  nothing, whatever the call size.
* **Equal rates** pass the input through unchanged (no filter, latency 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import ClassVar

import numpy as np

from ..capabilities import Capabilities
from ..optional import require
from ..timeline import phase_table
from ..validation import Choice
from .interpolator import ExactPhaseStream
from .sinc_design import (
    PRESETS,
    HalfBand,
    exact_table,
    grid_table,
    halfband_taps,
    plan,
    uses_grid,
)

__all__ = ["CHUNK_INPUT", "NumbaSincResampler"]

#: Frames per chunk at the higher of the two rates (8 aligned copies: 256 KB, in L2).
CHUNK_INPUT = 2**12


def _quality_doc() -> str:
    return "; ".join(f"{name}: {spec.describe()}" for name, spec in PRESETS.items())


def _aligned_zeros(rows: int, cols: int) -> np.ndarray:
    """``(rows, cols)`` float64 zeros whose rows start on 64-byte boundaries (``cols % 8 == 0``)."""
    flat = np.zeros(rows * cols + 8)
    skip = (-flat.ctypes.data // 8) % 8
    return flat[skip : skip + rows * cols].reshape(rows, cols)


def _round8(n: int) -> int:
    return -(-n // 8) * 8


class NumbaSincResampler(ExactPhaseStream):
    """Kaiser-windowed-sinc stages, exact phase (Numba); option ``quality``."""

    name = "numba-sinc"
    summary = "streaming Kaiser-windowed-sinc stages, exact phase (Numba JIT, nogil)"
    # process_into allocates no array memory (proved by the conformance kit).
    CAPABILITIES = Capabilities(allocation_free=True)
    OPTIONS: ClassVar[Mapping[str, Choice]] = {
        "quality": Choice(tuple(PRESETS), default="hq", doc=_quality_doc())
    }

    def _open(self) -> None:
        require("numba", backend=self.name, extra="numba")
        from . import sinc_kernels

        self._kernels = k = sinc_kernels
        self._stages = plan(self.L, self.M, self.options["quality"])
        self._reach = self._composite_reach()
        super()._open()
        if not self._stages:
            return
        # outputs per chunk: CHUNK_INPUT frames at the higher of the two rates
        chunk = max(64, CHUNK_INPUT * min(self.L, self.M) // self.M)
        # whole periods of outputs, so that a one-shot call's polyphase groups are whole
        self._chunk = chunk - chunk % self.L if chunk >= 8 * self.L else chunk
        rows, coefs, ints = [], [], []
        for stage in self._stages:
            row = dict.fromkeys(k.SPEC_FIELDS, 0)
            row["coef"] = sum(len(c) for c in coefs)
            if isinstance(stage, HalfBand):
                taps = halfband_taps(stage)
                # Each tap repeated for the eight lanes; an interpolator's odd
                # outputs are twice the sum (exact: a power of two).
                coefs.append(np.repeat(taps * (2.0 if stage.up else 1.0), 8))
                row.update(
                    kind=k.HALF_UP if stage.up else k.HALF_DOWN,
                    half=stage.K,
                    taps=len(taps),
                    layout=k.COPIES if stage.up else k.ODD_EVEN,
                    slack=k.SLACK * (1 if stage.up else 2),
                )
            else:
                if uses_grid(stage):
                    table, per_frame = grid_table(stage)
                    row.update(kind=k.GRID, block=per_frame)
                else:
                    # Rows of whole pairs of vectors (two accumulators per output):
                    # zero taps in front, which read frames the window already kept.
                    lead = stage.row_taps - stage.taps
                    table = np.pad(exact_table(stage), ((0, 0), (lead, 0)))
                    step = phase_table(stage.L, stage.M, np.float64).step
                    row.update(
                        kind=k.POLY,
                        lead=lead,
                        ints=sum(len(i) for i in ints),  # step, then the phase order
                        # Periods per pass over all phases: ~2048 input frames,
                        # in L1 while every row is applied; twice that for short
                        # rows, whose per-phase work weighs more (measured 1.1x).
                        block=int(np.clip(2048 // stage.M, 16, 256))
                        * (2 if table.shape[1] <= 64 else 1),
                    )
                    ints += [step, np.argsort(step % 8, kind="stable")]
                coefs.append(table.ravel())
                row.update(L=stage.L, M=stage.M, half=stage.half, rows=len(table))
                copies = row["kind"] == k.POLY and stage.aligned_copies
                row.update(taps=table.shape[1], layout=k.COPIES if copies else k.PLAIN)
            rows.append(row)
        flat = np.concatenate(coefs)
        self._coefs = _aligned_zeros(1, _round8(len(flat)))[0, : len(flat)]  # whole vectors
        self._coefs[:] = flat
        self._ints = np.concatenate([*ints, np.zeros(1, np.int64)])
        spec = np.array([[r[f] for f in k.SPEC_FIELDS] for r in rows], np.int64)
        frames = self._buffer_frames(spec)
        column = 0
        for s, row in enumerate(rows):
            per_copy = _round8(-(-frames[s] // (2 if row["layout"] == k.ODD_EVEN else 1)) + 8)
            spec[s, k.SPEC_FIELDS.index("buf")] = column
            spec[s, k.SPEC_FIELDS.index("cap")] = per_copy
            column += k.copies_of(row["layout"]) * per_copy
        self._spec = spec
        self._bufs = _aligned_zeros(self.channels, column)
        self._meta = np.zeros((len(rows), 3), np.int64)
        self._staging = np.zeros((self.channels, max(frames)))
        self._work = np.zeros(max(r["taps"] for r in rows))
        self._restart()

    def _composite_reach(self) -> int:
        """Bound on the last input frame an output reads, past ``floor(k * M / L)``.

        Stage ``s`` reads its input up to ``k_s * rho_s + c_s`` for its output
        ``k_s`` (``rho_s`` input frames per output), so the chain reads the
        input up to ``k * M / L + sum_s c_s * prod_{t<s} rho_t``; the fraction
        dropped by the floor adds less than one.
        """
        total, scale = Fraction(0), Fraction(1)
        for stage in self._stages:
            if isinstance(stage, HalfBand):
                reach, rho = (stage.K, Fraction(1, 2)) if stage.up else (2 * stage.K - 1, 2)
            else:
                reach, rho = stage.half, Fraction(stage.M, stage.L)
            total += reach * scale
            scale *= rho
        return int(total + Fraction(self.L - 1, self.L)) if self._stages else 0

    def _buffer_frames(self, spec: np.ndarray) -> list[int]:
        """Frames each stage's buffer must hold: what one chunk reads, plus slack.

        The first buffer also holds the input a call leaves for later outputs
        (at most the composite reach and one output's step).
        """
        k = self._kernels
        slack = spec[:, k.SPEC_FIELDS.index("slack")]
        spans = [0] * len(spec)
        period = self.L * max(1, -(-self._chunk // self.L))
        for k0 in range(0, 2 * period, max(1, period // 7)):
            first, end = k0, k0 + self._chunk
            for s in range(len(spec) - 1, -1, -1):
                first, end = k.first_in(spec, s, first), k.last_in(spec, s, end - 1) + 1
                spans[s] = max(spans[s], end - first)
        spans[0] += self._reach + self.M // self.L + 2
        # A chunk appends its span after keeping up to a span of history.
        return [2 * span + int(sl) + 64 for span, sl in zip(spans, slack, strict=True)]

    def _restart(self) -> None:
        """Buffers back to the start: each stage from the first frame output 0 reads."""
        k = self._kernels
        self._bufs[:] = 0.0
        first = 0  # the first output needed of the stage after
        for s in range(len(self._spec) - 1, -1, -1):
            first = k.first_in(self._spec, s, first)
            if self._spec[s, k.SPEC_FIELDS.index("layout")] == k.ODD_EVEN:
                first -= first % 2
            self._meta[s] = first, first, 0
        self._meta[0, 1] = 0  # the input: zeros before frame 0

    def _reset(self) -> None:
        if self._stages:
            self._restart()

    def _advance(self, x: np.ndarray, out: np.ndarray) -> None:
        if not self._stages:
            out[:] = x  # equal rates: every frame is final at once
            return
        self._kernels.advance(
            x, self.frames_in, out, self.frames_out, self._chunk, self._spec, self._meta,
            self._bufs, self._coefs, self._ints, self._staging, self._work,
        )  # fmt: skip
