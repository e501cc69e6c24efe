"""Each harness check flags the backend broken the way it is meant to catch.

The fakes are real streams (linear interpolation underneath) with one defect
each, registered like any third-party backend. Assertions are on what the
checks record, never on how long anything took.
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
import pytest

import backends
from backends.builtin.linear import LinearResampler
from backends.stream import StreamResampler
from harness.measuring.checks import CHECKS
from harness.measuring.settings import QUICK
from harness.results.gates import load_thresholds
from harness.results.store import Recorder

TINY = QUICK.with_(
    rate_pairs=((22050, 48000),),
    stream_pairs=((22050, 48000),),
    blocksizes=(64,),
    drift_seconds=3.0,
    drift_max_calls=2_000,
    timing_seconds=0.5,
    gil_seconds=0.2,
    quality_seconds=1,
    throughput_seconds=0.5,
    throughput_repeats=1,
)


class Wrapped(StreamResampler):
    """A stream around ``linear`` whose subclasses tamper with one thing."""

    summary = "test fake"

    def _open(self):
        self.inner = LinearResampler(
            in_rate=self.in_rate, out_rate=self.out_rate, channels=self.channels, dtype=self.dtype
        )
        self.calls = 0

    @property
    def latency(self):
        return self.inner.latency

    def _reset(self):
        self.inner.reset()
        self.calls = 0

    def output_frames_max(self, n_in):
        return self.inner.output_frames_max(n_in)

    def _process(self, x, out, *, last):
        y = self.tamper(self.inner.process(x, last=last))
        self.calls += 1
        out[: len(y)] = y
        return len(y)

    def tamper(self, y):
        return y


class DropsFrame(Wrapped):
    name = "fake-drop"

    def tamper(self, y):
        return y[1:] if self.calls % 50 == 49 and len(y) else y


class MisscalesInt16(Wrapped):
    name = "fake-int16"

    def process(self, x, /, *, last=False):
        if isinstance(x, np.ndarray) and x.dtype == np.int16:
            x = x.astype(np.float64) / 32767
        return super().process(x, last=last)


SLEEP_S, SLEEP_EVERY = 0.006, 10


class SleepsPastBudget(Wrapped):
    name = "fake-sleep"

    def tamper(self, y):
        if self.calls % SLEEP_EVERY == SLEEP_EVERY - 1:
            time.sleep(SLEEP_S)
        return y


class OneFrameLate(Wrapped):
    name = "fake-late"

    def _open(self):
        super()._open()
        self._carry = np.zeros((1, self.channels), self.dtype)

    def tamper(self, y):
        joined = np.concatenate([self._carry, y])
        self._carry = joined[-1:]
        return joined[:-1]


class Aliases(Wrapped):
    """Linear interpolation (images up, aliases down) under the band-limited gates."""

    name = "fake-alias"


class OneShotOnly(LinearResampler):
    """Linear interpolation declared one-shot only, as scipy and resampy are."""

    name = "fake-one-shot"
    summary = "test fake"
    CAPABILITIES = backends.Capabilities(streaming=False)


FAKES = [DropsFrame, MisscalesInt16, SleepsPastBudget, OneFrameLate, Aliases, OneShotOnly]


pytestmark = pytest.mark.usefixtures("fakes_registered")


def measure(check, name, settings=TINY):
    variant = backends.Variant(name)
    rec = Recorder(variant, check, load_thresholds())
    CHECKS[check](variant, settings, rec)
    return rec.rows


def failed(rows, metric):
    return [r for r in rows if r["metric"] == metric and r.get("passed") is False]


def passed_all(rows):
    return all(r.get("passed", True) for r in rows)


def test_drift_flags_the_dropped_frames_and_passes_linear():
    assert passed_all(measure("drift", "linear"))
    rows = measure("drift", "fake-drop")
    bad = failed(rows, "final_error_frames")
    assert bad and all(r["value"] < 0 for r in bad)
    assert {r["schedule"] for r in bad} >= {"prime-17", "1-frame"}


def test_drift_records_the_seed_drift_over_session_time():
    rows = measure("drift", "seed", TINY.with_(drift_seconds=12.0, drift_max_calls=100_000))
    series = [r for r in rows if r["metric"] == "error_frames" and r["schedule"] == "prime-17"]
    assert [r["x"] for r in series][:3] == [1.0, 2.0, 3.0]
    values = [r["value"] for r in series]
    assert values[-1] < values[0] < 0  # 17 frames -> 37.007 outputs, rounded to 37: loses


def test_dtype_flags_misscaled_int16_only():
    rows = measure("dtype", "fake-int16")
    bad = failed(rows, "max_abs_error")
    assert {r["dtype"] for r in bad} == {"int16"}  # 1/32767 vs 1/32768 at full scale
    assert next(r for r in bad)["value"] > 3e-5
    assert passed_all(measure("dtype", "linear"))


def test_timing_counts_the_injected_stalls_and_fails_the_gate():
    rows = measure("timing", "fake-sleep")
    by = {(r["metric"], r["mode"]): r for r in rows if "x" not in r}
    callbacks = by[("callbacks", "callback")]["value"]
    stalls = callbacks // SLEEP_EVERY  # roughly one resampler call per callback
    assert by[("deadline_misses", "callback")]["value"] >= stalls - 2
    assert by[("callback_p95_us", "callback")]["passed"] is False
    # A sleep lasts at least as long as asked: a lower bound, not a timing threshold.
    assert by[("callback_max_us", "callback")]["value"] >= SLEEP_S * 1e6


def test_timing_records_burst_share_and_startup_for_soxr():
    rows = measure("timing", "soxr")
    zero = [r for r in rows if r["metric"] == "zero_output_calls_pct" and r["mode"] == "callback"]
    startup = [r for r in rows if r["metric"] == "startup_input_frames"]
    assert zero[0]["value"] > 10  # soxr HQ returns nothing on many small calls
    assert startup[0]["value"] > 100  # its filter must fill before any output


def test_quality_flags_a_one_frame_offset():
    rows = measure("quality", "fake-late")
    bad = failed(rows, "delay_frames")
    assert bad and 0.9 < bad[0]["value"] < 1.1
    assert not failed(measure("quality", "linear"), "delay_frames")


@pytest.mark.parametrize(
    ("pair", "metric"),
    [((22050, 48000), "image_rejection_db"), ((48000, 22050), "aliasing_rejection_db")],
    ids=["images up", "aliases down"],
)
def test_quality_flags_images_and_aliases_under_default_gates(pair, metric):
    at = TINY.with_(rate_pairs=(pair,))
    assert failed(measure("quality", "fake-alias", at), metric)
    assert not failed(measure("quality", "soxr", at), metric)


def test_quality_shows_seed_jitter_and_linear_continuity():
    seed = {r["metric"]: r["value"] for r in measure("quality", "seed")}
    linear = {r["metric"]: r["value"] for r in measure("quality", "linear")}
    assert seed["snr_local_db"] < 30 < 45 < linear["snr_local_db"]
    assert linear["continuity_snr_db"] == 400.0  # bit-exact
    assert seed["continuity_snr_db"] < 0  # lengths differ


def test_throughput_rows_cover_each_scenario():
    rows = measure("throughput", "linear")
    scenarios = {(r["channels"], r["schedule"]) for r in rows if r["metric"] == "msamples_per_s"}
    assert scenarios == {(1, "oneshot"), (1, "streaming"), (2, "oneshot"), (2, "streaming")}
    assert all(r["value"] > 0 for r in rows)


class StickyNaN(Wrapped):
    """Once a NaN goes in, every later output is NaN (a state that never recovers)."""

    name = "fake-sticky-nan"

    def _open(self):
        super()._open()
        self.poisoned = False

    def _reset(self):
        super()._reset()
        self.poisoned = False

    def tamper(self, y):
        self.poisoned = self.poisoned or not np.isfinite(y).all()
        return np.full_like(y, np.nan) if self.poisoned else y


class ResetKeepsState(Wrapped):
    """reset() forgets to reset the inner stream."""

    name = "fake-bad-reset"

    def _reset(self):
        self.calls = 0


def test_nonfinite_flags_a_stream_that_never_recovers_and_a_broken_reset():
    backends.register(StickyNaN.name, StickyNaN, replace=True)
    backends.register(ResetKeepsState.name, ResetKeepsState, replace=True)
    try:
        sticky = measure("nonfinite", StickyNaN.name)
        bad_reset = measure("nonfinite", ResetKeepsState.name)
    finally:
        backends.unregister(StickyNaN.name)
        backends.unregister(ResetKeepsState.name)
    assert {r["dtype"] for r in failed(sticky, "recovers")} == {"nan", "inf"}
    assert failed(bad_reset, "reset_recovers")
    good = {(r["metric"], r["dtype"]): r["value"] for r in measure("nonfinite", "linear")}
    assert good[("recovers", "nan")] == 1 and good[("contaminated_frames", "nan")] == 5


@pytest.mark.parametrize("check", list(CHECKS))
def test_a_one_shot_only_backend_is_measured_where_it_applies_and_marked_elsewhere(check):
    """Every check runs without error; what needs blocks says why it did not apply."""
    rows = measure(check, "fake-one-shot")
    assert not [r for r in rows if r["metric"] == "check_failed"], rows
    skipped = [r for r in rows if r["metric"] == "not_applicable"]
    assert all(r["error"].startswith("one-shot only") for r in skipped)
    if check in ("timing", "quality", "throughput"):
        assert skipped, f"{check}: the streaming part is not marked as not applicable"
    if check == "timing":
        assert len(rows) == 1
    else:
        assert [r for r in rows if r["metric"] != "not_applicable"]
    if check in ("drift", "dtype", "nonfinite"):  # the contract holds one-shot too
        assert passed_all(rows), [r for r in rows if r.get("passed") is False]


@pytest.fixture
def transition_aliasing(monkeypatch):
    """numba-sinc with its stopband from 109 % of Nyquist: the band just beyond the
    Nyquist frequency aliases into the transition band, 10 % beyond is rejected."""
    from dataclasses import replace

    from backends.builtin import numba_sinc, sinc_design
    from backends.validation import Choice

    spec = replace(sinc_design.PRESETS["hq"], stopband=1.09)
    monkeypatch.setitem(sinc_design.PRESETS, "test-alias", spec)
    sinc_design.clear_caches()

    class TransitionAliasing(numba_sinc.NumbaSincResampler):
        name = "fake-transition-alias"
        OPTIONS: ClassVar = {"quality": Choice(("test-alias",), default="test-alias")}

    backends.register(TransitionAliasing.name, TransitionAliasing, replace=True)
    yield TransitionAliasing.name
    backends.unregister(TransitionAliasing.name)
    sinc_design.clear_caches()


@pytest.mark.parametrize("pair", [(22050, 48000), (48000, 16000)])
def test_quality_shows_aliasing_into_the_transition_band(transition_aliasing, pair):
    settings = TINY.with_(rate_pairs=(pair,))
    by_metric = {r["metric"]: r["value"] for r in measure("quality", transition_aliasing, settings)}
    ten = by_metric.get("aliasing_rejection_db", by_metric.get("image_rejection_db"))
    assert ten > 150  # 10 % beyond Nyquist: in the stopband
    assert by_metric["edge_rejection_db"] < 40  # 2 % beyond: aliased, barely attenuated
    clean = {r["metric"]: r["value"] for r in measure("quality", "numba-sinc", settings)}
    assert clean["edge_rejection_db"] > 150
