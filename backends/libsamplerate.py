"""``samplerate``: libsamplerate through python-samplerate, adapted to the contract.

What the library leaves wrong and this adapter fixes:

* it computes in float32 and casts integers without scaling (upstream issue
  #8): input reaches it already scaled by the shared validation, and output is
  returned in the stream's dtype;
* its streaming flush loses the filter's held-back frames (upstream PR #22):
  :class:`LibraryResampler` pads with zeros and cuts at the exact length;
* it has no latency query (libsamplerate issue #6): the bound is measured;
* its ``linear`` converter interpolates from a virtual frame before the first
  (output lags by 1 input frame) and ``zero_order_hold`` lags by 1.5 input
  frames: the adapter drops the nearest whole number of output frames. The
  remainder, below half an output frame, cannot be removed without
  resampling again; it is within the ±1 frame alignment contract;
* its ``linear`` converter reads the frame *before* the input buffer it is
  given (seen with python-samplerate 0.2.4: 1-frame blocks copied into fresh
  arrays come out as ramps from 0), so it is only right when fed views of one
  long array. The adapter always passes a view into a buffer whose preceding
  frame is the previous input frame (the first frame itself at the start,
  which is what the library assumes for a longer first block);
* python-samplerate sizes each call's output buffer as ``ceil(n * ratio)`` and
  drops whatever input the library leaves unconsumed when that buffer fills
  first. With a float ratio that is not exact, a call whose input *ends* on a
  whole-output boundary (total frames fed ``T`` with ``T * L % M == 0``, e.g.
  after 147 or 1323 frames at 22.05 -> 48 kHz) wants one frame more than that
  buffer holds, and its last input frame is lost. Such a call is split so that
  its final frame goes in a call of its own, which always has room.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from .library import LibraryResampler
from .optional import require
from .validation import Choice

__all__ = ["SamplerateResampler"]

#: Measured lag of the non-sinc converters, in input frames, times 2.
_LAG_HALF_INPUT_FRAMES = {"linear": 2, "zero_order_hold": 3}


class SamplerateResampler(LibraryResampler):
    """libsamplerate's streaming ``Resampler``; option ``converter``."""

    name = "samplerate"
    summary = "libsamplerate via python-samplerate (float32 inside; flush and lag fixed)"
    OPTIONS: ClassVar[Mapping[str, Choice]] = {
        "converter": Choice(
            ("sinc_best", "sinc_medium", "sinc_fastest", "linear", "zero_order_hold"),
            default="sinc_medium",
            doc="libsamplerate converter type",
        )
    }

    def _lib_open(self) -> None:
        samplerate = require("samplerate", backend=self.name)
        self._ratio = self.out_rate / self.in_rate
        self._converter = samplerate.Resampler(self.options["converter"], channels=self.channels)
        self._buf = np.empty((0, self.channels), np.float32)
        self._prev: np.ndarray | None = None
        self._fed = 0  # frames given to the library since it was created or reset

    def _lib_feed(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        if n > 1 and self.M > 1 and (self._fed + n) * self.L % self.M == 0:
            return np.concatenate((self._lib_feed(x[:-1]), self._lib_feed(x[-1:])))
        if not n:
            return np.zeros((0, self.channels), self.dtype)
        if len(self._buf) < n + 1:
            self._buf = np.empty((2 * n + 1, self.channels), np.float32)
        self._buf[0] = x[0] if self._prev is None else self._prev
        self._buf[1 : n + 1] = x
        y = self._converter.process(self._buf[1 : n + 1], self._ratio)
        self._prev = self._buf[n].copy()
        self._fed += n
        return y.reshape(-1, self.channels).astype(self.dtype, copy=False)

    def _lib_reset(self) -> None:
        self._converter.reset()
        self._prev = None
        self._fed = 0

    def _lead_frames(self) -> int:
        half_frames = _LAG_HALF_INPUT_FRAMES.get(self.options["converter"], 0)
        # round_half_up(half_frames / 2 * L / M) in integers
        return (half_frames * self.L + self.M) // (2 * self.M)
