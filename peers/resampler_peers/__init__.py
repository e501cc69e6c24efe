"""The resamplers Python users pick instead, as resampler-suite backends.

A separate distribution (``resampler-suite-peers``) registering through the
``resampler_suite.backends`` entry-point group:

* ``scipy`` -- ``scipy.signal.resample_poly`` (one-shot);
* ``resampy`` -- ``resampy.resample``, ``kaiser_best`` / ``kaiser_fast`` (one-shot);
* ``pedalboard`` -- ``pedalboard.io.StreamResampler``, every quality (streaming);
* ``pyav`` -- FFmpeg swresample through ``av.AudioResampler`` (streaming).

Each adapter fixes what the library leaves wrong (see its module); each has
a ``*-raw`` reference baseline, the library out of the box, whose declared
contract breaks the conformance kit checks as strict expected failures.
Nothing is imported until the registry loads a backend, and each module
imports only its own library.
"""
