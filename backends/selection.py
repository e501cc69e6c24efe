"""Choosing a backend: ``create()``, ``resample()`` and ``$RESAMPLER_BACKEND``.

Production code calls ``backends.create(in_rate=..., out_rate=...)`` and the
deployment picks the backend with the environment variable::

    RESAMPLER_BACKEND=soxr:quality=VHQ
    RESAMPLER_BACKEND=samplerate:converter=sinc_fastest

Unset (or empty) means ``soxr`` when it is installed, else ``linear``. A name
that is unknown or not installed, or an option it does not have, fails at
``create()``, not at first audio, with a message that starts with the variable
and its value (``RESAMPLER_BACKEND=SOXR: expected one of ...``). Choosing a
reference baseline (``seed``) through the variable logs a warning on the
``backends`` logger. Arguments given to ``create()`` win over the variable.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .optional import is_installed
from .registry import backend_class
from .validation import resolve_options
from .variant import Variant

__all__ = ["ENV_VAR", "create", "default_backend_name", "resample"]

ENV_VAR = "RESAMPLER_BACKEND"

_log = logging.getLogger(__package__)


def default_backend_name() -> str:
    """``soxr`` when it is installed, else ``linear`` (nothing is imported to find out)."""
    return "soxr" if is_installed("soxr") else "linear"


def create(
    backend: str | Variant | None = None,
    *,
    in_rate: int,
    out_rate: int,
    channels: int = 1,
    dtype: Any = "float32",
    **options: str,
) -> Any:
    """Create a resampler stream.

    Parameters
    ----------
    backend : str or Variant, optional
        ``"name"`` or ``"name:key=value,..."`` (or a :class:`Variant`),
        positional or ``backend=``. Default: ``$RESAMPLER_BACKEND``, or
        ``soxr`` when installed, else ``linear``.
    in_rate, out_rate : int
        Sample rates in Hz (positive integers, ratio within [1/256, 256]).
    channels : int, default 1
        Channel count (some backends take at most a few hundred; the error
        says how many).
    dtype : {"float32", "float64"}, default "float32"
        Output dtype of the stream.
    **options : str
        Backend options (e.g. ``quality="VHQ"``); they override options from
        ``backend`` or the environment variable.

    Returns
    -------
    Resampler
        A fresh stream.

    Raises
    ------
    ValueError
        Unknown backend name, malformed spec, bad rates, channel count or
        option values.
    TypeError
        Unknown option names, unsupported dtype.
    BackendUnavailable
        The backend's package is not installed, or its code fails to load
        (:class:`BackendBroken`).
    """
    variant, context = _chosen(backend)
    name, spec_options = variant.name, variant.options_dict
    cls = backend_class(name, context=context)
    if context is not None:
        _check_env_choice(
            cls, name, {k: v for k, v in spec_options.items() if k not in options}, context
        )
    merged = {**spec_options, **options}
    return cls(in_rate=in_rate, out_rate=out_rate, channels=channels, dtype=dtype, **merged)


def _chosen(backend: str | Variant | None) -> tuple[Variant, str | None]:
    """The variant asked for, and ``"RESAMPLER_BACKEND=..."`` when the variable chose it."""
    if backend is not None:
        return Variant.parse(backend), None
    if env := os.environ.get(ENV_VAR, "").strip():
        return Variant.parse(env, source=ENV_VAR), f"{ENV_VAR}={env}"
    return Variant(default_backend_name()), None


def _check_env_choice(cls: type, name: str, options: dict[str, str], context: str) -> None:
    """Options from the variable that the call does not override, and the baseline warning.

    Checked here, before the stream exists, so that their errors name the
    variable; backends that declare no ``OPTIONS`` check them themselves.
    """
    declared = getattr(cls, "OPTIONS", None)
    if declared is not None:
        resolve_options(name, declared, options, context=context)
    if getattr(cls, "baseline", False):
        _log.warning(
            "%s selects %r, a reference baseline that knowingly breaks the contract "
            "(lengths drift, blocks jitter); not for production",
            context,
            name,
        )


def resample(
    x: np.ndarray,
    in_rate: int,
    out_rate: int,
    *,
    backend: str | None = None,
    dtype: Any = None,
    **options: str,
) -> np.ndarray:
    """Resample a whole signal in one call (a stream fed once with ``last=True``).

    Parameters
    ----------
    x : numpy.ndarray
        ``(frames,)`` or ``(frames, channels)``.
    in_rate, out_rate : int
        Sample rates in Hz.
    backend : str, optional
        As for :func:`create`.
    dtype : {"float32", "float64"}, optional
        Output dtype; default float64 for float64 input, else float32.
    **options : str
        Backend options.

    Returns
    -------
    numpy.ndarray
        ``expected_length(len(x), in_rate, out_rate)`` frames, ndim of ``x``.
    """
    if dtype is None:
        dtype = np.float64 if getattr(x, "dtype", None) == np.float64 else np.float32
    shape = getattr(x, "shape", ())
    channels = shape[1] if len(shape) == 2 else 1
    env = os.environ.get(ENV_VAR, "") if backend is None else None
    key = (backend, env, in_rate, out_rate, channels, np.dtype(dtype).name, tuple(options.items()))
    return _reused_stream(
        key,
        lambda: create(
            backend, in_rate=in_rate, out_rate=out_rate, channels=channels, dtype=dtype, **options
        ),
    ).process(x, last=True)


#: Streams kept per thread for :func:`resample`.
_REUSED = 8
_local = threading.local()


def _reused_stream(key: tuple, make: Callable[[], Any]) -> Any:
    """A stream for ``key``, reset: the last few are kept per thread and reused.

    Creating a stream validates its arguments, resolves the backend and
    designs or looks up its tables: cheap, but on a short clip through a fast
    backend it would cost more than the resampling. A stream is
    single-threaded, hence one cache per thread.
    """
    cache: OrderedDict[tuple, Any] = getattr(_local, "streams", None) or OrderedDict()
    _local.streams = cache
    stream = cache.pop(key, None)
    if stream is None:
        stream = make()
        if len(cache) >= _REUSED:
            cache.popitem(last=False)
    else:
        stream.reset()
    cache[key] = stream
    return stream
