"""Where a run came from: time, code, machine, library versions, command line."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["collect", "cpu_model", "git_state"]

PACKAGES = (
    "numpy",
    "numba",
    "llvmlite",
    "soxr",
    "samplerate",
    "sounddevice",
    "soundfile",
    "pandas",
    "pyarrow",
    "rich",
    "resampler-suite",
)


def cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_state(root: Path) -> dict[str, Any]:
    """Commit hash and dirty flag of the checkout at ``root`` (None outside git)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def collect(*, argv: list[str], seed: int, root: Path) -> dict[str, Any]:
    """Everything a results file needs to say where it came from."""
    return {
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_state(root),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "packages": versions(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "os": platform.platform(),
        "hostname": platform.node(),
        "command": argv,
        "seed": seed,
    }
