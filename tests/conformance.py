"""The contract checks, one function per item of ``backends.protocol``.

Each check takes a factory ``make(in_rate=, out_rate=, channels=, dtype=)``
returning a fresh stream, and raises ``AssertionError`` naming what broke.
``test_conformance.py`` runs them over every registered backend;
``test_conformance_catches.py`` proves that each one fails on a backend broken
in the way it is meant to catch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

import backends
from backends import expected_length

Factory = Callable[..., backends.Resampler]

#: Input length for the streaming checks: long enough for soxr's and
#: libsamplerate's buffers to fill and burst several times.
N_FRAMES = 6000
#: Centre error (output frames) accepted by the alignment check: the contract
#: allows ±1, a stricter bound makes a one-frame shift fail for sure.
ALIGNMENT_TOLERANCE = 0.6
#: Chunked vs one-shot output, absolute (float32): contract item 2.
CHUNK_ATOL = 1e-6


def schedule(name: str, n: int, *, in_rate: int, out_rate: int, seed: int = 0) -> list[int]:
    """Block sizes (summing to ``n``) for one of the named feeding patterns.

    ``one-shot``, ``1-frame``, ``prime-17``, ``random-1-4096``,
    ``device-256``: the input a 256-frame device callback at the output rate
    pulls, alternating between floor and ceil of ``256 * in/out``, and
    ``whole-output``: blocks alternating between ``d`` and ``m - d`` frames,
    where ``m = in_rate / gcd`` is the smallest input giving a whole number of
    output frames, so every other block ends exactly on a whole-output
    boundary (where float phase arithmetic goes wrong) without being a
    multiple of ``m`` itself.
    """
    if name == "one-shot":
        return [n]
    if name == "1-frame":
        return [1] * n
    if name == "prime-17":
        return [17] * (n // 17) + ([n % 17] if n % 17 else [])
    if name == "random-1-4096":
        rng = np.random.default_rng(seed)
        sizes, total = [], 0
        while total < n:
            k = min(int(rng.integers(1, 4097)), n - total)
            sizes.append(k)
            total += k
        return sizes
    if name == "whole-output":
        m = min(in_rate // math.gcd(in_rate, out_rate), 4096)
        d = 1 + m // 3 if m > 1 else 1
        sizes, total = [], 0
        while total < n:
            for size in (d, m - d) if m > 1 else (1,):
                size = min(size, n - total)
                if size:
                    sizes.append(size)
                    total += size
        return sizes
    if name == "device-256":
        sizes, done, k = [], 0, 0
        while done < n:
            k += 1
            edge = min(-(-k * 256 * in_rate // out_rate), n)
            sizes.append(edge - done)
            done = edge
        return sizes
    raise ValueError(f"schedule: unknown name {name!r}")


SCHEDULES = ("one-shot", "1-frame", "prime-17", "random-1-4096", "device-256", "whole-output")


def noise(n: int, channels: int, *, seed: int = 0, dtype: str = "float64") -> np.ndarray:
    """Reproducible test input: white noise at half scale, in ``dtype`` (PCM for ints)."""
    x = 0.5 * np.random.default_rng(seed).standard_normal((n, channels))
    kind = np.dtype(dtype)
    if kind.kind in "ui":
        info = np.iinfo(kind)
        offset = 128 if kind.kind == "u" else 0
        return np.clip(
            np.round(x * 2 ** (8 * kind.itemsize - 1) + offset), info.min, info.max
        ).astype(kind)
    return x.astype(kind)


def stream_through(
    stream: backends.Resampler, x: np.ndarray, sizes: Sequence[int]
) -> tuple[np.ndarray, list[int]]:
    """Feed ``x`` in blocks of ``sizes``, the last one with ``last=True``.

    Returns the concatenated output and the held-back count
    ``expected_length(frames_in) - frames_out`` after each non-final call.
    """
    outputs, held, pos = [], [], 0
    for index, size in enumerate(sizes):
        last = index == len(sizes) - 1
        outputs.append(stream.process(x[pos : pos + size], last=last))
        pos += size
        if not last:
            held.append(
                expected_length(stream.frames_in, stream.in_rate, stream.out_rate)
                - stream.frames_out
            )
    assert pos == len(x), f"schedule covers {pos} of {len(x)} frames"
    return np.concatenate(outputs), held


def check_length_rule(
    make: Factory,
    in_rate: int,
    out_rate: int,
    channels: int,
    *,
    n: int = N_FRAMES,
    schedules: Mapping[str, Sequence[int]] | None = None,
    in_dtype: str = "float64",
) -> None:
    """Item 1: exact length after the flush, held-back within [0, latency] before."""
    x = noise(n, channels, dtype=in_dtype)
    want = expected_length(n, in_rate, out_rate)
    if schedules is None:
        schedules = {s: schedule(s, n, in_rate=in_rate, out_rate=out_rate) for s in SCHEDULES}
    for name, sizes in schedules.items():
        stream = make(in_rate=in_rate, out_rate=out_rate, channels=channels)
        latency = stream.latency
        y, held = stream_through(stream, x, sizes)
        for call, h in enumerate(held):
            assert 0 <= h <= latency, (
                f"{name}: after call {call} ({stream.frames_in} frames in) the stream holds back "
                f"{h} frames; expected 0..{latency} (its reported latency)"
            )
        assert stream.frames_in == n, f"{name}: frames_in {stream.frames_in}, fed {n}"
        assert len(y) == stream.frames_out == want, (
            f"{name}: {len(y)} frames out after the flush (frames_out={stream.frames_out}); "
            f"expected {want} for {n} frames {in_rate}->{out_rate} Hz"
        )


def check_chunk_invariance(
    make: Factory,
    in_rate: int,
    out_rate: int,
    channels: int,
    *,
    n: int = N_FRAMES,
    schedules: Mapping[str, Sequence[int]] | None = None,
    exact: bool = False,
    in_dtype: str = "float64",
) -> None:
    """Item 2: every chunking gives the one-shot output (bit-exact if ``exact``)."""
    x = noise(n, channels, dtype=in_dtype)
    one_shot, _ = stream_through(
        make(in_rate=in_rate, out_rate=out_rate, channels=channels), x, [n]
    )
    if schedules is None:
        schedules = {s: schedule(s, n, in_rate=in_rate, out_rate=out_rate) for s in SCHEDULES}
    for name, sizes in schedules.items():
        y, _ = stream_through(make(in_rate=in_rate, out_rate=out_rate, channels=channels), x, sizes)
        assert y.shape == one_shot.shape, f"{name}: shape {y.shape}, one-shot {one_shot.shape}"
        if exact:
            differ = np.flatnonzero(np.any(y != one_shot, axis=1))
            assert differ.size == 0, (
                f"{name}: {differ.size} frames differ from one-shot output, first at {differ[0]}"
            )
        else:
            err = np.abs(y.astype(np.float64) - one_shot)
            worst = np.unravel_index(np.argmax(err), err.shape)
            assert err[worst] <= CHUNK_ATOL, (
                f"{name}: differs from one-shot by {err[worst]:.3g} at frame {worst[0]}; "
                f"expected <= {CHUNK_ATOL}"
            )


def hann_pulse(n: int, centre: int, width: int) -> np.ndarray:
    """A Hann window of ``width + 1`` frames centred at ``centre``, zeros elsewhere."""
    x = np.zeros(n)
    x[centre - width // 2 : centre + width // 2 + 1] = np.hanning(width + 1)
    return x


def centroid(y: np.ndarray) -> float:
    """Time centre (in frames) of a pulse-like signal."""
    y = np.asarray(y, np.float64)
    return float(np.dot(np.arange(len(y)), y) / np.sum(y))


def check_time_alignment(
    make: Factory, in_rate: int, out_rate: int, *, tolerance: float = ALIGNMENT_TOLERANCE
) -> float:
    """Item 3: a band-limited pulse at input frame i is centred at output i*out/in.

    The pulse is a Hann window with its main lobe below 1/8 of the lower
    Nyquist frequency. Returns the measured centre error in output frames.
    """
    width = 32 * max(2, -(-in_rate // out_rate))
    n = 8 * width + 4096
    centre = n // 2
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    y = stream.process(hann_pulse(n, centre, width), last=True)
    error = centroid(y) - centre * out_rate / in_rate
    assert abs(error) <= tolerance, (
        f"pulse at input frame {centre} centred at output {centre * out_rate / in_rate:.3f} "
        f"expected; measured {centroid(y):.3f} (error {error:+.3f} frames, "
        f"tolerance ±{tolerance})"
    )
    return error


def check_layout(make: Factory, in_rate: int, out_rate: int) -> None:
    """Item 4: 1-D mono, (frames, ch), F-order and strided views all agree."""
    n = 3000
    mono = noise(n, 1, seed=1)
    y2 = make(in_rate=in_rate, out_rate=out_rate, channels=1).process(mono, last=True)
    y1 = make(in_rate=in_rate, out_rate=out_rate, channels=1).process(mono[:, 0], last=True)
    assert y1.ndim == 1 and y2.ndim == 2, f"output ndim {y1.ndim} / {y2.ndim}, expected 1 / 2"
    np.testing.assert_array_equal(y1, y2[:, 0], err_msg="1-D mono differs from (frames, 1)")

    stereo = noise(n, 2, seed=2)
    ref = make(in_rate=in_rate, out_rate=out_rate, channels=2).process(stereo, last=True)
    assert ref.shape == (len(y1), 2), f"stereo shape {ref.shape}, mono gave {len(y1)} frames"
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
        np.testing.assert_array_equal(y, ref, err_msg=f"{label} input differs from C-order")
    # Channels are independent: stereo equals each channel resampled alone.
    for c in range(2):
        alone = make(in_rate=in_rate, out_rate=out_rate, channels=1).process(
            stereo[:, c], last=True
        )
        np.testing.assert_allclose(
            ref[:, c], alone, rtol=0, atol=CHUNK_ATOL, err_msg=f"channel {c} leaks"
        )


#: Input dtype -> how to make full-scale test PCM of it from [-1, 1) floats.
PCM_CASES: dict[str, tuple[float, float]] = {
    # dtype: (offset, full scale)
    "uint8": (128, 128),
    "int8": (0, 128),
    "int16": (0, 32768),
    "int32": (0, 2**31),
}


def pcm_signal(dtype: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer PCM covering full scale (min, max, -1 LSB) and its exact float64 value."""
    offset, scale = PCM_CASES[np.dtype(dtype).name]
    info = np.iinfo(dtype)
    rng = np.random.default_rng(4)
    ints = rng.integers(info.min, info.max, size=n, endpoint=True).astype(np.int64)
    ints[:4] = [info.min, info.max, offset - 1, offset]  # full scale and -1 LSB
    pcm = ints.astype(dtype)
    return pcm, (ints - offset) / scale


def check_dtype(make: Factory, in_rate: int, out_rate: int, in_dtype: str, out_dtype: str) -> None:
    """Item 5: an input dtype converts exactly as the rule says; output dtype fixed."""
    n = 2000
    if np.dtype(in_dtype).kind in "ui":
        pcm, exact = pcm_signal(np.dtype(in_dtype).newbyteorder("=").name, n)
        x = pcm.astype(in_dtype)
    else:
        exact = noise(n, 1)[:, 0].astype(in_dtype).astype(np.float64)
        x = exact.astype(in_dtype)
    y = make(in_rate=in_rate, out_rate=out_rate, channels=1, dtype=out_dtype).process(x, last=True)
    ref = make(in_rate=in_rate, out_rate=out_rate, channels=1, dtype=out_dtype).process(
        exact.astype(out_dtype), last=True
    )
    assert y.dtype == np.dtype(out_dtype), f"{in_dtype} input gave {y.dtype}, stream is {out_dtype}"
    assert len(y) == len(ref)
    err = np.max(np.abs(y.astype(np.float64) - ref), initial=0.0)
    assert err == 0, (
        f"{in_dtype} input: output differs by {err:.3g} from the same signal given as "
        f"{out_dtype} (integer PCM must be scaled as in SUPPORTED_INPUT_DTYPES)"
    )


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


def check_rejects_dtype(make: Factory, in_rate: int, out_rate: int, dtype: str) -> None:
    """Item 5: unsupported dtypes raise TypeError naming the supported ones; state intact."""
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    x = noise(500, 1)[:, 0]
    before = stream.process(x[:250])
    counters = (stream.frames_in, stream.frames_out)
    bad = np.zeros(10, dtype=dtype)
    try:
        stream.process(bad)
    except TypeError as exc:
        assert "int16" in str(exc) and "float32" in str(exc), f"message lists no dtypes: {exc}"
        assert str(bad.dtype) in str(exc), f"message does not name {bad.dtype}: {exc}"
    else:
        raise AssertionError(f"{dtype} input was accepted; expected TypeError")
    assert (stream.frames_in, stream.frames_out) == counters, "rejected call changed counters"
    after = stream.process(x[250:], last=True)
    fresh = make(in_rate=in_rate, out_rate=out_rate, channels=1)
    ref = np.concatenate([fresh.process(x[:250]), fresh.process(x[250:], last=True)])
    np.testing.assert_array_equal(
        np.concatenate([before, after]), ref, err_msg="rejected call changed the stream's state"
    )


def check_flush_and_reset(make: Factory, in_rate: int, out_rate: int) -> None:
    """Item 7: process after the flush raises; reset() restores the fresh state."""
    x = noise(1500, 2)
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=2)
    stream.process(x[:700])
    first = stream.process(x[700:], last=True)
    assert len(first) > 0
    for call in (lambda: stream.process(x[:10]), lambda: stream.process(x[:0], last=True)):
        try:
            call()
        except RuntimeError as exc:
            assert "reset" in str(exc), f"message does not say how to recover: {exc}"
        else:
            raise AssertionError("process() after last=True did not raise")
    stream.reset()
    assert (stream.frames_in, stream.frames_out) == (0, 0), "reset() left counters"
    again = stream.process(x, last=True)
    fresh = make(in_rate=in_rate, out_rate=out_rate, channels=2).process(x, last=True)
    np.testing.assert_array_equal(again, fresh, err_msg="output after reset() differs from fresh")
    # reset() in mid-stream too, then the same chunking as a fresh stream
    stream.reset()
    stream.process(noise(333, 2, seed=9))
    stream.reset()
    chunked = np.concatenate([stream.process(x[:700]), stream.process(x[700:], last=True)])
    other = make(in_rate=in_rate, out_rate=out_rate, channels=2)
    ref = np.concatenate([other.process(x[:700]), other.process(x[700:], last=True)])
    np.testing.assert_array_equal(chunked, ref, err_msg="output after a mid-stream reset()")


def check_rejects_bad_input(make: Factory, in_rate: int, out_rate: int) -> None:
    """Shapes and types: clear errors, and the stream is unchanged afterwards."""
    stream = make(in_rate=in_rate, out_rate=out_rate, channels=2)
    x = noise(800, 2)
    head = stream.process(x[:400])
    bad_inputs: list[tuple[object, type[Exception], str]] = [
        (noise(10, 1), ValueError, "channels: expected 2, got 1"),
        (noise(10, 3), ValueError, "channels: expected 2, got 3"),
        (np.zeros((0, 1)), ValueError, "channels: expected 2, got 1"),
        (noise(10, 2)[:, 0], ValueError, "expected shape (frames, 2)"),
        (np.zeros((4, 2, 2)), ValueError, "3-D"),
        ([[0.0, 0.0]], TypeError, "got list"),
        (0.5, TypeError, "got float"),
    ]
    for bad, kind, words in bad_inputs:
        try:
            stream.process(bad)  # type: ignore[arg-type]
        except kind as exc:
            assert words in str(exc), f"message {str(exc)!r} lacks {words!r}"
        else:
            raise AssertionError(f"{bad!r:.40} accepted; expected {kind.__name__}")
    tail = stream.process(x[400:], last=True)
    fresh = make(in_rate=in_rate, out_rate=out_rate, channels=2)
    ref = np.concatenate([fresh.process(x[:400]), fresh.process(x[400:], last=True)])
    np.testing.assert_array_equal(
        np.concatenate([head, tail]), ref, err_msg="rejected calls changed the stream's state"
    )
