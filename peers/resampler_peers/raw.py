"""Raw reference baselines: each peer library as it behaves out of the box.

A ``*-raw`` backend is the library with its defaults and none of the
adapter's fixes: its output frames, their count and their timing are the
library's own, so ``python -m harness`` can show what each library gets
wrong next to the adapter that fixes it. Only the glue that any caller needs
stays: input validated, integer PCM scaled and converted to the stream's
dtype by the shared validation (what each library does with raw integers is
documented in its tests), the layout the library wants, and a measured
latency bound, since a stream must report one.

Each raw class declares, through ``breaks``, exactly the contract items the
conformance kit sees it break; the kit turns those into strict expected
failures, so a library release that changes its behaviour shows up as a
test failure here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backends import StreamResampler, expected_length
from backends.testing import CONTRACT_RATE_PAIRS

__all__ = [
    "ONE_SHOT_CHECK_FRAMES",
    "RawOneShotMixin",
    "RawStreamMixin",
    "ceil_count",
    "differs_for_kit_signal",
]

#: Frames of the signal that the kit's ``streaming`` check resamples in one call
#: after the refused block (``backends.testing.checks.check_one_shot_only``).
ONE_SHOT_CHECK_FRAMES = 1000


def differs_for_kit_signal(
    count: Callable[[int, int, int], int], n: int, in_rate: int, out_rate: int
) -> bool:
    """Whether a library emitting ``count(n, in_rate, out_rate)`` frames misses the rule for ``n``.

    The kit checks one signal length per rate pair of ``CONTRACT_RATE_PAIRS``
    (``N_FRAMES`` for ``length``), so a library whose count differs from the
    rule only for some lengths breaks the item at exactly the pairs where
    this is true. At the ratio limits the kit feeds signals with a whole
    number of output frames, which every rounding gets right.
    """
    if (in_rate, out_rate) not in CONTRACT_RATE_PAIRS:
        return False
    return count(n, in_rate, out_rate) != expected_length(n, in_rate, out_rate)


def ceil_count(n: int, in_rate: int, out_rate: int) -> int:
    """``ceil(n * out / in)``: what scipy's ``resample_poly`` and FFmpeg emit."""
    return -(-n * out_rate // in_rate)


class _RawSizing:
    """Output room for one frame beyond the rule, which a raw library may emit."""

    def output_frames_next(self, n_in: int) -> int:
        return super().output_frames_next(n_in) + 1  # type: ignore[misc]

    def output_frames_max(self, n_in: int) -> int:
        return super().output_frames_max(n_in) + 1  # type: ignore[misc]


class RawOneShotMixin(_RawSizing):
    """Put before a :class:`~resampler_peers.oneshot.OneShotResampler` subclass:
    the library's whole output, of its own length."""

    baseline = True

    def _process(self: StreamResampler, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        y = self._lib_resample(x)  # type: ignore[attr-defined]
        out[: len(y)] = y
        return len(y)


class RawStreamMixin(_RawSizing):
    """Put before a ``LibraryResampler`` subclass that also defines ``_lib_flush``:
    every frame the library returns, its own flush at the end, nothing dropped
    or added."""

    baseline = True

    def _lead_frames(self) -> int:
        return 0  # the library's output as it comes, nothing dropped

    def _process(self: StreamResampler, x: np.ndarray, out: np.ndarray, *, last: bool) -> int:
        y = self._lib_feed(x)  # type: ignore[attr-defined]
        if last:
            y = np.concatenate((y, self._lib_flush()))  # type: ignore[attr-defined]
        out[: len(y)] = y
        return len(y)
