"""``samplerate``: libsamplerate through python-samplerate, adapted to the contract.

What the library leaves wrong and this adapter fixes:

* it computes in float32 and casts integers without scaling (upstream issue
  #8): input reaches it already scaled by the shared validation, and output is
  returned in the stream's dtype;
* its streaming flush loses the filter's held-back frames (upstream PR #22):
  :class:`LibraryResampler` pads with zeros and cuts at the exact length;
* it has no latency query (libsamplerate issue #6): the bound is measured;
* its sinc converters take at most 128 channels (``MAX_CHANNELS`` in
  ``src_sinc.c``; more fail with the misleading "Channel count must be >= 1");
  ``linear`` and ``zero_order_hold`` have no limit. The limit is declared
  (:meth:`SamplerateResampler.capabilities_for`) and checked at creation;
* its ``linear`` converter interpolates from a virtual frame before the first,
  so its output lags by 1 input frame, ``L / M`` output frames.
  ``zero_order_hold`` repeats each input frame from one frame after it, so
  the centre of each run of copies lags by ``(3L - 1) / (2M)`` output frames
  (at 16 -> 48 kHz: 3 frames, plus 1 for the run's middle). At a
  whole-number ratio ``L`` its position after ``L`` steps of the float
  ``1 / L`` can fall short of the next frame (L = 6, 7, 10, 13, ...; see
  below), and stays short as the error accumulates, so the hold switches to
  every frame one output late: one frame more lag. The adapter drops
  the nearest whole number of output frames. The remainder, at most half an
  output frame, cannot be removed without resampling again; it is within the
  ±1 frame alignment contract;
* its ``linear`` converter reads the frame *before* the input buffer it is
  given (seen with python-samplerate 0.2.4: 1-frame blocks copied into fresh
  arrays come out as ramps from 0), so it is only right when fed views of one
  long array. The adapter always passes a view into a buffer whose preceding
  frame is the previous input frame (the first frame itself at the start,
  which is what the library assumes for a longer first block);
* ``linear`` and ``zero_order_hold`` step their read position by the float
  ``1 / ratio`` (``src_linear.c``, ``src_zoh.c``), so an output whose exact
  position is a whole input frame can come out a rounding error early: at
  8 -> 48 kHz, ``6 * fl(1/6) = 1 - 2**-53``. When it is the output at the last
  frame of a call, the library produces it in that call, one frame more than
  exact arithmetic gives. python-samplerate's ``Resampler.process`` sizes the
  output buffer as ``ceil(n * ratio)`` and drops the input the library leaves
  unconsumed when that buffer fills first; a call that starts and ends on
  such whole-output frames (any call at whole-number up-ratios, where every
  input frame is one; the first 147 frames at 22.05 -> 48 kHz) has no room
  for the extra frame, so its last input frame is lost and the stream runs
  one input frame ahead from then on. These two converters are therefore
  driven through ``CallbackResampler``, whose output buffer the adapter sizes
  with room to spare and which keeps unconsumed input for the next read.
  The callback API cannot drive the sinc converters: running out of input
  means end of input there, which flushes them. Fed through ``process``, they
  were measured to keep every frame at whole-number ratios 2 to 16 up and
  down and at every rate pair of the conformance suite, which keeps checking
  it with whole-number ratios among the rates it draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import ClassVar

import numpy as np

from ..capabilities import Capabilities
from ..optional import require
from ..validation import Choice
from .library import LibraryResampler

__all__ = ["SamplerateResampler"]

#: Lag of the non-sinc converters in output frames, ``(a * L + b) / (2 * M)``: (a, b).
_LAG = {"linear": (2, 0), "zero_order_hold": (3, -1)}
#: Channels a sinc converter takes (``MAX_CHANNELS`` in libsamplerate's src_sinc.c).
_SINC_MAX_CHANNELS = 128


class _Handover:
    """The input ``CallbackResampler`` pulls: one staged block, then nothing.

    A separate object, so that the library's reference to its callback does
    not keep the stream alive (a cycle through C++ that Python cannot collect).
    """

    def __init__(self, channels: int) -> None:
        self.block: np.ndarray | None = None
        self._empty = np.zeros((0, channels), np.float32)

    def __call__(self) -> np.ndarray:
        block, self.block = self.block, None
        # No frames means "no input for now"; the non-sinc converters ignore
        # the end-of-input flag that libsamplerate raises for it.
        return self._empty if block is None else block


class SamplerateResampler(LibraryResampler):
    """libsamplerate's streaming converters; option ``converter``."""

    name = "samplerate"
    summary = "libsamplerate via python-samplerate (float32 inside; flush and lag fixed)"
    OPTIONS: ClassVar[Mapping[str, Choice]] = {
        "converter": Choice(
            ("sinc_best", "sinc_medium", "sinc_fastest", "linear", "zero_order_hold"),
            default="sinc_medium",
            doc="libsamplerate converter type",
        )
    }

    CAPABILITIES = Capabilities(native_dtypes=("float32",))

    @classmethod
    def capabilities_for(cls, options: Mapping[str, str]) -> Capabilities:
        converter = options.get("converter", cls.OPTIONS["converter"].default)
        limit = None if converter in _LAG else _SINC_MAX_CHANNELS
        return replace(cls.CAPABILITIES, max_channels=limit)

    def _lib_open(self) -> None:
        samplerate = require("samplerate", backend=self.name, extra="samplerate")
        self._ratio = self.out_rate / self.in_rate
        converter = self.options["converter"]
        self._handover: _Handover | None = None
        if converter in _LAG:
            self._handover = _Handover(self.channels)
            self._lib = samplerate.CallbackResampler(
                self._handover, self._ratio, converter, self.channels
            )
        else:
            self._lib = samplerate.Resampler(converter, channels=self.channels)
        self._buf = np.empty((0, self.channels), np.float32)
        self._prev: np.ndarray | None = None

    def _lib_feed(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        if not n:
            return np.zeros((0, self.channels), self.dtype)
        if len(self._buf) < n + 1:
            self._buf = np.empty((2 * n + 1, self.channels), np.float32)
        self._buf[0] = x[0] if self._prev is None else self._prev
        self._buf[1 : n + 1] = x
        staged = self._buf[1 : n + 1]
        if self._handover is None:
            y = self._lib.process(staged, self._ratio)
        else:
            self._handover.block = staged
            # At most ceil(n * L / M) + 1 outputs (one early, see the module
            # docstring): with one more slot the buffer never fills first, so
            # every frame is consumed and none stays behind in the reused buffer.
            y = self._lib.read((n * self.L - 1) // self.M + 3)
        self._prev = self._buf[n].copy()
        return y.reshape(-1, self.channels).astype(self.dtype, copy=False)

    def _lib_reset(self) -> None:
        self._lib.reset()
        self._prev = None

    def _lead_frames(self) -> int:
        converter = self.options["converter"]
        a, b = _LAG.get(converter, (0, 0))
        lag = a * self.L + b  # output frames, times 2M
        if converter == "zero_order_hold" and self.M == 1 and _steps_fall_short(self.L):
            lag += 2 * self.M  # the hold switches one output late
        return (lag + self.M) // (2 * self.M)  # round half up


def _steps_fall_short(L: int) -> bool:
    """Whether libsamplerate's read position after ``L`` steps of ``1 / L`` falls short of 1.

    For the whole-number ratio ``L``, in the library's own double arithmetic
    (``input_index += 1.0 / src_ratio``). Simulating its stepping for 1500
    periods at each ratio 2..256 showed that the first period decides: short,
    exact or past, the position stays so, the error accumulating.
    """
    position = 0.0
    for _ in range(L):
        position += 1.0 / L
    return position < 1.0
