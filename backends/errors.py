"""Exceptions raised by the backends package."""

from __future__ import annotations

__all__ = ["BackendUnavailable"]


class BackendUnavailable(ImportError):  # noqa: N818 (public name fixed by the API)
    """A backend's optional package is not installed.

    Parameters
    ----------
    backend : str
        Registry name of the backend, e.g. ``"soxr"``.
    package : str
        The missing importable module.
    install : str
        A command that installs it, shown to the user verbatim.
    """

    def __init__(self, backend: str, *, package: str, install: str) -> None:
        self.backend = backend
        self.package = package
        self.install = install
        super().__init__(
            f"backend {backend!r} needs the package {package!r}, which is not installed; "
            f"install it with: {install}",
            name=package,
        )
