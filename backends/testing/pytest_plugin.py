"""A pytest plugin (auto-loaded through the ``pytest11`` entry point): a test that
needs a backend that is not installed is skipped, with the install command as the
reason, instead of failing.

``BackendUnavailable`` is what creating a missing backend raises (with
``pip install ...`` in its message). A broken plugin (``BackendBroken``) still
fails: that is a bug to see, not a missing package.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..errors import BackendBroken, BackendUnavailable


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    excinfo = call.excinfo
    if (
        excinfo is not None
        and report.failed
        and excinfo.errisinstance(BackendUnavailable)
        and not excinfo.errisinstance(BackendBroken)
    ):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {excinfo.value}")
