"""Tidy results: one row per measurement, saved per run, loaded together.

A run is a directory ``results/<run_id>/`` holding ``measurements.csv`` (and
``measurements.parquet`` when pyarrow is installed) and ``meta.json`` with
provenance, the thresholds used and, since issue 14, the row count and the
SHA-256 of each measurements file. Runs are append-only: a run directory is
never rewritten, and ``meta.json`` is written last, so a run that has one is
complete.

Reading is defensive: a run whose files are missing, truncated or malformed is
*damaged*. :func:`load_runs` and ``latest`` skip it with a
:class:`DamagedRunWarning` naming it; naming it directly raises
:class:`RunDamagedError` saying what is wrong. An unreadable Parquet file falls
back to the CSV beside it (with a warning).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from backends import Variant, backend_class
from harness.results.gates import Thresholds

__all__ = [
    "COLUMNS",
    "DamagedRunWarning",
    "Recorder",
    "Run",
    "RunDamagedError",
    "RunNotFoundError",
    "check_results_dir",
    "load_run",
    "load_runs",
    "new_run_id",
    "open_run",
    "read_run",
    "resolve_run",
    "run_dirs",
    "save_run",
    "save_run_or_fallback",
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
#: Reported in place of an infinite ratio in dB (a bit-exact match) so columns stay
#: numeric; shown as "exact" (and -EXACT_DB as "none").
EXACT_DB = 400.0

DEFAULT_ROOT = Path("results")
#: Measurements files, in the order they are read (Parquet keeps the dtypes exactly).
MEASUREMENT_FILES = ("measurements.parquet", "measurements.csv")
META_FILE = "meta.json"


class RunNotFoundError(FileNotFoundError):
    """No saved run matches the name given."""


class RunDamagedError(ValueError):
    """A saved run cannot be read: a file is missing, truncated or malformed.

    Attributes
    ----------
    run_dir : Path
        The run's directory.
    problem : str
        What is wrong, naming the file.
    """

    def __init__(self, run_dir: Path, problem: str) -> None:
        super().__init__(f"run {run_dir} is damaged: {problem}")
        self.run_dir = run_dir
        self.problem = problem


class DamagedRunWarning(UserWarning):
    """A damaged run was skipped, or read from its CSV because its Parquet file is not."""


@dataclass
class Recorder:
    """Collects one check's rows for one backend variant and applies the gates.

    Reference baselines (``seed``) get the same comparison (``passed``) but
    ``gated`` False, so they are shown and never fail a run.
    """

    variant: Variant
    check: str
    thresholds: Thresholds
    rows: list[dict[str, Any]] = field(default_factory=list)
    baseline: bool = field(init=False)

    def __post_init__(self) -> None:
        self.baseline = bool(getattr(backend_class(self.variant.name), "baseline", False))

    def add(self, metric: str, value: float, unit: str, *, gate: bool = True, **dims: Any) -> None:
        """Record one measurement; ``dims`` fill the dimension columns."""
        unknown = set(dims) - set(COLUMNS)
        if unknown:
            raise ValueError(f"dims: unknown column(s) {sorted(unknown)}")
        row: dict[str, Any] = {
            "backend": self.variant.name,
            "options": self.variant.options_text,
            "variant": self.variant.spec,
            "baseline": self.baseline,
            "check": self.check,
            "metric": metric,
            "value": float(value),
            "unit": unit,
            **dims,
        }
        found = (
            self.thresholds.limit(
                self.check, metric, backend=self.variant.name, variant=self.variant.spec
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
                gated=not self.baseline,
            )
        self.rows.append(row)

    def not_applicable(self, why: str, **dims: Any) -> None:
        """Record that this check does not apply to the variant (e.g. "one-shot only").

        A row, not silence: tables show the reason where a figure would be,
        and nothing counts as passed that did not run.
        """
        self.rows.append(
            {
                "backend": self.variant.name,
                "options": self.variant.options_text,
                "variant": self.variant.spec,
                "baseline": self.baseline,
                "check": self.check,
                "metric": "not_applicable",
                "value": math.nan,
                "unit": "",
                "error": why,
                **dims,
            }
        )

    def error(self, exc: BaseException) -> None:
        """Record that the check itself failed; gated for production variants."""
        self.rows.append(
            {
                "backend": self.variant.name,
                "options": self.variant.options_text,
                "variant": self.variant.spec,
                "baseline": self.baseline,
                "check": self.check,
                "metric": "check_failed",
                "value": math.nan,
                "unit": "",
                "passed": False,
                "gated": not self.baseline,
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


def check_results_dir(root: Path) -> None:
    """Check, before measuring, that runs can be saved under ``root``.

    ``root`` need not exist yet (it is created when the run is saved), but its
    nearest existing ancestor must be a directory this process can write to.
    Nothing is left behind.

    Raises
    ------
    ValueError
        ``root`` is a file, a file is in the way, or the directory is not writable.
    """
    root = Path(root)
    existing = next((p for p in (root, *root.parents) if p.exists()), Path.cwd())
    if not existing.is_dir():
        raise ValueError(
            f"expected a directory, got a file: {root}"
            if existing == root
            else f"expected a directory, got {root}, but {existing} is a file"
        )
    try:  # a real write: os.access misses read-only mounts, ACLs and root
        os.rmdir(tempfile.mkdtemp(prefix=".write-test-", dir=existing))
    except OSError as exc:
        raise ValueError(f"expected a writable directory, got {existing} ({exc.strerror})") from exc


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_run(df: pd.DataFrame, meta: dict[str, Any], root: Path = DEFAULT_ROOT) -> Path:
    """Write a new run directory and return it; existing runs are never touched.

    If the run id is taken (two runs in one second), ``-2``, ``-3``... is
    appended; ``meta["run_id"]`` and the ``run_id`` column are updated to match.
    ``meta["measurements"]`` records the row count and each file's SHA-256, so
    a truncated or altered file is found when the run is read. If writing
    fails, the new directory is removed and the error raised.

    Raises
    ------
    ValueError
        ``meta`` lacks the run id or the thresholds' text (nothing is written).
    OSError
        A file could not be written.
    """
    problem = _meta_problem(meta)
    if problem:
        raise ValueError(f"meta: {problem}")
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
    try:
        df.to_csv(run_dir / "measurements.csv", index=False)
        with contextlib.suppress(ImportError):  # Parquet only when pyarrow is installed
            df.to_parquet(run_dir / "measurements.parquet", index=False)
        meta["measurements"] = {
            "rows": len(df),
            "sha256": {
                name: _sha256(run_dir / name)
                for name in MEASUREMENT_FILES
                if (run_dir / name).is_file()
            },
        }
        # meta.json last and atomically: a run with one is complete
        partial = run_dir / f".{META_FILE}.partial"
        partial.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        partial.replace(run_dir / META_FILE)
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    return run_dir


def save_run_or_fallback(
    df: pd.DataFrame, meta: dict[str, Any], root: Path = DEFAULT_ROOT
) -> tuple[Path, OSError | None]:
    """:func:`save_run` under ``root``; if that fails, under a new temporary directory.

    Returns
    -------
    run_dir : Path
        Where the run was saved.
    error : OSError or None
        Why it could not be saved under ``root``; None when it was.
    """
    try:
        return save_run(df, meta, root), None
    except OSError as exc:
        fallback = Path(tempfile.mkdtemp(prefix="resampler-suite-results-"))
        return save_run(df, meta, fallback), exc


@dataclass(frozen=True)
class Run:
    """One saved run: its directory, measurements and meta."""

    path: Path
    measurements: pd.DataFrame
    meta: dict[str, Any]


def _is_run_dir(path: Path) -> bool:
    return path.is_dir() and any((path / n).exists() for n in (META_FILE, *MEASUREMENT_FILES))


def run_dirs(root: Path | str = DEFAULT_ROOT) -> list[Path]:
    """Every run directory under ``root``, damaged ones included, oldest first.

    A run directory holds ``meta.json`` or a measurements file; names starting
    with ``.`` are ignored.
    """
    if not Path(root).is_dir():
        return []
    return sorted(p for p in Path(root).iterdir() if not p.name.startswith(".") and _is_run_dir(p))


def match_run_id(name: str, ids: Sequence[str], *, where: str = "") -> str:
    """The one of ``ids`` (sorted, oldest first) that ``name`` means.

    ``name`` is an id, a unique prefix of one, or ``latest`` (the last). Run
    ids start with a UTC timestamp, so sorting puts the newest last.

    Raises
    ------
    RunNotFoundError
        ``name`` matches no id, or several.
    """
    if name == "latest" and ids:
        return ids[-1]
    matches = [i for i in ids if i == name] or [i for i in ids if i.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(ids[-5:]) or "none"
    how = "is ambiguous" if matches else "matches no run"
    raise RunNotFoundError(f"run {name!r} {how}{where} (latest: {known})")


def resolve_run(name: str | Path, root: Path = DEFAULT_ROOT) -> Path:
    """A run directory from a path, a run id, a unique prefix or ``latest`` (the newest).

    ``latest`` here is the newest directory, damaged or not; :func:`open_run`
    skips damaged ones.
    """
    path = Path(name)
    if _is_run_dir(path):
        return path
    runs = {p.name: p for p in run_dirs(root)}
    return runs[match_run_id(str(name), list(runs), where=f" under {root}/")]


def _meta_problem(meta: dict[str, Any]) -> str | None:
    """What keeps ``meta`` from describing a run (its id and the thresholds' text), or None."""
    for key in ("run_id", "thresholds"):
        if not isinstance(meta.get(key), str):
            return f"expected {key!r} as text, got {meta.get(key)!r:.60}"
    try:
        Thresholds.from_text(meta["thresholds"])
    except ValueError as exc:
        return f"thresholds: not valid TOML ({exc})"
    return None


def _read_meta(run_dir: Path) -> dict[str, Any]:
    path = run_dir / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunDamagedError(run_dir, f"{META_FILE} is missing") from None
    except (OSError, ValueError) as exc:  # ValueError: bad JSON or bad UTF-8
        raise RunDamagedError(run_dir, f"{META_FILE}: not readable JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise RunDamagedError(
            run_dir, f"{META_FILE}: expected a JSON object, got {type(meta).__name__}"
        )
    problem = _meta_problem(meta)
    if problem:
        raise RunDamagedError(run_dir, f"{META_FILE}: {problem}")
    record = meta.get("measurements")
    if record is not None and not (
        isinstance(record, dict)
        and isinstance(record.get("rows"), int)
        and isinstance(record.get("sha256"), dict)
    ):
        raise RunDamagedError(
            run_dir, f"{META_FILE}: measurements: expected rows and sha256, got {record!r:.60}"
        )
    return meta


def _parse(path: Path) -> pd.DataFrame:
    """A measurements file as read by pandas; ValueError when it does not parse."""
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, keep_default_na=True)
    except ImportError:  # no pyarrow: not damage
        raise
    except Exception as exc:  # the parsers raise many kinds on a damaged file
        raise ValueError(f"not readable ({type(exc).__name__}: {exc})") from None


def _read_table(path: Path, record: dict[str, Any] | None) -> pd.DataFrame:
    """One measurements file, checked against ``record``; ValueError says what is wrong."""
    df = _parse(path)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}")
    if record is not None and len(df) != record["rows"]:
        raise ValueError(f"{len(df)} rows, meta.json records {record['rows']} (truncated?)")
    if df.empty:
        raise ValueError("no rows")
    expected = (record or {}).get("sha256", {}).get(path.name)
    if expected is not None and _sha256(path) != expected:
        raise ValueError("contents differ from the SHA-256 in meta.json (truncated or altered)")
    return df


def _read_measurements(run_dir: Path, meta: dict[str, Any]) -> pd.DataFrame:
    record = meta.get("measurements")
    recorded = record["sha256"] if record else {}
    problems = []
    for name in MEASUREMENT_FILES:
        path = run_dir / name
        if not path.is_file():
            if name in recorded:
                problems.append(f"{name} is missing")
            continue
        try:
            df = _read_table(path, record)
        except ImportError:  # Parquet without pyarrow: the CSV is the same table
            continue
        except (OSError, ValueError) as exc:
            problems.append(f"{name}: {exc}")
            continue
        for problem in problems:
            warnings.warn(
                f"run {run_dir}: {problem}; read {name} instead", DamagedRunWarning, stacklevel=4
            )
        return df
    raise RunDamagedError(
        run_dir, "; ".join(problems) or f"no measurements file ({' or '.join(MEASUREMENT_FILES)})"
    )


def read_run(run_dir: Path) -> Run:
    """The run in ``run_dir``.

    Raises
    ------
    RunDamagedError
        ``meta.json`` is missing, not a JSON object, or lacks ``run_id`` or
        valid ``thresholds``; or no measurements file is readable, has every
        column and matches the row count and checksum ``meta.json`` records
        (runs saved before those were recorded are checked for the rest).
    """
    run_dir = Path(run_dir)
    meta = _read_meta(run_dir)
    return Run(run_dir, _read_measurements(run_dir, meta), meta)


def _skip(exc: RunDamagedError) -> None:
    warnings.warn(f"skipped: {exc}", DamagedRunWarning, stacklevel=3)


def open_run(name: str | Path, root: Path = DEFAULT_ROOT) -> Run:
    """A run by path, run id, unique prefix or ``latest``.

    ``latest`` is the newest run that reads; each newer damaged run is skipped
    with a :class:`DamagedRunWarning` naming it and what is wrong.

    Raises
    ------
    RunNotFoundError
        No run matches ``name`` (or none under ``root`` reads, for ``latest``).
    RunDamagedError
        The run named is damaged.
    """
    if str(name) != "latest" or _is_run_dir(Path(name)):
        return read_run(resolve_run(name, root))
    for run_dir in reversed(run_dirs(root)):
        try:
            return read_run(run_dir)
        except RunDamagedError as exc:
            _skip(exc)
    damaged = " (every run there is damaged)" if run_dirs(root) else ""
    raise RunNotFoundError(f"run 'latest' matches no run under {root}/{damaged}")


def load_run(name: str | Path, root: Path = DEFAULT_ROOT) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One run's measurements and meta (see :func:`open_run`)."""
    run = open_run(name, root)
    return run.measurements, run.meta


def load_runs(root: Path | str = DEFAULT_ROOT) -> pd.DataFrame:
    """Every saved run under ``root`` as one DataFrame, with run-level columns added.

    Added columns: ``label``, ``utc``, ``commit``, ``dirty``, ``run_mode``, ``cpu``.
    A damaged run is skipped with a :class:`DamagedRunWarning` naming it.
    """
    frames = []
    for run_dir in run_dirs(root):
        try:
            run = read_run(run_dir)
        except RunDamagedError as exc:
            _skip(exc)
            continue
        meta = run.meta
        frames.append(
            run.measurements.assign(
                label=meta.get("label"),
                utc=meta.get("utc"),
                commit=(meta.get("git") or {}).get("commit"),
                dirty=(meta.get("git") or {}).get("dirty"),
                run_mode=meta.get("mode"),
                cpu=meta.get("cpu"),
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=[*COLUMNS, "label", "utc", "commit", "dirty", "run_mode", "cpu"]
        )
    return pd.concat(frames, ignore_index=True)
