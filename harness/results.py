"""Tidy results: one row per measurement, saved per run, loaded together.

A run is a directory ``results/<run_id>/`` holding ``measurements.csv`` (and
``measurements.parquet`` when pyarrow is installed) and ``meta.json`` with
provenance. Runs are append-only: a run directory is never rewritten.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from harness.targets import Target
from harness.thresholds import Thresholds

__all__ = [
    "COLUMNS",
    "Recorder",
    "RunNotFoundError",
    "load_run",
    "load_runs",
    "new_run_id",
    "resolve_run",
    "save_run",
]

#: Columns of every measurements table, in order.
COLUMNS = [
    "run_id",
    "backend",
    "options",
    "variant",
    "baseline",
    "check",
    "metric",
    "value",
    "unit",
    "in_rate",
    "out_rate",
    "channels",
    "dtype",
    "blocksize",
    "schedule",
    "mode",
    "x",
    "x_unit",
    "threshold",
    "limit_key",
    "passed",
    "gated",
    "error",
]
DEFAULT_ROOT = Path("results")


class RunNotFoundError(FileNotFoundError):
    """No saved run matches the name given."""


@dataclass
class Recorder:
    """Collects one check's rows for one target and applies the gates.

    Baseline targets get the same comparison (``passed``) but ``gated`` False,
    so they are shown and never fail a run.
    """

    target: Target
    check: str
    thresholds: Thresholds
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, metric: str, value: float, unit: str, *, gate: bool = True, **dims: Any) -> None:
        """Record one measurement; ``dims`` fill the dimension columns."""
        unknown = set(dims) - set(COLUMNS)
        if unknown:
            raise ValueError(f"dims: unknown column(s) {sorted(unknown)}")
        row: dict[str, Any] = {
            "backend": self.target.name,
            "options": self.target.options_text,
            "variant": self.target.spec,
            "baseline": self.target.baseline,
            "check": self.check,
            "metric": metric,
            "value": float(value),
            "unit": unit,
            **dims,
        }
        found = (
            self.thresholds.limit(
                self.check, metric, backend=self.target.name, variant=self.target.spec
            )
            if gate
            else None
        )
        if found is not None:
            key, limit = found
            row.update(
                threshold=limit,
                limit_key=key,
                passed=Thresholds.passes(key, float(value), limit),
                gated=not self.target.baseline,
            )
        self.rows.append(row)

    def error(self, exc: BaseException) -> None:
        """Record that the check itself failed; gated for production targets."""
        self.rows.append(
            {
                "backend": self.target.name,
                "options": self.target.options_text,
                "variant": self.target.spec,
                "baseline": self.target.baseline,
                "check": self.check,
                "metric": "check_failed",
                "value": math.nan,
                "unit": "",
                "passed": False,
                "gated": not self.target.baseline,
                "error": f"{type(exc).__name__}: {exc}",
            }
        )


def new_run_id(label: str | None = None, *, now: datetime | None = None) -> str:
    """``20261125T133000Z`` plus ``-label`` (slugged) when given."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    if not label:
        return stamp
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-")[:48]
    return f"{stamp}-{slug}" if slug else stamp


def to_frame(rows: Iterable[dict[str, Any]], run_id: str) -> pd.DataFrame:
    """Rows as a DataFrame with every column, in order."""
    df = pd.DataFrame(list(rows))
    df["run_id"] = run_id
    for column in COLUMNS:
        if column not in df:
            df[column] = pd.NA
    return df[COLUMNS]


def save_run(df: pd.DataFrame, meta: dict[str, Any], root: Path = DEFAULT_ROOT) -> Path:
    """Write a new run directory and return it; existing runs are never touched.

    If the run id is taken (two runs in one second), ``-2``, ``-3``... is
    appended; ``meta["run_id"]`` and the ``run_id`` column are updated to match.
    """
    base = meta["run_id"]
    run_dir, suffix = Path(root) / base, 1
    Path(root).mkdir(parents=True, exist_ok=True)
    while True:
        try:
            run_dir.mkdir(exist_ok=False)
            break
        except FileExistsError:
            suffix += 1
            run_dir = Path(root) / f"{base}-{suffix}"
    meta["run_id"] = run_dir.name
    df["run_id"] = run_dir.name
    df.to_csv(run_dir / "measurements.csv", index=False)
    with contextlib.suppress(ImportError):  # Parquet only when pyarrow is installed
        df.to_parquet(run_dir / "measurements.parquet", index=False)
    (run_dir / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return run_dir


def resolve_run(name: str | Path, root: Path = DEFAULT_ROOT) -> Path:
    """A run directory from a path, a run id, a unique prefix or ``latest``."""
    path = Path(name)
    if (path / "meta.json").is_file():
        return path
    runs = sorted(p.parent for p in Path(root).glob("*/meta.json"))
    if str(name) == "latest" and runs:
        return runs[-1]
    matches = [p for p in runs if p.name == str(name)] or [
        p for p in runs if p.name.startswith(str(name))
    ]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(p.name for p in runs[-5:]) or "none"
    how = "is ambiguous" if matches else "matches no run"
    raise RunNotFoundError(f"run {str(name)!r} {how} under {root}/ (latest: {known})")


def load_run(name: str | Path, root: Path = DEFAULT_ROOT) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One run's measurements and meta."""
    run_dir = resolve_run(name, root)
    meta = json.loads((run_dir / "meta.json").read_text())
    parquet = run_dir / "measurements.parquet"
    try:
        df = pd.read_parquet(parquet) if parquet.is_file() else None
    except ImportError:
        df = None
    if df is None:
        df = pd.read_csv(run_dir / "measurements.csv", keep_default_na=True)
    return df, meta


def load_runs(root: Path | str = DEFAULT_ROOT) -> pd.DataFrame:
    """Every saved run under ``root`` as one DataFrame, with run-level columns added.

    Added columns: ``label``, ``utc``, ``commit``, ``dirty``, ``run_mode``, ``cpu``.
    """
    frames = []
    for meta_file in sorted(Path(root).glob("*/meta.json")):
        df, meta = load_run(meta_file.parent, Path(root))
        df = df.assign(
            label=meta.get("label"),
            utc=meta.get("utc"),
            commit=(meta.get("git") or {}).get("commit"),
            dirty=(meta.get("git") or {}).get("dirty"),
            run_mode=meta.get("mode"),
            cpu=meta.get("cpu"),
        )
        frames.append(df)
    if not frames:
        return pd.DataFrame(
            columns=[*COLUMNS, "label", "utc", "commit", "dirty", "run_mode", "cpu"]
        )
    return pd.concat(frames, ignore_index=True)
