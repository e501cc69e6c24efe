"""Speed and quality over the matrix of common rate pairs, as ratios within one run.

``python -m harness.measuring.rate_matrix`` measures variants (default: numba-sinc hq
and vhq against soxr HQ and VHQ) at every ordered pair of the common rates and
prints one table: speed ratio one-shot and in 512-frame streaming, SNR,
aliasing rejection, -3 dB bandwidth and latency, each variant next to its
reference. Speed is the best of ``repeats`` rounds with every variant of a
pair run back to back in each round, so that a busy machine slows them alike;
only the ratios are meaningful. Quality comes from :mod:`harness.measuring.checks.quality`.

:func:`matrix_throughput`, :func:`matrix_quality` and :func:`creation_cost`
return tidy rows for the perf study to save.
"""

from __future__ import annotations

import argparse
import itertools
import time
import tracemalloc
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

import backends
from backends.testing import noise
from harness.measuring.checks import quality
from harness.measuring.settings import QUICK
from harness.results.gates import load_thresholds
from harness.results.store import Recorder

__all__ = [
    "COMMON_RATES",
    "MATRIX_PAIRS",
    "creation_cost",
    "main",
    "matrix_quality",
    "matrix_table",
    "matrix_throughput",
]

#: Telephony to high resolution; their ordered pairs are the matrix.
COMMON_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000)
MATRIX_PAIRS = tuple(itertools.permutations(COMMON_RATES, 2))
#: Input frames per call in the streaming scenario (a device pull).
STREAM_BLOCK = 512
#: Variant -> the reference it is compared with.
DEFAULT_PAIRS = {
    "numba-sinc:quality=hq": "soxr:quality=HQ",
    "numba-sinc:quality=vhq": "soxr:quality=VHQ",
}
_QUALITY_METRICS = {
    "snr_db": "snr_db",
    "aliasing_rejection_db": "rejection_db",
    "bandwidth_3db_pct": "bandwidth_pct",
    "latency_frames": "latency_frames",
}

Row = dict[str, Any]


def _target(spec: str) -> backends.Variant:
    return backends.Variant.parse(spec, source="spec")


def _seconds(stream: Any, x: np.ndarray, out: np.ndarray, scenario: str) -> float:
    t0 = time.perf_counter()
    if scenario == "oneshot":
        stream.process_into(x, out, last=True)
    else:
        for pos in range(0, len(x), STREAM_BLOCK):
            stream.process_into(x[pos : pos + STREAM_BLOCK], out)
    return time.perf_counter() - t0


def matrix_throughput(
    specs: Sequence[str],
    *,
    pairs: Sequence[tuple[int, int]] = MATRIX_PAIRS,
    seconds: float = 3.0,
    repeats: int = 3,
) -> list[Row]:
    """MS/s of input, mono float32, one-shot and in 512-frame calls, per pair.

    Returns
    -------
    list of dict
        ``spec, in_rate, out_rate, scenario, msps``; best of ``repeats`` rounds,
        the variants of a pair interleaved within each round.
    """
    rows = []
    for in_rate, out_rate in pairs:
        x = noise(round(seconds * in_rate), 1, seed=0).astype(np.float32)
        streams = {s: _target(s).create(in_rate=in_rate, out_rate=out_rate) for s in specs}
        cap = max(s.output_frames_max(len(x)) for s in streams.values())
        out = np.empty((cap, 1), np.float32)
        for stream in streams.values():
            stream.process_into(x[:4096], out, last=True)  # compile / load, probe latency
            _ = stream.latency
        for scenario in ("oneshot", "streaming"):
            best = dict.fromkeys(specs, np.inf)
            for _ in range(repeats):
                for spec, stream in streams.items():
                    stream.reset()
                    best[spec] = min(best[spec], _seconds(stream, x, out, scenario))
            rows += [
                {
                    "spec": spec,
                    "in_rate": in_rate,
                    "out_rate": out_rate,
                    "scenario": scenario,
                    "msps": len(x) / s / 1e6,
                }
                for spec, s in best.items()
            ]
    return rows


def matrix_quality(
    specs: Sequence[str],
    *,
    pairs: Sequence[tuple[int, int]] = MATRIX_PAIRS,
    seconds: int = 2,
) -> list[Row]:
    """SNR, aliasing rejection, -3 dB bandwidth and latency from the quality check.

    Returns
    -------
    list of dict
        ``spec, in_rate, out_rate, snr_db, rejection_db, bandwidth_pct, latency_frames``.
    """
    thresholds = load_thresholds()
    rows = []
    for spec in specs:
        variant = _target(spec)
        for pair in pairs:
            rec = Recorder(variant, "quality", thresholds)
            quality.run(variant, QUICK.with_(rate_pairs=(pair,), quality_seconds=seconds), rec)
            row: Row = {"spec": spec, "in_rate": pair[0], "out_rate": pair[1]}
            for r in rec.rows:
                if r["metric"] in _QUALITY_METRICS:
                    row[_QUALITY_METRICS[r["metric"]]] = r["value"]
            rows.append(row)
    return rows


def creation_cost(spec: str, in_rate: int, out_rate: int, *, repeats: int = 3) -> Row:
    """Milliseconds and peak traced MB to create a stream (kernels already loaded).

    Cached designs are cleared before each round, so each round designs anew.
    """
    from backends.builtin import sinc_design

    variant = _target(spec)
    variant.create(in_rate=44100, out_rate=48000).process(np.zeros(64, np.float32))
    best_ms, peak = np.inf, 0
    for _ in range(repeats):
        sinc_design.exact_table.cache_clear()
        sinc_design.grid_table.cache_clear()
        tracemalloc.start()
        t0 = time.perf_counter()
        variant.create(in_rate=in_rate, out_rate=out_rate)
        best_ms = min(best_ms, (time.perf_counter() - t0) * 1e3)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return {
        "spec": spec,
        "in_rate": in_rate,
        "out_rate": out_rate,
        "create_ms": best_ms,
        "peak_mb": peak / 2**20,
    }


def matrix_table(speed: pd.DataFrame, qual: pd.DataFrame, compare: dict[str, str]) -> pd.DataFrame:
    """One row per pair and variant: ratios to its reference and both quality figures."""
    wide = speed.pivot_table(
        index=["in_rate", "out_rate", "spec"], columns="scenario", values="msps"
    ).reset_index()
    q = qual.set_index(["in_rate", "out_rate", "spec"])
    rows = []
    for (a, b), group in wide.groupby(["in_rate", "out_rate"], sort=False):
        by = group.set_index("spec")
        for spec, ref in compare.items():
            mine, theirs = q.loc[(a, b, spec)], q.loc[(a, b, ref)]
            rows.append(
                {
                    "pair": f"{a}>{b}",
                    "variant": spec.split("=")[-1],
                    "oneshot_x": by.loc[spec, "oneshot"] / by.loc[ref, "oneshot"],
                    "stream_x": by.loc[spec, "streaming"] / by.loc[ref, "streaming"],
                    "ref_oneshot_msps": by.loc[ref, "oneshot"],
                    "snr": mine["snr_db"],
                    "ref_snr": theirs["snr_db"],
                    "rej": mine["rejection_db"],
                    "ref_rej": theirs["rejection_db"],
                    "bw": mine["bandwidth_pct"],
                    "ref_bw": theirs["bandwidth_pct"],
                    "lat": mine["latency_frames"],
                    "ref_lat": theirs["latency_frames"],
                }
            )
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.measuring.rate_matrix", description=__doc__
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="input per speed run")
    parser.add_argument("--repeats", type=int, default=3, help="speed rounds (best of)")
    parser.add_argument("--rates", help="IN:OUT pairs, comma-separated (default: the matrix)")
    parser.add_argument("--out", help="write the table as CSV here too")
    args = parser.parse_args(argv)
    pairs = MATRIX_PAIRS
    if args.rates:
        from harness.measuring.settings import parse_rate_pairs

        pairs = tuple(parse_rate_pairs(args.rates))
    specs = list(dict.fromkeys([*DEFAULT_PAIRS, *DEFAULT_PAIRS.values()]))
    speed = pd.DataFrame(
        matrix_throughput(specs, pairs=pairs, seconds=args.seconds, repeats=args.repeats)
    )
    qual = pd.DataFrame(matrix_quality(specs, pairs=pairs))
    table = matrix_table(speed, qual, DEFAULT_PAIRS)
    with pd.option_context("display.max_rows", None, "display.width", 160):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    if args.out:
        table.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
