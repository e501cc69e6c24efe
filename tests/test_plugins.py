"""Entry-point backends from other distributions: a broken one must not break the rest.

Each test installs a throw-away distribution (a ``*.dist-info`` with
``entry_points.txt``) on ``sys.path``, the way pip would, so the real
``importlib.metadata`` lookup finds it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

import backends
from harness.views import listing

#: plugin name -> (module, its source, entry-point variant, error named in the reason)
BROKEN = {
    "raises": (
        "raises",
        "raise RuntimeError('plugin exploded at import')\n",
        "raises:Cls",
        "RuntimeError",
    ),
    "no-class": ("no_class", "X = 1\n", "no_class:Missing", "AttributeError"),
    "deep-attr": ("deep_attr", "X = 1\n", "deep_attr:X.y", "AttributeError"),
    "syntax": ("syntax_error", "def broken(:\n", "syntax_error:Cls", "SyntaxError"),
}


def install_distribution(
    root: Path, name: str, modules: dict[str, str], entry_points: dict[str, str]
) -> None:
    """Write ``name-1.0.dist-info`` and the modules into ``root`` (a sys.path entry)."""
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source)
    info = root / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "".join(f"{ep} = {variant}\n" for ep, variant in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{backends.ENTRY_POINT_GROUP}]\n{lines}")


@pytest.fixture
def broken_plugins(tmp_path, monkeypatch, installed) -> Path:
    """One distribution with four broken backends and one good one."""
    modules = {module: source for module, source, _, _ in BROKEN.values()}
    modules["good_plugin"] = textwrap.dedent(
        """
        from backends.builtin.linear import LinearResampler

        class Good(LinearResampler):
            name = "good"
            summary = "a working plugin next to broken ones"
        """
    )
    variants = {name: variant for name, (_, _, variant, _) in BROKEN.items()}
    install_distribution(
        tmp_path, "broken-plugins", modules, {**variants, "good": "good_plugin:Good"}
    )
    installed(tmp_path)
    for module in modules:
        monkeypatch.delitem(sys.modules, module, raising=False)
    return tmp_path


def test_broken_plugins_are_listed_unavailable_with_their_error(broken_plugins):
    infos = {i.name: i for i in backends.available_backends()}
    for name, (_, _, _, error) in BROKEN.items():
        info = infos[name]
        assert not info.available
        assert f"backend {name!r} is broken" in info.reason
        assert f"raised {error}: " in info.reason, info.reason
        assert "entry point of broken-plugins 1.0" in info.reason
    assert "plugin exploded at import" in infos["raises"].reason
    assert "'Missing'" in infos["no-class"].reason
    # every other backend keeps working, plugins and built-ins alike
    assert infos["good"].available and infos["linear"].available and infos["soxr"].available
    y = backends.create("linear", in_rate=22050, out_rate=48000).process(np.zeros(1001), last=True)
    assert len(y) == 2179
    assert backends.create("good", in_rate=8000, out_rate=16000).name == "good"


def test_compare_and_play_choose_backends_past_broken_plugins(broken_plugins):
    """``compare --backends linear`` and ``play`` pick their backends from the registry."""
    from harness.measuring.settings import select_variants
    from harness.playback.player import default_swap_order

    assert [t.spec for t in select_variants(["linear"])] == ["linear"]
    order = default_swap_order()
    assert "good" in order and "soxr:quality=HQ" in order and not set(BROKEN) & set(order)
    with pytest.raises(ValueError, match="--backends: backend 'raises' is broken"):
        select_variants(["raises"])


@pytest.mark.parametrize("name", list(BROKEN))
def test_creating_a_broken_plugin_raises_a_clear_error(broken_plugins, name):
    error = BROKEN[name][3]
    with pytest.raises(backends.BackendBroken, match=rf"backend '{name}' is broken.*{error}"):
        backends.backend_class(name)
    with pytest.raises(backends.BackendUnavailable) as info:  # what callers already catch
        backends.create(name, in_rate=8000, out_rate=16000)
    assert info.value.error.__class__.__name__ == error


def test_harness_list_shows_broken_plugins_and_exits_0(broken_plugins):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(broken_plugins), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-m", "harness", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    for name in [*BROKEN, "good", "linear"]:
        assert name in rows
    # (the reason wraps inside its cell; words stay whole)
    assert "RuntimeError:" in result.stdout and "exploded" in result.stdout


def test_test_collection_survives_a_broken_plugin(broken_plugins):
    """The conformance suite builds its parameters from available_backends()."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(broken_plugins), *sys.path])}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/test_conformance.py"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "[good]" in result.stdout


def test_missing_dependency_of_a_plugin_names_the_module_not_a_project_extra(
    tmp_path, monkeypatch, installed
):
    install_distribution(
        tmp_path,
        "needy-plugin",
        {"needy": "import definitely_not_installed_pkg.sub\n"},
        {"needy": "needy:Cls"},
    )
    installed(tmp_path)
    info = {i.name: i for i in backends.available_backends()}["needy"]
    assert not info.available
    assert "resampler-suite[" not in info.reason
    assert "pip install definitely_not_installed_pkg  (needed by needy-plugin" in info.reason
    console = Console(width=300, record=True)
    listing.run(variants=False, console=console)
    assert "pip install definitely_not_installed_pkg  (needed by needy-plugin" in (
        console.export_text()
    )


def test_a_malformed_entry_points_file_elsewhere_does_not_hide_the_others(
    tmp_path, monkeypatch, caplog, installed
):
    install_distribution(tmp_path, "good-plugin", {"good2": _GOOD2}, {"good2": "good2:Good2"})
    bad = tmp_path / "garbled-1.0.dist-info"
    bad.mkdir()
    (bad / "METADATA").write_text("Metadata-Version: 2.1\nName: garbled\nVersion: 1.0\n")
    (bad / "entry_points.txt").write_text(f"[{backends.ENTRY_POINT_GROUP}]\nnot an entry\n[x\n")
    installed(tmp_path)
    with caplog.at_level(logging.WARNING, logger="backends"):
        infos = {i.name: i for i in backends.available_backends()}
    assert infos["good2"].available and infos["soxr"].available
    assert "distribution garbled: cannot read its entry points" in caplog.text


_GOOD2 = "from backends.builtin.linear import LinearResampler as Good2\n"


def test_a_test_needing_a_missing_backend_skips_with_the_install_command(tmp_path):
    """The kit's pytest plugin turns BackendUnavailable into a skip naming the fix."""
    (tmp_path / "test_needs_it.py").write_text(
        textwrap.dedent(
            """
            import backends
            from backends.builtin.linear import LinearResampler

            class NeedsMissing(LinearResampler):
                name = "needs-missing"
                summary = "requires a module that is not installed"

            backends.register(
                "needs-missing", NeedsMissing, requires=("definitely_not_installed_pkg",)
            )

            def test_uses_it():
                backends.create("needs-missing", in_rate=8000, out_rate=16000)

            def test_fails_for_real():
                assert False, "a real failure stays a failure"
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "1 failed, 1 skipped" in done.stdout, done.stdout
    assert "pip install definitely_not_installed_pkg" in done.stdout


def test_an_installed_library_that_fails_to_import_is_reported_broken_not_missing(tmp_path):
    """soxr present but its shared library gone: say so, list the rest, exit 0."""
    fake = tmp_path / "soxr"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        'raise ImportError("libsoxr.so.0: cannot open shared object file")\n'
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    code = """
import backends
try:
    backends.create("soxr", in_rate=22050, out_rate=48000)
except backends.BackendBroken as exc:
    print(exc)
"""
    made = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert made.stdout.startswith(
        "backend 'soxr' is broken: loading soxr (installed package soxr"
    ), made.stdout + made.stderr
    assert "raised ImportError: libsoxr.so.0: cannot open shared object file" in made.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "harness", "list"],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        timeout=300,
    )
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    soxr_row = next(line for line in listed.stdout.splitlines() if line.split()[:1] == ["soxr"])
    assert "not available: backend 'soxr' is broken" in soxr_row
    assert any(line.split()[:1] == ["linear"] for line in listed.stdout.splitlines())
