"""The length rule: integer round-half-up, never a float."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends import expected_length


@pytest.mark.parametrize(
    ("n", "in_rate", "out_rate", "want"),
    [
        (1001, 22050, 48000, 2179),
        (22050, 48000, 44100, 20258),
        (5, 48000, 24000, 3),  # 2.5 rounds up
        (50000, 48000, 44100, 45938),  # 45937.5 rounds up (soxr gives 45937)
        (0, 44100, 48000, 0),
        (1, 48000, 8000, 0),  # 1/6 rounds down
        (3, 48000, 8000, 1),  # 0.5 rounds up
        (180 * 22050, 22050, 48000, 180 * 48000),
    ],
)
def test_examples(n, in_rate, out_rate, want):
    assert expected_length(n, in_rate, out_rate) == want


@given(
    n=st.integers(0, 10**15),
    in_rate=st.integers(1, 10**6),
    out_rate=st.integers(1, 10**6),
)
def test_matches_exact_rational_round_half_up(n, in_rate, out_rate):
    exact = Fraction(n * out_rate, in_rate)
    want = int(exact + Fraction(1, 2)) if exact >= 0 else None  # floor(x + 1/2)
    assert expected_length(n, in_rate, out_rate) == want


def test_rounds_half_up_where_python_round_goes_to_even():
    """``round()`` on a float rounds exact halves to even; the rule rounds them up."""
    n, in_rate, out_rate = 10**15 + 1, 2, 1  # n / 2 = 5e14 + 0.5 exactly
    assert expected_length(n, in_rate, out_rate) == 5 * 10**14 + 1
    assert round(n * (out_rate / in_rate)) == 5 * 10**14


@pytest.mark.parametrize(("args", "words"), [((-1, 8000, 16000), "n_in"), ((1, 0, 8000), "rates")])
def test_rejects_bad_arguments(args, words):
    with pytest.raises(ValueError, match=words):
        expected_length(*args)
