"""Import optional packages with an actionable message when they are missing."""

from __future__ import annotations

import importlib
import importlib.util
from importlib import metadata
from types import ModuleType

from .errors import BackendBroken, BackendUnavailable

__all__ = ["install_hint", "is_importable", "is_installed", "package_version", "require"]


def install_hint(package: str, *, extra: str | None = None, needed_by: str | None = None) -> str:
    """The command that installs the missing module ``package``.

    Parameters
    ----------
    package : str
        The module that failed to import (a dotted name is cut to its top level).
    extra : str, optional
        This project's extra that installs it; only the built-in backends have
        one. Without it the hint is ``pip install <package>``.
    needed_by : str, optional
        The distribution that needs it (an entry-point backend's), named in the
        hint so the user can reinstall that instead.
    """
    top = package.partition(".")[0]
    if extra is not None:
        return f"pip install 'resampler-suite[{extra}]'  (or: pip install {top})"
    if needed_by is not None:
        return f"pip install {top}  (needed by {needed_by}; or reinstall {needed_by})"
    return f"pip install {top}"


def is_installed(module: str) -> bool:
    """Whether ``module`` is present, without importing it (cheap, for listings)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False


def is_importable(module: str) -> bool:
    """Whether ``module`` imports (it is imported, and stays cached by Python)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def package_version(distribution: str) -> str | None:
    """Installed version of ``distribution``, or None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def require(module: str, *, backend: str, extra: str | None = None) -> ModuleType:
    """Import ``module`` for ``backend`` or raise :class:`BackendUnavailable`.

    ``extra`` is this project's extra that installs it (see :func:`install_hint`).

    Raises
    ------
    BackendUnavailable
        ``module`` is not installed (the message says how to install it).
    BackendBroken
        ``module`` is installed but fails to import, e.g. its shared library
        is missing (the message gives the error, not an install command).
    """
    try:
        return importlib.import_module(module)
    except (ImportError, OSError) as exc:
        if isinstance(exc, ImportError) and not is_installed(module):
            raise BackendUnavailable(
                backend, package=module, install=install_hint(module, extra=extra)
            ) from exc
        top = module.partition(".")[0]
        version = package_version(top)
        raise BackendBroken(
            backend,
            target=module,
            origin=f"installed package {top}" + (f" {version}" if version else ""),
            error=exc,
        ) from exc
