"""The shipped conformance kit over every peer variant, through the registry.

Each backend is named by its registry spec, so the entry points of this
distribution are what is tested. The kit picks the checks by the declared
capabilities (one-shot backends get the one-shot cases); a ``*-raw``
baseline's declared breaks are strict expected failures.

Rate pairs: each backend's default variant and each raw baseline get all of
``CONTRACT_RATE_PAIRS``; the other option values (resampy ``kaiser_fast``,
pedalboard's other qualities) share the adapter's code with the default and
differ only inside the library, so they get three pairs, one per kind of
ratio (whole-number up, fractional up, fractional down), and the two slowest
sinc qualities one fractional pair.
"""

from __future__ import annotations

from importlib import metadata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import backends
from backends.testing import check_chunk_invariance, check_length, parametrize_with_checks

#: The registry names this distribution adds.
PEERS = (
    "scipy",
    "scipy-raw",
    "resampy",
    "resampy-raw",
    "pedalboard",
    "pedalboard-raw",
    "pyav",
    "pyav-raw",
)
FEW_PAIRS = ((8000, 48000), (44100, 48000), (48000, 22050))
#: pedalboard's long sinc filters run at about 0.4 and 0.8 MS/s.
SLOWEST = ("pedalboard:quality=WindowedSinc256", "pedalboard:quality=WindowedSinc128")
SLOWEST_PAIRS = ((44100, 48000),)


def _variants() -> tuple[list[backends.Variant], list[backends.Variant]]:
    """(default variants, other option values) of every peer backend."""
    infos = {i.name: i for i in backends.available_backends() if i.name in PEERS}
    defaults, others = [], []
    for name in PEERS:
        first, *rest = infos[name].variants()
        defaults.append(first)
        others += rest
    return defaults, others


DEFAULTS, OTHERS = _variants()


def test_every_peer_is_registered_through_the_entry_point_group():
    infos = {i.name: i for i in backends.available_backends()}
    for name in PEERS:
        info = infos[name]
        assert info.available, info.reason
        assert info.source.startswith("entry point resampler_peers."), info.source
        assert info.baseline == name.endswith("-raw")


@pytest.mark.parametrize(
    ("name", "library"),
    [(p, p.removesuffix("-raw").replace("pyav", "av")) for p in PEERS],
)
def test_each_peer_reports_the_version_of_the_library_it_adapts(name, library):
    info = next(i for i in backends.available_backends() if i.name == name)
    assert info.version == metadata.version(library)


@parametrize_with_checks(DEFAULTS)
def test_default_variants(check):
    check()


@parametrize_with_checks([v for v in OTHERS if v.spec not in SLOWEST], rate_pairs=FEW_PAIRS)
def test_other_option_values(check):
    check()


@parametrize_with_checks([v for v in OTHERS if v.spec in SLOWEST], rate_pairs=SLOWEST_PAIRS)
def test_slowest_option_values(check):
    check()


# -- random rates, lengths and chunkings ---------------------------------------------------


@st.composite
def _rates(draw) -> tuple[int, int]:
    """Audio rates from 1 to 192 kHz, ratio within 16 either way, often coprime."""
    in_rate = draw(st.integers(1000, 192000))
    return in_rate, draw(st.integers(max(1000, -(-in_rate // 16)), min(192000, in_rate * 16)))


@st.composite
def _sizes(draw, n: int) -> list[int]:
    sizes, total = [], 0
    while total < n:
        sizes.append(draw(st.integers(1, min(2048, n - total))))
        total += sizes[-1]
    return sizes or [0]


@pytest.mark.parametrize("name", ["scipy", "resampy", "pedalboard", "pyav"])
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
@given(data=st.data())
def test_property_length_and_chunk_invariance_at_any_rates(name, data):
    """The adapters' fixes hold at rates the kit does not list (one-shot: one call)."""
    in_rate, out_rate = data.draw(_rates(), label="rates")
    channels = data.draw(st.integers(1, 3), label="channels")
    n = data.draw(st.integers(0, 5000), label="frames")

    def make(**kwargs):
        return backends.create(name, **kwargs)

    caps = make(in_rate=in_rate, out_rate=out_rate).capabilities
    sizes = data.draw(_sizes(n), label="sizes") if caps.streaming else [n]
    schedules = {"drawn": sizes}
    check_length(make, in_rate, out_rate, channels, n=n, schedules=schedules)
    check_chunk_invariance(
        make, in_rate, out_rate, channels, n=n, schedules=schedules, exact=caps.bit_exact
    )
