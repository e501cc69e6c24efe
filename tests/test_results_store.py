"""The results store: saved runs carry row counts and checksums; damaged runs never break reads."""

from __future__ import annotations

import importlib.util
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from harness import cli
from harness.results.gates import load_thresholds
from harness.results.store import (
    COLUMNS,
    MEASUREMENT_FILES,
    DamagedRunWarning,
    RunDamagedError,
    load_runs,
    open_run,
    read_run,
    run_dirs,
    save_run,
    to_frame,
)

RESULTS = Path(__file__).resolve().parents[1] / "results"
REFERENCES = sorted(RESULTS.glob("*-reference"))


def rows(n: int = 40) -> list[dict]:
    """``n`` gated quality rows of one variant: enough for a summary, and text in every column."""
    return [
        {
            "backend": "linear",
            "options": "",
            "variant": "linear",
            "baseline": False,
            "check": "quality",
            "metric": "snr_db",
            "value": 50.0 + i / 8,
            "unit": "dB",
            "in_rate": 22050,
            "out_rate": 48000,
            "threshold": 45.0,
            "limit_key": "snr_db_min",
            "passed": True,
            "gated": True,
            "schedule": f"schedule-{i}",
        }
        for i in range(n)
    ]


def save(root: Path, run_id: str, n: int = 40) -> Path:
    meta = {"run_id": run_id, "label": None, "thresholds": load_thresholds().text}
    return save_run(to_frame(rows(n), run_id), meta, root)


def edit_meta(run_dir: Path, change: Callable[[dict], object]) -> None:
    meta = json.loads((run_dir / "meta.json").read_text())
    (run_dir / "meta.json").write_text(json.dumps(change(meta)))


def truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def cut_csv_lines(path: Path, drop: int) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-drop]))


def only_csv(damage: Callable[[Path], None]) -> Callable[[Path], None]:
    """Damage the CSV of a run that has no Parquet file (as without pyarrow)."""

    def apply(run_dir: Path) -> None:
        (run_dir / "measurements.parquet").unlink()
        edit_meta(run_dir, lambda m: {**m, "measurements": {**m["measurements"], "sha256": {}}})
        damage(run_dir / "measurements.csv")

    return apply


def without_parquet_record(damage: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(run_dir: Path) -> None:
        (run_dir / "measurements.parquet").unlink()
        damage(run_dir / "measurements.csv")

    return apply


#: Damage that leaves the run unreadable: name -> (how, the file the message must name).
DAMAGED = {
    "meta truncated": (lambda d: truncate(d / "meta.json", 0.5), "meta.json"),
    "meta empty": (lambda d: (d / "meta.json").write_text(""), "meta.json"),
    "meta a list": (lambda d: (d / "meta.json").write_text("[1, 2]"), "meta.json"),
    "meta a number": (lambda d: (d / "meta.json").write_text("42"), "meta.json"),
    "meta missing": (lambda d: (d / "meta.json").unlink(), "meta.json"),
    "meta without thresholds": (
        lambda d: edit_meta(d, lambda m: {k: v for k, v in m.items() if k != "thresholds"}),
        "thresholds",
    ),
    "thresholds not TOML": (
        lambda d: edit_meta(d, lambda m: {**m, "thresholds": "[quality\nsnr = "}),
        "thresholds",
    ),
    "measurements missing": (
        lambda d: [(d / name).unlink() for name in MEASUREMENT_FILES],
        "measurements.csv",
    ),
    "csv garbage": (
        without_parquet_record(lambda p: p.write_bytes(bytes(range(256)) * 7)),
        "measurements.csv",
    ),
    "csv empty": (without_parquet_record(lambda p: p.write_text("")), "measurements.csv"),
    "csv header only": (
        only_csv(lambda p: cut_csv_lines(p, 40)),
        "measurements.csv",
    ),
    "csv truncated mid-line": (only_csv(lambda p: truncate(p, 0.6)), "measurements.csv"),
    "csv truncated at a line end": (only_csv(lambda p: cut_csv_lines(p, 3)), "measurements.csv"),
    "csv inside a line, same row count": (
        # the last line loses its end: still 40 rows; only the checksum sees it
        without_parquet_record(lambda p: p.write_text(p.read_text()[:-12] + "\n")),
        "measurements.csv",
    ),
    "both files truncated": (
        lambda d: [truncate(d / name, 0.5) for name in MEASUREMENT_FILES],
        "measurements.parquet",
    ),
}

#: Damage to the Parquet file only: the CSV beside it is read instead, with a warning.
PARQUET_ONLY = {
    "parquet truncated": lambda d: truncate(d / "measurements.parquet", 0.5),
    "parquet empty": lambda d: (d / "measurements.parquet").write_bytes(b""),
    "parquet garbage": lambda d: (d / "measurements.parquet").write_bytes(b"PAR1" * 50),
    "parquet missing": lambda d: (d / "measurements.parquet").unlink(),
}


@pytest.fixture
def runs(tmp_path) -> tuple[Path, Path, Path]:
    """A results directory with a good run and a newer one to damage."""
    root = tmp_path / "results"
    good = save(root, "20260101T000000Z-good")
    newer = save(root, "20260202T000000Z-newer")
    return root, good, newer


def test_save_records_row_count_and_checksums(tmp_path):
    run_dir = save(tmp_path, "r1", n=17)
    meta = json.loads((run_dir / "meta.json").read_text())
    assert meta["measurements"]["rows"] == 17
    assert set(meta["measurements"]["sha256"]) == set(MEASUREMENT_FILES)
    assert all(len(h) == 64 for h in meta["measurements"]["sha256"].values())
    assert sorted(p.name for p in run_dir.iterdir()) == sorted([*MEASUREMENT_FILES, "meta.json"])


@pytest.mark.parametrize("reference", REFERENCES, ids=lambda p: p.name)
def test_committed_reference_runs_load_without_a_warning(reference):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = read_run(reference)
    # runs saved before counts were recorded have none; newer ones must match theirs
    recorded = run.meta.get("measurements", {"rows": len(run.measurements)})
    assert recorded["rows"] == len(run.measurements)
    assert len(run.measurements) > 10000 and list(run.measurements.columns) == COLUMNS


def test_every_reference_run_is_in_load_runs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = load_runs(RESULTS)
    assert set(df["run_id"]) >= {p.name for p in REFERENCES}


@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_run_is_skipped_with_a_warning_and_named_when_asked_for(kind, runs):
    root, good, newer = runs
    damage, names = DAMAGED[kind]
    damage(newer)
    assert newer in run_dirs(root)

    with pytest.warns(DamagedRunWarning, match=newer.name) as caught:
        df = load_runs(root)
    assert set(df["run_id"]) == {good.name} and len(df) == 40
    assert names in str(caught[0].message)

    with pytest.warns(DamagedRunWarning, match=newer.name):
        assert open_run("latest", root).path == good
    with pytest.raises(RunDamagedError, match=names) as info:
        open_run(newer.name, root)
    assert info.value.run_dir == newer


@pytest.mark.parametrize("kind", PARQUET_ONLY)
def test_an_unreadable_parquet_falls_back_to_the_csv(kind, runs):
    root, _good, newer = runs
    PARQUET_ONLY[kind](newer)
    with pytest.warns(DamagedRunWarning, match="measurements.parquet.*read measurements.csv"):
        run = open_run(newer.name, root)
    assert len(run.measurements) == 40
    assert run.measurements["value"].tolist() == [50.0 + i / 8 for i in range(40)]


@pytest.mark.parametrize("kind", DAMAGED)
def test_show_and_report_name_a_damaged_run_and_exit_2(kind, runs, capsys):
    root, good, newer = runs
    DAMAGED[kind][0](newer)
    commands = [["show", newer.name, "--out", str(root)]]
    if importlib.util.find_spec("matplotlib"):  # the report command needs it
        commands.append(["report", newer.name, "--results", str(root), "--out", "r.html"])
    for argv in commands:
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        (line,) = [line for line in err.splitlines() if "error" in line]
        assert f"run {newer} is damaged: " in line and "Traceback" not in err

    assert cli.main(["show", "latest", "--out", str(root)]) == 0
    captured = capsys.readouterr()
    assert f"run {good.name}" in captured.out
    assert "warning: skipped: run" in captured.err and newer.name in captured.err


def test_report_latest_skips_a_damaged_run(runs, capsys):
    pytest.importorskip("matplotlib", reason="the report needs matplotlib")
    root, good, newer = runs
    (newer / "meta.json").write_text("{")
    html = root.parent / "r.html"
    assert cli.main(["report", "latest", "--results", str(root), "--out", str(html)]) == 0
    assert good.name in html.read_text() and newer.name not in html.read_text()
    assert newer.name in capsys.readouterr().err
