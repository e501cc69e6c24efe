"""The ``Resampler`` protocol: what every backend offers.

A resampler is a stream. It is created for one rate pair, channel count and
output dtype, fed blocks of any size with :meth:`Resampler.process`, and
finished with ``last=True``. The contract (tested for every registered backend
by ``tests/test_conformance.py``):

1. **Length** — after the flush, ``frames_out == expected_length(frames_in)``;
   before it, ``0 <= expected_length(frames_in) - frames_out <= latency``.
2. **Chunk invariance** — any chunking gives the one-shot output.
3. **Time alignment** — input frame ``i`` maps to output frame
   ``i * out_rate / in_rate``: no leading padding, no lag. Frames are emitted
   only once final, so a stream holds output back instead of delaying it.
4. **Layout** — ``(frames,)`` (mono only) or ``(frames, channels)``; the output
   keeps the input's ndim; any memory order is accepted.
5. **dtypes** — output dtype fixed at creation; float input converted;
   integer PCM scaled by a power of two (uint8 ``(x - 128) / 2**7``, int8
   ``/ 2**7``, int16 ``/ 2**15``, int32 ``/ 2**31``) into [-1, 1), exactly,
   with one exception: a float32 stream holds 24 significant bits, so int32
   is rounded to them and values within 64 LSB of full scale
   (``>= 2**31 - 64``) become exactly 1.0. Other dtypes raise ``TypeError``.
6. **Rates** — positive integers with a ratio in [1/256, 256].
7. ``process`` after the flush raises until :meth:`Resampler.reset`.
8. **Finite input** — finite input with every ``|x| <= FINITE_INPUT_BOUND``
   (``backends.validation``: 2**64, 385 dB above full scale) gives finite
   output. Beyond it a backend's differences or filter sums may overflow
   (soxr HQ does from about 2**120; float32 reaches 2**128), and such input
   counts as faulty like NaN/inf input: it is not scanned for, spoils the
   outputs within the filter's reach, and ``reset()`` always recovers.

Sizing, as rubato names it: ``output_frames_next(n_in)`` is the most frames
the *next* call with ``n_in`` input frames can return (exact for the stream's
state); ``output_frames_max(n_in)`` the most *any* such call can return
(``latency + ceil(n_in * out_rate / in_rate)``): size a buffer once with it.
``process_into(x, out)`` writes into the caller's buffer; ``out`` may share
memory with ``x`` (resampling in place). Whether a backend's
``process_into`` allocates nothing is a declared capability
(:class:`~backends.capabilities.Capabilities`), proved per backend by the
conformance kit (:mod:`backends.testing`).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from .capabilities import Capabilities

__all__ = ["Resampler"]


@runtime_checkable
class Resampler(Protocol):
    """A streaming sample-rate converter: everything the harness, the player and
    the hot-swapping stream call. :class:`backends.StreamResampler` implements it.

    Attributes
    ----------
    name : str
        Registry name of the backend (``"soxr"``, ``"linear"``, ...).
    in_rate, out_rate : int
        Sample rates in Hz.
    channels : int
        Channel count.
    dtype : numpy.dtype
        Output dtype (float32 or float64).
    latency : int
        Upper bound, in output frames, on ``expected_length(frames_in) -
        frames_out`` before the flush: the output the stream holds back.
    frames_in, frames_out : int
        Frames consumed and produced since creation or the last reset.
    capabilities : Capabilities
        What this stream can do (one-shot only, channel limit, ...).
    """

    name: str
    in_rate: int
    out_rate: int
    channels: int
    dtype: np.dtype
    frames_in: int
    frames_out: int
    capabilities: Capabilities

    @property
    def latency(self) -> int: ...

    def process(self, x: np.ndarray, /, *, last: bool = False) -> np.ndarray:
        """Resample one block; with ``last=True`` also flush the stream."""
        ...

    def process_into(self, x: np.ndarray, out: np.ndarray, /, *, last: bool = False) -> int:
        """Resample ``x`` into ``out[:n]`` and return ``n``; ``out`` may overlap ``x``."""
        ...

    def output_frames_next(self, n_in: int) -> int:
        """Most frames the next call with ``n_in`` input frames can return."""
        ...

    def output_frames_max(self, n_in: int) -> int:
        """Most frames any call with ``n_in`` input frames can return, whatever the state."""
        ...

    def reset(self) -> None:
        """Return to the freshly created state."""
        ...
