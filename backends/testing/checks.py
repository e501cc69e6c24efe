"""The contract checks, one function per item of :mod:`backends.protocol`.

Each check takes a factory ``make(in_rate=, out_rate=, channels=, dtype=)``
returning a fresh stream, and raises :class:`ConformanceError` naming the
contract item and the evidence. :mod:`backends.testing.suite` runs them over a
backend; they can also be called one by one.
"""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..timeline import expected_length
from ..validation import FINITE_INPUT_BOUND
from .schedules import SCHEDULES, schedule, stream_through
from .signals import centroid, hann_pulse, noise, pcm_signal

__all__ = [
    "ALIGNMENT_TOLERANCE",
    "CHUNK_ATOL",
    "N_FRAMES",
    "UNSUPPORTED_DTYPES",
    "ConformanceError",
    "check_allocation_free",
    "check_bad_input",
    "check_bad_options",
    "check_bad_rates",
    "check_channel_limit",
    "check_chunk_invariance",
    "check_dtype",
    "check_extreme_ratio",
    "check_finite_input",
    "check_flush_and_reset",
    "check_latency_reached",
    "check_layout",
    "check_length",
    "check_one_shot_only",
    "check_process_into",
    "check_rejects_dtype",
    "check_small_blocks",
    "check_thread_guard",
    "check_time_alignment",
]

Factory = Callable[..., Any]

#: Input length for the streaming checks: long enough for soxr's and
#: libsamplerate's buffers to fill and burst several times.
N_FRAMES = 6000
#: Centre error (output frames) accepted by the alignment check: the contract
#: allows ±1, a stricter bound makes a one-frame shift fail for sure.
ALIGNMENT_TOLERANCE = 0.6
#: Chunked vs one-shot output, absolute, for backends that do not claim to be
#: bit-exact (contract item 2).
CHUNK_ATOL = 1e-6
#: Input dtypes every backend must refuse with ``TypeError``.
UNSUPPORTED_DTYPES = (
    "bool",
    "complex64",
    "complex128",
    "int64",
    "uint16",
    "uint32",
    "uint64",
    "object",
    "<U3",
    "datetime64[s]",
)


class ConformanceError(AssertionError):
    """A backend broke an item of the contract.

    Attributes
    ----------
    item : str
        The contract item (``"length"``, ``"chunk_invariance"``, ...).
    evidence : str
        What was fed and what came out.
    """

    def __init__(self, item: str, evidence: str) -> None:
        self.item, self.evidence = item, evidence
        super().__init__(f"{item}: {evidence}")


def _require(condition: bool, item: str, evidence: str | Callable[[], str]) -> None:
    if not condition:
        raise ConformanceError(item, evidence() if callable(evidence) else evidence)


def _schedules(
    n: int, in_rate: int, out_rate: int, given: Mapping[str, Sequence[int]] | None
) -> Mapping[str, Sequence[int]]:
    if given is not None:
        return given
    return {s: schedule(s, n, in_rate=in_rate, out_rate=out_rate) for s in SCHEDULES}


# -- 1. length -----------------------------------------------------------------------------


def check_length(
    make: Factory,
    in_rate: int,
    out_rate: int,
    channels: int,
    *,
    n: int = N_FRAMES,
    schedules: Mapping[str, Sequence[int]] | None = None,
    in_dtype: str = "float64",
) -> None:
    """Exact length after the flush; held back within ``[0, latency]`` before it."""
    x = noise(n, channels, dtype=in_dtype)
    want = expected_length(n, in_rate, out_rate)
    for name, sizes in _schedules(n, in_rate, out_rate, schedules).items():
        stream = make(in_rate=in_rate, out_rate=out_rate, channels=channels)
        latency = stream.latency
        y, held = stream_through(stream, x, sizes)
        for call, h in enumerate(held):
            _require(
                0 <= h <= latency,
                "length",
                lambda call=call, h=h, stream=stream, latency=latency, name=name: (
                    f"{name}: after call {call} ({stream.frames_in} frames in) the stream "
                    f"holds back {h} frames; expected 0..{latency} (its reported latency)"
                ),
            )
        _require(stream.frames_in == n, "length", f"{name}: frames_in {stream.frames_in}, fed {n}")
        _require(
            len(y) == stream.frames_out == want,
            "length",
            lambda y=y, stream=stream, name=name: (
                f"{name}: {len(y)} frames out after the flush (frames_out={stream.frames_out}); "
                f"expected {want} for {n} frames {in_rate}->{out_rate} Hz"
            ),
        )


# -- 2. chunk invariance --------------------------------------------------------------------


def check_chunk_invariance(
    make: Factory,
    in_rate: int,
    out_rate: int,
    channels: int,
    *,
    exact: bool = True,
    n: int = N_FRAMES,
    schedules: Mapping[str, Sequence[int]] | None = None,
    in_dtype: str = "float64",
) -> None:
    """Every chunking gives the one-shot output (bit-exact if ``exact``)."""
    x = noise(n, channels, dtype=in_dtype)
    one_shot, _ = stream_through(
        make(in_rate=in_rate, out_rate=out_rate, channels=channels), x, [n]
    )
    for name, sizes in _schedules(n, in_rate, out_rate, schedules).items():
        stream = make(in_rate=in_rate, out_rate=out_rate, channels=channels)
        y, _ = stream_through(stream, x, sizes)
        _require(
            y.shape == one_shot.shape,
            "chunk_invariance",
            f"{name}: shape {y.shape}, one-shot {one_shot.shape}",
        )
        if exact:
            differ = np.flatnonzero(np.any(y != one_shot, axis=1))
            _require(
                differ.size == 0,
                "chunk_invariance",
                lambda differ=differ, name=name: (
                    f"{name}: {differ.size} frames differ from one-shot output, first at "
                    f"{differ[0]} (the backend declares itself bit-exact)"
                ),
            )
        else:
            err = np.abs(y.astype(np.float64) - one_shot)
            worst = np.unravel_index(np.argmax(err), err.shape) if err.size else (0, 0)
            _require(
                not err.size or err[worst] <= CHUNK_ATOL,
                "chunk_invariance",
                lambda err=err, worst=worst, name=name: (
                    f"{name}: differs from one-shot by {err[worst]:.3g} at frame {worst[0]}; "
                    f"expected <= {CHUNK_ATOL}"
                ),
            )


# -- 3. time alignment ----------------------------------------------------------------------


def check_time_alignment(
    make: Factory, in_rate: int, out_rate: int, *, tolerance: float = ALIGNMENT_TOLERANCE
) -> float:
    """A band-limited pulse at input frame ``i`` is centred at output ``i * out / in``.

    The pulse is a Hann window with its main lobe below 1/8 of the lower
    Nyquist frequency. Returns the centre error in output frames.
    """
    width = 32 * max(2, -(-in_rate // out_rate))
    n = 8 * width + 4096
    centre = n // 2
    y = make(in_rate=in_rate, out_rate=out_rate, channels=1).process(
        hann_pulse(n, centre, width), last=True
    )
    where = centre * out_rate / in_rate
    error = centroid(y) - where
    _require(
        abs(error) <= tolerance,
        "time_alignment",
        f"pulse at input frame {centre} belongs at output {where:.3f}; measured "
        f"{centroid(y):.3f} (error {error:+.3f} frames, tolerance ±{tolerance})",
    )
    return error


# -- 4. layout ------------------------------------------------------------------------------


def check_layout(make: Factory, in_rate: int, out_rate: int) -> None:
    """1-D mono, (frames, ch), F-order and strided views agree; channels are independent."""
    n = 3000
    mono = noise(n, 1, seed=1)
    y2 = make(in_rate=in_rate, out_rate=out_rate, channels=1).process(mono, last=True)
    y1 = make(in_rate=in_rate, out_rate=out_rate, channels=1).process(mono[:, 0], last=True)
    _require(
        y1.ndim == 1 and y2.ndim == 2,
        "layout",
        f"output ndim {y1.ndim} / {y2.ndim} for 1-D / 2-D mono input, expected 1 / 2",
    )
    _require(np.array_equal(y1, y2[:, 0]), "layout", "1-D mono output differs from (frames, 1)")
    stereo = noise(n, 2, seed=2)
    ref = make(in_rate=in_rate, out_rate=out_rate, channels=2).process(stereo, last=True)
    _require(
        ref.shape == (len(y1), 2), "layout", f"stereo shape {ref.shape}, mono gave {len(y1)} frames"
    )
    wide = noise(2 * n, 4, seed=3)
    wide[::2, 1] = stereo[:, 0]
    wide[::2, 3] = stereo[:, 1]
    views = {
        "F-order": np.asfortranarray(stereo),
        "strided": wide[::2, 1::2],
        "reversed channels": stereo[:, ::-1][:, ::-1],
    }
    for label, view in views.items():
        y = make(in_rate=in_rate, out_rate=out_rate, channels=2).process(view, last=True)
        _require(np.array_equal(y, ref), "layout", f"{label} input differs from C-order")
    for c in range(2):
        alone = make(in_rate=in_rate, out_rate=out_rate, channels=1).process(
            stereo[:, c], last=True
        )
        err = float(np.max(np.abs(ref[:, c] - alone), initial=0.0))
        _require(
            err <= CHUNK_ATOL,
            "layout",
            f"channel {c} of a stereo stream differs from it resampled alone by {err:.3g}",
        )


# -- 5. dtypes ------------------------------------------------------------------------------


def check_dtype(make: Factory, in_rate: int, out_rate: int, in_dtype: str, out_dtype: str) -> None:
    """An input dtype converts exactly as the rule says; the output dtype is the stream's."""
    n = 2000
    if np.dtype(in_dtype).kind in "ui":
        x, exact = pcm_signal(in_dtype, n)
    else:
        exact = noise(n, 1)[:, 0].astype(in_dtype).astype(np.float64)
        x = exact.astype(in_dtype)
    y = make(in_rate=in_rate, out_rate=out_rate, channels=1, dtype=out_dtype).process(x, last=True)
    ref = make(in_rate=in_rate, out_rate=out_rate, channels=1, dtype=out_dtype).process(
        exact.astype(out_dtype), last=True
    )
    _require(
        y.dtype == np.dtype(out_dtype),
        "dtypes",
        f"{in_dtype} input gave {y.dtype} output from a {out_dtype} stream",
    )
    _require(len(y) == len(ref), "dtypes", f"{in_dtype} input gave {len(y)} frames, not {len(ref)}")
    err = np.max(np.abs(y.astype(np.float64) - ref), initial=0.0)
    _require(
        err == 0,
        "dtypes",
        f"{in_dtype} input: output differs by {err:.3g} from the same signal given as "
        f"{out_dtype} (integer PCM must be scaled by a power of two into [-1, 1))",
    )


def check_rejects_dtype(make: Factory, in_rate: int, out_rate: int, dtype: str) -> None:
    """An unsupported dtype raises TypeError naming the supported ones; the stream is intact."""
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    x = noise(500, 1)[:, 0]
    split = 250 if stream.capabilities.streaming else 0
    before = stream.process(x[:split]) if split else x[:0]
    counters = (stream.frames_in, stream.frames_out)
    bad = np.zeros(10, dtype=dtype)
    try:
        stream.process(bad, last=not split)
    except TypeError as exc:
        words = str(exc)
        _require(
            "int16" in words and "float32" in words,
            "dtypes",
            f"the TypeError for {dtype} lists no supported dtypes: {words}",
        )
        _require(str(bad.dtype) in words, "dtypes", f"the TypeError does not name {bad.dtype}")
    else:
        raise ConformanceError("dtypes", f"{dtype} input was accepted; expected TypeError")
    _require(
        (stream.frames_in, stream.frames_out) == counters,
        "dtypes",
        "a rejected call changed the counters",
    )
    _check_untouched(make, stream, x, split, before, "dtypes")


def _check_untouched(
    make: Factory,
    stream: Any,
    x: np.ndarray,
    split: int,
    before: np.ndarray,
    item: str,
) -> None:
    """After rejected calls, ``stream`` goes on exactly as a fresh stream fed the same.

    ``stream`` was fed ``x[:split]`` (giving ``before``) before the rejected calls.
    """
    after = stream.process(x[split:], last=True)
    fresh = make(in_rate=stream.in_rate, out_rate=stream.out_rate, channels=stream.channels)
    ref = [fresh.process(x[:split])] if split else []
    ref.append(fresh.process(x[split:], last=True))
    _require(
        np.array_equal(np.concatenate([before, after]), np.concatenate(ref)),
        item,
        "rejected calls changed the stream's state (its output differs from a fresh stream's)",
    )


# -- 6. rates -------------------------------------------------------------------------------


#: (in_rate, out_rate) pairs every backend must refuse with ``ValueError``.
BAD_RATES = (
    (0, 48000),
    (-8000, 48000),
    (22050.5, 48000),
    ("22050", 48000),
    (True, 48000),
    (48000, 0),
    (8000, 8000 * 257),
    (8000 * 257, 8000),
    (44100.0, 48000),
)


def check_bad_rates(make: Factory, in_rate: object, out_rate: object) -> None:
    """A bad rate or ratio raises ValueError naming what was expected and what was given."""
    try:
        make(in_rate=in_rate, out_rate=out_rate, channels=1)
    except ValueError as exc:
        message = str(exc)
    else:
        raise ConformanceError("rates", f"rates {in_rate!r} -> {out_rate!r} were accepted")
    if message.startswith("out_rate/in_rate"):
        _require(
            f"{out_rate}/{in_rate}" in message and "[1/256, 256]" in message,
            "rates",
            f"the ratio error does not give the ratio and the range: {message}",
        )
    else:
        bad, label = (
            (in_rate, "in_rate") if message.startswith("in_rate") else (out_rate, "out_rate")
        )
        _require(
            message.startswith(f"{label}: expected a positive integer") and repr(bad) in message,
            "rates",
            f"the error does not name the bad rate {bad!r}: {message}",
        )


def check_extreme_ratio(make: Factory, in_rate: int, out_rate: int) -> None:
    """The ratio limits (256 either way) are accepted and keep the length rule."""
    n = 4096 if in_rate < out_rate else 256 * 64
    schedules = {
        s: schedule(s, n, in_rate=in_rate, out_rate=out_rate) for s in ("1-frame", "random-1-4096")
    }
    check_length(make, in_rate, out_rate, 1, n=n, schedules=schedules)


# -- 7. flush and reset ---------------------------------------------------------------------


def check_flush_and_reset(make: Factory, in_rate: int, out_rate: int) -> None:
    """``process`` after the flush raises until ``reset()``, which restores the fresh state."""
    x = noise(1500, 2)
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=2)
    split = 700 if stream.capabilities.streaming else 0
    head = [stream.process(x[:split])] if split else []
    first = np.concatenate([*head, stream.process(x[split:], last=True)])
    _require(len(first) > 0, "flush_reset", "no output after the flush")
    for label, call in (
        ("process()", lambda: stream.process(x[:10], last=True)),
        ("process(last=True) of 0 frames", lambda: stream.process(x[:0], last=True)),
    ):
        try:
            call()
        except RuntimeError as exc:
            _require(
                "reset" in str(exc),
                "flush_reset",
                f"the error after the flush does not say how to recover: {exc}",
            )
        else:
            raise ConformanceError("flush_reset", f"{label} after last=True did not raise")
    stream.reset()
    _require(
        (stream.frames_in, stream.frames_out) == (0, 0),
        "flush_reset",
        f"reset() left counters {stream.frames_in}, {stream.frames_out}",
    )
    again = stream.process(x, last=True)
    fresh = make(in_rate=in_rate, out_rate=out_rate, channels=2).process(x, last=True)
    _require(np.array_equal(again, fresh), "flush_reset", "output after reset() differs from fresh")
    if stream.capabilities.streaming:  # reset() in mid-stream too
        stream.reset()
        stream.process(noise(333, 2, seed=9))
        stream.reset()
        chunked = np.concatenate([stream.process(x[:700]), stream.process(x[700:], last=True)])
        other = make(in_rate=in_rate, out_rate=out_rate, channels=2)
        ref = np.concatenate([other.process(x[:700]), other.process(x[700:], last=True)])
        _require(
            np.array_equal(chunked, ref), "flush_reset", "output after a mid-stream reset() differs"
        )


# -- rejected input, options, small blocks --------------------------------------------------


def check_bad_input(make: Factory, in_rate: int, out_rate: int) -> None:
    """Wrong shapes and types raise clear errors and leave the stream as it was."""
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=2)
    x = noise(800, 2)
    split = 400 if stream.capabilities.streaming else 0
    head = stream.process(x[:split]) if split else x[:0]
    cases: list[tuple[object, type[Exception], str]] = [
        (noise(10, 1), ValueError, "channels: expected 2, got 1"),
        (noise(10, 3), ValueError, "channels: expected 2, got 3"),
        (np.zeros((0, 1)), ValueError, "channels: expected 2, got 1"),
        (noise(10, 2)[:, 0], ValueError, "expected shape (frames, 2)"),
        (np.zeros((4, 2, 2)), ValueError, "3-D"),
        ([[0.0, 0.0]], TypeError, "got list"),
        (0.5, TypeError, "got float"),
    ]
    for bad, kind, words in cases:
        try:
            stream.process(bad, last=not split)  # type: ignore[arg-type]
        except kind as exc:
            _require(words in str(exc), "bad_input", f"the message {str(exc)!r} lacks {words!r}")
        else:
            raise ConformanceError("bad_input", f"{bad!r:.40} accepted; expected {kind.__name__}")
    _check_untouched(make, stream, x, split, head, "bad_input")


def check_bad_options(make: Factory, in_rate: int, out_rate: int) -> None:
    """An unknown option, an output dtype other than float32/64, 0 channels: clear errors."""
    cases: list[tuple[dict[str, Any], type[Exception], tuple[str, ...]]] = [
        ({"bogus": "1"}, TypeError, ("unknown option", "bogus", "valid options")),
        ({"dtype": "int16"}, TypeError, ("dtype: expected one of float32, float64", "int16")),
        ({"channels": 0}, ValueError, ("channels: expected a positive integer, got 0",)),
    ]
    for kwargs, kind, words in cases:
        try:
            make(**{"in_rate": in_rate, "out_rate": out_rate, "channels": 1, **kwargs})
        except kind as exc:
            missing = [w for w in words if w not in str(exc)]
            _require(not missing, "options", f"the message {str(exc)!r} lacks {missing}")
        else:
            raise ConformanceError("options", f"{kwargs} accepted; expected {kind.__name__}")


def check_small_blocks(make: Factory, in_rate: int, out_rate: int) -> None:
    """0- and 1-frame blocks are valid; an empty one-shot stream gives 0 frames."""
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=2)
    if stream.capabilities.streaming:
        for block in (np.zeros((0, 2), np.float32), np.ones((1, 2), np.int16)):
            y = stream.process(block)
            _require(y.shape[1:] == (2,), "small_blocks", f"{len(block)}-frame block: {y.shape}")
        y = stream.process(np.zeros((0, 2)), last=True)
        want = expected_length(1, in_rate, out_rate)
        _require(
            y.shape[1:] == (2,) and stream.frames_out == want,
            "small_blocks",
            f"one frame in 1-frame blocks gave {stream.frames_out} frames, expected {want}",
        )
    empty = make(in_rate=in_rate, out_rate=out_rate, channels=1).process(np.zeros(0), last=True)
    _require(empty.shape == (0,), "small_blocks", f"an empty stream gave shape {empty.shape}")


# -- latency, threads, process_into, allocations ---------------------------------------------


def check_latency_reached(make: Factory, in_rate: int, out_rate: int) -> None:
    """``latency`` is an int bound that a 1-frame feed gets close to (within 2 % + 3)."""
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    latency = stream.latency
    _require(
        isinstance(latency, int) and latency >= 0,
        "latency",
        f"latency {latency!r}: expected an int >= 0",
    )
    worst = 0
    x = np.zeros(1, np.float32)
    for _ in range(max(20000, 4 * latency * in_rate // out_rate)):
        stream.process(x)
        worst = max(worst, expected_length(stream.frames_in, in_rate, out_rate) - stream.frames_out)
    _require(worst <= latency, "latency", f"held back {worst} frames; latency says {latency}")
    _require(
        worst >= latency - 0.02 * latency - 3,
        "latency",
        f"held back at most {worst} frames over {stream.frames_in} 1-frame calls; the reported "
        f"{latency} overstates it",
    )


class _HeldArray(np.ndarray):
    """An input array that keeps a call inside the stream until told to leave.

    Reading ``ndim`` (what every validation does) signals ``inside`` and waits
    for ``leave``, so another thread can call the stream while this call is in
    progress, without relying on timing.
    """

    inside: threading.Event
    leave: threading.Event

    @property
    def ndim(self) -> int:  # type: ignore[override]
        self.inside.set()
        self.leave.wait(10)
        return super().ndim


def check_thread_guard(make: Factory, in_rate: int, out_rate: int) -> None:
    """A second thread calling a stream that is busy gets RuntimeError at once; state intact."""
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    x = noise(4000, 1, seed=1)[:, 0].astype(np.float32)
    streaming = stream.capabilities.streaming
    head = stream.process(x[:1000]) if streaming else x[:0]
    held = x[1000:2000].copy().view(_HeldArray)
    held.inside, held.leave = threading.Event(), threading.Event()
    outcome: list[object] = []

    def busy() -> None:
        try:
            outcome.append(stream.process(held, last=not streaming))
        except Exception as exc:
            outcome.append(exc)

    worker = threading.Thread(target=busy, daemon=True)
    worker.start()
    _require(held.inside.wait(10), "thread_guard", "the held call never reached validation")
    refused = []
    out = np.empty((stream.output_frames_max(4000), 1), np.float32)
    for label, call in (
        ("process()", lambda: stream.process(x[1000:2000], last=not streaming)),
        ("reset()", stream.reset),
        ("process_into()", lambda: stream.process_into(x[1000:2000, None], out, last=True)),
    ):
        try:
            call()
        except RuntimeError as exc:
            refused.append(label)
            _require(
                "thread" in str(exc), "thread_guard", f"{label}: the error does not say why: {exc}"
            )
        except Exception as exc:
            raise ConformanceError(
                "thread_guard", f"{label} from a second thread raised {exc!r}, not RuntimeError"
            ) from exc
    held.leave.set()
    worker.join(10)
    _require(
        len(refused) == 3,
        "thread_guard",
        f"calls from a second thread into a busy stream were accepted: only {refused} raised",
    )
    _require(isinstance(outcome[0], np.ndarray), "thread_guard", f"the held call: {outcome[0]!r}")
    fresh = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    if streaming:
        got = np.concatenate([head, outcome[0], stream.process(x[2000:], last=True)])
        want = np.concatenate(
            [
                fresh.process(x[:1000]),
                fresh.process(x[1000:2000]),
                fresh.process(x[2000:], last=True),
            ]
        )
    else:
        got, want = outcome[0], fresh.process(x[1000:2000], last=True)
    _require(
        np.array_equal(got, want),
        "thread_guard",
        "the refused calls changed the stream (its output differs from a fresh stream's)",
    )


#: name -> offset of x's first frame from out's first frame in one buffer, for
#: n input and m output frames: overlaps of every kind, and two that do not.
OVERLAPS: dict[str, Callable[[int, int], int]] = {
    "same start": lambda n, m: 0,
    "out starts inside x": lambda n, m: -(n // 2),
    "x starts inside out": lambda n, m: m // 2,
    "one frame, at out's end": lambda n, m: m - 1,
    "one frame, at x's end": lambda n, m: -(n - 1),
    "disjoint, x after out": lambda n, m: m,
    "disjoint, out after x": lambda n, m: -n,
}


def _shared(n: int, m: int, offset: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Views ``x`` (n frames) and ``out`` (m frames) of one buffer, ``offset`` apart."""
    out_start, x_start = max(0, -offset), max(0, offset)
    size = max(out_start + m, x_start + n)
    buf = np.full((size, channels), np.nan, np.float32)
    return buf[x_start : x_start + n], buf[out_start : out_start + m]


def check_process_into(make: Factory, in_rate: int, out_rate: int, channels: int) -> None:
    """``process_into`` equals ``process``; the two sizing answers hold; ``out`` may overlap ``x``.

    ``output_frames_next(n)`` is exactly what the next call may return and
    ``output_frames_max(n)`` bounds every call; a buffer sized with either
    holds the output. Overlapping ``x`` and ``out`` (in place) gives the same.
    """
    block = 300
    x = noise(8 * block, channels, seed=5).astype(np.float32)
    streaming = make(in_rate=in_rate, out_rate=out_rate, channels=channels).capabilities.streaming
    blocks = [x[i : i + block] for i in range(0, len(x), block)] if streaming else [x]
    ref = make(in_rate=in_rate, out_rate=out_rate, channels=channels)
    want = [ref.process(b, last=i == len(blocks) - 1) for i, b in enumerate(blocks)]
    for layout, offset in OVERLAPS.items():
        stream = make(in_rate=in_rate, out_rate=out_rate, channels=channels)
        for i, b in enumerate(blocks):
            nxt, most = stream.output_frames_next(len(b)), stream.output_frames_max(len(b))
            _require(
                len(want[i]) <= nxt <= most,
                "process_into",
                f"call {i} returned {len(want[i])} frames; output_frames_next said {nxt}, "
                f"output_frames_max {most}",
            )
            xv, ov = _shared(len(b), most, offset(len(b), most), channels)
            xv[:] = b
            n = stream.process_into(xv, ov, last=i == len(blocks) - 1)
            _require(
                np.array_equal(ov[:n], want[i]),
                "process_into",
                f"{layout}: call {i} wrote {n} frames that differ from process()'s",
            )


def check_allocation_free(make: Factory, in_rate: int, out_rate: int) -> None:
    """Warm ``process_into`` calls allocate no array memory (the capability's claim).

    Proved with :mod:`tracemalloc` (NumPy reports its data allocations to it):
    over 16 calls the traced peak above the start stays under 4 KiB — small
    Python objects only — whether blocks hold 256 or 8192 frames; and Numba's
    own allocations per call (``nrt`` statistics, which count argument
    wrappers too) do not grow with the block.
    """
    peaks, numba_allocs = {}, {}
    for n in (2048, 16384):
        stream = make(in_rate=in_rate, out_rate=out_rate, channels=1)
        x = noise(n * 24, 1, seed=6).astype(stream.dtype)
        out = np.empty((stream.output_frames_max(n), 1), stream.dtype)
        for i in range(8):  # warm up: kernels compiled, work buffers sized
            stream.process_into(x[i * n : (i + 1) * n], out)
        allocs = _numba_allocations()
        started = not tracemalloc.is_tracing()
        if started:
            tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            base, _ = tracemalloc.get_traced_memory()
            for i in range(8, 24):
                stream.process_into(x[i * n : (i + 1) * n], out)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            if started:
                tracemalloc.stop()
        peaks[n], numba_allocs[n] = peak - base, _numba_allocations() - allocs
    _require(
        max(peaks.values()) < 4096,
        "allocation",
        f"process_into allocated up to {max(peaks.values())} bytes at once over 16 warm calls "
        f"(2048-frame blocks: {peaks[2048]}, 16384: {peaks[16384]}); the backend declares "
        "itself allocation-free",
    )
    _require(
        numba_allocs[16384] <= numba_allocs[2048],
        "allocation",
        f"Numba allocations per 16 calls grow with the block: {numba_allocs}",
    )


def _numba_allocations() -> int:
    """Numba's allocation count so far (0 when Numba is not in use)."""
    import sys

    if "numba" not in sys.modules:
        return 0
    from numba.core.runtime import _nrt_python as nrt

    if not nrt.memsys_stats_enabled():
        nrt.memsys_enable_stats()
    return int(nrt.memsys_get_stats_alloc())


# -- 8. finite input, channels, one-shot ----------------------------------------------------


#: Signals at the finite-input bound of contract item 8.
BOUND_SIGNALS: dict[str, Callable[[int], np.ndarray]] = {
    "alternating ±bound": lambda n: np.where(np.arange(n) % 2 == 0, 1.0, -1.0),
    "constant +bound": lambda n: np.ones(n),
    "constant -bound": lambda n: -np.ones(n),
    "bound then silence": lambda n: np.where(
        np.arange(n) < n // 2, np.where(np.arange(n) % 2 == 0, 1.0, -1.0), 0.0
    ),
}


def check_finite_input(make: Factory, in_rate: int, out_rate: int, dtype: str, signal: str) -> None:
    """Finite input up to ``FINITE_INPUT_BOUND`` gives finite output (stereo, 512-frame blocks)."""
    n = 3000
    x = (FINITE_INPUT_BOUND * BOUND_SIGNALS[signal](n)).astype(dtype)
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=2, dtype=dtype)
    stereo = np.stack([x, -x], axis=1)
    if stream.capabilities.streaming:
        parts = [stream.process(stereo[i : i + 512]) for i in range(0, n, 512)]
        y = np.concatenate([*parts, stream.process(stereo[:0], last=True)])
    else:
        y = stream.process(stereo, last=True)
    bad = np.flatnonzero(~np.isfinite(y).all(axis=1))
    _require(
        bad.size == 0,
        "finite_input",
        lambda: f"{signal}: {bad.size} non-finite output frames, first at {bad[0]}",
    )
    # a resampler's gain is bounded (band-limited overshoot included)
    _require(
        np.max(np.abs(y), initial=0.0) <= 4 * FINITE_INPUT_BOUND,
        "finite_input",
        f"{signal}: output up to {np.max(np.abs(y)):.3g}, beyond 4 × the input bound",
    )


def check_channel_limit(make: Factory, in_rate: int, out_rate: int, *, many: int = 255) -> None:
    """A declared channel limit is refused at creation; up to it (or ``many``) channels work.

    Each channel equals the same signal resampled alone.
    """
    probe = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    limit = probe.capabilities.max_channels
    if limit is not None:
        try:
            make(in_rate=in_rate, out_rate=out_rate, channels=limit + 1)
        except ValueError as exc:
            words = str(exc)
            _require(
                words.startswith("channels:")
                and f"at most {limit}" in words
                and f"got {limit + 1}" in words,
                "channels",
                f"the refusal of {limit + 1} channels does not say so: {words}",
            )
        else:
            raise ConformanceError(
                "channels", f"{limit + 1} channels accepted; the declared limit is {limit}"
            )
    channels = limit or many
    x = noise(700, channels).astype(np.float32)
    y = make(in_rate=in_rate, out_rate=out_rate, channels=channels).process(x, last=True)
    _require(y.shape[1] == channels, "channels", f"{channels} channels in, {y.shape[1]} out")
    for c in (0, channels // 2, channels - 1):
        alone = make(in_rate=in_rate, out_rate=out_rate).process(x[:, c], last=True)
        err = float(np.max(np.abs(y[:, c] - alone), initial=0.0))
        _require(
            err <= CHUNK_ATOL,
            "channels",
            f"channel {c} of {channels} differs from it resampled alone by {err:.3g}",
        )


def check_one_shot_only(make: Factory, in_rate: int, out_rate: int) -> None:
    """A one-shot backend refuses ``last=False`` with a clear error and stays usable."""
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    x = noise(1000, 1)[:, 0]
    try:
        stream.process(x)
    except RuntimeError as exc:
        _require(
            "one-shot" in str(exc),
            "streaming",
            f"the refusal of a partial block does not say why: {exc}",
        )
    else:
        raise ConformanceError("streaming", "a one-shot backend accepted a block with last=False")
    y = stream.process(x, last=True)
    want = expected_length(len(x), in_rate, out_rate)
    _require(len(y) == want, "streaming", f"after the refusal: {len(y)} frames, expected {want}")
