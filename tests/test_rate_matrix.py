"""The rate-matrix study: the rows it measures and the ratios it reports (no timing asserted)."""

from __future__ import annotations

import pandas as pd
import pytest

from harness.measuring import rate_matrix

pytest.importorskip("numba", reason="numba-sinc needs numba")


def test_matrix_is_every_ordered_pair_of_the_common_rates():
    pairs = rate_matrix.MATRIX_PAIRS
    assert len(pairs) == len(set(pairs)) == 56
    assert all(a != b and {a, b} <= set(rate_matrix.COMMON_RATES) for a, b in pairs)


def test_throughput_rows_cover_each_spec_pair_and_scenario():
    specs = ["numba-sinc:quality=fast", "linear"]
    pairs = [(8000, 16000), (48000, 44100)]
    rows = rate_matrix.matrix_throughput(specs, pairs=pairs, seconds=0.05, repeats=1)
    got = {(r["spec"], r["in_rate"], r["out_rate"], r["scenario"]) for r in rows}
    want = {(s, a, b, sc) for s in specs for a, b in pairs for sc in ("oneshot", "streaming")}
    assert got == want and len(rows) == len(want)
    assert all(r["msps"] > 0 for r in rows)


def test_quality_rows_hold_the_four_figures():
    rows = rate_matrix.matrix_quality(["numba-sinc:quality=hq"], pairs=[(48000, 16000)], seconds=1)
    assert len(rows) == 1
    row = rows[0]
    assert row["latency_frames"] > 0 and row["bandwidth_pct"] > 90
    assert row["snr_db"] > 140 and row["rejection_db"] > 160


def test_table_divides_each_variant_by_its_reference():
    speed = pd.DataFrame(
        [
            {"spec": s, "in_rate": 8000, "out_rate": 16000, "scenario": sc, "msps": v}
            for s, sc, v in [
                ("mine", "oneshot", 30.0),
                ("ref", "oneshot", 60.0),
                ("mine", "streaming", 20.0),
                ("ref", "streaming", 10.0),
            ]
        ]
    )
    figures = {"snr_db": 1.0, "rejection_db": 2.0, "bandwidth_pct": 3.0, "latency_frames": 4.0}
    qual = pd.DataFrame(
        [{"spec": s, "in_rate": 8000, "out_rate": 16000, **figures} for s in ("mine", "ref")]
    )
    table = rate_matrix.matrix_table(speed, qual, {"mine": "ref"})
    row = table.iloc[0]
    assert (row["oneshot_x"], row["stream_x"], row["ref_oneshot_msps"]) == (0.5, 2.0, 60.0)
    assert (row["snr"], row["ref_lat"]) == (1.0, 4.0)
