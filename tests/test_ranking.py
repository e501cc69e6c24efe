"""The ranking rule: quality is SNR, aliasing rejection and bandwidth together.

Checked on constructed points (the dominance rule itself) and on the committed
reference runs, where the old rule — speed against the SNR of one tone — put
``numba``, a linear interpolator with 2 dB of aliasing rejection, on the front.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.results import ranking
from harness.results.store import load_run

RESULTS = Path(__file__).resolve().parents[1] / "results"
REFERENCES = sorted(RESULTS.glob("*-reference"))
#: Variants without an anti-alias filter: linear interpolation, zero-order hold, cubic.
UNFILTERED = {
    "linear",
    "numba",
    "soxr:quality=QQ",
    "samplerate:converter=linear",
    "samplerate:converter=zero_order_hold",
}


# ------------------------------------------------------------ the dominance rule


def test_undominated_keeps_points_no_other_beats_on_every_axis():
    points = [
        [1.0, 100.0, 100.0, 90.0],  # slow, clean: on the front
        [9.0, 50.0, 2.0, 55.0],  # fastest, dirty: nothing is as fast, so on the front
        [2.0, 100.0, 100.0, 90.0],  # beats the first on speed, ties the rest
        [1.5, 90.0, 90.0, 80.0],  # beaten on all four by the row above
        [3.0, 120.0, 50.0, 95.0],  # best SNR and band, worse aliasing: on the front
    ]
    assert ranking.undominated(points).tolist() == [False, True, True, False, True]


@pytest.mark.parametrize("axis", range(4))
def test_being_better_on_any_one_axis_is_enough(axis):
    # A point worse than the leader on three axes but better on one is not dominated.
    leader = np.array([10.0, 10.0, 10.0, 10.0])
    other = leader - 1
    other[axis] = 11.0
    assert ranking.undominated([leader, other]).tolist() == [True, True]


def test_equal_points_do_not_dominate_each_other():
    assert ranking.undominated([[1.0, 2.0], [1.0, 2.0], [0.5, 2.0]]).tolist() == [
        True,
        True,
        False,
    ]


def test_nan_points_are_never_on_the_front_and_never_dominate():
    points = [[1.0, 1.0, 1.0], [math.nan, 9.0, 9.0], [2.0, 2.0, math.nan]]
    assert ranking.undominated(points).tolist() == [True, False, False]


def test_undominated_wants_rows_and_axes():
    with pytest.raises(ValueError, match="expected a 2-D array"):
        ranking.undominated([1.0, 2.0, 3.0])


# ---------------------------------------------------------- on the reference runs


@pytest.fixture(scope="module", params=[r.name for r in REFERENCES] or [None])
def reference(request) -> pd.DataFrame:
    if request.param is None:
        pytest.skip("no committed reference run under results/")
    df, _ = load_run(request.param, RESULTS)
    return df


def test_variants_without_an_anti_alias_filter_are_not_on_the_front(reference):
    table = ranking.ranking_table(reference)
    present = UNFILTERED & set(table.index)
    assert {"linear", "numba"} <= present
    assert not table.loc[sorted(present), "front"].any()
    assert not table.loc[sorted(present), "candidate"].any()
    # numba is the fastest variant of the run: speed alone would keep it on the front.
    assert table[ranking.SPEED].idxmax() == "numba"


def test_the_front_holds_undominated_filtering_variants_only(reference):
    table = ranking.ranking_table(reference)
    front = table[table["front"]]
    assert len(front) >= 2
    assert front["candidate"].all() and not front["baseline"].any()
    axes = [ranking.SPEED, *ranking.QUALITY]
    # No member of the front dominates another.
    for a in front.index:
        for b in front.index.drop(a):
            at_least = (front.loc[a, axes] >= front.loc[b, axes]).all()
            better = (front.loc[a, axes] > front.loc[b, axes]).any()
            assert not (at_least and better), (a, b)
    # Every candidate left off is dominated by a member of the front.
    for variant in table.index[table["candidate"] & ~table["front"]]:
        beaten = (front[axes] >= table.loc[variant, axes]).all(axis=1)
        assert beaten.any(), variant
    assert ranking.front_variants(reference) == front.index.tolist()


def _dominant_copy(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of soxr VHQ as a new variant at least as good as anything on every axis."""
    rows = df[df["variant"] == "soxr:quality=VHQ"].copy()
    rows["variant"] = "soxr:quality=VHQ,fake=better"
    table = ranking.ranking_table(df)
    best = {metric: table[axis].max() + 1.0 for axis, (metric, _) in ranking.QUALITY.items()}
    best[ranking.speed_metric(df)] = table[ranking.SPEED].max() * 2
    for metric, value in best.items():
        metrics = [metric] if isinstance(metric, str) else list(metric)
        rows.loc[rows["metric"].isin(metrics), "value"] = value
    return pd.concat([df, rows], ignore_index=True)


def test_a_variant_dominating_on_all_axes_is_the_whole_front(reference):
    table = ranking.ranking_table(_dominant_copy(reference))
    assert table.index[table["front"]].tolist() == ["soxr:quality=VHQ,fake=better"]


def test_missing_measurements_keep_a_variant_off_the_front(reference):
    no_bandwidth = reference[
        ~(
            (reference["variant"] == "soxr:quality=VHQ")
            & (reference["metric"] == "bandwidth_3db_pct")
        )
    ]
    table = ranking.ranking_table(no_bandwidth)
    assert math.isnan(table.loc["soxr:quality=VHQ", "band %"])
    assert not table.loc["soxr:quality=VHQ", "front"]
    assert table["front"].any()
