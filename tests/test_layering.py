"""The import rules of the layout (README, "Layout"): who may import whom.

Read from the source (every ``import`` statement, at any depth, so a lazy
import inside a function counts too), and checked at run time for the
library's own promise: a production playback path needs none of the harness.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: package -> modules it must never import (prefixes). Layers, bottom up:
#: backends < harness.results < harness.measuring / harness.playback < harness.views
#: < harness.cli.
FORBIDDEN = {
    "backends": ("harness", "pandas", "rich", "matplotlib"),
    "harness.results": (
        "harness.measuring",
        "harness.playback",
        "harness.views",
        "harness.cli",
        "matplotlib",
        "rich",
    ),
    "harness.measuring": ("harness.playback", "harness.views", "harness.cli", "matplotlib"),
    "harness.playback": ("harness.measuring", "harness.views", "harness.cli", "matplotlib"),
    "harness.views": ("harness.cli",),
}
#: The only third-party test tool the library may import, and where (lazily or as a plugin).
PYTEST_ALLOWED = ("backends.testing.suite", "backends.testing.pytest_plugin")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """Every module an import statement in ``path`` names (relative ones resolved)."""
    package = module_name(path if path.name == "__init__.py" else path.parent, root)
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], base]).strip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(package: str, root: Path = ROOT) -> list[str]:
    """``"a imports b"`` for each import in ``package`` (under ``root``) that breaks the rules."""
    broken = []
    for path in sorted((root / package.replace(".", "/")).rglob("*.py")):
        me = module_name(path, root)
        for name in sorted(imports_of(path, root)):
            if any(_within(name, bad) and not _within(me, bad) for bad in FORBIDDEN[package]):
                broken.append(f"{me} imports {name}")
            if _within(name, "pytest") and package == "backends" and me not in PYTEST_ALLOWED:
                broken.append(f"{me} imports {name}")
    return broken


@pytest.mark.parametrize("package", list(FORBIDDEN))
def test_package_imports_nothing_it_must_not(package):
    broken = violations(package)
    assert not broken, "\n".join(broken)


def test_the_rules_catch_a_violation(tmp_path):
    """Imports at any depth count, relative ones resolved; the package's own are allowed."""
    (tmp_path / "backends" / "testing").mkdir(parents=True)
    (tmp_path / "backends" / "probe.py").write_text(
        "def f():\n    from harness.views import figures\n    from . import stream\n"
        "    import pytest\n"
    )
    (tmp_path / "backends" / "testing" / "suite.py").write_text("import pytest\n")
    (tmp_path / "harness" / "measuring").mkdir(parents=True)
    (tmp_path / "harness" / "measuring" / "probe.py").write_text(
        "from ..playback import engine\nfrom . import signals\n"
    )
    assert violations("backends", tmp_path) == [
        "backends.probe imports harness.views",
        "backends.probe imports harness.views.figures",
        "backends.probe imports pytest",
    ]
    assert violations("harness.measuring", tmp_path) == [
        "harness.measuring.probe imports harness.playback",
        "harness.measuring.probe imports harness.playback.engine",
    ]


def test_the_library_and_the_swapping_stream_load_no_harness_pandas_rich_or_matplotlib():
    code = """
import sys, numpy as np
import backends
hs = backends.HotSwapResampler("linear", in_rate=22050, out_rate=48000)
hs.prepare(["numba"])
hs.request_swap("numba")
for i in range(20):
    hs.process(np.zeros(512, np.float32))
hs.process(np.zeros(0, np.float32), last=True)
loaded = sorted(m for m in ("harness", "pandas", "rich", "matplotlib") if m in sys.modules)
print(",".join(loaded) or "none", hs.swaps)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.split() == ["none", "1"], done.stdout + done.stderr
