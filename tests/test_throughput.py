"""The throughput check: wall and CPU clocks, the copy reference, the recorded noise.

Assertions are on what is recorded and how the figures relate, never on how
fast anything ran.
"""

from __future__ import annotations

import numpy as np
import pytest

from backends import Variant
from harness.measuring.checks import throughput
from harness.measuring.runner import throughput_ratios
from harness.measuring.settings import QUICK, select_variants
from harness.results.gates import load_thresholds
from harness.results.store import Recorder

TINY = QUICK.with_(
    rate_pairs=((22050, 48000),),
    stream_pairs=((22050, 48000),),
    throughput_seconds=0.2,
    throughput_repeats=3,
)
SCENARIOS = {(1, "oneshot"), (1, "streaming"), (2, "oneshot"), (2, "streaming")}
#: One backend of each kind: NumPy, Numba kernels, a C library.
KINDS = [
    t
    for t in select_variants()
    if t.spec in ("linear", "numba", "soxr:quality=HQ", "samplerate:converter=sinc_fastest")
]


def _rows(variant: Variant) -> list[dict]:
    rec = Recorder(variant, "throughput", load_thresholds())
    throughput.run(variant, TINY, rec)
    return rec.rows


def _by_scenario(rows: list[dict], metric: str) -> dict[tuple, float]:
    return {(r["channels"], r["schedule"]): r["value"] for r in rows if r["metric"] == metric}


@pytest.mark.parametrize("variant", KINDS, ids=lambda t: t.spec)
def test_every_scenario_has_both_clocks_the_copy_and_the_noise(variant):
    rows = _rows(variant)
    metrics = (
        "msamples_per_s",
        "cpu_msamples_per_s",
        "cpu_spread_pct",
        "copy_msamples_per_s",
        "ratio_to_copy",
    )
    found = {m: _by_scenario(rows, m) for m in metrics}
    for metric, values in found.items():
        assert set(values) == SCENARIOS, metric
        assert all(np.isfinite(v) for v in values.values()), metric
    assert all(v > 0 for m in metrics if m != "cpu_spread_pct" for v in found[m].values())
    assert all(v >= 0 for v in found["cpu_spread_pct"].values())
    # The ratio is the CPU-clock figure over the copy's, measured alongside it.
    for scenario in SCENARIOS:
        cpu, copy = found["cpu_msamples_per_s"][scenario], found["copy_msamples_per_s"][scenario]
        assert found["ratio_to_copy"][scenario] == pytest.approx(cpu / copy)


def test_copies_are_timed_right_before_every_pass(monkeypatch):
    events = []
    copy, once = throughput._copy_seconds, throughput._once

    def timed_copy(*args):
        events.append("copy")
        return copy(*args)

    def timed_pass(*args):
        events.append("pass")
        return once(*args)

    monkeypatch.setattr(throughput, "_copy_seconds", timed_copy)
    monkeypatch.setattr(throughput, "_once", timed_pass)
    x = np.zeros((4410, 1), np.float32)
    timing = throughput.time_passes(
        Variant("linear"), x, 44100, 48000, scenario="oneshot", repeats=4
    )
    assert events == ["copy", "pass"] * 4
    assert len(timing.wall) == len(timing.cpu) == len(timing.copy) == 4


def test_spread_is_how_much_slower_the_median_pass_was():
    assert throughput.spread_pct(np.array([2.0, 1.0, 1.1])) == pytest.approx(10.0)
    assert throughput.spread_pct(np.array([1.0])) == 0.0
    assert throughput.spread_pct(np.array([3.0, 1.0, 3.0])) == pytest.approx(200.0)


def test_ratio_to_copy_uses_the_best_of_each():
    timing = throughput.Timing(
        wall=np.array([9.0, 9.0]), cpu=np.array([4.0, 5.0]), copy=np.array([2.0, 1.0])
    )
    assert timing.ratio_to_copy == pytest.approx(0.25)


def test_cpu_clock_figures_become_ratios_to_the_reference_of_the_same_run():
    linear, soxr = _rows(Variant("linear")), _rows(Variant.of("soxr", {"quality": "HQ"}))
    ratios = throughput_ratios(linear + soxr)
    assert {r["metric"] for r in ratios} == {"ratio_to_soxr_hq"}
    assert {(r["channels"], r["schedule"]) for r in ratios} == SCENARIOS
    cpu = {
        (r["variant"], r["channels"], r["schedule"]): r["value"]
        for r in linear + soxr
        if r["metric"] == "cpu_msamples_per_s"
    }
    for r in ratios:
        key = (r["channels"], r["schedule"])
        assert r["value"] == pytest.approx(
            cpu[(r["variant"], *key)] / cpu[("soxr:quality=HQ", *key)]
        )
    fallback = throughput_ratios(linear, Variant("linear"))  # soxr not installed
    assert {r["metric"] for r in fallback} == {"ratio_to_linear"}
    assert all(r["value"] == pytest.approx(1.0) for r in fallback)


def test_a_single_pass_records_no_spread():
    rec = Recorder(Variant("linear"), "throughput", load_thresholds())
    throughput.run(Variant("linear"), TINY.with_(throughput_repeats=1), rec)
    metrics = {r["metric"] for r in rec.rows}
    assert "cpu_msamples_per_s" in metrics and "cpu_spread_pct" not in metrics
