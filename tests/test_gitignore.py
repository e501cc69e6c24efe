"""Runs made here stay out of git; the committed reference runs stay in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from harness.views.notebooks import is_reference

REPO = Path(__file__).resolve().parents[1]
GIT = shutil.which("git")
inside = (
    GIT is not None
    and subprocess.run(
        [GIT, "-C", str(REPO), "rev-parse", "--is-inside-work-tree"], capture_output=True
    ).returncode
    == 0
)
pytestmark = pytest.mark.skipif(not inside, reason="not a git checkout")


def ignored(path: str) -> bool:
    """Whether .gitignore ignores ``path`` (relative to the repository), tracked or not."""
    done = subprocess.run(
        [GIT, "-C", str(REPO), "check-ignore", "--quiet", "--no-index", path], check=False
    )
    assert done.returncode in (0, 1), done
    return done.returncode == 0


# What `compare` names a run: a UTC stamp, then the --label (slugged), then -2, -3...
# when two runs fall in one second.
LOCAL = [
    "20990101T000000Z",
    "20990101T000000Z-before-the-fix",
    "20990101T000000Z-quick.1",
    "20990101T000000Z-reference-2",
    "20990101T000000Z-2",
]


@pytest.mark.parametrize("run_id", LOCAL)
@pytest.mark.parametrize("name", ["meta.json", "measurements.csv", "measurements.parquet"])
def test_a_new_run_is_ignored(run_id, name):
    assert not is_reference(run_id)
    assert ignored(f"results/{run_id}/{name}")


def test_the_committed_reference_runs_are_not_ignored():
    runs = sorted((REPO / "results").glob("*-reference"))
    assert runs, "no reference run under results/"
    for run in runs:
        assert is_reference(run.name)
        for name in ("meta.json", "measurements.csv", "measurements.parquet"):
            assert not ignored(f"results/{run.name}/{name}"), run.name
    # A new reference run (compare --label reference) is not ignored either: it is
    # committed on purpose.
    assert not ignored("results/20990101T000000Z-reference/meta.json")


def test_only_results_is_affected():
    assert not ignored("harness/results.py")
    assert not ignored("tests/results/meta.json")
    assert ignored("report.html")
