"""The compare runner: kernels compiled once before the checks fork, a hung warm-up cut off."""

from __future__ import annotations

import io
import os
import time

import pytest
from rich.console import Console

import backends
from backends.builtin.linear import LinearResampler
from harness.measuring.runner import run_checks, warm_up
from harness.measuring.settings import QUICK
from harness.results.gates import load_thresholds


class CompilesOnce(LinearResampler):
    """Linear interpolation that "compiles" on its first call in a process, as a JIT
    library without an on-disk cache does; each compilation is logged with its pid."""

    name = "test-jit"
    summary = "test fake"
    log_path = ""
    compiled = False

    def _process(self, x, out, *, last):
        if not CompilesOnce.compiled:
            with open(CompilesOnce.log_path, "a") as log:
                log.write(f"{os.getpid()}\n")
            CompilesOnce.compiled = True
        return super()._process(x, out, last=last)


@pytest.fixture
def jit(tmp_path, monkeypatch):
    monkeypatch.setattr(CompilesOnce, "log_path", str(tmp_path / "compiled.log"))
    monkeypatch.setattr(CompilesOnce, "compiled", False)
    backends.register(CompilesOnce.name, CompilesOnce, replace=True)
    yield tmp_path / "compiled.log"
    backends.unregister(CompilesOnce.name)


def test_every_check_inherits_the_kernels_compiled_before_the_fork(jit):
    settings = QUICK.with_(
        rate_pairs=((22050, 48000),), stream_pairs=((22050, 48000),), drift_seconds=1.0
    )
    rows = run_checks(
        [backends.Variant(CompilesOnce.name)],
        settings,
        ["drift", "dtype", "nonfinite"],
        load_thresholds(),
        console=Console(file=io.StringIO()),
    )
    assert {r["check"] for r in rows} == {"drift", "dtype", "nonfinite"}
    assert not [r for r in rows if r["metric"] == "check_failed"]
    # One compilation, in this process: none in the three forked checks.
    assert jit.read_text().split() == [str(os.getpid())]


class HangsOnStereo(LinearResampler):
    name = "test-hang"
    summary = "test fake"
    finished = False

    def _process(self, x, out, *, last):
        if self.channels == 2:
            time.sleep(30)
            HangsOnStereo.finished = True
        return super()._process(x, out, last=last)


def test_a_warm_up_that_hangs_is_cut_off_and_left_to_the_checks():
    backends.register(HangsOnStereo.name, HangsOnStereo, replace=True)
    try:
        seen = []
        warm_up(
            [backends.Variant(HangsOnStereo.name), backends.Variant("linear")],
            timeout=0.5,
            describe=seen.append,
        )
    finally:
        backends.unregister(HangsOnStereo.name)
    assert not HangsOnStereo.finished  # interrupted, not waited out
    assert seen == ["warming up · test-hang", "warming up · linear"]
    # The alarm is disarmed afterwards: a TimeoutError here would fail the test.
    time.sleep(0.6)
