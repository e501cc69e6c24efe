"""Test signals of the conformance kit, reproducible from their arguments and a seed.

The harness's measurements use the same functions (no second copy of noise,
pulse or centroid helpers anywhere).
"""

from __future__ import annotations

import numpy as np

__all__ = ["PCM_SCALES", "centroid", "hann_pulse", "noise", "pcm_signal"]

#: Integer PCM dtype -> (offset, full scale): ``(x - offset) / scale`` lies in [-1, 1).
PCM_SCALES: dict[str, tuple[int, int]] = {
    "uint8": (128, 2**7),
    "int8": (0, 2**7),
    "int16": (0, 2**15),
    "int32": (0, 2**31),
}


def noise(
    n: int, channels: int = 1, *, seed: int = 0, dtype: str = "float64", scale: float = 0.5
) -> np.ndarray:
    """White Gaussian noise, ``(n, channels)``, at ``scale`` (PCM of full scale for int dtypes)."""
    x = scale * np.random.default_rng(seed).standard_normal((n, channels))
    kind = np.dtype(dtype)
    if kind.kind in "ui":
        info = np.iinfo(kind)
        offset = 128 if kind.kind == "u" else 0
        return np.clip(
            np.round(x * 2 ** (8 * kind.itemsize - 1) + offset), info.min, info.max
        ).astype(kind)
    return x.astype(kind)


def pcm_signal(dtype: str, n: int, *, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Integer PCM of ``dtype`` (any byte order) and its exact float64 value.

    Random full-scale values; the first four are the minimum, the maximum, -1 LSB
    and zero, the values where scaling mistakes show.
    """
    dt = np.dtype(dtype)
    native = dt.newbyteorder("=")
    offset, scale = PCM_SCALES[native.name]
    info = np.iinfo(native)
    ints = np.random.default_rng(seed).integers(info.min, info.max, n, endpoint=True)
    ints[:4] = [info.min, info.max, offset - 1, offset]
    return ints.astype(native).astype(dt), (ints - offset) / scale


def hann_pulse(n: int, centre: int, width: int) -> np.ndarray:
    """A Hann window of ``width + 1`` frames centred at frame ``centre``, zeros elsewhere."""
    x = np.zeros(n)
    x[centre - width // 2 : centre + width // 2 + 1] = np.hanning(width + 1)
    return x


def centroid(y: np.ndarray) -> float:
    """Time centre (frames) of a pulse-like signal."""
    y = np.asarray(y, np.float64)
    return float(np.dot(np.arange(len(y)), y) / np.sum(y))
