"""The built-in backends, one module per registry name.

``seed``, ``linear``, ``numba``, ``numba-sinc``, ``soxr`` and ``samplerate``;
shared parts: :mod:`.interpolator` (exact-phase interpolators), :mod:`.library`
(adapters of libraries that buffer internally) and the Numba kernels. Nothing
here is imported until the registry loads a backend.
"""
