"""Single-producer, single-consumer FIFOs of audio frames.

:class:`RingBuffer` is read by a Python audio callback: it only copies out
of it, with no allocation and no lock. Positions are monotonically growing
Python ints; each side writes only its own, and an int store is atomic under
the GIL, so the other side sees either the old or the new value, both safe.

:class:`PaRingBuffer` is PortAudio's lock-free ring (``pa_ringbuffer``, as
compiled into rtmixer's C extension), read by rtmixer's C audio callback,
which never takes the GIL. Its indices are C integers behind memory
barriers, so the producer (Python) and the consumer (C) need no lock either.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PaRingBuffer", "RingBuffer"]


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


class PaRingBuffer:
    """PortAudio's lock-free ring of float32 frames, for rtmixer's C callback.

    The same interface as :class:`RingBuffer`; :attr:`raw` is the ring to
    hand to ``rtmixer.Mixer.play_ringbuffer``. Importing it needs only
    rtmixer's compiled extension, not PortAudio, so tests can use the very
    ring the device reads without a device.

    Parameters
    ----------
    capacity : int
        Frames it must hold at least; rounded up to a power of two, as
        ``pa_ringbuffer`` requires.
    channels : int
        Channels per frame.

    Raises
    ------
    ValueError
        ``capacity`` is not positive.
    ImportError
        rtmixer is not installed (``pip install 'resampler-suite[player]'``).
    """

    def __init__(self, capacity: int, channels: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity: expected a positive frame count, got {capacity}")
        from _rtmixer import ffi, lib
        from pa_ringbuffer import init

        self.channels = channels
        self.capacity = 1 << (capacity - 1).bit_length()
        self.raw = init(ffi, lib)(4 * channels, self.capacity)

    @property
    def fill(self) -> int:
        """Frames available to read."""
        return self.raw.read_available

    @property
    def space(self) -> int:
        """Frames that can be written."""
        return self.raw.write_available

    def write(self, frames: np.ndarray) -> int:
        """Append as many of ``frames`` as fit (as float32); returns the count written."""
        return self.raw.write(np.ascontiguousarray(frames, np.float32))

    def read_into(self, out: np.ndarray) -> int:
        """Copy up to ``len(out)`` frames into the float32 array ``out``, as the C
        callback does; returns the count copied."""
        return self.raw.readinto(out)

    def clear(self) -> None:
        """Drop everything buffered (only while nothing reads or writes it)."""
        self.raw.flush()
