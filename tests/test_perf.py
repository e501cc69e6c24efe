"""``harness.measuring.perf`` and the benchmark suite: structure and consistency, never speed.

Sizes are tiny, so the figures are noise; the tests check what the rows say
about each other (ratios against their own references), which holds at any
speed.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

import backends
from backends.builtin.linear import LinearResampler
from harness import cli
from harness.measuring import perf
from harness.measuring.settings import capabilities_of, select_variants
from harness.results.store import COLUMNS, open_run
from harness.views import perf_tables

ROOT = Path(__file__).resolve().parent.parent
TINY = perf.PerfSettings(
    oneshot_seconds=0.05,
    repeats=1,
    calls=20,
    thread_seconds=0.05,
    thread_min_run_s=0.005,
    matrix_seconds=0.02,
)


def values(rows: list[dict], metric: str, **where) -> dict[str, float]:
    return {
        r["variant"]: r["value"]
        for r in rows
        if r["metric"] == metric and all(r.get(k) == v for k, v in where.items())
    }


@pytest.fixture(scope="module")
def variants() -> list[backends.Variant]:
    return select_variants()


@pytest.fixture(scope="module")
def throughput(variants) -> list[dict]:
    return perf.throughput_vs_copy(variants, seconds=TINY.oneshot_seconds, repeats=1)


def test_rows_are_results_store_rows(throughput):
    assert all(set(r) <= set(COLUMNS) for r in throughput)
    assert {r["check"] for r in throughput} == {"perf:throughput"}
    assert {(r["in_rate"], r["out_rate"], r["channels"]) for r in throughput} == {(44100, 48000, 1)}


def test_throughput_has_a_row_per_variant_and_the_copy(throughput, variants):
    specs = [t.spec for t in variants]
    assert list(values(throughput, "into_msps")) == specs
    assert list(values(throughput, "process_msps")) == specs
    assert list(values(throughput, "copy_msps")) == ["np.copyto"]
    assert any(t.name == "seed" for t in variants), "the seed baseline is measured too"


def test_throughput_percentages_are_against_the_copy_of_the_same_run(throughput):
    copy = values(throughput, "copy_msps")["np.copyto"]
    into, pct = values(throughput, "into_msps"), values(throughput, "into_pct_of_copy")
    process = values(throughput, "process_msps")
    process_pct = values(throughput, "process_pct_of_copy")
    assert copy > 0
    for spec, rate in into.items():
        assert rate > 0 and process[spec] > 0
        assert pct[spec] == pytest.approx(100 * rate / copy)
        assert process_pct[spec] == pytest.approx(100 * process[spec] / copy)


def test_throughput_ratios_to_soxr_are_consistent(throughput):
    into = values(throughput, "into_msps")
    qq, hq = values(throughput, "ratio_to_soxr_qq"), values(throughput, "ratio_to_soxr_hq")
    if "soxr:quality=QQ" not in into or "soxr:quality=HQ" not in into:
        pytest.skip("soxr is not installed")
    assert qq["soxr:quality=QQ"] == pytest.approx(1.0)
    assert hq["soxr:quality=HQ"] == pytest.approx(1.0)
    for spec, rate in into.items():
        assert qq[spec] > 0 and hq[spec] > 0
        # Both ratios share the numerator: their quotient is HQ's rate over QQ's.
        assert qq[spec] / hq[spec] == pytest.approx(
            into["soxr:quality=HQ"] / into["soxr:quality=QQ"]
        )
        assert hq[spec] == pytest.approx(rate / into["soxr:quality=HQ"])


def test_per_call_overhead_has_a_row_per_variant_with_ordered_quantiles(variants):
    rows = perf.call_overhead(variants, calls=TINY.calls)
    # One-shot-only variants take no device-sized calls.
    specs = [t.spec for t in variants if capabilities_of(t).streaming]
    assert list(values(rows, "call_p50_us")) == specs
    calls = values(rows, "calls")
    p50, p99 = values(rows, "call_p50_us"), values(rows, "call_p99_us")
    f50, f99 = values(rows, "floor_p50_us"), values(rows, "floor_p99_us")
    ratio = values(rows, "call_over_floor_p50")
    for spec in specs:
        assert calls[spec] >= TINY.calls
        assert 0 < p50[spec] <= p99[spec]
        assert 0 < f50[spec] <= f99[spec]
        assert ratio[spec] == pytest.approx(p50[spec] / f50[spec])


class Spy(LinearResampler):
    """``linear`` that logs the input length of every call, per stream."""

    name = "perf-spy"
    log: ClassVar[list[tuple[int, int]]] = []
    streams = itertools.count()

    def _open(self):
        super()._open()
        # A serial number, not id(): a collected warm-up stream's id can be reused.
        self.serial = next(Spy.streams)

    def _process(self, x, out, *, last):
        Spy.log.append((self.serial, len(x)))
        return super()._process(x, out, last=last)


@pytest.fixture
def spy_target():
    backends.register("perf-spy", Spy)
    Spy.log.clear()
    yield backends.Variant("perf-spy")
    backends.unregister("perf-spy")


def test_call_floor_is_an_empty_call_on_the_measured_stream(spy_target):
    rows = perf.call_overhead([spy_target], calls=30)
    calls = int(values(rows, "calls")["perf-spy"])
    chunk = int(values(rows, "input_frames_per_call")["perf-spy"])
    assert chunk == -(-512 * perf.IN_RATE // perf.OUT_RATE)
    # The measured stream is the one with the most calls (the others are warm-ups).
    ids = [sid for sid, _ in Spy.log]
    measured = max(set(ids), key=ids.count)
    lengths = [n for sid, n in Spy.log if sid == measured]
    assert lengths[:calls] == [chunk] * calls
    assert lengths[calls:] == [0] * calls


def test_thread_scaling_gives_a_speedup_per_backend(variants):
    # Best of 2 runs of >= 10 ms: one preempted single-thread run would inflate the ratio.
    rows = perf.thread_scaling(variants, seconds=TINY.thread_seconds, repeats=2, min_run_s=0.01)
    names = list(dict.fromkeys(t.name for t in variants))
    speedup = values(rows, "speedup")
    assert [spec.split(":")[0] for spec in speedup] == names
    one, two = values(rows, "t_one_s"), values(rows, "t_two_s")
    control = values(rows, "control_speedup")
    for spec, s in speedup.items():
        assert s == pytest.approx(2 * one[spec] / two[spec])
        assert control[spec] > 0
        assert values(rows, "passes")[spec] >= 1


def test_gil_verdict_reads_the_speedup_against_the_control():
    assert perf_tables.gil_verdict(1.9, 1.95) == "yes"
    assert perf_tables.gil_verdict(1.0, 1.95) == "no"
    assert perf_tables.gil_verdict(1.4, 1.95) == "partly"
    assert perf_tables.gil_verdict(1.0, 1.1).startswith("inconclusive")


@pytest.mark.parametrize("channels", [1, 2])
def test_cached_arange_linear_is_bit_identical_to_linear(channels):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((20_000, channels)).astype(np.float32)
    plain = LinearResampler(in_rate=22050, out_rate=48000, channels=channels)
    cached = perf.CachedArangeLinear(in_rate=22050, out_rate=48000, channels=channels)
    # Irregular blocks, growing past the cache and shrinking again.
    cuts = np.cumsum(rng.integers(0, 3000, 40))
    cuts = np.unique(np.clip(cuts, 0, len(x)))
    got, want = [], []
    for block in np.split(x, cuts):
        got.append(cached.process(block))
        want.append(plain.process(block))
    got.append(cached.process(x[:0], last=True))
    want.append(plain.process(x[:0], last=True))
    np.testing.assert_array_equal(np.concatenate(got), np.concatenate(want))
    assert cached.frames_out == plain.frames_out == plain.expected_length(len(x))


def test_caching_claim_reports_identity_and_consistent_savings():
    rows = perf.caching_claim(seconds=0.1, calls=40, repeats=1)
    cached = perf.CachedArangeLinear.name
    assert values(rows, "bit_identical") == {cached: 1.0}
    p50 = values(rows, "stream_call_p50_us")
    assert set(p50) == {"linear", cached}
    saving = values(rows, "stream_saving_pct")[cached]
    assert saving == pytest.approx(100 * (1 - p50[cached] / p50["linear"]))
    msps = values(rows, "oneshot_msps")
    oneshot = values(rows, "oneshot_saving_pct")[cached]
    assert oneshot == pytest.approx(100 * (1 - msps["linear"] / msps[cached]))


def test_caching_verdict_judges_the_claim_by_the_saving():
    def frame(stream: float, oneshot: float) -> pd.DataFrame:
        name = perf.CachedArangeLinear.name
        return pd.DataFrame(
            [
                perf._row("caching", name, "stream_saving_pct", stream, "%"),
                perf._row("caching", name, "oneshot_saving_pct", oneshot, "%"),
                perf._row("caching", name, "bit_identical", 1.0, "bool"),
            ]
        )

    text = perf_tables.caching_verdict(frame(15.0, 2.0), seconds=60)
    assert "+15.0 %" in text and "+2.0 %" in text
    assert "true for 512-frame streaming" in text and "false for 60 s one shot" in text
    assert "false for 512" in perf_tables.caching_verdict(frame(-3.0, 12.0))


def test_collect_and_main(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(perf, "QUICK", TINY)
    chosen = ["linear", "soxr:quality=QQ", "soxr:quality=HQ"]
    available = {i.name for i in backends.available_backends() if i.available}
    chosen = [spec for spec in chosen if spec.split(":")[0] in available]
    out = tmp_path / "runs"
    argv = ["perf", "--quick", "--backends", ",".join(chosen), "--out", str(out), "--label", "p"]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    run = open_run("latest", out)  # saved through the results store, with provenance
    assert run.meta["kind"] == "perf" and run.meta["git"] and run.meta["packages"]["numpy"]
    frame = run.measurements
    assert {f"perf:{s}" for s in perf.SECTIONS} - {"perf:creation"} == set(frame["check"])
    for title in (
        "Throughput vs memory copy",
        "Per-call overhead",
        "Thread scaling",
        "caching",
        "Rate matrix",
        "One-shot path",
    ):
        assert title in printed
    assert "10–20 % claim is" in printed
    assert cli.main(["show", run.meta["run_id"], "--out", str(out)]) == 0  # the same tables
    assert "Rate matrix" in capsys.readouterr().out
    console = Console(width=80, record=True)
    for item in perf_tables.render(frame, seconds=TINY.oneshot_seconds):
        console.print(item)
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines()) and "…" not in text


def test_matrix_rows_are_ratios_to_soxr_and_the_copy_measured_alongside():
    specs = [backends.Variant.parse(s).resolved() for s in ("numba-sinc", "soxr")]
    pairs = [(8000, 16000), (48000, 44100)]
    rows = perf.matrix_throughput(specs, pairs=pairs, seconds=0.02, repeats=1)
    for a, b in pairs:
        for scenario in ("oneshot", "streaming"):
            at = {"in_rate": a, "out_rate": b, "schedule": scenario}
            msps = values(rows, "msps", **at)
            copy = values(rows, "copy_msps", **at)["np.copyto"]
            hq = values(rows, "ratio_to_soxr_hq", **at)
            assert set(msps) == {str(s) for s in specs}
            assert hq["soxr:quality=HQ"] == pytest.approx(1.0)
            for spec, rate in msps.items():
                assert hq[spec] == pytest.approx(rate / msps["soxr:quality=HQ"])
                assert values(rows, "ratio_to_copy", **at)[spec] == pytest.approx(rate / copy)


def test_creation_and_oneshot_rows():
    sinc = backends.Variant.parse("numba-sinc").resolved()
    rows = perf.creation_cost([sinc], repeats=1)
    assert {(r["in_rate"], r["out_rate"]) for r in rows} == set(perf.EXTREME_PAIRS)
    assert {r["metric"] for r in rows} == {"create_ms", "peak_mb"}
    rows = perf.oneshot_overhead([backends.Variant("linear")], seconds=0.05, repeats=1)
    got = values(rows, "ratio")["linear"]
    resample, process = (
        values(rows, "resample_msps")["linear"],
        values(rows, "process_msps")["linear"],
    )
    assert got == pytest.approx(resample / process)


def test_main_rejects_a_bad_length():
    with pytest.raises(SystemExit) as exc:
        cli.main(["perf", "--seconds", "0"])
    assert exc.value.code == 2


@pytest.mark.slow
def test_benchmark_suite_runs_once_per_benchmark():
    """``pytest benchmarks --benchmark-disable`` runs (and checks) every benchmark once."""
    env = {**os.environ, "BENCH_SECONDS": "1"}
    env.pop("BENCH_FULL", None)
    command = [sys.executable, "-m", "pytest", "benchmarks", "--benchmark-disable", "-q"]
    done = subprocess.run(
        [*command, "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_matrix_tables_without_soxr_say_what_the_ratio_is_to_and_skip_what_was_not_run():
    """No soxr in the run: ratios to the memory copy, named so; a one-shot-only variant
    gets no streaming column; a slowest pair is a figure, never inf."""

    class OneShotLinear(LinearResampler):
        name = "perf-one-shot"
        summary = "test fake"
        CAPABILITIES = backends.Capabilities(streaming=False)

    backends.register(OneShotLinear.name, OneShotLinear, replace=True)
    try:
        specs = [backends.Variant("linear"), backends.Variant(OneShotLinear.name)]
        rows = perf.matrix_throughput(specs, pairs=[(8000, 16000)], seconds=0.02, repeats=1)
    finally:
        backends.unregister(OneShotLinear.name)
    frame = pd.DataFrame(rows)
    console = Console(width=80, record=True)
    for item in perf_tables.render(frame):
        console.print(item)
    text = console.export_text()
    assert "Speed as a ratio to a memory copy" in text and "soxr" not in text
    one_shot, streaming = text.split("512-frame calls", 1)
    assert "perf-one-shot" in one_shot and "perf-one-shot" not in streaming
    assert "inf" not in text
