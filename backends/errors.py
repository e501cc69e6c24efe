"""Exceptions raised by the backends package."""

from __future__ import annotations

__all__ = ["BackendBroken", "BackendUnavailable"]


def _with_context(message: str, context: str | None) -> str:
    return f"{context}: {message}" if context else message


class BackendUnavailable(ImportError):  # noqa: N818 (public name fixed by the API)
    """A backend cannot be loaded here: an optional package is not installed.

    Its subclass :class:`BackendBroken` covers a backend whose own code fails
    to load.

    Parameters
    ----------
    backend : str
        Registry name of the backend, e.g. ``"soxr"``.
    package : str
        The missing importable module.
    install : str
        A command that installs it, shown to the user verbatim.
    context : str, optional
        Where the backend's name came from, put before the message
        (``"RESAMPLER_BACKEND=samplerate"``).
    """

    package: str | None
    install: str | None

    def __init__(
        self, backend: str, *, package: str, install: str, context: str | None = None
    ) -> None:
        self.backend = backend
        self.package = package
        self.install = install
        super().__init__(
            _with_context(
                f"backend {backend!r} needs the package {package!r}, which is not installed; "
                f"install it with: {install}",
                context,
            ),
            name=package,
        )


class BackendBroken(BackendUnavailable):
    """A backend's own code fails to load: its module raises, or lacks the class.

    Parameters
    ----------
    backend : str
        Registry name of the backend.
    target : str
        What was loaded, ``"module:Class"``.
    origin : str
        Where it was declared, e.g. ``"entry point of mypkg 1.0"``.
    error : BaseException
        What loading it raised; named in the message by type and text.
    context : str, optional
        As for :class:`BackendUnavailable`.
    """

    def __init__(
        self,
        backend: str,
        *,
        target: str,
        origin: str,
        error: BaseException,
        context: str | None = None,
    ) -> None:
        self.backend = backend
        self.package = None
        self.install = None
        self.target = target
        self.error = error
        ImportError.__init__(
            self,
            _with_context(
                f"backend {backend!r} is broken: loading {target} ({origin}) raised "
                f"{type(error).__name__}: {error}",
                context,
            ),
        )
