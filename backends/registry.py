"""The backend registry: names, lazy imports, availability and install hints.

Built-in backends are listed here by import path and imported only when used.
Third-party packages add backends through the entry-point group
``resampler_suite.backends`` (``name = "package.module:Class"``); programs can
also call :func:`register`. A backend class implements the ``Resampler``
protocol and is constructed as ``cls(in_rate=..., out_rate=..., channels=...,
dtype=..., **options)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from .errors import BackendUnavailable
from .optional import install_hint, is_installed, package_version
from .validation import Choice

__all__ = [
    "ENTRY_POINT_GROUP",
    "BackendInfo",
    "available_backends",
    "backend_class",
    "backend_names",
    "register",
    "unregister",
]

ENTRY_POINT_GROUP = "resampler_suite.backends"


@dataclass(frozen=True)
class BackendInfo:
    """What ``available_backends()`` reports about one backend.

    Attributes
    ----------
    name : str
        Registry name.
    available : bool
        Whether it can be created here.
    version : str or None
        Version of the library doing the work (numpy for the NumPy backends).
    reason : str or None
        Why it is unavailable, with the install command; None when available.
    summary : str
        One line on what it is.
    options : Mapping[str, Choice]
        Declared options with their choices and defaults.
    baseline : bool
        A reference baseline that knowingly breaks the contract (``seed``).
    source : str
        ``"builtin"``, ``"registered"`` or ``"entry point <value>"``.
    """

    name: str
    available: bool
    version: str | None
    reason: str | None
    summary: str
    options: Mapping[str, Choice] = field(default_factory=dict)
    baseline: bool = False
    source: str = "builtin"

    def variants(self) -> list[dict[str, str]]:
        """Option sets that cover the backend: each value of each option in turn.

        ``[{}]`` for a backend without options; the default comes first.
        """
        variants: list[dict[str, str]] = [{}]
        for name, choice in self.options.items():
            variants += [{name: v} for v in choice.values if v != choice.default]
        return variants

    def spec(self, options: Mapping[str, str]) -> str:
        """``"name"`` or ``"name:key=value,..."`` for ``create()`` and the CLI."""
        items = ",".join(f"{k}={v}" for k, v in options.items())
        return f"{self.name}:{items}" if items else self.name


@dataclass(frozen=True)
class _Entry:
    name: str
    target: str | type  # "module:Class" or the class itself
    requires: tuple[str, ...] = ()
    distribution: str | None = None
    source: str = "builtin"


_BUILTINS = (
    _Entry("seed", "backends.seed:SeedResampler", distribution="numpy"),
    _Entry("linear", "backends.linear:LinearResampler", distribution="numpy"),
    _Entry("numba", "backends.numba_linear:NumbaLinearResampler", ("numba",), "numba"),
    _Entry("numba-sinc", "backends.numba_sinc:NumbaSincResampler", ("numba",), "numba"),
    _Entry("soxr", "backends.soxr_stream:SoxrResampler", ("soxr",), "soxr"),
    _Entry(
        "samplerate", "backends.libsamplerate:SamplerateResampler", ("samplerate",), "samplerate"
    ),
)

_registered: dict[str, _Entry] = {}


def register(
    name: str,
    cls: type,
    *,
    requires: tuple[str, ...] = (),
    distribution: str | None = None,
    replace: bool = False,
) -> None:
    """Register a backend class under ``name``.

    Parameters
    ----------
    name : str
        Registry name; must not clash with another backend unless ``replace``.
    cls : type
        A class implementing the ``Resampler`` protocol.
    requires : tuple of str, optional
        Modules that must be importable for the backend to be available.
    distribution : str, optional
        Distribution whose version is reported.
    replace : bool, default False
        Allow replacing a registered (not built-in) backend of the same name.
    """
    if not name or ":" in name or "," in name:
        raise ValueError(f"name: expected a non-empty name without ':' or ',', got {name!r}")
    if any(e.name == name for e in _BUILTINS):
        raise ValueError(f"name: {name!r} is a built-in backend")
    if name in _registered and not replace:
        raise ValueError(f"name: {name!r} is already registered (pass replace=True)")
    _registered[name] = _Entry(name, cls, requires, distribution, "registered")


def unregister(name: str) -> None:
    """Remove a backend added with :func:`register`."""
    if name not in _registered:
        raise ValueError(f"name: expected a registered backend, got {name!r}")
    del _registered[name]


def _entry_points() -> list[_Entry]:
    found = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else None
        found.append(_Entry(ep.name, ep.value, (), dist, f"entry point {ep.value}"))
    return found


def _entries() -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    for entry in (*_BUILTINS, *_registered.values(), *_entry_points()):
        entries.setdefault(entry.name, entry)
    return entries


def backend_names() -> list[str]:
    """Names of every known backend, available or not."""
    return list(_entries())


def _load(entry: _Entry) -> type:
    for module in entry.requires:
        if not is_installed(module):
            raise BackendUnavailable(entry.name, package=module, install=install_hint(module))
    if isinstance(entry.target, type):
        return entry.target
    module_name, _, attr = entry.target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except ImportError as exc:
        missing = exc.name or module_name
        raise BackendUnavailable(
            entry.name, package=missing, install=install_hint(missing)
        ) from exc
    return obj


def backend_class(name: str) -> type:
    """Return the class of backend ``name``.

    Raises
    ------
    ValueError
        No backend has that name (the message lists the known names).
    BackendUnavailable
        The backend's package is not installed (the message says how to install it).
    """
    entries = _entries()
    if name not in entries:
        raise ValueError(f"backend: expected one of {', '.join(entries)}, got {name!r}")
    return _load(entries[name])


def available_backends() -> list[BackendInfo]:
    """Describe every known backend, installed or not, in registry order."""
    infos = []
    for entry in _entries().values():
        try:
            cls = _load(entry)
        except BackendUnavailable as exc:
            infos.append(BackendInfo(entry.name, False, None, str(exc), "", source=entry.source))
            continue
        version = package_version(entry.distribution) if entry.distribution else None
        infos.append(
            BackendInfo(
                name=entry.name,
                available=True,
                version=version,
                reason=None,
                summary=getattr(cls, "summary", "") or (cls.__doc__ or "").strip().split("\n")[0],
                options=dict(getattr(cls, "OPTIONS", {})),
                baseline=bool(getattr(cls, "baseline", False)),
                source=entry.source,
            )
        )
    return infos
