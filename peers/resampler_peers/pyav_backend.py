"""``pyav``: FFmpeg's swresample through PyAV's ``AudioResampler``, with FFmpeg's defaults.

Streaming. Out of the box (``pyav-raw``) it

* loses short streams whole: fewer input frames than its filter needs come
  out as nothing, even after the flush (8 -> 48 kHz: 20 frames give 0 of
  120; 48 -> 8 kHz: 50 frames give 0 of 8);
* otherwise ends with ``ceil(n * L / M)`` frames, one more than the length
  rule wherever the exact count has a fraction below 1/2 (22.05 -> 48 kHz:
  6000 frames give 13062 of 13061);
* ends the signal with its mirror image: the flush feeds the last input
  frames again in reverse, so the last ``16 * L / M`` output frames or so
  (half its filter) differ from a signal that ends in silence, by up to 0.5
  on full-scale noise;

the adapter never calls the library's flush: it pushes zeros until the
rule's count is reached and cuts there, so the stream ends in silence as
with every other backend of the suite. FFmpeg scales integer PCM
correctly itself, is time-aligned and chunk-invariant, computes ``flt`` in
float32 and ``dbl`` in float64, takes up to 64 channels (``SWR_CH_MAX``;
more fail with "Invalid argument") and releases the GIL. It has no latency
query: the bound is measured.

The soxr engine (``resampler=soxr``) is not in the FFmpeg bundled with
PyAV's wheels here ("Requested resampling engine is unavailable"), so no
variant offers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from backends import Capabilities
from backends.builtin.library import LibraryResampler
from backends.testing import N_FRAMES

from .imports import require_installed
from .raw import RawStreamMixin, ceil_count, differs_for_kit_signal

if TYPE_CHECKING:
    import av

__all__ = ["MAX_CHANNELS", "PyAVRawResampler", "PyAVResampler"]

#: swresample's channel limit (``SWR_CH_MAX``).
MAX_CHANNELS = 64
_FORMATS = {"float32": "flt", "float64": "dbl"}

require_installed("av")


class PyAVResampler(LibraryResampler):
    """``av.AudioResampler`` (swresample defaults), packed float frames."""

    name = "pyav"
    summary = "FFmpeg swresample via PyAV AudioResampler, defaults (flush fixed)"
    library_distribution = "av"
    CAPABILITIES = Capabilities(max_channels=MAX_CHANNELS)

    def _lib_open(self) -> None:
        import av

        self._format = _FORMATS[self.dtype.name]
        # An unordered layout of N channels: no remixing, channels stay independent.
        self._layout = f"{self.channels} channels"
        self._lib = av.AudioResampler(format=self._format, layout=self._layout, rate=self.out_rate)

    def _lib_feed(self, x: np.ndarray) -> np.ndarray:
        import av

        if not len(x):
            return np.zeros((0, self.channels), self.dtype)
        frame = av.AudioFrame.from_ndarray(
            x.reshape(1, -1), format=self._format, layout=self._layout
        )
        frame.sample_rate = self.in_rate
        return self._frames(self._lib.resample(frame))

    def _lib_flush(self) -> np.ndarray:
        return self._frames(self._lib.resample(None))

    def _lib_reset(self) -> None:
        self._lib_open()  # AudioResampler has no reset

    def _frames(self, frames: Sequence[av.AudioFrame]) -> np.ndarray:
        parts = [f.to_ndarray().reshape(-1, self.channels) for f in frames]
        return np.concatenate(parts) if parts else np.zeros((0, self.channels), self.dtype)


class PyAVRawResampler(RawStreamMixin, PyAVResampler):
    """swresample as it comes: its own flush (reference baseline)."""

    name = "pyav-raw"
    summary = "BASELINE: FFmpeg swresample out of the box (loses short streams; ceil length)"

    @classmethod
    def breaks(cls, item: str, *, in_rate: int, out_rate: int) -> bool:
        if item == "small_blocks":  # one frame in 1-frame blocks comes out as nothing
            return True
        return item == "length" and differs_for_kit_signal(ceil_count, N_FRAMES, in_rate, out_rate)
