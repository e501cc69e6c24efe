"""``resampy``: band-limited sinc interpolation (Numba), ``kaiser_best`` and ``kaiser_fast``.

One-shot only: ``resampy.resample`` takes the whole signal. Out of the box
(``resampy-raw``, filter ``kaiser_best``) it

* emits ``int(n * out / in)`` frames (floor, in floats), one fewer than the
  length rule wherever the exact count has a fraction of 1/2 or more
  (44.1 -> 48 kHz: 6000 frames give 6530, the rule 6531); the adapter
  extends the signal with zeros and cuts at the rule's count;
* raises ``ValueError`` when the output would have no frame, so an empty
  signal (or 1 frame at 48 -> 8 kHz) is an error instead of an empty
  result; the adapter returns the rule's 0 frames;
* returns integer input unscaled as float32 (int16 full scale comes out at
  +-32768); the shared validation scales it first;
* is time-aligned and computes in the input's float dtype. Its default axis
  is the last one, so ``(frames, channels)`` input needs ``axis=0``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from backends import Choice
from backends.testing import N_FRAMES

from .imports import require_installed
from .oneshot import OneShotResampler
from .raw import ONE_SHOT_CHECK_FRAMES, RawOneShotMixin, differs_for_kit_signal

__all__ = ["ResampyRawResampler", "ResampyResampler", "floor_count"]

require_installed("resampy")


def floor_count(n: int, in_rate: int, out_rate: int) -> int:
    """resampy's output count: ``int(n * float(out) / float(in))``, as in ``resampy.core``."""
    return int(n * float(out_rate) / float(in_rate))


class ResampyResampler(OneShotResampler):
    """``resampy.resample(x, in, out, filter=..., axis=0)``; option ``filter``."""

    name = "resampy"
    summary = "resampy band-limited sinc, Numba (one-shot; length and empty input fixed)"
    library_distribution = "resampy"
    OPTIONS: ClassVar[Mapping[str, Choice]] = {
        "filter": Choice(
            ("kaiser_best", "kaiser_fast"),
            default="kaiser_best",
            doc="resampy's pre-computed filter: best (library default) or fast",
        )
    }

    def _lib_resample(self, x: np.ndarray) -> np.ndarray:
        import resampy  # brings in Numba: only when used

        # The raw variant declares no options: the library's default filter.
        return resampy.resample(x, self.in_rate, self.out_rate, axis=0, **self.options)


class ResampyRawResampler(RawOneShotMixin, ResampyResampler):
    """``resampy.resample`` as it comes: floor length, raises on empty output."""

    name = "resampy-raw"
    summary = "BASELINE: resampy kaiser_best out of the box (one frame short; raises on empty)"
    OPTIONS: ClassVar[Mapping[str, Choice]] = {}

    @classmethod
    def breaks(cls, item: str, *, in_rate: int, out_rate: int) -> bool:
        if item == "small_blocks":  # an empty signal raises
            return True
        frames = {"length": N_FRAMES, "streaming": ONE_SHOT_CHECK_FRAMES}.get(item)
        return frames is not None and differs_for_kit_signal(floor_count, frames, in_rate, out_rate)
