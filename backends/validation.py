"""Input validation and conversion shared by every backend.

All checks run before a stream's state is touched, so a rejected call leaves
the stream exactly as it was. Messages name what was expected and what was
given, e.g. ``ValueError: channels: expected 2, got 1``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "FINITE_INPUT_BOUND",
    "MAX_RATIO",
    "OUTPUT_DTYPES",
    "SUPPORTED_INPUT_DTYPES",
    "Choice",
    "as_frames",
    "check_channels",
    "check_output_dtype",
    "check_rates",
    "resolve_options",
]

#: Largest allowed ``out_rate / in_rate`` and ``in_rate / out_rate``.
MAX_RATIO = 256

#: Finite input no larger than this in magnitude gives finite output from every
#: backend. Beyond it (up to float32's 3.4e38) a filter's sums may overflow: such
#: input is treated like NaN/inf input (it spoils the outputs within reach).
#: 2**64 is 385 dB above full scale, far beyond any audio.
FINITE_INPUT_BOUND = 2.0**64

#: Output dtypes a stream can be created with.
OUTPUT_DTYPES = ("float32", "float64")

#: Integer PCM: (offset, scale) so that ``(x - offset) * scale`` lies in [-1, 1).
#: The scales are powers of two, so scaling is exact; converting to the stream's
#: dtype is too, except int32 into float32 (24 significant bits): it rounds to
#: nearest, and values >= 2**31 - 64 become 1.0.
_PCM_SCALING: dict[str, tuple[int, float]] = {
    "u1": (128, 2.0**-7),
    "i1": (0, 2.0**-7),
    "i2": (0, 2.0**-15),
    "i4": (0, 2.0**-31),
}
_FLOAT_CODES = ("f2", "f4", "f8")

#: Input dtypes accepted by ``process``, by name.
SUPPORTED_INPUT_DTYPES = ("uint8", "int8", "int16", "int32", "float16", "float32", "float64")


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def check_rates(in_rate: object, out_rate: object) -> tuple[int, int]:
    """Validate a rate pair and return it as Python ints.

    Raises
    ------
    ValueError
        A rate is not a positive integer, or the ratio is outside
        ``[1/MAX_RATIO, MAX_RATIO]``.
    """
    for label, rate in (("in_rate", in_rate), ("out_rate", out_rate)):
        if not _is_int(rate) or int(rate) <= 0:  # type: ignore[call-overload]
            raise ValueError(
                f"{label}: expected a positive integer number of Hz, got {rate!r}"
                f" ({type(rate).__name__})"
            )
    i, o = int(in_rate), int(out_rate)  # type: ignore[call-overload]
    if o > MAX_RATIO * i or i > MAX_RATIO * o:
        raise ValueError(
            f"out_rate/in_rate: expected a ratio within [1/{MAX_RATIO}, {MAX_RATIO}], "
            f"got {o}/{i} = {o / i:.6g}"
        )
    return i, o


def check_channels(channels: object) -> int:
    """Validate a channel count (a positive integer)."""
    if not _is_int(channels) or int(channels) < 1:  # type: ignore[call-overload]
        raise ValueError(f"channels: expected a positive integer, got {channels!r}")
    return int(channels)  # type: ignore[call-overload]


def check_output_dtype(dtype: object) -> np.dtype:
    """Validate a stream's output dtype: float32 or float64."""
    try:
        resolved = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in OUTPUT_DTYPES:
        raise TypeError(f"dtype: expected one of {', '.join(OUTPUT_DTYPES)}, got {dtype!r}")
    return resolved


def _input_dtype_code(dtype: np.dtype) -> str | None:
    code = f"{dtype.kind}{dtype.itemsize}"
    if code in _PCM_SCALING or code in _FLOAT_CODES:
        return code
    return None


def as_frames(x: object, *, channels: int, dtype: np.dtype) -> tuple[np.ndarray, bool]:
    """Convert one block of input to a C-contiguous ``(frames, channels)`` array.

    Parameters
    ----------
    x : numpy.ndarray
        ``(frames,)`` for a mono stream or ``(frames, channels)``; any memory
        order or byte order; a dtype from ``SUPPORTED_INPUT_DTYPES``.
    channels : int
        The stream's channel count.
    dtype : numpy.dtype
        The stream's dtype (float32 or float64).

    Returns
    -------
    frames : numpy.ndarray
        ``(frames, channels)`` in ``dtype``, C-contiguous. It may share memory
        with ``x`` (when no conversion was needed); callers must not write to it.
    was_1d : bool
        Whether ``x`` was one-dimensional, so the output can keep its ndim.

    Raises
    ------
    TypeError
        ``x`` is not an array or its dtype is not supported.
    ValueError
        The shape does not match ``channels``.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"x: expected a numpy.ndarray of shape (frames,) or (frames, {channels}), "
            f"got {type(x).__name__}"
        )
    code = _input_dtype_code(x.dtype)
    if code is None:
        raise TypeError(
            f"x: expected dtype in {', '.join(SUPPORTED_INPUT_DTYPES)} "
            f"(integer PCM is scaled by a power of two to full scale 1), got {x.dtype}"
        )
    if x.ndim == 1:
        if channels != 1:
            raise ValueError(
                f"x: expected shape (frames, {channels}) for a {channels}-channel stream, "
                f"got 1-D shape {x.shape}"
            )
        x = x[:, np.newaxis]
        was_1d = True
    elif x.ndim == 2:
        if x.shape[1] != channels:
            raise ValueError(f"channels: expected {channels}, got {x.shape[1]}")
        was_1d = False
    else:
        raise ValueError(
            f"x: expected 1-D (frames,) or 2-D (frames, channels) input, "
            f"got {x.ndim}-D shape {x.shape}"
        )
    if code in _PCM_SCALING:
        offset, scale = _PCM_SCALING[code]
        frames = np.array(x, dtype=dtype, order="C")
        if offset:
            frames -= offset
        frames *= scale
        return frames, was_1d
    return np.ascontiguousarray(x, dtype=dtype), was_1d


@dataclass(frozen=True)
class Choice:
    """A backend option that takes one of a fixed set of string values.

    Attributes
    ----------
    values : tuple of str
        The accepted values.
    default : str
        Used when the option is not given.
    doc : str
        One line for help texts and ``harness list``.
    """

    values: tuple[str, ...]
    default: str
    doc: str = ""

    def __post_init__(self) -> None:
        if self.default not in self.values:
            raise ValueError(f"default: expected one of {self.values}, got {self.default!r}")


def resolve_options(
    backend: str,
    declared: Mapping[str, Choice],
    given: Mapping[str, Any],
    *,
    context: str | None = None,
) -> dict[str, str]:
    """Check ``given`` options against a backend's declaration, fill in defaults.

    Parameters
    ----------
    backend : str
        The backend's name, for messages.
    declared : Mapping[str, Choice]
        The backend's ``OPTIONS``.
    given : Mapping[str, Any]
        The options to check.
    context : str, optional
        Where ``given`` came from, put before messages (``"RESAMPLER_BACKEND=..."``).

    Raises
    ------
    TypeError
        An option name the backend does not have.
    ValueError
        A value outside the option's choices.
    """
    prefix = f"{context}: " if context else ""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        valid = ", ".join(sorted(declared)) or "none"
        raise TypeError(
            f"{prefix}backend {backend!r}: unknown option(s) {', '.join(unknown)}; "
            f"valid options: {valid}"
        )
    resolved = {}
    for name, choice in declared.items():
        value = given.get(name, choice.default)
        if value not in choice.values:
            raise ValueError(
                f"{prefix}{backend} option {name}: expected one of {', '.join(choice.values)}, "
                f"got {value!r}"
            )
        resolved[name] = value
    return resolved
