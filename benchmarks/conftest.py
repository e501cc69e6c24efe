"""pytest-benchmark suite: scale, input signals and the backend variants.

Run with ``make bench`` (saves each run under ``.benchmarks/``) or
``pytest benchmarks``; ``pytest benchmarks --benchmark-disable`` runs every
benchmark once at 1 s of input, as a correctness smoke test. The suite is
outside ``testpaths``, so a bare ``pytest`` does not collect it.

Environment
-----------
BENCH_SECONDS
    One-shot input length in seconds (default 60, or 1 with
    ``--benchmark-disable``). Streaming uses at most 10 s and callback mode at
    most 3 s: per-call figures need no more.
BENCH_FULL=1
    Also run ``samplerate:converter=sinc_best`` one-shot above 10 s of input
    (it manages about 1 MS/s, so 60 s stereo takes minutes over the rounds).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
import pytest

import backends
from backends.testing import noise

IN_RATE, OUT_RATE = 44100, 48000
#: Option sets benchmarked besides each backend's defaults.
EXTRA_VARIANTS: dict[str, list[dict[str, str]]] = {
    "soxr": [{"quality": "HQ"}, {"quality": "QQ"}],
    "numba-sinc": [{"quality": "hq"}, {"quality": "fast"}],
    "samplerate": [
        {"converter": "sinc_fastest"},
        {"converter": "sinc_medium"},
        {"converter": "sinc_best"},
    ],
}
#: Variants too slow for long one-shot inputs unless BENCH_FULL=1.
SLOW_ONESHOT = {"samplerate:converter=sinc_best"}


def variant_params() -> list:
    """One ``pytest.param`` per variant spec, options spelled out; unavailable ones skip."""
    params, seen = [], set()
    for info in backends.available_backends():
        for options in [{}, *EXTRA_VARIANTS.get(info.name, [])]:
            resolved = {k: options.get(k, c.default) for k, c in info.options.items()}
            spec = info.resolve(resolved).spec
            if spec in seen:
                continue
            seen.add(spec)
            marks = () if info.available else pytest.mark.skip(reason=str(info.reason))
            params.append(pytest.param(spec, id=spec, marks=marks))
    return params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "spec" in metafunc.fixturenames:
        metafunc.parametrize("spec", variant_params())


@pytest.fixture(scope="session")
def bench_seconds(pytestconfig: pytest.Config) -> float:
    """One-shot input length: ``$BENCH_SECONDS``, else 60 (1 when benchmarks are disabled)."""
    text = os.environ.get("BENCH_SECONDS")
    if text:
        seconds = float(text)
        if seconds <= 0:
            raise pytest.UsageError(f"BENCH_SECONDS: expected a positive number, got {text!r}")
        return seconds
    disabled = pytestconfig.getoption("benchmark_disable") and not pytestconfig.getoption(
        "benchmark_enable"
    )
    return 1.0 if disabled else 60.0


@pytest.fixture(scope="session")
def bench_full() -> bool:
    """``$BENCH_FULL=1``: run the slow variants at full length too."""
    return os.environ.get("BENCH_FULL", "") == "1"


@pytest.fixture(scope="session")
def signal() -> Callable[[float, int], np.ndarray]:
    """``signal(seconds, channels)``: float32 noise at 44.1 kHz, ``(frames,)`` when mono.

    Cached, so every variant resamples the same array.
    """
    cache: dict[tuple[float, int], np.ndarray] = {}

    def get(seconds: float, channels: int) -> np.ndarray:
        key = (seconds, channels)
        if key not in cache:
            x = noise(max(1, round(seconds * IN_RATE)), channels, seed=0).astype(np.float32)
            cache[key] = x[:, 0].copy() if channels == 1 else x
        return cache[key]

    return get


@pytest.fixture
def make_stream(spec: str) -> Callable[..., backends.Resampler]:
    """``make_stream(channels=1)``: a fresh 44.1 → 48 kHz stream, kernels already warm.

    The first stream of a variant compiles (Numba) or probes its latency
    (library adapters); that is done here, outside the timed code.
    """

    def make(channels: int = 1) -> backends.Resampler:
        warm = backends.create(spec, in_rate=IN_RATE, out_rate=OUT_RATE, channels=channels)
        _ = warm.latency
        warm.process(np.zeros((4096, channels), np.float32), last=True)
        return backends.create(spec, in_rate=IN_RATE, out_rate=OUT_RATE, channels=channels)

    return make


@pytest.fixture
def streaming(spec: str) -> None:
    """Skip a block-by-block benchmark for a one-shot-only variant (it takes no blocks)."""
    caps = backends.Variant.parse(spec).create(in_rate=IN_RATE, out_rate=OUT_RATE).capabilities
    if not caps.streaming:
        pytest.skip(f"{spec} is one-shot only: it takes the whole signal in one call")


@pytest.fixture
def oneshot_seconds(spec: str, bench_seconds: float, bench_full: bool) -> float:
    """Input length of a one-shot benchmark; skips slow variants at long lengths."""
    if spec in SLOW_ONESHOT and bench_seconds > 10 and not bench_full:
        pytest.skip(f"{spec} one-shot at {bench_seconds:g} s is slow (~1 MS/s); set BENCH_FULL=1")
    return bench_seconds
