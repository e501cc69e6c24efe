"""``scipy``: ``scipy.signal.resample_poly`` with its defaults (Kaiser window, beta 5).

One-shot only: ``resample_poly`` filters the whole signal at once and keeps
no state. Out of the box (``scipy-raw``) it

* emits ``ceil(n * L / M)`` frames, one more than the length rule wherever
  the exact count has a fraction below 1/2 (22.05 -> 48 kHz: 6000 frames
  give 13062, the rule 13061); the adapter cuts at the rule's count;
* returns integer input unscaled as float64 (int16 full scale comes out at
  +-32768, uint8 keeps its offset of 128); the shared validation scales it
  before the library sees it;
* is time-aligned (its filter is applied zero-phase) and computes float32
  input in float32.

Its default window leaves images of the input spectrum about 22 dB down at
44.1 -> 48 kHz: a quality matter for the harness, not a contract item.
"""

from __future__ import annotations

import numpy as np

from backends.testing import N_FRAMES

from .imports import require_installed
from .oneshot import OneShotResampler
from .raw import RawOneShotMixin, ceil_count, differs_for_kit_signal

__all__ = ["ScipyRawResampler", "ScipyResampler"]

require_installed("scipy")


class ScipyResampler(OneShotResampler):
    """``resample_poly(x, L, M, axis=0)`` with the library's default window."""

    name = "scipy"
    summary = "scipy.signal.resample_poly, default Kaiser window (one-shot; length fixed)"
    library_distribution = "scipy"

    def _lib_resample(self, x: np.ndarray) -> np.ndarray:
        from scipy.signal import resample_poly

        return resample_poly(x, self.L, self.M, axis=0)


class ScipyRawResampler(RawOneShotMixin, ScipyResampler):
    """``resample_poly`` as it comes: ``ceil`` length (reference baseline)."""

    name = "scipy-raw"
    summary = "BASELINE: scipy resample_poly out of the box (one frame long at some ratios)"

    @classmethod
    def breaks(cls, item: str, *, in_rate: int, out_rate: int) -> bool:
        return item == "length" and differs_for_kit_signal(ceil_count, N_FRAMES, in_rate, out_rate)
