"""Block-size sequences that feed a stream, generated lazily (sessions are long)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["SCHEDULES", "block_sizes"]

#: The feeding patterns of the drift check.
SCHEDULES = ("device-512", "random-1-4096", "prime-17", "1-frame")


def block_sizes(name: str, n: int, *, in_rate: int, out_rate: int, seed: int) -> Iterator[int]:
    """Yield block sizes summing to ``n`` for one named schedule.

    ``device-512`` is what a 512-frame device callback at the output rate pulls:
    ``ceil(k * 512 * in/out)`` input frames after ``k`` callbacks.
    """
    done = 0
    if name == "device-512":
        k = 0
        while done < n:
            k += 1
            edge = min(-(-k * 512 * in_rate // out_rate), n)
            yield edge - done
            done = edge
    elif name == "random-1-4096":
        rng = np.random.default_rng(seed)
        while done < n:
            size = min(int(rng.integers(1, 4097)), n - done)
            yield size
            done += size
    elif name.startswith("prime-") or name.endswith("-frame"):
        step = int(name.split("-")[1] if name.startswith("prime-") else name.split("-")[0])
        while done < n:
            size = min(step, n - done)
            yield size
            done += size
    else:
        raise ValueError(f"schedule: expected one of {', '.join(SCHEDULES)}, got {name!r}")
