"""``process_into(x, out)`` with ``out`` sharing memory with ``x``: resampling in place.

Every backend variant must give what it gives with separate arrays, whatever
the overlap: the same buffer, ``out`` starting inside ``x`` or ``x`` inside
``out`` (so one contains the other when it is short enough), one frame of
overlap at either end. Views of one buffer that do not overlap are plain
separate arrays and must work too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import conformance as cf
from variants import variant_params

#: name -> offset of x's first frame from out's first frame in a shared buffer,
#: for n input frames and m output frames (the overlap is n + offset or m - offset).
OFFSETS: dict[str, Callable[[int, int], int]] = {
    "same start": lambda n, m: 0,
    "out starts inside x": lambda n, m: -(n // 2),
    "x starts inside out": lambda n, m: m // 2,
    "one frame, at out's end": lambda n, m: m - 1,
    "one frame, at x's end": lambda n, m: -(n - 1),
    "disjoint, x after out": lambda n, m: m,
    "disjoint, out after x": lambda n, m: -n,
}

BLOCK = 300
RATES = [(22050, 48000), (48000, 22050), (44100, 48000), (8000, 48000)]


def shared(n: int, m: int, offset: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Views ``x`` (n frames) and ``out`` (m frames) of one buffer, ``offset`` apart."""
    out_start, x_start = max(0, -offset), max(0, offset)
    size = max(out_start + m, x_start + n)
    buf = np.full((size, channels), np.nan, np.float32)
    if channels == 1:
        buf = buf.reshape(size)  # 1-D views, both C-contiguous
    return buf[x_start : x_start + n], buf[out_start : out_start + m]


@pytest.mark.parametrize("variant", variant_params())
@pytest.mark.parametrize(("in_rate", "out_rate"), RATES, ids=str)
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("layout", list(OFFSETS))
def test_process_into_overlapping_arrays_equals_separate_arrays(
    variant, in_rate, out_rate, channels, layout
):
    x = cf.noise(4 * BLOCK, channels).astype(np.float32)
    if channels == 1:
        x = x[:, 0]
    blocks = [x[i : i + BLOCK] for i in range(0, len(x), BLOCK)]
    ref = variant.make(in_rate=in_rate, out_rate=out_rate, channels=channels)
    want = [ref.process(b, last=i == len(blocks) - 1) for i, b in enumerate(blocks)]

    stream = variant.make(in_rate=in_rate, out_rate=out_rate, channels=channels)
    for i, block in enumerate(blocks):
        m = stream.output_frames_max(BLOCK)
        x_view, out_view = shared(BLOCK, m, OFFSETS[layout](BLOCK, m), channels)
        x_view[:] = block
        n = stream.process_into(x_view, out_view, last=i == len(blocks) - 1)
        np.testing.assert_array_equal(out_view[:n], want[i], err_msg=f"{layout}: block {i}")
    assert stream.frames_out == ref.frames_out
