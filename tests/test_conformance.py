"""The conformance suite: every contract item, for every registered backend variant.

A new backend is done when this file passes for it. The checks themselves are
in ``conformance.py``; ``test_conformance_catches.py`` proves they catch the
breakage they are for.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import backends

import conformance as cf
from variants import expect_violation, variant_params

#: Up and down, whole-number and awkward ratios, the TTS path and 44.1 <-> 48 kHz.
#: Whole-number ratios 2, 3, 4, 6 and 12: a float step of 1/3 or 1/6 is not
#: exact, which is where libsamplerate's linear converters once lost frames.
RATE_PAIRS = [
    (8000, 16000),
    (16000, 8000),
    (16000, 48000),
    (12000, 48000),
    (8000, 48000),
    (48000, 8000),
    (22050, 48000),
    (48000, 22050),
    (44100, 48000),
    (48000, 44100),
    (16000, 44100),
    (44100, 16000),
    (8000, 96000),
    (96000, 8000),
]
RATES = pytest.mark.parametrize(("in_rate", "out_rate"), RATE_PAIRS, ids=lambda r: str(r))
VARIANTS = pytest.mark.parametrize("variant", variant_params())


@VARIANTS
@RATES
@pytest.mark.parametrize("channels", [1, 2])
def test_length_rule(request, variant, in_rate, out_rate, channels):
    expect_violation(request, variant, "length", in_rate, out_rate)
    cf.check_length_rule(variant.make, in_rate, out_rate, channels)


@VARIANTS
@RATES
@pytest.mark.parametrize("channels", [1, 2])
def test_chunk_invariance(request, variant, in_rate, out_rate, channels):
    expect_violation(request, variant, "chunk_invariance", in_rate, out_rate)
    # The built-in backends are deterministic in the chunking: hold them to the bit.
    exact = variant.info.source == "builtin"
    cf.check_chunk_invariance(variant.make, in_rate, out_rate, channels, exact=exact)


@VARIANTS
@RATES
def test_time_alignment(variant, in_rate, out_rate):
    cf.check_time_alignment(variant.make, in_rate, out_rate)


@VARIANTS
@pytest.mark.parametrize(("in_rate", "out_rate"), [(22050, 48000), (48000, 16000)])
def test_layout(variant, in_rate, out_rate):
    cf.check_layout(variant.make, in_rate, out_rate)


INPUT_DTYPES = [
    "uint8",
    "int8",
    "int16",
    ">i2",
    "int32",
    ">i4",
    "float16",
    "float32",
    ">f4",
    "float64",
]


@VARIANTS
@pytest.mark.parametrize("in_dtype", INPUT_DTYPES)
@pytest.mark.parametrize("out_dtype", ["float32", "float64"])
def test_input_dtype(variant, in_dtype, out_dtype):
    cf.check_dtype(variant.make, 22050, 48000, in_dtype, out_dtype)


@VARIANTS
@pytest.mark.parametrize("dtype", cf.UNSUPPORTED_DTYPES)
def test_rejects_unsupported_dtype(variant, dtype):
    cf.check_rejects_dtype(variant.make, 22050, 48000, dtype)


@VARIANTS
def test_rejects_bad_input_and_keeps_state(variant):
    cf.check_rejects_bad_input(variant.make, 44100, 48000)


@VARIANTS
def test_flush_then_reset(variant):
    cf.check_flush_and_reset(variant.make, 22050, 48000)


@VARIANTS
@pytest.mark.parametrize(
    ("in_rate", "out_rate"),
    [
        (0, 48000),
        (-8000, 48000),
        (22050.5, 48000),
        ("22050", 48000),
        (True, 48000),
        (48000, 0),
        (8000, 8000 * 257),
        (8000 * 257, 8000),
        (44100.0, 48000),
    ],
)
def test_rejects_bad_rates(variant, in_rate, out_rate):
    with pytest.raises(ValueError) as info:
        variant.make(in_rate=in_rate, out_rate=out_rate)
    message = str(info.value)
    if message.startswith("out_rate/in_rate"):
        assert f"{out_rate}/{in_rate}" in message and "[1/256, 256]" in message
    else:
        bad, label = (
            (in_rate, "in_rate") if message.startswith("in_rate") else (out_rate, "out_rate")
        )
        assert message.startswith(f"{label}: expected a positive integer") and repr(bad) in message


@VARIANTS
@pytest.mark.parametrize(("in_rate", "out_rate"), [(8000, 8000 * 256), (8000 * 256, 8000)])
def test_extreme_ratios_accepted(request, variant, in_rate, out_rate):
    expect_violation(request, variant, "length", in_rate, out_rate)
    n = 4096 if in_rate < out_rate else 256 * 64
    schedules = {
        s: cf.schedule(s, n, in_rate=in_rate, out_rate=out_rate)
        for s in ("1-frame", "random-1-4096")
    }
    cf.check_length_rule(variant.make, in_rate, out_rate, 1, n=n, schedules=schedules)


@VARIANTS
def test_rejects_unknown_option_and_bad_dtype(variant):
    with pytest.raises(TypeError, match=r"unknown option.*bogus.*valid options"):
        variant.make(in_rate=22050, out_rate=48000, bogus="1")
    with pytest.raises(TypeError, match=r"dtype: expected one of float32, float64, got 'int16'"):
        variant.make(in_rate=22050, out_rate=48000, dtype="int16")
    with pytest.raises(ValueError, match="channels: expected a positive integer, got 0"):
        variant.make(in_rate=22050, out_rate=48000, channels=0)


@VARIANTS
def test_zero_and_one_frame_blocks(variant):
    stream = variant.make(in_rate=22050, out_rate=48000, channels=2)
    assert stream.process(np.zeros((0, 2), np.float32)).shape[1:] == (2,)
    assert stream.process(np.ones((1, 2), np.int16)).shape[1:] == (2,)
    assert stream.process(np.zeros((0, 2)), last=True).shape[1:] == (2,)
    assert stream.frames_out == backends.expected_length(1, 22050, 48000) == 2
    empty = variant.make(in_rate=22050, out_rate=48000)
    assert empty.process(np.zeros(0), last=True).shape == (0,)


@VARIANTS
def test_latency_is_an_int_and_reported_bound_is_reached(request, variant):
    """The reported latency is a bound, and a 1-frame feed gets close to it.

    ``probe_hold_back`` may exceed the exact maximum by up to its step size
    (``c * L / M`` frames), so "close" allows that much.
    """
    expect_violation(request, variant, "length", 22050, 48000)
    stream = variant.make(in_rate=22050, out_rate=48000)
    assert isinstance(stream.latency, int) and stream.latency >= 0
    worst = 0
    x = np.zeros(1, np.float32)
    for _ in range(20000):
        stream.process(x)
        worst = max(worst, stream.expected_length(stream.frames_in) - stream.frames_out)
    assert worst <= stream.latency
    assert worst >= stream.latency - 0.02 * stream.latency - 3


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
#: (Any ratio of rates in the MHz is left out: numba-sinc designs one filter
#: phase per output position of a period, ``out_rate / gcd`` of them.)
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


@pytest.mark.parametrize("variant", variant_params(baselines=False))
@given(data=st.data())
def test_property_length_and_chunk_invariance(variant, data):
    """Random rates, channels, input dtypes, lengths and chunkings.

    (Baselines are left out: their strict expected failures are above.)
    """
    in_rate, out_rate = data.draw(rate_pairs, label="rates")
    channels = data.draw(st.integers(1, 3), label="channels")
    n = data.draw(st.integers(0, 5000), label="frames")
    sizes = data.draw(block_sizes(n), label="sizes") if n else [0]
    in_dtype = data.draw(st.sampled_from(backends.SUPPORTED_INPUT_DTYPES), label="dtype")
    drawn = {"drawn": sizes}
    cf.check_length_rule(
        variant.make, in_rate, out_rate, channels, n=n, schedules=drawn, in_dtype=in_dtype
    )
    cf.check_chunk_invariance(
        variant.make,
        in_rate,
        out_rate,
        channels,
        n=n,
        schedules=drawn,
        exact=True,
        in_dtype=in_dtype,
    )
