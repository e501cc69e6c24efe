"""``python -m harness compare/show``: arguments, saved runs, before/after, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import backends
from harness import cli
from harness.results import COLUMNS, load_run, load_runs, save_run, to_frame

FAST = [
    "--backends",
    "linear,soxr:quality=QQ",
    "--checks",
    "dtype,quality",
    "--rates",
    "22050:48000",
]


def summary_block(text: str) -> str:
    """The summary table's lines: from the run title to the table's bottom edge."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("run "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("└"))
    return "\n".join(lines[start : end + 1])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "--rates", "22050-48000"], "--rates: expected IN:OUT pairs"),
        (["compare", "--rates", "22050:0"], "out_rate: expected a positive integer"),
        (["compare", "--rates", "8000:4000000"], "ratio within [1/256, 256]"),
        (["compare", "--blocksizes", "0,64"], "--blocksizes: expected positive integers"),
        (["compare", "--backends", "soxx"], "--backends: expected one of seed, linear"),
        (["compare", "--backends", "soxr:qualty=HQ"], "soxr has no option 'qualty'"),
        (["compare", "--checks", "drift,speed"], "--checks: expected names from"),
        (["compare", "--quick", "--full"], "not allowed with argument"),
        (["compare", "--jobs", "0"], "--jobs: expected a positive integer, got 0"),
        (["compare", "--against", "no-such-run"], "run 'no-such-run' matches no run"),
        (["show", "no-such-run"], "run 'no-such-run' matches no run"),
    ],
)
def test_usage_errors_exit_2_with_a_message(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(
            [*argv, "--out", str(tmp_path)] if argv[0] != "compare" or "--out" not in argv else argv
        )
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_compare_saves_a_run_that_show_reproduces(tmp_path, capsys):
    assert cli.main(["compare", *FAST, "--out", str(tmp_path), "--label", "first run"]) == 0
    printed = capsys.readouterr().out
    (run_dir,) = tmp_path.iterdir()
    assert run_dir.name.endswith("-first-run")
    assert {p.name for p in run_dir.iterdir()} == {
        "measurements.csv",
        "measurements.parquet",
        "meta.json",
    }
    meta = json.loads((run_dir / "meta.json").read_text())
    for key in (
        "utc",
        "git",
        "python",
        "packages",
        "cpu",
        "cores",
        "os",
        "command",
        "seed",
        "thresholds",
        "settings",
        "targets",
        "wall_seconds",
    ):
        assert key in meta, key
    soxr_info = next(i for i in backends.available_backends() if i.name == "soxr")
    assert meta["packages"]["soxr"] == soxr_info.version
    assert "snr_db_min" in printed and "Gates" in printed  # thresholds printed with results

    assert cli.main(["show", run_dir.name[:10], "--out", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert summary_block(shown) == summary_block(printed)
    assert "linear" in summary_block(shown) and "PASS" in summary_block(shown)


def test_saved_run_round_trips(tmp_path):
    rows = [
        {
            "backend": "linear",
            "options": "",
            "variant": "linear",
            "baseline": False,
            "check": "quality",
            "metric": "snr_db",
            "value": 50.25,
            "unit": "dB",
            "in_rate": 22050,
            "out_rate": 48000,
            "threshold": 45.0,
            "limit_key": "snr_db_min",
            "passed": True,
            "gated": True,
        },
        {
            "backend": "seed",
            "options": "rounding=int",
            "variant": "seed:rounding=int",
            "baseline": True,
            "check": "drift",
            "metric": "error_frames",
            "value": -919.0,
            "unit": "frames",
            "x": 180.0,
            "x_unit": "s",
            "schedule": "random-1-4096",
        },
    ]
    df = to_frame(rows, "r1")
    run_dir = save_run(df.copy(), {"run_id": "r1", "label": "x"}, tmp_path)
    for loader in (
        lambda: load_run("r1", tmp_path)[0],
        lambda: pd.read_csv(run_dir / "measurements.csv"),
    ):
        back = loader()
        assert list(back.columns) == COLUMNS
        assert back["value"].tolist() == [50.25, -919.0]
        assert back["variant"].tolist() == ["linear", "seed:rounding=int"]
        assert bool(back["passed"].iloc[0]) is True
    again = save_run(df.copy(), {"run_id": "r1"}, tmp_path)  # same id: a new directory
    assert again.name == "r1-2" and (run_dir / "meta.json").is_file()
    both = load_runs(tmp_path)
    assert len(both) == 4 and set(both["run_id"]) == {"r1", "r1-2"}
    assert "label" in both.columns


def test_against_prints_ratios(tmp_path, capsys):
    cli.main(["compare", *FAST, "--out", str(tmp_path), "--label", "before"])
    capsys.readouterr()
    assert (
        cli.main(
            ["compare", *FAST, "--out", str(tmp_path), "--label", "after", "--against", "latest"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "against" in out and "after/before" in out
    assert "SNR dB" in out  # the metric rows


def test_exit_1_when_a_production_backend_fails_a_gate(tmp_path, capsys):
    class Silent(backends.backend_class("linear")):
        """Outputs the right number of frames, all zero: fails quality gates."""

        name = "test-silent"
        summary = "a broken test backend"

        def _interpolate(self, x, out):
            out[:] = 0

    backends.register("test-silent", Silent, replace=True)
    try:
        code = cli.main(
            [
                "compare",
                "--backends",
                "test-silent,seed",
                "--checks",
                "quality",
                "--rates",
                "22050:48000",
                "--out",
                str(tmp_path),
            ]
        )
    finally:
        backends.unregister("test-silent")
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "REF" in out  # the seed fails too, but is not gated


def test_exit_0_when_only_the_baseline_fails(tmp_path, capsys):
    code = cli.main(
        [
            "compare",
            "--backends",
            "seed",
            "--checks",
            "quality",
            "--rates",
            "22050:48000",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    df, _ = load_run("latest", tmp_path)
    assert (df["passed"] == False).any() and not df["gated"].fillna(False).astype(bool).any()  # noqa: E712


def test_results_have_no_nan_values_except_failed_checks(tmp_path):
    cli.main(["compare", *FAST, "--out", str(tmp_path)])
    df, _ = load_run("latest", tmp_path)
    assert np.isfinite(df["value"]).all()


def test_report_command_writes_one_html_file(tmp_path, capsys):
    cli.main(["compare", *FAST, "--out", str(tmp_path / "runs")])
    html = tmp_path / "r.html"
    assert (
        cli.main(["report", "latest", "--results", str(tmp_path / "runs"), "--out", str(html)]) == 0
    )
    text = html.read_text()
    assert 'id="fig-speed-quality"' in text and "data:image/png;base64," in text
    with pytest.raises(SystemExit) as info:
        cli.main(["report", "nope", "--results", str(tmp_path / "runs"), "--out", str(html)])
    assert info.value.code == 2


def test_a_backend_that_hangs_or_crashes_fails_its_check_and_the_run_completes(tmp_path, capsys):
    import os
    import time

    class Hangs(backends.backend_class("linear")):
        """Fine, except on int16 input (the dtype check): sleeps forever."""

        name = "test-hangs"

        def process(self, x, /, *, last=False):
            if getattr(x, "dtype", None) == np.int16:
                time.sleep(3600)
            return super().process(x, last=last)

    class Crashes(backends.backend_class("linear")):
        """Takes the interpreter down on 1-frame blocks (the drift check's last schedule)."""

        name = "test-crashes"

        def process(self, x, /, *, last=False):
            if len(x) == 1:
                os._exit(70)
            return super().process(x, last=last)

    backends.register("test-hangs", Hangs, replace=True)
    backends.register("test-crashes", Crashes, replace=True)
    try:
        code = cli.main(
            [
                "compare",
                "--backends",
                "test-hangs,test-crashes,linear",
                "--checks",
                "drift,dtype",
                "--rates",
                "22050:48000",
                "--check-timeout",
                "20",
                "--out",
                str(tmp_path),
            ]
        )
    finally:
        backends.unregister("test-hangs")
        backends.unregister("test-crashes")
    assert code == 1
    df, _ = load_run("latest", tmp_path)
    failed = df[df["metric"] == "check_failed"].set_index(["variant", "check"])["error"]
    assert "dtype did not finish within 20 s" in failed[("test-hangs", "dtype")]
    assert "drift crashed the interpreter (exit code 70)" in failed[("test-crashes", "drift")]
    # everything else ran and was saved
    assert (df[(df["variant"] == "linear")]["check"].unique().tolist()) == ["drift", "dtype"]
    assert (df[(df["variant"] == "test-hangs") & (df["check"] == "drift")]["passed"] != False).all()  # noqa: E712


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["soak", "--minutes", "0"], "--minutes: expected a positive number, got 0"),
        (["soak", "--swap-every", "-1"], "--swap-every: expected a positive number, got -1"),
        (["play", "--duration", "-1"], "--duration: expected a positive number, got -1"),
        (["play", "--blocksize", "8"], "--blocksize: expected >= 16, got 8"),
        (["play", "--swap-order", "linear,soxx"], "--swap-order"),
    ],
)
def test_play_and_soak_usage_errors_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err
