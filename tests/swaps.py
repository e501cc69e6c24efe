"""Checking hot-swapped output frame by frame against each backend's own output."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import backends
from backends.hotswap import SwapEvent


def assert_swapped_output_exact(
    y: np.ndarray,
    x: np.ndarray,
    events: Sequence[SwapEvent],
    first: str,
    in_rate: int,
    out_rate: int,
    *,
    tolerance: float = 1e-4,
) -> int:
    """Assert ``y`` is ``x`` resampled with nothing lost, repeated or moved.

    The length must be ``expected_length(len(x))``; every frame outside the
    crossfades must be the active backend's own one-shot output at that
    index; fades must follow one another; inside a fade the output must be no
    further from the old backend's output than the new one is.

    Returns
    -------
    int
        Frames checked outside the crossfades.
    """
    assert len(y) == backends.expected_length(len(x), in_rate, out_rate)
    refs: dict[str, np.ndarray] = {}

    def ref(spec: str) -> np.ndarray:
        if spec not in refs:
            refs[spec] = backends.resample(x, in_rate, out_rate, backend=spec, dtype=y.dtype)
        return refs[spec]

    active, cursor, checked = str(backends.Variant.parse(first).resolved()), 0, 0
    for event in [*events, None]:
        stop = event.fade_start if event else len(y)
        assert stop >= cursor, f"fade at {stop} starts inside the previous one (ends {cursor})"
        if stop > cursor:
            err = float(np.max(np.abs(y[cursor:stop] - ref(active)[cursor:stop])))
            assert err < tolerance, f"{active} frames {cursor}..{stop} off by {err:.3g}"
            checked += stop - cursor
        if event:
            assert event.old == active
            active, cursor = event.new, event.fade_start + event.fade_frames
            window = slice(event.fade_start, cursor)
            gap = np.max(np.abs(ref(event.new)[window] - ref(event.old)[window]))
            assert np.max(np.abs(y[window] - ref(event.old)[window])) <= gap + 1e-3
    return checked
