"""Pluggable audio resampler backends behind one streaming contract.

>>> import backends
>>> rs = backends.create("linear", in_rate=22050, out_rate=48000)
>>> import numpy as np
>>> y = rs.process(np.zeros(1001, np.int16), last=True)
>>> len(y) == backends.expected_length(1001, 22050, 48000) == 2179
True

See :mod:`backends.protocol` for the contract and :mod:`backends.selection`
for choosing a backend with ``$RESAMPLER_BACKEND``.
"""

from .capabilities import Capabilities
from .errors import BackendBroken, BackendUnavailable
from .hotswap import HotSwapResampler
from .protocol import Resampler
from .registry import (
    ENTRY_POINT_GROUP,
    BackendInfo,
    available_backends,
    backend_class,
    backend_names,
    register,
    rescan,
    unregister,
)
from .ring import RingBuffer
from .selection import ENV_VAR, create, default_backend_name, resample
from .stream import StreamResampler
from .timeline import expected_length
from .validation import FINITE_INPUT_BOUND, MAX_RATIO, SUPPORTED_INPUT_DTYPES, Choice
from .variant import Variant

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_VAR",
    "FINITE_INPUT_BOUND",
    "MAX_RATIO",
    "SUPPORTED_INPUT_DTYPES",
    "BackendBroken",
    "BackendInfo",
    "BackendUnavailable",
    "Capabilities",
    "Choice",
    "HotSwapResampler",
    "Resampler",
    "RingBuffer",
    "StreamResampler",
    "Variant",
    "available_backends",
    "backend_class",
    "backend_names",
    "create",
    "default_backend_name",
    "expected_length",
    "register",
    "resample",
    "rescan",
    "unregister",
]
