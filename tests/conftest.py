"""Pytest configuration: Hypothesis profiles (``HYPOTHESIS_PROFILE=ci|fuzz``), the audio server."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, settings

import backends

settings.register_profile(
    "ci",
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def audio_server() -> str:
    """The JACK dummy server's name; skips (saying why) when none is running.

    ``make test`` and ``.ci/run`` start one through ``.ci/with-audio-server``.
    """
    name = os.environ.get("JACK_DEFAULT_SERVER")
    if not name:
        pytest.skip("no JACK server: run the tests through .ci/with-audio-server (make test)")
    if shutil.which("jack_wait") is None:
        pytest.skip("jack_wait not found: install jackd2 (.ci/jack-dummy install)")
    alive = subprocess.run(["jack_wait", "-c", "-s", name], capture_output=True, text=True)
    if "not running" in alive.stdout or alive.returncode != 0:
        pytest.skip(f"JACK server {name!r} is not running")
    try:
        import sounddevice  # noqa: F401  (PortAudio must initialise after the server is up)
    except (ImportError, OSError) as exc:
        pytest.skip(f"sounddevice/PortAudio unavailable: {exc}")
    return name


@pytest.fixture
def installed(monkeypatch):
    """``installed(path)``: put a directory holding ``*.dist-info`` on ``sys.path``.

    The registry reads entry points once per process, so it is told to read
    them again now and after the test (when the directory is gone again).
    """

    def install(path) -> None:
        monkeypatch.syspath_prepend(str(path))
        backends.rescan()

    yield install
    backends.rescan()


@pytest.fixture(scope="module")
def fakes_registered(request):
    """Register the test module's ``FAKES`` (backend classes) for its tests, then remove them."""
    classes = request.module.FAKES
    for cls in classes:
        backends.register(cls.name, cls, replace=True)
    yield
    for cls in classes:
        backends.unregister(cls.name)
