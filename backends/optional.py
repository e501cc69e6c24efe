"""Import optional packages with an actionable message when they are missing."""

from __future__ import annotations

import importlib
import importlib.util
from importlib import metadata
from types import ModuleType

from .errors import BackendUnavailable

__all__ = ["install_hint", "is_importable", "is_installed", "package_version", "require"]


def install_hint(package: str) -> str:
    """The command that installs ``package`` (an extra of this project of the same name)."""
    return f"pip install 'resampler-suite[{package}]'  (or: pip install {package})"


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


def require(module: str, *, backend: str) -> ModuleType:
    """Import ``module`` for ``backend`` or raise :class:`BackendUnavailable`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailable(backend, package=module, install=install_hint(module)) from exc
