"""Feeding schedules: the block sizes a stream is fed in, and feeding by them.

Named schedules, each a pattern that once broke a resampler somewhere:

* ``one-shot`` — everything in one call;
* ``1-frame`` — one frame per call;
* ``prime-17`` (any ``prime-N`` / ``fixed-N``) — N frames per call;
* ``random-1-4096`` — random sizes from 1 to 4096 (seeded);
* ``device-256`` (any ``device-N``) — what an N-frame device callback at the
  output rate pulls: ``ceil(k * N * in / out)`` frames after ``k`` callbacks;
* ``whole-output`` — blocks alternating between ``d`` and ``m - d`` frames,
  where ``m = in_rate / gcd`` is the smallest input giving a whole number of
  outputs: every other block ends exactly on a whole-output boundary (where
  float phase arithmetic goes wrong) without being a multiple of ``m``.

Sizes are produced lazily, so hour-long sessions cost no memory.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np

from ..timeline import expected_length

__all__ = ["SCHEDULES", "block_sizes", "schedule", "stream_through"]

#: The schedules the kit feeds every streaming backend with.
SCHEDULES = ("one-shot", "1-frame", "prime-17", "random-1-4096", "device-256", "whole-output")


def block_sizes(name: str, n: int, *, in_rate: int, out_rate: int, seed: int = 0) -> Iterator[int]:
    """Yield the block sizes (summing to ``n``) of schedule ``name``.

    Raises
    ------
    ValueError
        An unknown schedule name.
    """
    kind, _, arg = name.partition("-")
    if name == "one-shot":
        yield n
        return
    if name == "random-1-4096":
        rng = np.random.default_rng(seed)
        sizes = iter(lambda: int(rng.integers(1, 4097)), None)
    elif name == "whole-output":
        m = min(in_rate // math.gcd(in_rate, out_rate), 4096)
        d = 1 + m // 3
        sizes = iter(_alternate((d, m - d) if m > 1 else (1,)))
    elif kind == "device" and arg.isdigit():
        yield from _device(int(arg), n, in_rate, out_rate)
        return
    elif (kind in ("prime", "fixed") and arg.isdigit()) or (arg == "frame" and kind.isdigit()):
        step = int(arg if arg.isdigit() else kind)
        sizes = iter(lambda: step, None)
    else:
        raise ValueError(
            f"schedule: expected one of {', '.join(SCHEDULES)}, device-N, fixed-N, got {name!r}"
        )
    done = 0
    while done < n:
        size = min(next(sizes), n - done)
        yield size
        done += size


def _alternate(pattern: Sequence[int]) -> Iterator[int]:
    while True:
        yield from pattern


def _device(block: int, n: int, in_rate: int, out_rate: int) -> Iterator[int]:
    done, k = 0, 0
    while done < n:
        k += 1
        edge = min(-(-k * block * in_rate // out_rate), n)
        yield edge - done
        done = edge


def schedule(name: str, n: int, *, in_rate: int, out_rate: int, seed: int = 0) -> list[int]:
    """The block sizes of schedule ``name`` as a list (see :func:`block_sizes`)."""
    return list(block_sizes(name, n, in_rate=in_rate, out_rate=out_rate, seed=seed))


def stream_through(stream, x: np.ndarray, sizes: Sequence[int]) -> tuple[np.ndarray, list[int]]:
    """Feed ``x`` in blocks of ``sizes``, the last one with ``last=True``.

    Returns
    -------
    output : numpy.ndarray
        Everything the stream returned, concatenated.
    held : list of int
        ``expected_length(frames_in) - frames_out`` after each call but the last.
    """
    outputs, held, pos = [], [], 0
    for index, size in enumerate(sizes):
        last = index == len(sizes) - 1
        outputs.append(stream.process(x[pos : pos + size], last=last))
        pos += size
        if not last:
            held.append(
                expected_length(stream.frames_in, stream.in_rate, stream.out_rate)
                - stream.frames_out
            )
    if pos != len(x):
        raise ValueError(f"sizes: cover {pos} of {len(x)} frames")
    return np.concatenate(outputs), held
