"""``pedalboard``: Spotify pedalboard's ``StreamResampler`` (JUCE interpolators), each quality.

Streaming, float32 inside. Out of the box (``pedalboard-raw``, its default
``WindowedSinc32``) it

* ends a stream up to one frame short of the length rule: each call emits
  ``(int)(frames / ratio)`` frames and the flush pushes only the latency's
  worth of zeros (44.1 -> 48 kHz: 6000 frames give 6530 of 6531); the
  adapter flushes by pushing zeros until the rule's count is reached (the
  frames the library does emit are unchanged);
* cannot take a first multichannel block of at most ``channels`` frames: it
  guesses the layout from the array's shape ("Unable to determine channel
  layout", or reads a ``(2, 1)`` block as 1 channel of 2 frames). The
  adapter fixes the layout once per stream with an empty ``(channels, 0)``
  block, which the library remembers, also across ``reset()``;
* takes only float32 ``(channels, frames)`` arrays (float64 raises
  ``TypeError``); the adapter converts;
* removes its filter delay rounded to whole output frames, so the output is
  early or late by the remaining fraction, up to 1/2 output frame (22.05 ->
  48 kHz: 0.44 frames early with ``WindowedSinc256``); that cannot be
  removed without resampling again, and is within the contract's +-1 frame;
* ``ZeroOrderHold`` lags by half a hold and more (3.5 output frames at 8 ->
  48 kHz, 5.5 at 8 -> 96 kHz; the library states its latency as 0): the
  adapter measures the lag once per quality and rate pair with a
  band-limited pulse and drops the nearest whole number of output frames;
* states its latency (``input_latency``) in input frames; converted to
  output frames and rounded, it understates the held-back output by 1 or 2
  frames wherever the ratio is not a whole-number up-ratio; the adapter
  adds that slack.

It releases the GIL while resampling, and holds a lock of its own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from backends import Capabilities, Choice
from backends.builtin.library import LibraryResampler
from backends.testing import centroid, hann_pulse

from .imports import require_installed
from .raw import RawStreamMixin

if TYPE_CHECKING:
    from pedalboard.io import StreamResampler as LibraryStream

__all__ = ["QUALITIES", "PedalboardRawResampler", "PedalboardResampler", "open_library"]

require_installed("pedalboard")

#: ``pedalboard.Resample.Quality`` members, in the library's order (a test
#: checks them against the installed library, imported only when used).
QUALITIES = (
    "ZeroOrderHold",
    "Linear",
    "CatmullRom",
    "Lagrange",
    "WindowedSinc",
    "WindowedSinc256",
    "WindowedSinc128",
    "WindowedSinc64",
    "WindowedSinc32",
    "WindowedSinc16",
    "WindowedSinc8",
)
#: The library's default quality.
DEFAULT_QUALITY = "WindowedSinc32"
#: Pairs where the raw library's flush ends the kit's 6000-frame signal one
#: frame short with the default quality (measured; the count follows JUCE's
#: float read position, which has no closed form).
_RAW_SHORT_PAIRS = frozenset({(48000, 8000), (44100, 48000), (48000, 44100), (16000, 44100)})


def open_library(
    in_rate: int, out_rate: int, channels: int, options: Mapping[str, str]
) -> LibraryStream:
    """The library's stream with ``options`` (none: its defaults), layout set channels-first."""
    from pedalboard import Resample
    from pedalboard.io import StreamResampler

    quality = {k: getattr(Resample.Quality, v) for k, v in options.items()}
    stream = StreamResampler(in_rate, out_rate, channels, **quality)
    # An empty (channels, 0) block is unambiguous: the library remembers the layout.
    stream.process(np.zeros((channels, 0), np.float32))
    return stream


@lru_cache(maxsize=256)
def whole_frame_lag(in_rate: int, out_rate: int, options: tuple[tuple[str, str], ...]) -> int:
    """Output frames by which the library's output lags, rounded half up (0 if it is early).

    A Hann pulse with its main lobe below 1/8 of the lower Nyquist frequency
    goes through a fresh stream and its own flush; the lag is the shift of
    the output's centroid from ``centre * out_rate / in_rate``.
    """
    width = 48 * max(2, -(-in_rate // out_rate))
    centre = 3 * width + 1001
    pulse = hann_pulse(2 * centre, centre, width).astype(np.float32)[None, :]
    stream = open_library(in_rate, out_rate, 1, dict(options))
    y = np.concatenate((stream.process(pulse), stream.process(None)), axis=1)[0]
    lag = centroid(y) - centre * out_rate / in_rate
    return max(0, math.floor(lag + 0.5))


class PedalboardResampler(LibraryResampler):
    """pedalboard's ``StreamResampler``; option ``quality``."""

    name = "pedalboard"
    summary = "pedalboard StreamResampler, JUCE (float32; flush, layout and hold lag fixed)"
    library_distribution = "pedalboard"
    OPTIONS: ClassVar[Mapping[str, Choice]] = {
        "quality": Choice(
            QUALITIES,
            default=DEFAULT_QUALITY,
            doc="pedalboard.Resample.Quality: hold, linear, cubic, Lagrange or windowed sinc",
        )
    }
    CAPABILITIES = Capabilities(native_dtypes=("float32",))

    def _lib_open(self) -> None:
        self._lib = open_library(self.in_rate, self.out_rate, self.channels, self.options)

    def _lib_feed(self, x: np.ndarray) -> np.ndarray:
        y = self._lib.process(np.ascontiguousarray(x.T, dtype=np.float32))
        return y.T.astype(self.dtype, copy=False)

    def _lib_flush(self) -> np.ndarray:
        return self._lib.process(None).T.astype(self.dtype, copy=False)

    def _lib_reset(self) -> None:
        self._lib.reset()

    def _lead_frames(self) -> int:
        return whole_frame_lag(self.in_rate, self.out_rate, tuple(sorted(self.options.items())))

    @property
    def latency(self) -> int:
        """The library's stated latency in output frames as it rounds it, plus slack, plus the lead.

        Each call emits the whole output frames its input covers, less the
        library's latency rounded to output frames (``input_latency * L / M``,
        rounded half up). At whole-number up-ratios that is the exact bound;
        at other ratios a partial frame waits for the next call, and at
        fractional down-ratios above 4 (44.1 -> 8 kHz, 96 -> 22.05 kHz) one
        more: 2 frames of slack cover both, so the bound is at most 1 frame
        above the hold-back that ``probe_hold_back`` measures
        (``peers/tests/test_peers_pedalboard.py``). It costs nothing, where
        probing 256x upsampling with the long sinc filters takes seconds.
        """
        held = self._lib.input_latency * self.L / self.M
        slack = 0 if self.M == 1 else 2
        return math.floor(held + 0.5) + slack + self._lead_frames()


class PedalboardRawResampler(RawStreamMixin, PedalboardResampler):
    """pedalboard's ``StreamResampler`` with its defaults, as it comes (reference baseline)."""

    name = "pedalboard-raw"
    summary = "BASELINE: pedalboard StreamResampler out of the box (ends a frame short)"
    OPTIONS: ClassVar[Mapping[str, Choice]] = {}

    @classmethod
    def breaks(cls, item: str, *, in_rate: int, out_rate: int) -> bool:
        return item == "length" and (in_rate, out_rate) in _RAW_SHORT_PAIRS
