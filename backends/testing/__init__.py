"""The conformance kit: check any backend against the ``Resampler`` contract.

In the spirit of scikit-learn's ``check_estimator`` / ``parametrize_with_checks``,
it ships with the package, so a plugin author needs only ``pip install
resampler-suite`` (and pytest for the pytest helper)::

    from backends.testing import check_backend, parametrize_with_checks

    check_backend(MyResampler)            # a class, a registry name, a spec or a Variant

    @parametrize_with_checks(["mybackend", "mybackend:quality=fast"])
    def test_conformance(check):          # one pytest test per check
        check()

A failing check raises :class:`ConformanceError` naming the contract item and
the evidence. The checks (:mod:`.checks`), the feeding schedules
(:mod:`.schedules`) and the test signals (:mod:`.signals`) are public, and the
harness measures with the same ones.
"""

from .checks import (
    ALIGNMENT_TOLERANCE,
    CHUNK_ATOL,
    N_FRAMES,
    UNSUPPORTED_DTYPES,
    ConformanceError,
    check_chunk_invariance,
    check_length,
    check_time_alignment,
)
from .schedules import SCHEDULES, block_sizes, schedule, stream_through
from .signals import PCM_SCALES, centroid, hann_pulse, noise, pcm_signal
from .suite import (
    CONTRACT_RATE_PAIRS,
    Case,
    Subject,
    all_variants,
    cases,
    check_backend,
    parametrize_with_checks,
)

__all__ = [
    "ALIGNMENT_TOLERANCE",
    "CHUNK_ATOL",
    "CONTRACT_RATE_PAIRS",
    "N_FRAMES",
    "PCM_SCALES",
    "SCHEDULES",
    "UNSUPPORTED_DTYPES",
    "Case",
    "ConformanceError",
    "Subject",
    "all_variants",
    "block_sizes",
    "cases",
    "centroid",
    "check_backend",
    "check_chunk_invariance",
    "check_length",
    "check_time_alignment",
    "hann_pulse",
    "noise",
    "parametrize_with_checks",
    "pcm_signal",
    "schedule",
    "stream_through",
]
