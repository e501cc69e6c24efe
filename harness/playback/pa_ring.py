"""``PaRingBuffer``: PortAudio's lock-free ring, read by rtmixer's C audio callback.

The GIL-free player's FIFO. ``pa_ringbuffer`` (as compiled into rtmixer's C
extension) keeps its indices as C integers behind memory barriers, so the
producer (a Python thread) and the consumer (C code that never takes the
GIL) need no lock. Same interface as :class:`backends.ring.RingBuffer`,
which a Python callback reads instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PaRingBuffer"]


class PaRingBuffer:
    """PortAudio's lock-free ring of float32 frames, for rtmixer's C callback.

    :attr:`raw` is the ring to hand to ``rtmixer.Mixer.play_ringbuffer``.
    Importing it needs only rtmixer's compiled extension, not PortAudio, so
    tests can use the very ring the device reads without a device.

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
