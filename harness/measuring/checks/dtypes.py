"""dtype handling: the input matrix, each cell against a float64 reference.

Cells: integer PCM u8/i8/i16/i32 covering full scale and -1 LSB, float16/32/64,
big-endian int16/int32/float32, a strided float32 view, Fortran-order stereo
and a constant -1 LSB int16 signal. Each cell's output (default float32 stream)
is compared with the same signal given as exact float64 values to a float64
stream of the same backend. Unsupported dtypes must raise TypeError.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backends import Variant
from harness.measuring.settings import Settings
from harness.results.store import Recorder

__all__ = ["CELLS", "UNSUPPORTED", "run"]

RATES = (22050, 48000)
N = 4000
_PCM = {"u1": (128, 128.0), "i1": (0, 128.0), "i2": (0, 32768.0), "i4": (0, 2.0**31)}


def _pcm(dtype: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random full-scale PCM of ``dtype`` (any byte order) and its exact float64 value."""
    dt = np.dtype(dtype)
    native = dt.newbyteorder("=")
    offset, scale = _PCM[f"{dt.kind}{dt.itemsize}"]
    info = np.iinfo(native)
    ints = np.random.default_rng(seed).integers(info.min, info.max, n, endpoint=True)
    ints[:4] = [info.min, info.max, offset - 1, offset]  # full scale, -1 LSB, zero
    return ints.astype(native).astype(dt), (ints - offset) / scale


def _float(dtype: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    x = (0.5 * np.random.default_rng(seed).standard_normal(n)).astype(dtype)
    return x, x.astype(np.float64)


def _strided(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    x, exact = _float("float32", 2 * n, seed)
    return x[::2], exact[::2]


def _fortran_stereo(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    x, exact = _float("float32", 2 * n, seed)
    return np.asfortranarray(x.reshape(n, 2)), exact.reshape(n, 2)


def _minus_one_lsb(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full(n, -1, np.int16), np.full(n, -1 / 32768)


#: Cell label -> maker of (input, exact float64 value).
CELLS: dict[str, Callable[[int, int], tuple[np.ndarray, np.ndarray]]] = {
    "uint8": lambda n, s: _pcm("uint8", n, s),
    "int8": lambda n, s: _pcm("int8", n, s),
    "int16": lambda n, s: _pcm("int16", n, s),
    "int32": lambda n, s: _pcm("int32", n, s),
    "float16": lambda n, s: _float("float16", n, s),
    "float32": lambda n, s: _float("float32", n, s),
    "float64": lambda n, s: _float("float64", n, s),
    "int16-big-endian": lambda n, s: _pcm(">i2", n, s),
    "int32-big-endian": lambda n, s: _pcm(">i4", n, s),
    "float32-big-endian": lambda n, s: _float(">f4", n, s),
    "float32-strided": _strided,
    "float32-F-order-stereo": _fortran_stereo,
    "int16-minus-1-LSB": _minus_one_lsb,
}

UNSUPPORTED = ("bool", "complex64", "int64", "uint16", "uint32", "object", "<U4")


def run(variant: Variant, settings: Settings, rec: Recorder) -> None:
    in_rate, out_rate = RATES
    for label, make in CELLS.items():
        x, exact = make(N, settings.seed)
        channels = 1 if x.ndim == 1 else x.shape[1]
        dims = dict(in_rate=in_rate, out_rate=out_rate, channels=channels, dtype=label)
        y = variant.create(in_rate=in_rate, out_rate=out_rate, channels=channels).process(
            x, last=True
        )
        ref = variant.create(
            in_rate=in_rate, out_rate=out_rate, channels=channels, dtype="float64"
        ).process(exact, last=True)
        same_shape = y.shape == ref.shape
        error = float(np.max(np.abs(y - ref), initial=0.0)) if same_shape else np.inf
        rec.add("max_abs_error", error, "FS", **dims)
        rec.add("output_dtype_ok", float(y.dtype == np.float32 and same_shape), "bool", **dims)
    for dtype in UNSUPPORTED:
        stream = variant.create(in_rate=in_rate, out_rate=out_rate)
        try:
            # last=True: a one-shot-only backend must refuse the dtype, not the block.
            stream.process(np.zeros(16, dtype=dtype), last=True)
        except TypeError:
            raised = 1.0
        except Exception:  # any other error type is a failure of the cell
            raised = 0.0
        else:
            raised = 0.0
        rec.add(
            "raises_type_error",
            raised,
            "bool",
            in_rate=in_rate,
            out_rate=out_rate,
            channels=1,
            dtype=np.dtype(dtype).name,
        )
