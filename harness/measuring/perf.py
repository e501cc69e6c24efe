"""Performance study: where the time goes, beyond the MS/s of ``harness compare``.

Four measurements at 44.1 → 48 kHz, mono float32, each returning tidy rows
(``section, backend, metric, value, unit``):

* :func:`throughput_vs_copy` — one-shot MS/s through ``process_into`` and
  ``process``, as a percentage of ``np.copyto`` of the same input (the memory
  bandwidth ceiling) and as ratios to soxr QQ and HQ;
* :func:`call_overhead` — per-call µs of 512-frame device pulls against the
  Python call floor (an empty ``process_into`` on the same stream);
* :func:`thread_scaling` — one stream in one thread against two independent
  streams in two threads: does the backend release the GIL?
* :func:`caching_claim` — the seed's claim that caching ``np.arange`` index
  arrays makes the NumPy ``linear`` backend 10–20 % faster.

Only ratios within one run are meaningful on a shared machine, so references
(the copy, the call floor, the uncached variant) are measured interleaved with
what they are compared to, and best-of / median figures are used.
:func:`collect` runs everything into one DataFrame;
:mod:`harness.views.perf_tables` prints it (``python -m harness perf``).
"""

from __future__ import annotations

import hashlib
import math
import threading
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from time import perf_counter, perf_counter_ns
from typing import Any

import numpy as np
import pandas as pd

from backends import Variant, backend_class
from backends import resample as backends_resample
from backends.builtin.linear import LinearResampler
from backends.testing import noise
from harness.measuring.checks.throughput import measure
from harness.measuring.checks.timing import simulate
from harness.measuring.settings import COMMON_PAIRS, capabilities_of, select_variants
from harness.results.store import to_frame

__all__ = [
    "FULL",
    "IN_RATE",
    "OUT_RATE",
    "QUICK",
    "CachedArangeLinear",
    "PerfSettings",
    "caching_claim",
    "call_overhead",
    "collect",
    "default_variants",
    "thread_scaling",
    "throughput_vs_copy",
]

IN_RATE, OUT_RATE = 44100, 48000
#: Device block (output frames) of the per-call measurements.
DEVICE_BLOCK = 512
#: The perf study's sections: each a ``check`` of its rows, ``perf:<section>``.
SECTIONS = ("throughput", "per_call", "threads", "caching", "matrix", "creation", "oneshot")
#: The matrix section's variants when none are named: ours against soxr's.
MATRIX_VARIANTS = (
    "numba-sinc:quality=hq",
    "numba-sinc:quality=vhq",
    "soxr:quality=HQ",
    "soxr:quality=VHQ",
)
#: Rate pairs of the creation section: the largest reduced ratios a user can ask for.
EXTREME_PAIRS = ((192001, 192000), (999983, 1000003))
#: What the library documentation says about the GIL, for comparison with the measurement.
GIL_EXPECTED = {
    "seed": "partly (NumPy ufuncs)",
    "linear": "partly (NumPy ufuncs)",
    "numba": "yes (nogil kernels)",
    "numba-sinc": "yes (nogil kernels)",
    "soxr": "yes (library releases it)",
    "samplerate": "undocumented",
}
#: The seed's claim about caching index arrays, as a saving in percent.
CLAIM_PCT = (10.0, 20.0)

Row = dict[str, Any]


@dataclass(frozen=True)
class PerfSettings:
    """Scale of a perf run.

    Attributes
    ----------
    oneshot_seconds : float
        Input length of the one-shot measurements (throughput, caching).
    repeats : int
        Best-of count for one-shot and thread measurements.
    calls : int
        Minimum number of timed streaming calls per variant.
    thread_seconds : float
        Input length per stream in the thread-scaling measurement.
    thread_block : int
        Input frames per ``process_into`` call in the thread-scaling measurement.
    thread_min_run_s : float
        Shortest timed thread run; fast backends repeat the input to reach it.
    matrix_seconds : float
        Input length per rate pair in the matrix section.
    """

    oneshot_seconds: float = 60.0
    repeats: int = 3
    calls: int = 2000
    thread_seconds: float = 10.0
    thread_block: int = 4096
    thread_min_run_s: float = 0.2
    matrix_seconds: float = 3.0


FULL = PerfSettings()
QUICK = PerfSettings(oneshot_seconds=10.0, thread_seconds=3.0, matrix_seconds=1.0)


def _row(section: str, spec: str, metric: str, value: float, unit: str, **dims: Any) -> Row:
    """A results-store row of section ``section`` (44.1 -> 48 kHz mono float32 unless given)."""
    name, _, options = spec.partition(":")
    try:
        baseline = bool(getattr(backend_class(name), "baseline", False))
    except (ValueError, ImportError):  # a reference of this study (np.copyto, a variant class)
        baseline = False
    return {
        "backend": name,
        "options": options,
        "variant": spec,
        "baseline": baseline,
        "check": f"perf:{section}",
        "metric": metric,
        "value": float(value),
        "unit": unit,
        "in_rate": IN_RATE,
        "out_rate": OUT_RATE,
        "channels": 1,
        "dtype": "float32",
        **dims,
    }


def _mono(seconds: float, *, seed: int = 0) -> np.ndarray:
    """``(frames, 1)`` float32 noise at ``IN_RATE`` (2-D, as the throughput check uses)."""
    return noise(max(1, round(seconds * IN_RATE)), 1, seed=seed).astype(np.float32)


def _make(variant: Variant, channels: int = 1) -> Any:
    return variant.create(in_rate=IN_RATE, out_rate=OUT_RATE, channels=channels)


def _warm(variant: Variant) -> None:
    """Compile / load kernels and probe the latency before anything is timed."""
    stream = _make(variant)
    _ = stream.latency  # library adapters measure it once per configuration
    stream.process(np.zeros((4096, 1), np.float32), last=True)


def streaming_variants(variants: Sequence[Variant]) -> list[Variant]:
    """The variants among ``variants`` that take a signal in blocks (not one-shot only)."""
    return [v for v in variants if capabilities_of(v).streaming]


def default_variants(variants: Sequence[Variant] | None = None) -> list[Variant]:
    """The default-options variant of each backend (the first one listed per name)."""
    seen: dict[str, Variant] = {}
    for t in variants if variants is not None else select_variants():
        seen.setdefault(t.name, t)
    return list(seen.values())


# -- a. throughput against a memory copy ---------------------------------------------


def throughput_vs_copy(
    variants: Sequence[Variant] | None = None, *, seconds: float = 60.0, repeats: int = 3
) -> list[Row]:
    """One-shot MS/s of each variant against ``np.copyto`` of the same input.

    Parameters
    ----------
    variants : sequence of Variant, optional
        Variants to measure; default every available one (baselines included).
    seconds : float, default 60
        Input length at 44.1 kHz, mono float32.
    repeats : int, default 3
        Rounds; each figure is the best round.

    Returns
    -------
    list of dict
        Rows ``copy_msps`` (backend ``"np.copyto"``), then per variant
        ``into_msps`` (``process_into``, preallocated output), ``process_msps``
        (``process``, allocating), ``into_pct_of_copy``, ``process_pct_of_copy``
        and, when soxr QQ / HQ were measured, ``ratio_to_soxr_qq`` / ``_hq``.
    """
    variants = list(variants) if variants is not None else select_variants()
    x = _mono(seconds)
    dst = np.empty_like(x)
    for t in variants:
        _warm(t)
    # One output buffer shared by all variants and rounds: the page faults of a
    # fresh buffer are then paid once, not timed with every backend.
    cap = max((_make(t).output_frames_max(len(x)) for t in variants), default=0)
    out = np.empty((cap, 1), np.float32)
    copy_s = np.inf
    into_s = {t.spec: np.inf for t in variants}
    process_rate = {t.spec: 0.0 for t in variants}
    for _ in range(repeats):
        for t in variants:
            # The copy runs right before each backend so that both see the same
            # machine state; its best over all rounds is the reference.
            t0 = perf_counter()
            np.copyto(dst, x)
            copy_s = min(copy_s, perf_counter() - t0)
            stream = _make(t)
            t0 = perf_counter()
            stream.process_into(x, out, last=True)
            into_s[t.spec] = min(into_s[t.spec], perf_counter() - t0)
            rate = measure(t, x, IN_RATE, OUT_RATE, scenario="oneshot", repeats=1)
            process_rate[t.spec] = max(process_rate[t.spec], rate)
    copy_rate = x.size / copy_s / 1e6
    rows = [_row("throughput", "np.copyto", "copy_msps", copy_rate, "MS/s")]
    into_rate = {spec: x.size / s / 1e6 for spec, s in into_s.items()}
    refs = {"qq": into_rate.get("soxr:quality=QQ"), "hq": into_rate.get("soxr:quality=HQ")}
    for spec, rate in into_rate.items():
        rows += [
            _row("throughput", spec, "into_msps", rate, "MS/s"),
            _row("throughput", spec, "process_msps", process_rate[spec], "MS/s"),
            _row("throughput", spec, "into_pct_of_copy", 100 * rate / copy_rate, "%"),
            _row(
                "throughput", spec, "process_pct_of_copy", 100 * process_rate[spec] / copy_rate, "%"
            ),
        ]
        rows += [
            _row("throughput", spec, f"ratio_to_soxr_{name}", rate / ref, "x")
            for name, ref in refs.items()
            if ref
        ]
    return rows


# -- b. per-call overhead ------------------------------------------------------------


def call_overhead(
    variants: Sequence[Variant] | None = None, *, calls: int = 2000, blocksize: int = DEVICE_BLOCK
) -> list[Row]:
    """Per-call µs of device-sized streaming calls against the Python call floor.

    The calls are the resampler calls of :func:`harness.measuring.checks.timing.simulate`
    (producer mode): each feeds the input frames one ``blocksize``-frame device
    pull needs. The floor is ``process_into`` of a zero-length input into the
    same buffer on the same stream, timed the same way: validation, counters and
    dispatch, with no samples. p50 and p99 are over all calls.

    Returns
    -------
    list of dict
        Per variant: ``calls``, ``call_p50_us``, ``call_p99_us``,
        ``floor_p50_us``, ``floor_p99_us``, ``call_over_floor_p50`` (ratio) and
        ``floor_share_p50_pct`` (share of a median call that is the floor).
        One-shot-only variants have no device-sized calls and give no rows.
    """
    variants = streaming_variants(variants if variants is not None else select_variants())
    rows = []
    for t in variants:
        _warm(t)
        stream = _make(t)
        # simulate() makes about one resampler call per callback; the margin
        # covers startup calls that fill the latency.
        seconds = (calls + 16) * blocksize / OUT_RATE * 1.01
        raw = simulate(stream, blocksize=blocksize, seconds=seconds, mode="producer")
        call_us = raw["resample_ns"] / 1000.0
        empty = np.empty((0, 1), np.float32)
        scratch = np.empty((stream.output_frames_max(0) + 1, 1), np.float32)
        floor_ns = np.empty(len(call_us), np.int64)
        for k in range(len(floor_ns)):
            t0 = perf_counter_ns()
            stream.process_into(empty, scratch)
            floor_ns[k] = perf_counter_ns() - t0
        floor_us = floor_ns / 1000.0
        c50, c99 = np.quantile(call_us, [0.5, 0.99])
        f50, f99 = np.quantile(floor_us, [0.5, 0.99])
        rows += [
            _row("per_call", t.spec, "calls", len(call_us), "calls"),
            _row(
                "per_call",
                t.spec,
                "input_frames_per_call",
                -(-blocksize * IN_RATE // OUT_RATE),
                "frames",
            ),
            _row("per_call", t.spec, "call_p50_us", float(c50), "us"),
            _row("per_call", t.spec, "call_p99_us", float(c99), "us"),
            _row("per_call", t.spec, "floor_p50_us", float(f50), "us"),
            _row("per_call", t.spec, "floor_p99_us", float(f99), "us"),
            _row("per_call", t.spec, "call_over_floor_p50", float(c50 / f50), "x"),
            _row("per_call", t.spec, "floor_share_p50_pct", float(100 * f50 / c50), "%"),
        ]
    return rows


# -- c. thread scaling ---------------------------------------------------------------


def _run_threads(jobs: Sequence[Callable[[], None]]) -> float:
    """Wall seconds for all ``jobs`` to finish, one thread each, started together."""
    barrier = threading.Barrier(len(jobs) + 1)
    errors: list[BaseException] = []

    def work(job: Callable[[], None]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for th in threads:
        th.start()
    barrier.wait()
    t0 = perf_counter()
    for th in threads:
        th.join()
    elapsed = perf_counter() - t0
    if errors:
        raise errors[0]
    return elapsed


def _resample_job(variant: Variant, x: np.ndarray, block: int, passes: int) -> Callable[[], None]:
    """A fresh stream resampling ``x`` ``passes`` times in ``block``-frame calls.

    A one-shot-only variant takes all of ``x`` in one call per pass instead.
    """
    stream = _make(variant)
    if not stream.capabilities.streaming:
        whole = np.empty((stream.output_frames_max(len(x)), 1), np.float32)

        def oneshot_job() -> None:
            for _ in range(passes):
                stream.reset()
                stream.process_into(x, whole, last=True)

        return oneshot_job
    out = np.empty((stream.output_frames_max(block), 1), np.float32)

    def job() -> None:
        for _ in range(passes):
            for pos in range(0, len(x), block):
                stream.process_into(x[pos : pos + block], out)

    return job


def _control_job(data: bytes) -> Callable[[], None]:
    # hashlib releases the GIL while hashing large buffers: two of these show
    # how much parallelism the machine actually offers at that moment.
    def job() -> None:
        hashlib.sha256(data).digest()

    return job


def thread_scaling(
    variants: Sequence[Variant] | None = None,
    *,
    seconds: float = 10.0,
    block: int = 4096,
    repeats: int = 3,
    min_run_s: float = 0.2,
) -> list[Row]:
    """Speed-up of two independent streams in two threads over one in one thread.

    Each stream resamples the same ``seconds`` of mono input in ``block``-frame
    ``process_into`` calls (one-shot-only variants: in one call), so two
    streams do twice the work: speed-up
    ``2 * t_one / t_two`` is 2.0 when the threads run in parallel and 1.0 when
    the GIL serialises them. Fast backends repeat the input (``passes``) until
    a run lasts ``min_run_s``: a few ms of work would mostly time thread
    start-up and scheduler noise. Single and dual runs alternate with the same
    pair for a control that certainly releases the GIL (SHA-256 of a large
    buffer), whose speed-up is what the machine allowed then: on a shared
    2-core machine, other load lowers both. Each time is best of ``repeats``.

    Returns
    -------
    list of dict
        Per backend (default options): ``block_frames``, ``passes``, ``t_one_s``, ``t_two_s``,
        ``speedup``, ``control_speedup`` and ``relative_scaling`` =
        ``(speedup - 1) / (control_speedup - 1)`` (1 = scales like the control).
    """
    variants = default_variants(variants)
    x = _mono(seconds, seed=1)
    rows = []
    for t in variants:
        _warm(t)
        single = _run_threads([_resample_job(t, x, block, 1)])
        passes = max(1, math.ceil(min_run_s / max(single, 1e-6)))
        # The control hashes about as long as the backend runs, so both see
        # load changes on the same time scale.
        data = bytes(max(1 << 16, int(_sha256_rate() * single * passes)))
        t_one = t_two = c_one = c_two = np.inf
        for _ in range(repeats):
            t_one = min(t_one, _run_threads([_resample_job(t, x, block, passes)]))
            t_two = min(t_two, _run_threads([_resample_job(t, x, block, passes) for _ in "ab"]))
            c_one = min(c_one, _run_threads([_control_job(data)]))
            c_two = min(c_two, _run_threads([_control_job(data)] * 2))
        speedup, control = 2 * t_one / t_two, 2 * c_one / c_two
        rows += [
            _row("threads", t.spec, "block_frames", block, "frames"),
            _row("threads", t.spec, "passes", passes, "passes"),
            _row("threads", t.spec, "t_one_s", t_one, "s"),
            _row("threads", t.spec, "t_two_s", t_two, "s"),
            _row("threads", t.spec, "speedup", speedup, "x"),
            _row("threads", t.spec, "control_speedup", control, "x"),
            _row(
                "threads",
                t.spec,
                "relative_scaling",
                (speedup - 1) / (control - 1) if control > 1 else math.nan,
                "ratio",
            ),
        ]
    return rows


@cache
def _sha256_rate() -> float:
    """Bytes per second SHA-256 hashes here (for sizing the control)."""
    data = bytes(1 << 22)
    best = np.inf
    for _ in range(3):
        t0 = perf_counter()
        hashlib.sha256(data).digest()
        best = min(best, perf_counter() - t0)
    return len(data) / best


# -- d. the seed's caching claim -----------------------------------------------------


class CachedArangeLinear(LinearResampler):
    """``linear`` with its per-call ``np.arange`` replaced by a cached, sliced one.

    The output index array is ``ramp[:n] + frames_out``, written into a cached
    scratch array, so the index computation allocates nothing. The rest of
    :meth:`_interpolate` is copied from :class:`backends.builtin.linear.LinearResampler`;
    :func:`caching_claim` checks the outputs stay bit-identical, which also
    catches the copy drifting from the original.
    """

    name = "linear+cached-arange"

    def _open(self) -> None:
        super()._open()
        self._ramp = np.arange(0)
        self._index = np.arange(0)

    def _interpolate(self, x: np.ndarray, out: np.ndarray) -> None:
        n = len(out)
        if len(self._ramp) < n:
            # Grow geometrically so varying block sizes settle on one array.
            self._ramp = np.arange(max(n, 2 * len(self._ramp)))
            self._index = np.empty_like(self._ramp)
        k = np.add(self._ramp[:n], self.frames_out, out=self._index[:n])
        t = self._table
        q, j = np.divmod(k, t.L)
        e = q * t.M + t.step[j] - (self.frames_in - len(self._hist))
        ext = np.concatenate((self._hist, x, np.zeros_like(self._hist[:1])))
        a = ext[e]
        np.add(a, (ext[e + 1] - a) * t.frac[j][:, np.newaxis], out=out)


def _streamed(
    streams: Sequence[Any], x: np.ndarray, chunk: int, calls: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Feed ``chunk``-frame calls to each stream in turn; per-call ns and outputs."""
    n_calls = min(calls, -(-len(x) // chunk))
    cap = max(s.output_frames_max(chunk) for s in streams)
    scratch = [np.empty((cap, 1), np.float32) for _ in streams]
    ns = [np.empty(n_calls, np.int64) for _ in streams]
    outs: list[list[np.ndarray]] = [[] for _ in streams]
    for c in range(n_calls):
        block = x[c * chunk : (c + 1) * chunk]
        last = c == n_calls - 1
        # Alternate who goes first so neither always follows the other's cache effects.
        order = range(len(streams)) if c % 2 == 0 else reversed(range(len(streams)))
        for i in order:
            t0 = perf_counter_ns()
            n = streams[i].process_into(block, scratch[i], last=last)
            ns[i][c] = perf_counter_ns() - t0
            outs[i].append(scratch[i][:n].copy())
    return ns, [np.concatenate(o) for o in outs]


def caching_claim(
    *, seconds: float = 60.0, calls: int = 2000, repeats: int = 3, blocksize: int = DEVICE_BLOCK
) -> list[Row]:
    """``linear`` as is against :class:`CachedArangeLinear`, streaming and one shot.

    Streaming: ``calls`` device-pull-sized calls (as in :func:`call_overhead`),
    the two streams alternating call by call; one shot: ``seconds`` of input,
    alternating, best of ``repeats``. ``saving_pct`` is the time the cached
    variant saves, in percent of the uncached time (positive = faster).

    Returns
    -------
    list of dict
        ``stream_call_p50_us``, ``stream_call_mean_us``, ``oneshot_msps`` for
        both; ``stream_saving_pct``, ``oneshot_saving_pct`` and
        ``bit_identical`` (1.0 or 0.0, streaming and one shot together) for the
        cached one.
    """
    make = {
        "linear": lambda: LinearResampler(in_rate=IN_RATE, out_rate=OUT_RATE),
        CachedArangeLinear.name: lambda: CachedArangeLinear(in_rate=IN_RATE, out_rate=OUT_RATE),
    }
    chunk = -(-blocksize * IN_RATE // OUT_RATE)
    x_stream = _mono(calls * chunk / IN_RATE, seed=2)
    ns, streamed = _streamed([m() for m in make.values()], x_stream, chunk, calls)
    x = _mono(seconds, seed=3)
    oneshot_s = dict.fromkeys(make, np.inf)
    # Preallocated once and reused, so no round times page faults of a fresh buffer.
    outs = {
        name: np.empty((m().output_frames_max(len(x)), 1), np.float32) for name, m in make.items()
    }
    written = dict.fromkeys(make, 0)
    for r in range(repeats):
        for name in list(make) if r % 2 == 0 else list(reversed(make)):
            stream = make[name]()
            t0 = perf_counter()
            written[name] = stream.process_into(x, outs[name], last=True)
            oneshot_s[name] = min(oneshot_s[name], perf_counter() - t0)
    one_shot = [outs[name][: written[name]] for name in make]
    same = np.array_equal(streamed[0], streamed[1]) and np.array_equal(*one_shot)
    rows = []
    p50 = {}
    for name, times in zip(make, ns, strict=True):
        us = times / 1000.0
        p50[name] = float(np.median(us))
        rows += [
            _row("caching", name, "stream_call_p50_us", p50[name], "us"),
            _row("caching", name, "stream_call_mean_us", float(us.mean()), "us"),
            _row("caching", name, "oneshot_msps", x.size / oneshot_s[name] / 1e6, "MS/s"),
        ]
    cached = CachedArangeLinear.name
    rows += [
        _row(
            "caching",
            cached,
            "stream_saving_pct",
            100 * (1 - p50[cached] / p50["linear"]),
            "%",
        ),
        _row(
            "caching",
            cached,
            "oneshot_saving_pct",
            100 * (1 - oneshot_s[cached] / oneshot_s["linear"]),
            "%",
        ),
        _row("caching", cached, "bit_identical", float(same), "bool"),
    ]
    return rows


# -- e. the rate matrix: ours against soxr at every common pair -----------------------


def matrix_variants(variants: Sequence[Variant]) -> list[Variant]:
    """The matrix section's variants among ``variants``: :data:`MATRIX_VARIANTS` (all
    of them when ``variants`` holds none of those: a run of other backends only)."""
    wanted = [Variant.parse(spec) for spec in MATRIX_VARIANTS]
    chosen = [v for v in variants if v in wanted]
    return chosen or list(variants)


def _timed(stream: Any, x: np.ndarray, out: np.ndarray, scenario: str) -> float:
    t0 = perf_counter()
    if scenario == "oneshot":
        stream.process_into(x, out, last=True)
    else:
        for pos in range(0, len(x), DEVICE_BLOCK):
            stream.process_into(x[pos : pos + DEVICE_BLOCK], out)
    return perf_counter() - t0


def matrix_throughput(
    variants: Sequence[Variant],
    *,
    pairs: Sequence[tuple[int, int]] = COMMON_PAIRS,
    seconds: float = 3.0,
    repeats: int = 3,
) -> list[Row]:
    """MS/s of input at each rate pair, one-shot and in 512-frame calls, with ratios.

    Mono float32 noise. For each pair and scenario, every variant and a memory
    copy of the same input run back to back in each of ``repeats`` rounds
    (best of), so a busy machine slows them alike.

    Returns
    -------
    list of dict
        Per variant, pair and scenario (``schedule`` ``oneshot`` or
        ``streaming``): ``msps``, ``ratio_to_copy`` and, when soxr HQ / VHQ
        were measured, ``ratio_to_soxr_hq`` / ``_vhq``; per pair and scenario
        ``copy_msps`` (variant ``np.copyto``). One-shot-only variants have
        ``oneshot`` rows only.
    """
    refs = {"hq": "soxr:quality=HQ", "vhq": "soxr:quality=VHQ"}
    rows = []
    for in_rate, out_rate in pairs:
        x = noise(max(1, round(seconds * in_rate)), 1, seed=0).astype(np.float32)
        dst = np.empty_like(x)
        streams = {v.spec: v.create(in_rate=in_rate, out_rate=out_rate) for v in variants}
        out = np.empty((max(s.output_frames_max(len(x)) for s in streams.values()), 1), np.float32)
        for stream in streams.values():  # compile / load kernels, probe the latency
            _ = stream.latency
            stream.process_into(x[:4096], out, last=True)
        dims = {"in_rate": in_rate, "out_rate": out_rate}
        for scenario in ("oneshot", "streaming"):
            # A one-shot-only library has no streaming figure to show.
            timed = {
                spec: stream
                for spec, stream in streams.items()
                if scenario == "oneshot" or stream.capabilities.streaming
            }
            best = dict.fromkeys([*timed, "np.copyto"], np.inf)
            for _ in range(repeats):
                for spec, stream in timed.items():
                    t0 = perf_counter()
                    np.copyto(dst, x)
                    best["np.copyto"] = min(best["np.copyto"], perf_counter() - t0)
                    stream.reset()
                    best[spec] = min(best[spec], _timed(stream, x, out, scenario))
            rate = {spec: len(x) / s / 1e6 for spec, s in best.items()}
            at = {**dims, "schedule": scenario}
            rows.append(_row("matrix", "np.copyto", "copy_msps", rate["np.copyto"], "MS/s", **at))
            for spec in timed:
                rows += [
                    _row("matrix", spec, "msps", rate[spec], "MS/s", **at),
                    _row(
                        "matrix", spec, "ratio_to_copy", rate[spec] / rate["np.copyto"], "x", **at
                    ),
                ]
                rows += [
                    _row("matrix", spec, f"ratio_to_soxr_{name}", rate[spec] / rate[ref], "x", **at)
                    for name, ref in refs.items()
                    if ref in rate
                ]
    return rows


# -- f. creating a stream at the extreme rate pairs -------------------------------------


def creation_cost(
    variants: Sequence[Variant],
    *,
    pairs: Sequence[tuple[int, int]] = EXTREME_PAIRS,
    repeats: int = 3,
) -> list[Row]:
    """Milliseconds and peak traced MB to create a stream (kernels already loaded).

    Designs cached by earlier streams are cleared before each round, so each
    round designs anew: what a first stream at such rates costs.
    """
    from backends.builtin import sinc_design

    rows = []
    for variant in variants:
        variant.create(in_rate=44100, out_rate=48000).process(np.zeros(64, np.float32))
        for in_rate, out_rate in pairs:
            best_ms, peak = np.inf, 0
            for _ in range(repeats):
                sinc_design.clear_caches()
                tracemalloc.start()
                t0 = perf_counter()
                variant.create(in_rate=in_rate, out_rate=out_rate)
                best_ms = min(best_ms, (perf_counter() - t0) * 1e3)
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            dims = {"in_rate": in_rate, "out_rate": out_rate}
            rows += [
                _row("creation", variant.spec, "create_ms", best_ms, "ms", **dims),
                _row("creation", variant.spec, "peak_mb", peak / 2**20, "MB", **dims),
            ]
    return rows


# -- g. the one-shot convenience path ------------------------------------------------------


def oneshot_overhead(
    variants: Sequence[Variant], *, seconds: float = 1.0, repeats: int = 5
) -> list[Row]:
    """``backends.resample()`` on a short clip against ``process()`` on an existing stream.

    Both resample the same ``seconds`` of mono float32, interleaved, best of
    ``repeats``; ``ratio`` is resample's throughput over process's (1.0 =
    the convenience path costs nothing).
    """
    x = _mono(seconds, seed=4)[:, 0]
    rows = []
    for variant in variants:
        _warm(variant)
        stream = _make(variant)
        backends_resample(x, IN_RATE, OUT_RATE, backend=variant)  # its streams are kept
        best = {"resample": np.inf, "process": np.inf}
        for _ in range(repeats):
            t0 = perf_counter()
            backends_resample(x, IN_RATE, OUT_RATE, backend=variant)
            best["resample"] = min(best["resample"], perf_counter() - t0)
            stream.reset()
            t0 = perf_counter()
            stream.process(x, last=True)
            best["process"] = min(best["process"], perf_counter() - t0)
        rows += [
            _row("oneshot", variant.spec, f"{k}_msps", len(x) / s / 1e6, "MS/s")
            for k, s in best.items()
        ]
        rows.append(_row("oneshot", variant.spec, "ratio", best["process"] / best["resample"], "x"))
    return rows


# -- everything ----------------------------------------------------------------------


def collect(
    settings: PerfSettings = FULL,
    variants: Sequence[Variant] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Run every section; one tidy DataFrame in the results store's columns.

    Each section's rows have ``check`` ``perf:<section>`` (see :data:`SECTIONS`).
    """
    variants = list(variants) if variants is not None else select_variants()
    say = progress or (lambda _msg: None)
    rows: list[Row] = []
    say(f"throughput vs copy ({settings.oneshot_seconds:g} s one-shot, {len(variants)} variants)")
    rows += throughput_vs_copy(variants, seconds=settings.oneshot_seconds, repeats=settings.repeats)
    say(f"per-call overhead ({settings.calls} calls of {DEVICE_BLOCK}-frame pulls)")
    rows += call_overhead(variants, calls=settings.calls)
    say(f"thread scaling ({settings.thread_seconds:g} s per stream)")
    rows += thread_scaling(
        variants,
        seconds=settings.thread_seconds,
        block=settings.thread_block,
        repeats=settings.repeats,
        min_run_s=settings.thread_min_run_s,
    )
    say("caching claim (linear)")
    # linear takes tens of ms a round here, so extra rounds steady its best-of cheaply.
    rows += caching_claim(
        seconds=settings.oneshot_seconds, calls=settings.calls, repeats=max(7, settings.repeats)
    )
    say(f"rate matrix ({len(COMMON_PAIRS)} pairs, {settings.matrix_seconds:g} s each)")
    rows += matrix_throughput(
        matrix_variants(variants),
        seconds=settings.matrix_seconds,
        repeats=settings.repeats,
    )
    say("creation at the extreme rate pairs (numba-sinc)")
    rows += creation_cost([v for v in variants if v.name == "numba-sinc"])
    say("one-shot convenience path (backends.resample on a 1 s clip)")
    rows += oneshot_overhead(default_variants(variants), repeats=max(5, settings.repeats))
    return to_frame(rows, "")
