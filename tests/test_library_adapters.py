"""What the soxr and libsamplerate adapters fix, and what the latency probe relies on."""

from __future__ import annotations

import numpy as np
import pytest

import backends

soxr = pytest.importorskip(
    "soxr", reason="soxr is not installed: pip install 'resampler-suite[soxr]'"
)
samplerate = pytest.importorskip(
    "samplerate", reason="samplerate is not installed: pip install 'resampler-suite[samplerate]'"
)

LIBRARY_SPECS = [
    "soxr:quality=HQ",
    "soxr:quality=VHQ",
    "soxr:quality=QQ",
    "samplerate:converter=sinc_best",
    "samplerate:converter=linear",
]


def counts_after(spec: str, in_rate: int, out_rate: int, block: int, n: int) -> dict[int, int]:
    """``frames_out`` after each block of a zero feed, keyed by ``frames_in``."""
    stream = backends.create(spec, in_rate=in_rate, out_rate=out_rate)
    zeros = np.zeros(block, np.float32)
    counts = {}
    while stream.frames_in < n:
        stream.process(zeros)
        counts[stream.frames_in] = stream.frames_out
    return counts


@pytest.mark.parametrize("spec", LIBRARY_SPECS)
@pytest.mark.parametrize(("in_rate", "out_rate"), [(22050, 48000), (96000, 8000)])
def test_output_count_depends_only_on_frames_fed(spec, in_rate, out_rate):
    """The latency probe's premise: chunking does not change how much is emitted."""
    one = counts_after(spec, in_rate, out_rate, 1, 12000)
    for block in (7, 64, 1000):
        other = counts_after(spec, in_rate, out_rate, block, 12000)
        assert all(one[n] == out for n, out in other.items() if n in one), block


def test_soxr_tail_fixed_and_body_identical_to_python_soxr():
    """soxr rounds exact halves down (45937); the adapter gives the rule's 45938."""
    x = np.random.default_rng(0).standard_normal(50000).astype(np.float32)
    theirs = soxr.resample(x, 48000, 44100, quality="HQ")
    ours = backends.resample(x, 48000, 44100, backend="soxr")
    assert len(theirs) == 45937 and len(ours) == 45938 == backends.expected_length(
        50000, 48000, 44100
    )
    np.testing.assert_array_equal(ours[:45937], theirs)


@pytest.mark.parametrize(("converter", "short"), [("sinc_best", 313), ("sinc_fastest", 43)])
def test_samplerate_flush_keeps_every_frame(converter, short):
    """1 s of 22.05 -> 48 kHz in 256-frame blocks: the library alone ends short."""
    x = np.random.default_rng(1).standard_normal(22050).astype(np.float32)
    raw = samplerate.Resampler(converter, channels=1)
    parts = [raw.process(x[i : i + 256], 48000 / 22050) for i in range(0, 22050, 256)]
    parts.append(raw.process(np.zeros(0, np.float32), 48000 / 22050, end_of_input=True))
    assert sum(map(len, parts)) == 48000 - short
    stream = backends.create(f"samplerate:converter={converter}", in_rate=22050, out_rate=48000)
    out = [stream.process(x[i : i + 256]) for i in range(0, 22050, 256)]
    out.append(stream.process(x[:0], last=True))
    assert sum(map(len, out)) == 48000


def test_samplerate_linear_reads_before_its_input_and_the_adapter_copes():
    """libsamplerate's linear converter reads the frame before its buffer.

    Blocks copied into fresh arrays (as any real producer hands them over) come
    out wrong from the library alone; through the adapter they match one shot.
    """
    x = np.random.default_rng(2).standard_normal(300).astype(np.float32)
    one = samplerate.Resampler("linear", channels=1).process(x, 2.0)
    raw = samplerate.Resampler("linear", channels=1)
    copied = np.concatenate(
        [raw.process(x[:2].copy(), 2.0)]
        + [raw.process(x[i : i + 1].copy(), 2.0) for i in range(2, 300)]
    )
    n = min(len(one), len(copied))
    assert np.max(np.abs(copied[:n] - one[:n])) > 0.1  # the library's bug
    stream = backends.create("samplerate:converter=linear", in_rate=8000, out_rate=16000)
    chunked = [stream.process(x[i : i + 1].copy()) for i in range(300)]
    chunked.append(stream.process(x[:0], last=True))
    whole = backends.resample(x, 8000, 16000, backend="samplerate:converter=linear")
    np.testing.assert_array_equal(np.concatenate(chunked), whole)


@pytest.mark.parametrize("converter", ["linear", "zero_order_hold"])
@pytest.mark.parametrize(
    ("in_rate", "out_rate"),
    [
        (22050, 48000),
        (8000, 96000),
        (44100, 48000),
        # whole-number ratios: the float step 1/L lands exactly on the next
        # frame (3), short of it (7, 13) or past it (9)
        (16000, 48000),
        (8000, 56000),
        (8000, 72000),
        (1000, 13000),
    ],
)
def test_samplerate_lag_compensated(converter, in_rate, out_rate):
    """Without the lead-in drop these converters lag by about 1 and 1.5 input frames.

    When upsampling that is more than one output frame, outside the contract;
    the adapter leaves at most half a frame.
    """
    from backends import testing as cf

    make = lambda **kw: backends.create(f"samplerate:converter={converter}", **kw)  # noqa: E731
    error = cf.check_time_alignment(make, in_rate, out_rate, tolerance=0.5 + 1e-3)
    lag = {"linear": 1.0, "zero_order_hold": 1.5}[converter] * out_rate / in_rate
    assert abs(error) < lag - 0.4  # it would be near `lag` uncompensated


def test_probe_is_an_upper_bound_close_to_a_one_frame_feed():
    stream = backends.create("soxr", in_rate=8000, out_rate=96000)
    counts = counts_after("soxr", 8000, 96000, 1, 40000)
    worst = max(backends.expected_length(n, 8000, 96000) - out for n, out in counts.items())
    assert worst <= stream.latency <= worst + 12 * (1264 // 64)


def test_samplerate_whole_output_block_drops_a_frame_and_the_adapter_does_not():
    """147 frames at 22.05 -> 48 kHz give exactly 320 output frames.

    python-samplerate's output buffer of ceil(147 * ratio) fills before the
    library consumes the last input frame, which is then dropped.
    """
    ratio = 48000 / 22050
    x = np.random.default_rng(3).standard_normal(147 + 400).astype(np.float32)
    buf = np.empty(len(x) + 1, np.float32)

    def feed(raw, start, stop):
        buf[0] = x[max(start - 1, 0)]
        buf[1 : stop - start + 1] = x[start:stop]
        return raw.process(buf[1 : stop - start + 1], ratio)

    whole = feed(samplerate.Resampler("linear", channels=1), 0, len(x))
    raw = samplerate.Resampler("linear", channels=1)
    split = np.concatenate([feed(raw, 0, 147), feed(raw, 147, len(x))])
    np.testing.assert_array_equal(split[:320], whole[:320])
    assert len(split) < len(whole)  # an input frame is gone: everything after shifts
    assert np.max(np.abs(split[320:400] - whole[320:400])) > 0.1
    stream = backends.create("samplerate:converter=linear", in_rate=22050, out_rate=48000)
    chunked = np.concatenate([stream.process(x[:147]), stream.process(x[147:], last=True)])
    np.testing.assert_array_equal(
        chunked, backends.resample(x, 22050, 48000, backend="samplerate:converter=linear")
    )


WHOLE_UP_RATIOS = [2, 3, 5, 6, 7, 10, 13, 16]


@pytest.mark.parametrize("factor", WHOLE_UP_RATIOS)
@pytest.mark.parametrize("in_rate", [8000, 1000, 3000])
def test_samplerate_linear_is_exact_linear_interpolation_at_whole_number_up_ratios(in_rate, factor):
    """With a whole-number ratio the adapter removes the converter's lag exactly.

    So ``samplerate:converter=linear`` must equal ``linear`` (exact phase) up
    to float32 rounding, to the last frame, in one shot and in any chunking.
    Before the fix a rounding-early output filled python-samplerate's buffer
    and a call's last input frame was lost (the tail of a one-shot; every
    later frame of a chunked stream).
    """
    from backends import testing as cf

    out_rate = in_rate * factor
    x = cf.noise(1500, 1)[:, 0]
    want = backends.resample(x, in_rate, out_rate, backend="linear", dtype="float64")
    for name in ("one-shot", "1-frame", "prime-17", "random-1-4096"):
        stream = backends.create(
            "samplerate:converter=linear", in_rate=in_rate, out_rate=out_rate, dtype="float64"
        )
        got, _ = cf.stream_through(
            stream, x, cf.schedule(name, len(x), in_rate=in_rate, out_rate=out_rate)
        )
        assert len(got) == len(want)
        err = np.abs(got - want)
        assert err.max() < 1e-6, f"{name}: differs by {err.max():.3g} from frame {err.argmax()}"
