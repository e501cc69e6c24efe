"""``soxr``: python-soxr's ``ResampleStream`` (libsoxr), adapted to the contract.

soxr is time-aligned and chunk-invariant on its own; :class:`LibraryResampler`
adds the exact flush length (soxr rounds exact halves down: 50000 frames at
48 kHz -> 44.1 kHz give 45937, the rule says 45938) and the measured latency.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from ..optional import require
from ..validation import Choice
from .library import LibraryResampler

__all__ = ["SoxrResampler"]


class SoxrResampler(LibraryResampler):
    """libsoxr through python-soxr; option ``quality`` (QQ, LQ, MQ, HQ, VHQ)."""

    name = "soxr"
    summary = "libsoxr via python-soxr ResampleStream (band-limited, multi-stage)"
    OPTIONS: ClassVar[Mapping[str, Choice]] = {
        "quality": Choice(
            ("QQ", "LQ", "MQ", "HQ", "VHQ"),
            default="HQ",
            doc="soxr recipe: quick cubic, low, medium, high (default), very high",
        )
    }

    def _lib_open(self) -> None:
        soxr = require("soxr", backend=self.name, extra="soxr")
        self._stream = soxr.ResampleStream(
            self.in_rate,
            self.out_rate,
            self.channels,
            dtype=self.dtype.name,
            quality=self.options["quality"],
        )

    def _lib_feed(self, x: np.ndarray) -> np.ndarray:
        return self._stream.resample_chunk(x)

    def _lib_reset(self) -> None:
        self._stream.clear()
