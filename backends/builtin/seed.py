"""``seed``: the original TTS player's resampler, kept as a reference baseline.

Each block is resampled on its own: ``m = round(n * out_rate / in_rate)``
output frames (``int()`` in the very first version, option ``rounding=int``),
placed at ``arange(m) * in_rate / out_rate`` and linearly interpolated with
``numpy.interp`` inside the block. It is stateless, so:

* lengths drift: per-block rounding errors add up instead of cancelling
  (``int()`` always loses; ``round()`` random-walks, and can run ahead of the
  length rule);
* every block boundary restarts the interpolation phase and the last outputs of
  a block are clamped to its final frame, so chunked output differs from
  one-shot output (audible as jitter at block boundaries).

Contract items 1 (length) and 2 (chunk invariance) are knowingly broken; the
conformance suite marks exactly those as expected failures. Input handling uses
the shared dtype guard, which generalises the seed's int16 scaling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from ..stream import StreamResampler
from ..validation import Choice

__all__ = ["SeedResampler"]


class SeedResampler(StreamResampler):
    """Stateless per-block linear interpolation (reference baseline, not for production)."""

    name = "seed"
    summary = "BASELINE: the original stateless per-block interpolation (drifts, jitters)"
    baseline = True
    OPTIONS: ClassVar[Mapping[str, Choice]] = {
        "rounding": Choice(
            ("round", "int"),
            default="round",
            doc="per-block output length: round() (later seed) or int() (original)",
        )
    }

    @classmethod
    def breaks(cls, item: str, *, in_rate: int, out_rate: int) -> bool:
        # Whole-number upsampling gives every block an exact length, so only
        # then does the length rule hold (and with it the latency bound 0);
        # phase restarts break item 2 always.
        if item in ("length", "latency"):
            return out_rate % in_rate != 0
        return item == "chunk_invariance"

    @property
    def latency(self) -> int:
        return 0

    def _open(self) -> None:
        self._ratio = self.out_rate / self.in_rate
        self._round = round if self.options["rounding"] == "round" else int

    def _reset(self) -> None:
        """Stateless: nothing to reset."""

    def output_frames_next(self, n_in: int) -> int:
        return self._round(n_in * self._ratio)

    def _process(self, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        n = len(x)
        m = self._round(n * self._ratio)
        if n == 0 or m == 0:
            return 0
        positions = np.arange(m) / self._ratio
        frames = np.arange(n)
        for c in range(self.channels):
            out[:m, c] = np.interp(positions, frames, x[:, c])
        return m
