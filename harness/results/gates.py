"""The gates in ``thresholds.toml``: lookup and comparison."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["THRESHOLDS_FILE", "Thresholds", "gate_text", "load_thresholds"]

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")


@dataclass(frozen=True)
class Thresholds:
    """Gates by check and metric, with per-backend and per-variant overrides."""

    table: Mapping[str, Mapping[str, Any]]
    text: str

    def limit(
        self, check: str, metric: str, *, backend: str, variant: str
    ) -> tuple[str, float] | None:
        """The gate on ``metric`` of ``check`` for one variant: ``(key, limit)`` or None.

        The key is the metric name with its suffix (``_min``, ``_max`` or
        ``_abs_max``), as written in the file.
        """
        section = self.table.get(check, {})
        for key in (f"{metric}_abs_max", f"{metric}_max", f"{metric}_min"):
            entry = section.get(key)
            if entry is None:
                continue
            if not isinstance(entry, Mapping):
                return key, float(entry)
            for name in (variant, backend, "default"):
                if name in entry:
                    return key, float(entry[name])
        return None

    @classmethod
    def from_text(cls, text: str) -> Thresholds:
        """Gates from the text of a thresholds file (as recorded in a run's ``meta.json``).

        Raises
        ------
        tomllib.TOMLDecodeError
            ``text`` is not valid TOML (a ``ValueError``).
        """
        return cls(tomllib.loads(text), text)

    @staticmethod
    def passes(metric: str, value: float, limit: float) -> bool:
        """Whether ``value`` meets ``limit``; the metric's suffix says which side."""
        if math.isnan(value):
            return False
        if metric.endswith("_abs_max"):
            return abs(value) <= limit
        if metric.endswith("_max"):
            return value <= limit
        if metric.endswith("_min"):
            return value >= limit
        raise ValueError(f"metric: expected a name ending in _min or _max, got {metric!r}")


def gate_text(thresholds: Thresholds, section: str) -> str:
    """The gates of ``section`` in words, from the file: ``our underruns ≤ 0, ...``."""
    parts = []
    for key, entry in thresholds.table.get(section, {}).items():
        if isinstance(entry, Mapping):
            entry = entry.get("default")
        for suffix, sign in (("_abs_max", "|≤|"), ("_max", "≤"), ("_min", "≥")):
            if key.endswith(suffix) and entry is not None:
                parts.append(f"{key[: -len(suffix)].replace('_', ' ')} {sign} {entry:g}")
                break
    return ", ".join(parts)


def load_thresholds(path: Path = THRESHOLDS_FILE) -> Thresholds:
    """Read the thresholds file."""
    return Thresholds.from_text(path.read_text())
