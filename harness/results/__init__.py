"""Results: the tidy store of runs with provenance, the gates, the summaries.

``load_runs()`` gives every saved run as one DataFrame. Imports
:mod:`backends` only (never measuring, playback, views or the command line),
so anything can read results.
"""

from harness.results.store import (
    DamagedRunWarning,
    RunDamagedError,
    RunNotFoundError,
    load_run,
    load_runs,
    save_run,
)

__all__ = [
    "DamagedRunWarning",
    "RunDamagedError",
    "RunNotFoundError",
    "load_run",
    "load_runs",
    "save_run",
]
