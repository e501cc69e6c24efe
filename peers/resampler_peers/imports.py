"""Each backend module checks at load that its library is installed, and imports it on first use.

Listing the backends (``python -m harness list``, ``available_backends()``)
loads every backend class. Checking for the library without importing it
keeps that cheap (resampy would bring in Numba, scipy.signal a second or
so) while a missing library still makes the registry list the backend as
unavailable with the install command.
"""

from __future__ import annotations

from backends.optional import is_installed

__all__ = ["require_installed"]


def require_installed(module: str) -> None:
    """Raise ``ModuleNotFoundError`` naming ``module`` unless it can be imported."""
    if not is_installed(module):
        raise ModuleNotFoundError(f"No module named {module!r}", name=module)
