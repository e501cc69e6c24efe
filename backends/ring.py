"""``RingBuffer``: a preallocated single-producer, single-consumer FIFO of audio frames.

What sits between a producer thread that resamples and an audio callback:
some backends emit in bursts (soxr HQ returns nothing on many small calls),
so a callback must never resample directly into its device buffer.

The consumer (an audio callback) only copies out of it: no allocation, no lock.
Positions are monotonically growing Python ints; each side writes only its own,
and an int store is atomic under the GIL, so the other side sees either the old
or the new value, both safe.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RingBuffer"]


class RingBuffer:
    """A FIFO of ``capacity`` frames of ``channels`` channels.

    Parameters
    ----------
    capacity : int
        Frames it can hold.
    channels : int
        Channels per frame.
    dtype : numpy dtype, default float32
        Sample type.
    """

    def __init__(self, capacity: int, channels: int, dtype: np.dtype | str = np.float32) -> None:
        if capacity < 1:
            raise ValueError(f"capacity: expected a positive frame count, got {capacity}")
        self._buf = np.zeros((capacity, channels), dtype)
        self.capacity = capacity
        self._written = 0  # total frames ever written (producer's)
        self._read = 0  # total frames ever read (consumer's)

    @property
    def fill(self) -> int:
        """Frames available to read."""
        return self._written - self._read

    @property
    def space(self) -> int:
        """Frames that can be written."""
        return self.capacity - self.fill

    def write(self, frames: np.ndarray) -> int:
        """Append as many of ``frames`` as fit; returns the count written."""
        n = min(len(frames), self.space)
        start = self._written % self.capacity
        first = min(n, self.capacity - start)
        self._buf[start : start + first] = frames[:first]
        self._buf[: n - first] = frames[first:n]
        self._written += n
        return n

    def read_into(self, out: np.ndarray) -> int:
        """Copy up to ``len(out)`` frames into ``out``; returns the count copied."""
        n = min(len(out), self.fill)
        start = self._read % self.capacity
        first = min(n, self.capacity - start)
        out[:first] = self._buf[start : start + first]
        out[first:n] = self._buf[: n - first]
        self._read += n
        return n

    def clear(self) -> None:
        """Drop everything buffered (consumer side)."""
        self._read = self._written
