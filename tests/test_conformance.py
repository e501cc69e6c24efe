"""The conformance suite: the shipped kit over every registered backend variant.

A new backend is done when these pass for it (entry-point backends are picked
up automatically), except the peers plugin's: ``peers/tests`` runs the same
kit over them with rate pairs chosen for their slow filters. The checks live
in :mod:`backends.testing`;
``test_conformance_catches.py`` proves each catches the breakage it is for.
Hypothesis adds random rates, channel counts, input dtypes and chunkings.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import backends
from backends import HotSwapResampler
from backends.testing import (
    Subject,
    all_variants,
    check_chunk_invariance,
    check_length,
    parametrize_with_checks,
)


def _variants(*, baselines: bool = True) -> list[backends.Variant]:
    """Every available variant but the peers plugin's (checked in ``peers/tests``)."""
    return [
        v
        for v in all_variants(baselines=baselines)
        if not backends.backend_class(v.name).__module__.startswith("resampler_peers.")
    ]


@parametrize_with_checks(_variants())
def test_contract(check):
    check()


def _swapping(start: str) -> Subject:
    return Subject(
        f"hotswap({start})",
        lambda **kw: HotSwapResampler(start, **kw),
        HotSwapResampler,
    )


@parametrize_with_checks([_swapping("soxr"), _swapping("numba-sinc")])
def test_the_swapping_stream_keeps_the_contract_between_swaps(check):
    """Without a swap it is its backend, contract and all (swaps: test_hotswap.py)."""
    check()


# -- property-based: random rates and schedules --------------------------------------------


@st.composite
def _any_ratio(draw, low: int, high: int) -> tuple[int, int]:
    """Both rates in ``[low, high]``, ratio within 16 either way, often coprime."""
    in_rate = draw(st.integers(low, high))
    return in_rate, draw(st.integers(max(low, -(-in_rate // 16)), min(high, in_rate * 16)))


@st.composite
def _simple_ratio(draw, *, whole: bool) -> tuple[int, int]:
    """``p:q`` with p, q <= 16 (``whole``: ``k:1`` or ``1:k``, k >= 2) on any base rate.

    The base goes up to 250 kHz, so rates reach 4 MHz while the reduced ratio,
    and with it the size of phase and filter tables, stays small.
    """
    base = draw(st.integers(1, 250_000))
    if whole:
        k = draw(st.integers(2, 16))
        p, q = draw(st.sampled_from([(k, 1), (1, k)]))
    else:
        p, q = draw(st.integers(1, 16)), draw(st.integers(1, 16))
    return base * q, base * p


#: Rate pairs for the properties: audio rates in any ratio, rates of a few Hz,
#: whole-number ratios up and down, and simple ratios of rates up to 4 MHz.
rate_pairs = st.one_of(
    _any_ratio(1000, 192000),
    _simple_ratio(whole=True),
    _any_ratio(1, 999),
    _simple_ratio(whole=False),
)


@st.composite
def block_sizes(draw, n):
    sizes, total = [], 0
    while total < n:
        k = draw(st.integers(1, min(4096, n - total)))
        sizes.append(k)
        total += k
    return sizes


@pytest.mark.parametrize("variant", _variants(baselines=False), ids=str)
@given(data=st.data())
def test_property_length_and_chunk_invariance(variant, data):
    """Random rates, channels, input dtypes, lengths and chunkings.

    (Baselines are left out: their strict expected failures are in the kit's cases.)
    """
    in_rate, out_rate = data.draw(rate_pairs, label="rates")
    channels = data.draw(st.integers(1, 3), label="channels")
    n = data.draw(st.integers(0, 5000), label="frames")
    sizes = data.draw(block_sizes(n), label="sizes") if n else [0]
    in_dtype = data.draw(st.sampled_from(backends.SUPPORTED_INPUT_DTYPES), label="dtype")
    drawn = {"drawn": sizes}

    def make(**kwargs):
        return backends.create(variant, **kwargs)

    exact = make(in_rate=in_rate, out_rate=out_rate).capabilities.bit_exact
    check_length(make, in_rate, out_rate, channels, n=n, schedules=drawn, in_dtype=in_dtype)
    check_chunk_invariance(
        make, in_rate, out_rate, channels, n=n, schedules=drawn, exact=exact, in_dtype=in_dtype
    )
