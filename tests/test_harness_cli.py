"""``python -m harness compare/show``: arguments, saved runs, before/after, exit codes."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backends
from harness import cli
from harness.cli import runs
from harness.measuring.settings import parse_blocksizes, parse_rate_pairs, select_variants
from harness.results.gates import load_thresholds
from harness.results.store import (
    COLUMNS,
    load_run,
    load_runs,
    save_run,
    save_run_or_fallback,
    to_frame,
)

FAST = [
    "--backends",
    "linear,soxr:quality=QQ",
    "--checks",
    "dtype,quality",
    "--rates",
    "22050:48000",
]


def summary_block(text: str) -> str:
    """The summary tables' lines: from the run title to the gates table."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("run "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Gates"))
    return "\n".join(lines[start:end])


@pytest.fixture
def measured(monkeypatch) -> list:
    """Records each call of the real ``run_checks``: whether anything was measured."""
    calls = []
    real = runs.run_checks

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(runs, "run_checks", spy)
    return calls


def usage_error(argv: list[str], capsys) -> str:
    """Run the CLI expecting a usage error; return its one ``error:`` line."""
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if not line.startswith(("usage:", " "))]
    assert "error: " in line
    return line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "--rates", "22050-48000"], "--rates: expected IN:OUT pairs"),
        (["compare", "--rates", "22050:0"], "--rates: out_rate: expected a positive integer"),
        (["compare", "--rates", "8000:4000000"], "--rates: out_rate/in_rate: expected a ratio"),
        (["compare", "--rates", "²²050:48000"], "--rates: expected IN:OUT pairs"),
        (["compare", "--rates", "22050:４8000"], "--rates: expected IN:OUT pairs"),
        (["compare", "--rates", ""], "--rates: expected IN:OUT pairs"),
        (["compare", "--rates", "22050:48000,"], "--rates: expected IN:OUT pairs"),
        (["compare", "--rates", "22050:48000:96000"], "--rates: expected IN:OUT pairs"),
        (["compare", "--blocksizes", "0,64"], "--blocksizes: expected integers from 1"),
        (["compare", "--blocksizes", "abc"], "--blocksizes: expected integers from 1"),
        (["compare", "--blocksizes", "64,²"], "--blocksizes: expected integers from 1"),
        (["compare", "--blocksizes", ""], "--blocksizes: expected integers from 1"),
        (["compare", "--blocksizes", "-64"], "--blocksizes: expected integers from 1"),
        (["compare", "--blocksizes", "99999999"], "--blocksizes: expected integers from 1"),
        (["compare", "--backends", "soxx"], "--backends: expected one of seed, linear"),
        (["compare", "--backends", ""], "--backends: expected NAME"),
        (["compare", "--backends", " , "], "--backends: expected NAME"),
        (["compare", "--backends", "soxr:qualty=HQ"], "--backends: backend 'soxr': unknown option"),
        (["compare", "--backends", "linear:quality=HQ"], "--backends: backend 'linear': unknown"),
        (["compare", "--backends", "soxr:quality=XX"], "--backends: soxr option quality: expected"),
        (["compare", "--backends", "linear,soxr:quality="], "--backends: expected key=value"),
        (["compare", "--checks", "drift,speed"], "--checks: expected names from"),
        (["compare", "--checks", ""], "--checks: expected names from"),
        (["compare", "--quick", "--full"], "not allowed with argument"),
        (["compare", "--jobs", "0"], "--jobs: expected a positive integer, got 0"),
        (["compare", "--jobs", "-1"], "--jobs: expected a positive integer, got -1"),
        (["compare", "--jobs", "two"], "argument --jobs: invalid int value"),
        (["compare", "--seed", "-1"], "--seed: expected an integer >= 0, got -1"),
        (["compare", "--seed", "1.5"], "argument --seed: invalid int value"),
        (["compare", "--check-timeout", "nan"], "--check-timeout: expected seconds in (0,"),
        (["compare", "--check-timeout", "inf"], "--check-timeout: expected seconds in (0,"),
        (["compare", "--check-timeout=-inf"], "--check-timeout: expected seconds in (0,"),
        (["compare", "--check-timeout", "0"], "--check-timeout: expected seconds in (0,"),
        (["compare", "--check-timeout", "-1"], "--check-timeout: expected seconds in (0,"),
        (["compare", "--check-timeout", "1e300"], "--check-timeout: expected seconds in (0,"),
        (["compare", "--against", "no-such-run"], "run 'no-such-run' matches no run"),
        (["show", "no-such-run"], "run 'no-such-run' matches no run"),
    ],
)
def test_usage_errors_exit_2_with_one_line_naming_the_flag(
    argv, message, tmp_path, capsys, measured
):
    """Rejected before anything is measured or saved, with one line, never a traceback."""
    out = tmp_path / "runs"
    line = usage_error(
        [*argv, "--checks", "dtype", "--out", str(out)]
        if argv[0] == "compare" and "--checks" not in argv
        else [*argv, "--out", str(out)],
        capsys,
    )
    assert message in line
    assert measured == [] and not out.exists()


def test_compare_saves_a_run_that_show_reproduces(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)  # not a terminal: 80 columns
    out = tmp_path / "[soxr] runs"  # rich markup must not eat it
    assert cli.main(["compare", *FAST, "--out", str(out), "--label", "first run"]) == 0
    printed = capsys.readouterr().out
    (run_dir,) = out.iterdir()
    assert run_dir.name.endswith("-first-run")
    assert f"saved {run_dir} (" in printed
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
        "variants",
        "wall_seconds",
        "measurements",
    ):
        assert key in meta, key
    soxr_info = next(i for i in backends.available_backends() if i.name == "soxr")
    assert meta["packages"]["soxr"] == soxr_info.version
    assert "snr_db_min" in printed and "Gates" in printed  # thresholds printed with results
    *tables, saved = printed.splitlines()  # the last line is a message, never cut
    assert saved.startswith("saved ") and max(map(len, tables)) <= 80 and "…" not in printed

    assert cli.main(["show", run_dir.name[:10], "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert summary_block(shown) == summary_block(printed)
    assert "linear" in summary_block(shown) and "PASS" in summary_block(shown)
    assert f"run directory: {run_dir}" in shown


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
    gates = load_thresholds().text
    run_dir = save_run(df.copy(), {"run_id": "r1", "label": "x", "thresholds": gates}, tmp_path)
    for loader in (
        lambda: load_run("r1", tmp_path)[0],
        lambda: pd.read_csv(run_dir / "measurements.csv"),
    ):
        back = loader()
        assert list(back.columns) == COLUMNS
        assert back["value"].tolist() == [50.25, -919.0]
        assert back["variant"].tolist() == ["linear", "seed:rounding=int"]
        assert bool(back["passed"].iloc[0]) is True
    again = save_run(df.copy(), {"run_id": "r1", "thresholds": gates}, tmp_path)  # a new directory
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
    assert "-after against " in out and "after/" in out
    snr = [line.split() for line in out.splitlines() if line.startswith("  SNR dB ")]
    assert len(snr) == 2 and all(len(cells) == 5 for cells in snr)  # before, after, ratio


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


def writable(path: Path) -> bool:
    try:
        os.rmdir(tempfile.mkdtemp(dir=path))
    except OSError:
        return False
    return True


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Make ``path`` a directory nobody can write to, root included (chmod, else chattr +i)."""
    path.chmod(0o555)
    immutable = (
        writable(path)
        and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    )
    try:
        if writable(path):
            pytest.skip("cannot make a directory unwritable here (root, and no chattr +i)")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o755)


@pytest.mark.parametrize("problem", ["a file", "under a file", "not writable"])
def test_compare_checks_out_before_measuring(problem, tmp_path, capsys, measured):
    (tmp_path / "file").write_text("not a directory")
    out = {
        "a file": tmp_path / "file",
        "under a file": tmp_path / "file" / "results",
        "not writable": tmp_path / "locked" / "results",
    }[problem]
    (tmp_path / "locked").mkdir()
    with locked(tmp_path / "locked"):
        line = usage_error(["compare", *FAST, "--out", str(out)], capsys)
    assert (
        "--out: expected a" in line
        and str(out.parent if problem == "not writable" else tmp_path / "file") in line
    )
    assert measured == []
    assert (tmp_path / "file").read_text() == "not a directory"


def saved_instead(err: str) -> Path:
    """The fallback run directory named in the error message."""
    (line,) = [line for line in err.splitlines() if line.startswith("saved it to ")]
    return Path(line.removeprefix("saved it to ").rsplit(" instead", 1)[0])


@pytest.mark.parametrize("failure", ["disk full after the CSV", "permissions changed mid-run"])
def test_a_run_that_cannot_be_saved_is_saved_elsewhere_and_exits_1(
    failure, tmp_path, capsys, monkeypatch
):
    """Every check ran: the measurements must survive a failure to write them to --out."""
    out = tmp_path / "runs"
    out.mkdir()
    if failure == "disk full after the CSV":
        fail_under(out, monkeypatch)
        stack = contextlib.nullcontext()
    else:  # the real checks run, then --out becomes read-only before the save
        stack = contextlib.ExitStack()
        real = runs.run_checks

        def then_lock(*args, **kwargs):
            rows = real(*args, **kwargs)
            stack.enter_context(locked(out))
            return rows

        monkeypatch.setattr(runs, "run_checks", then_lock)
    with stack:
        code = cli.main(["compare", *FAST, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert f"error: could not save the run under {out}: " in captured.err
    fallback = saved_instead(captured.err)
    try:
        assert not fallback.is_relative_to(out) and list(out.iterdir()) == []
        df, meta = load_run(fallback)
        assert set(df["variant"]) == {"linear", "soxr:quality=QQ"}
        assert set(df["check"]) == {"dtype", "quality"} and meta["measurements"]["rows"] == len(df)
        assert "correctness" in captured.out and "soxr:quality=QQ" in captured.out
    finally:
        shutil.rmtree(fallback.parent)


def test_save_falls_back_and_leaves_no_partial_run(tmp_path, monkeypatch):
    df = to_frame([{"variant": "linear", "metric": "m", "value": 1.0}], "r1")
    root = tmp_path / "results"
    fail_under(root, monkeypatch)
    run_dir, error = save_run_or_fallback(df, {"run_id": "r1", "thresholds": ""}, root)
    try:
        assert isinstance(error, OSError) and error.errno == errno.ENOSPC
        assert list(root.iterdir()) == [] and not run_dir.is_relative_to(tmp_path)
        assert pd.read_csv(run_dir / "measurements.csv")["value"].tolist() == [1.0]
    finally:
        shutil.rmtree(run_dir.parent)


def fail_under(root: Path, monkeypatch) -> None:
    """Parquet writes under ``root`` fail with "disk full" (the CSV, written first, succeeds)."""
    write = pd.DataFrame.to_parquet

    def disk_full(self, path, *args, **kwargs):
        if Path(path).is_relative_to(root):
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)


def test_text_from_the_data_prints_literally(tmp_path, capsys, monkeypatch):
    """Rich markup must not eat ``[soxr]``-like parts of error messages and names."""
    monkeypatch.setenv("COLUMNS", "200")
    error = "ImportError: pip install 'resampler-suite[soxr]' [bold]x[/bold] [/]"
    rows = [
        {
            "backend": "linear",
            "options": "",
            "variant": "linear",
            "baseline": False,
            "check": "quality",
            "metric": "check_failed",
            "value": float("nan"),
            "passed": False,
            "gated": True,
            "error": error,
        },
    ]
    meta = {"run_id": "r1", "label": "[x]", "cpu": "[cpu]", "thresholds": load_thresholds().text}
    save_run(to_frame(rows, "r1"), meta, tmp_path)
    assert cli.main(["show", "r1", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"check failed linear: {error}" in out and "· [cpu]" in out

    monkeypatch.setitem(sys.modules, "harness.views.report", None)  # as without matplotlib
    assert cli.main(["report", "r1", "--results", str(tmp_path)]) == 2
    assert "pip install 'resampler-suite[notebook-run]'" in capsys.readouterr().err


def test_every_option_value_of_every_backend_is_checked_before_measuring():
    infos = [i for i in backends.available_backends() if i.available]
    assert any(i.options for i in infos)
    for info in infos:
        for option, choice in info.options.items():
            for value in choice.values:
                (variant,) = select_variants([f"{info.name}:{option}={value}"])
                assert dict(variant.options)[option] == value
            with pytest.raises(ValueError, match=f"--backends: {info.name} option {option}: "):
                select_variants([f"{info.name}:{option}=XX"])
        with pytest.raises(ValueError, match=f"--backends: backend '{info.name}': unknown"):
            select_variants([f"{info.name}:no_such_option=1"])


def test_a_variant_rate_pair_or_blocksize_asked_for_twice_is_measured_once():
    soxr = [t.spec for t in select_variants(["soxr"])]
    assert [t.spec for t in select_variants(["soxr", "soxr:quality=HQ", "soxr"])] == soxr
    assert parse_rate_pairs("22050:48000, 22050:48000,44100:48000") == [
        (22050, 48000),
        (44100, 48000),
    ]
    assert parse_blocksizes("64,128,64") == (64, 128)
