"""``OneShotResampler``: adapter base for libraries that resample a whole signal at once.

scipy's ``resample_poly`` and resampy take the complete signal and return
the complete output; neither keeps state between calls. The contract's
streaming items do not apply (the declared ``streaming=False`` makes the
base class refuse ``last=False``), but its length rule does, and the
libraries round it their own way: scipy emits ``ceil(n * L / M)`` frames,
resampy ``floor(n * out / in)`` (in floats) and raises below one frame.

The fix is the same for both: the signal is extended with zeros, which is
what both libraries assume lies beyond its end, so the library has
computed every frame the rule asks for; the output is cut at exactly
``expected_length(n)``. Frames the library would have emitted anyway are
unchanged (the appended zeros add exact zeros to their sums).
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from backends import Capabilities, StreamResampler

__all__ = ["OneShotResampler"]


class OneShotResampler(StreamResampler):
    """Base for one-shot libraries: exact length by zero extension and a cut."""

    CAPABILITIES = Capabilities(streaming=False)

    @abstractmethod
    def _lib_resample(self, x: np.ndarray) -> np.ndarray:
        """The library on the whole ``(frames, channels)`` signal, in the stream's dtype."""

    @property
    def latency(self) -> int:
        return 0

    def _open(self) -> None:
        """Stateless: the library keeps nothing between calls."""

    def _reset(self) -> None:
        """Stateless: nothing to reset."""

    def _zero_extension(self) -> int:
        """Zero frames to append so that the library covers the rule's last frame.

        The rule's count exceeds ``n * L / M`` by at most 1/2, and a library
        rounding down in floats may fall short of it by up to 1 more, so
        ``p`` extra frames must add ``p * L / M >= 5/2`` outputs.
        """
        return -(-5 * self.M // (2 * self.L))

    def _process(self, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        want = self.expected_length(len(x))
        if not want:
            return 0
        padded = np.concatenate((x, np.zeros((self._zero_extension(), self.channels), x.dtype)))
        y = self._lib_resample(padded)
        if len(y) < want:
            raise RuntimeError(
                f"{self.spec}: the library returned {len(y)} frames for {len(padded)} "
                f"input frames; expected at least {want}"
            )
        out[:want] = y[:want]
        return want
