"""``LibraryResampler``: adapter base for libraries that buffer internally.

soxr and libsamplerate stream with their own buffers and each leaves part of
the contract to the caller. This class fixes those parts once:

* **lead-in** — frames a library emits before time zero are dropped
  (``_lead_frames``), so output is time-aligned;
* **never ahead** — output beyond ``expected_length(frames_in)`` is kept for
  the next call, so the held-back count never goes negative;
* **flush** — libraries lose or mis-round the tail at end of input (soxr
  rounds exact halves down, libsamplerate truncates its filter delay), so the
  flush pushes zeros through the library until the exact length is reached
  and cuts there; zeros past the end are what the libraries assume anyway;
* **latency** — neither library can state its bound, so it is measured once per
  configuration by :func:`probe_hold_back` and cached for the process.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import lru_cache

import numpy as np

from ..stream import StreamResampler

__all__ = ["LibraryResampler", "probe_hold_back"]

#: Flush gives up after this many rounds of zero padding (each doubles it).
_MAX_FLUSH_ROUNDS = 24


class LibraryResampler(StreamResampler):
    """Base for adapters around a library's streaming resampler."""

    @abstractmethod
    def _lib_open(self) -> None:
        """Create the library's stream for this configuration."""

    @abstractmethod
    def _lib_feed(self, x: np.ndarray) -> np.ndarray:
        """Feed C-contiguous ``(frames, channels)`` input; return new output frames."""

    @abstractmethod
    def _lib_reset(self) -> None:
        """Reset the library's stream."""

    def _lead_frames(self) -> int:
        """Output frames the library emits before input time zero."""
        return 0

    @property
    def latency(self) -> int:
        options = tuple(sorted(self.options.items()))
        return probe_hold_back(type(self), self.in_rate, self.out_rate, self.dtype.name, options)

    def _open(self) -> None:
        self._lib_open()
        self._start()

    def _reset(self) -> None:
        self._lib_reset()
        self._start()

    def _start(self) -> None:
        self._to_drop = self._lead_frames()
        self._pending = np.zeros((0, self.channels), self.dtype)

    def _process(self, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        limit = self.output_frames_next(len(x))
        y = self._drop_lead(self._lib_feed(x))
        if len(self._pending):
            y = np.concatenate((self._pending, y))
        if last:
            y = self._drain(y, limit)
        n = min(len(y), limit)
        out[:n] = y[:n]
        self._pending = y[n:]
        return n

    def _drop_lead(self, y: np.ndarray) -> np.ndarray:
        if self._to_drop:
            k = min(self._to_drop, len(y))
            self._to_drop -= k
            y = y[k:]
        return y

    def _drain(self, y: np.ndarray, limit: int) -> np.ndarray:
        """Feed zeros until ``limit`` frames are available."""
        parts = [y]
        have = len(y)
        pad = (limit - have) * self.M // self.L + 64
        for _ in range(_MAX_FLUSH_ROUNDS):
            if have >= limit:
                return np.concatenate(parts)
            tail = self._drop_lead(self._lib_feed(np.zeros((pad, self.channels), self.dtype)))
            parts.append(tail)
            have += len(tail)
            pad *= 2
        raise RuntimeError(
            f"{self.name}: flush produced {have} of {limit} frames after "
            f"{_MAX_FLUSH_ROUNDS} rounds of zero padding"
        )


@lru_cache(maxsize=256)
def probe_hold_back(
    cls: type[StreamResampler],
    in_rate: int,
    out_rate: int,
    dtype: str,
    options: tuple[tuple[str, str], ...],
) -> int:
    """Measure the most output frames a stream of ``cls`` holds back.

    Feeds zeros to a fresh mono stream and tracks ``expected_length(n) -
    frames_out``. soxr's and libsamplerate's output count depends only on the
    number of frames fed, not on the chunking (``tests/test_library_adapters``
    checks this), so the feed sees every state a stream can be in.

    The feed uses 1-frame steps until the first output appears at ``n_first``,
    then steps of ``c = max(1, M // L, n_first // 64)`` frames up to
    ``max(64 * n_first, 16384)`` frames, which covers the libraries' internal
    block cycles. Where output appears inside a step, the bound assumes it
    appeared at the step's last frame, so the result is an upper bound that
    exceeds the exact maximum by at most ``c * L / M`` frames (exact for
    ``c == 1``).
    """
    stream = cls(in_rate=in_rate, out_rate=out_rate, channels=1, dtype=dtype, **dict(options))
    silent_limit = 64 * max(in_rate, 16384)
    step = 1
    first = 0
    worst = 0
    while not first or stream.frames_in < max(64 * first, 16384):
        before = stream.frames_out
        zeros = np.zeros((step, 1), stream.dtype)
        stream._run(zeros, np.empty((stream.output_frames_next(step), 1), stream.dtype), False)
        n = stream.frames_in
        held = stream.expected_length(n) - stream.frames_out
        if stream.frames_out != before:
            held = max(held, stream.expected_length(n - 1) - before)
            if not first:
                first = n
                step = max(1, stream.M // stream.L, first // 64)
        worst = max(worst, held)
        if not first and n > silent_limit:
            raise RuntimeError(f"{stream.name}: no output after {n} input frames while probing")
    return worst
