"""Choosing backends: create(), resample(), $RESAMPLER_BACKEND, the registry, entry points."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import backends
from backends.optional import package_version


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with extra environment variables."""
    import os

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


# -- the environment variable ------------------------------------------------------


def test_issue_example_selects_samplerate_by_env():
    result = run_python(
        "import backends; print(backends.create(in_rate=22050, out_rate=48000).name)",
        RESAMPLER_BACKEND="samplerate:converter=sinc_best",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "samplerate"


def test_bogus_name_fails_fast_with_known_names():
    result = run_python(
        "import backends; backends.create(in_rate=22050, out_rate=48000)",
        RESAMPLER_BACKEND="soxx",
    )
    assert result.returncode != 0
    # The built-ins first, then any installed plugin's backends.
    assert (
        "ValueError: RESAMPLER_BACKEND=soxx: expected one of seed, linear, numba, numba-sinc, "
        "soxr, samplerate" in result.stderr
    )
    assert result.stderr.rstrip().endswith("got 'soxx'")


@pytest.mark.parametrize(
    ("value", "name", "options"),
    [
        ("soxr:quality=VHQ", "soxr", {"quality": "VHQ"}),
        (" samplerate : converter = sinc_fastest ", "samplerate", {"converter": "sinc_fastest"}),
        ("seed:rounding=int", "seed", {"rounding": "int"}),
        ("linear", "linear", {}),
    ],
)
def test_env_selects_backend_and_options(monkeypatch, value, name, options):
    monkeypatch.setenv("RESAMPLER_BACKEND", value)
    stream = backends.create(in_rate=22050, out_rate=48000)
    assert stream.name == name
    for key, wanted in options.items():
        assert stream.options[key] == wanted


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_or_empty_env_gives_soxr(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("RESAMPLER_BACKEND", raising=False)
    else:
        monkeypatch.setenv("RESAMPLER_BACKEND", value)
    assert backends.create(in_rate=22050, out_rate=48000).name == "soxr"


def test_without_soxr_default_is_linear_and_soxr_says_how_to_install():
    result = run_python(
        """
        import sys
        sys.modules["soxr"] = None  # what Python does for a package that is absent
        import backends
        print(backends.create(in_rate=22050, out_rate=48000).name)
        info = {i.name: i for i in backends.available_backends()}["soxr"]
        print(info.available, info.reason)
        try:
            backends.create("soxr", in_rate=22050, out_rate=48000)
        except backends.BackendUnavailable as exc:
            print(type(exc).__mro__[1].__name__, exc.install)
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "linear"
    assert lines[1].startswith("False backend 'soxr' needs the package 'soxr'")
    assert "pip install 'resampler-suite[soxr]'" in lines[1]
    assert lines[2] == "ImportError pip install 'resampler-suite[soxr]'  (or: pip install soxr)"


def test_env_naming_missing_backend_fails_at_create_with_hint():
    result = run_python(
        """
        import sys
        sys.modules["samplerate"] = None
        import backends
        backends.create(in_rate=22050, out_rate=48000)
        """,
        RESAMPLER_BACKEND="samplerate",
    )
    assert result.returncode != 0
    assert (
        "BackendUnavailable: RESAMPLER_BACKEND=samplerate: backend 'samplerate' needs the "
        "package 'samplerate'" in result.stderr
    )
    assert "pip install 'resampler-suite[samplerate]'" in result.stderr


def test_create_arguments_win_over_env(monkeypatch):
    monkeypatch.setenv("RESAMPLER_BACKEND", "soxr:quality=VHQ")
    assert backends.create(in_rate=22050, out_rate=48000, quality="LQ").options == {"quality": "LQ"}
    # An explicit backend ignores the variable, options included.
    assert backends.create("linear", in_rate=22050, out_rate=48000).name == "linear"
    assert backends.create("soxr", in_rate=22050, out_rate=48000).options == {"quality": "HQ"}


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        # malformed text: the message names the variable and quotes the value
        ("soxr:quality", ValueError, "RESAMPLER_BACKEND: expected key=value options after"),
        ("soxr:quality=VHQ,quality=HQ", ValueError, "RESAMPLER_BACKEND: option 'quality' given"),
        (":quality=VHQ", ValueError, "RESAMPLER_BACKEND: expected 'name' or 'name:key=value"),
        ("soxr:,", ValueError, "RESAMPLER_BACKEND: expected key=value"),
        # well-formed but wrong: the message starts with the variable and its value
        ("SOXR", ValueError, "RESAMPLER_BACKEND=SOXR: expected one of seed, linear, numba"),
        (
            "soxr:foo=1",
            TypeError,
            "RESAMPLER_BACKEND=soxr:foo=1: backend 'soxr': unknown option(s) foo; "
            "valid options: quality",
        ),
        (
            "soxr:quality=XQ",
            ValueError,
            "RESAMPLER_BACKEND=soxr:quality=XQ: soxr option quality: "
            "expected one of QQ, LQ, MQ, HQ, VHQ, got 'XQ'",
        ),
        (
            "samplerate:converter=best",
            ValueError,
            "RESAMPLER_BACKEND=samplerate:converter=best: samplerate option converter: "
            "expected one of sinc_best, sinc_medium, sinc_fastest, linear, zero_order_hold",
        ),
        (
            "linear:quality=HQ",
            TypeError,
            "RESAMPLER_BACKEND=linear:quality=HQ: backend 'linear': unknown option(s) quality; "
            "valid options: none",
        ),
        ("seed:rounding=floor", ValueError, "RESAMPLER_BACKEND=seed:rounding=floor: seed option"),
    ],
)
def test_env_errors_name_the_variable(monkeypatch, value, error, words):
    monkeypatch.setenv("RESAMPLER_BACKEND", value)
    with pytest.raises(error) as info:
        backends.create(in_rate=22050, out_rate=48000)
    assert str(info.value).startswith(words)


def test_errors_in_the_call_are_not_blamed_on_the_variable(monkeypatch):
    """Rates, channels and options given to create() are the caller's, not the variable's."""
    monkeypatch.setenv("RESAMPLER_BACKEND", "soxr:quality=VHQ")
    with pytest.raises(ValueError, match=r"^in_rate: expected a positive integer"):
        backends.create(in_rate=0, out_rate=48000)
    with pytest.raises(ValueError, match=r"^soxr option quality: expected one of .* got 'XQ'"):
        backends.create(in_rate=22050, out_rate=48000, quality="XQ")
    # an explicit option overrides the variable's, even a bad one there
    monkeypatch.setenv("RESAMPLER_BACKEND", "soxr:quality=XQ")
    assert backends.create(in_rate=22050, out_rate=48000, quality="LQ").options == {"quality": "LQ"}


@pytest.mark.parametrize(
    ("value", "warned"), [("seed", True), ("seed:rounding=int", True), ("linear", False)]
)
def test_choosing_the_seed_baseline_from_the_variable_warns(monkeypatch, caplog, value, warned):
    monkeypatch.setenv("RESAMPLER_BACKEND", value)
    with caplog.at_level(logging.WARNING, logger="backends"):
        backends.create(in_rate=22050, out_rate=48000)
    records = [r for r in caplog.records if r.name == "backends"]
    assert len(records) == warned
    if warned:
        assert records[0].levelno == logging.WARNING
        assert f"RESAMPLER_BACKEND={value} selects 'seed', a reference baseline" in (
            records[0].getMessage()
        )


def test_naming_the_seed_baseline_in_code_does_not_warn(monkeypatch, caplog):
    monkeypatch.setenv("RESAMPLER_BACKEND", "seed")
    with caplog.at_level(logging.WARNING, logger="backends"):
        backends.create("seed", in_rate=22050, out_rate=48000)
        backends.create(backend="seed", in_rate=22050, out_rate=48000)
    assert not caplog.records


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: backends.create("soxr:quality=VHQ", in_rate=22050, out_rate=48000, **kw),
        lambda **kw: backends.create(
            backend="soxr:quality=VHQ", in_rate=22050, out_rate=48000, **kw
        ),
    ],
    ids=["positional", "keyword"],
)
def test_create_takes_the_backend_positionally_or_as_a_keyword(monkeypatch, make):
    """``create(backend="soxr")`` once built the default backend and failed on 'backend'."""
    monkeypatch.setenv("RESAMPLER_BACKEND", "linear")
    stream = make()
    assert stream.name == "soxr" and stream.options == {"quality": "VHQ"}
    assert make(quality="LQ").options == {"quality": "LQ"}
    x = np.zeros(1001, np.float32)
    np.testing.assert_array_equal(
        stream.process(x, last=True), backends.resample(x, 22050, 48000, backend="soxr:quality=VHQ")
    )


def test_variant_is_parsed_from_and_printed_as_the_spec():
    v = backends.Variant.parse("soxr:quality=VHQ")
    assert (v.name, v.options_dict, str(v)) == ("soxr", {"quality": "VHQ"}, "soxr:quality=VHQ")
    assert backends.Variant.parse("a:x=1, y=2").options == (("x", "1"), ("y", "2"))
    assert backends.Variant.parse(v) is v
    assert backends.Variant.parse("soxr").resolved() == backends.Variant.of(
        "soxr", {"quality": "HQ"}
    )
    for bad in ("", ":q=1", "soxr:quality", "soxr:q=1,q=2"):
        with pytest.raises(ValueError, match="--backends: "):
            backends.Variant.parse(bad, source="--backends")
    with pytest.raises(TypeError, match=r"expected a backend spec .* got int"):
        backends.Variant.parse(3)


def test_create_takes_a_variant_without_reparsing_its_options():
    variant = backends.Variant.of("soxr", {"quality": "VHQ"})
    stream = backends.create(variant, in_rate=22050, out_rate=48000)
    assert stream.options == {"quality": "VHQ"} and stream.spec == str(variant)
    assert variant.create(in_rate=22050, out_rate=48000).spec == "soxr:quality=VHQ"


# -- resample() and the registry ---------------------------------------------------------


def test_resample_is_a_flushed_stream():
    x = np.random.default_rng(0).standard_normal((5000, 2))
    y = backends.resample(x, 44100, 48000, backend="linear")
    assert y.shape == (backends.expected_length(5000, 44100, 48000), 2)
    assert y.dtype == np.float64  # float64 in, float64 out by default
    stream = backends.create("linear", in_rate=44100, out_rate=48000, channels=2, dtype="float64")
    np.testing.assert_array_equal(y, stream.process(x, last=True))
    assert backends.resample(x[:, 0].astype(np.int16), 44100, 48000).dtype == np.float32


def test_available_backends_describe_every_builtin():
    infos = {i.name: i for i in backends.available_backends()}
    assert list(infos)[:6] == ["seed", "linear", "numba", "numba-sinc", "soxr", "samplerate"]
    for name, dist in [
        ("linear", "numpy"),
        ("numba", "numba"),
        ("soxr", "soxr"),
        ("samplerate", "samplerate"),
    ]:
        info = infos[name]
        assert info.available and info.reason is None and info.summary
        assert info.version == package_version(dist)
    assert infos["seed"].baseline and not infos["soxr"].baseline
    assert infos["soxr"].options["quality"].default == "HQ"
    variants = infos["samplerate"].variants()
    assert variants[0] == backends.Variant.of("samplerate", {"converter": "sinc_medium"})
    assert str(variants[-1]) == "samplerate:converter=zero_order_hold" and len(variants) == 5
    assert infos["soxr"].resolve({"quality": "VHQ"}).spec == "soxr:quality=VHQ"


def test_importing_backends_does_not_import_numba_or_compile():
    result = run_python(
        """
        import sys, backends
        backends.available_backends()
        backends.create("linear", in_rate=8000, out_rate=16000)
        print("numba" in sys.modules, "backends.builtin.linear_kernels" in sys.modules)
        """
    )
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_register_and_unregister():
    class Doubler(backends.backend_class("linear")):
        name = "test-doubler"
        summary = "a registered test backend"

    backends.register("test-doubler", Doubler)
    try:
        assert "test-doubler" in backends.backend_names()
        assert backends.create("test-doubler", in_rate=8000, out_rate=16000).name == "test-doubler"
        with pytest.raises(ValueError, match="already registered"):
            backends.register("test-doubler", Doubler)
        backends.register("test-doubler", Doubler, replace=True)
    finally:
        backends.unregister("test-doubler")
    assert "test-doubler" not in backends.backend_names()
    with pytest.raises(ValueError, match="is a built-in backend"):
        backends.register("soxr", Doubler)
    with pytest.raises(ValueError, match="without ':'"):
        backends.register("a:b", Doubler)


def test_entry_point_backends_are_found_and_missing_packages_reported(
    tmp_path, monkeypatch, installed
):
    """A third-party distribution on sys.path registers through the entry-point group."""
    (tmp_path / "thirdparty_rs.py").write_text(
        textwrap.dedent(
            """
            from backends.builtin.linear import LinearResampler

            class ThirdParty(LinearResampler):
                name = "thirdparty"
                summary = "a backend from another distribution"

            class Adapter(LinearResampler):
                name = "adapter"
                summary = "an adapter of a library the distribution does not ship"
                library_distribution = "pytest"
            """
        )
    )
    (tmp_path / "needs_missing.py").write_text("import definitely_not_installed_pkg\n")
    dist = tmp_path / "thirdparty_rs-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-rs\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[resampler_suite.backends]\n"
        "thirdparty = thirdparty_rs:ThirdParty\n"
        "adapter = thirdparty_rs:Adapter\n"
        "broken = needs_missing:Nothing\n"
    )
    installed(tmp_path)
    infos = {i.name: i for i in backends.available_backends()}
    assert infos["thirdparty"].available
    assert infos["thirdparty"].source == "entry point thirdparty_rs:ThirdParty"
    assert infos["thirdparty"].version == "1.0"
    # An adapter reports the version of the library doing the work.
    assert infos["adapter"].version == pytest.__version__
    assert not infos["broken"].available
    assert "pip install" in infos["broken"].reason
    assert "definitely_not_installed_pkg" in infos["broken"].reason
    stream = backends.create("thirdparty", in_rate=22050, out_rate=48000)
    assert len(stream.process(np.zeros(1001), last=True)) == 2179


def test_backend_unavailable_is_an_import_error_with_hint():
    exc = backends.BackendUnavailable("x", package="xpkg", install="pip install xpkg")
    assert isinstance(exc, ImportError) and exc.name == "xpkg"
    assert str(exc) == (
        "backend 'x' needs the package 'xpkg', which is not installed; "
        "install it with: pip install xpkg"
    )


def test_entry_points_are_read_once_per_process_until_rescan(monkeypatch):
    """create() costs no scan of the installed distributions; rescan() reads them anew."""
    from importlib import metadata

    calls = []
    real = metadata.entry_points

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    backends.rescan()
    monkeypatch.setattr(metadata, "entry_points", counting)
    for _ in range(50):
        backends.create("linear", in_rate=22050, out_rate=48000)
        backends.backend_names()
    assert len(calls) == 1
    backends.rescan()
    backends.backend_names()
    assert len(calls) == 2


def test_asking_for_the_default_backend_imports_nothing():
    result = run_python(
        """
        import sys, backends
        name = backends.default_backend_name()
        print(name, "soxr" in sys.modules, "samplerate" in sys.modules)
        """
    )
    assert result.stdout.split() == ["soxr", "False", "False"], result.stderr
