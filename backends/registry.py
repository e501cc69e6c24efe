"""The backend registry: names, lazy imports, availability and install hints.

Built-in backends are listed here by import path and imported only when used.
Third-party packages add backends through the entry-point group
``resampler_suite.backends`` (``name = "package.module:Class"``); programs can
also call :func:`register`. A backend class implements the ``Resampler``
protocol and is constructed as ``cls(in_rate=..., out_rate=..., channels=...,
dtype=..., **options)``.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from .capabilities import Capabilities
from .errors import BackendBroken, BackendUnavailable
from .optional import install_hint, is_installed, package_version
from .validation import Choice
from .variant import Variant

__all__ = [
    "ENTRY_POINT_GROUP",
    "BackendInfo",
    "available_backends",
    "backend_class",
    "backend_names",
    "register",
    "rescan",
    "unregister",
]

ENTRY_POINT_GROUP = "resampler_suite.backends"

_log = logging.getLogger(__package__)


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
        Why it is unavailable, with the install command (a missing package) or
        the error its code raised (a broken backend); None when available.
    summary : str
        One line on what it is.
    options : Mapping[str, Choice]
        Declared options with their choices and defaults.
    baseline : bool
        A reference baseline that knowingly breaks the contract (``seed``).
    source : str
        ``"builtin"``, ``"registered"`` or ``"entry point <value>"``.
    capabilities_for : callable or None
        The class's ``capabilities_for(options)``; use :meth:`capabilities`.
    """

    name: str
    available: bool
    version: str | None
    reason: str | None
    summary: str
    options: Mapping[str, Choice] = field(default_factory=dict)
    baseline: bool = False
    source: str = "builtin"
    capabilities_for: Callable[[Mapping[str, str]], Capabilities] | None = field(
        default=None, repr=False, compare=False
    )

    def resolve(self, options: Mapping[str, str] | None = None) -> Variant:
        """The variant with ``options``, every declared option present (defaults filled in)."""
        given = options or {}
        return Variant.of(self.name, {k: given.get(k, c.default) for k, c in self.options.items()})

    def capabilities(self, options: Mapping[str, str] | Variant | None = None) -> Capabilities:
        """What the variant with ``options`` (defaults filled in) declares it can do.

        The default :class:`Capabilities` for a backend that declares none, or
        that is unavailable.
        """
        if isinstance(options, Variant):
            options = options.options_dict
        if self.capabilities_for is None:
            return Capabilities()
        return self.capabilities_for(self.resolve(options).options_dict)

    def variants(self) -> list[Variant]:
        """Variants that cover the backend: each value of each option in turn.

        Every option is spelled out (``soxr:quality=HQ``), the defaults first.
        """
        variants = [self.resolve()]
        for name, choice in self.options.items():
            variants += [self.resolve({name: v}) for v in choice.values if v != choice.default]
        return variants


@dataclass(frozen=True)
class _Entry:
    name: str
    target: str | type  # "module:Class" or the class itself
    requires: tuple[str, ...] = ()
    distribution: str | None = None
    source: str = "builtin"
    #: This project's extra that installs ``requires`` (built-ins only).
    extra: str | None = None

    def install_hint(self, module: str) -> str:
        """How to install ``module``: the project's extra for a built-in, else pip."""
        needed_by = None if self.source == "builtin" else self.distribution
        return install_hint(module, extra=self.extra, needed_by=needed_by)

    def origin(self) -> str:
        """Where it was declared, for messages: ``"entry point of mypkg 1.0"``."""
        if not self.source.startswith("entry point") or self.distribution is None:
            return self.source
        version = package_version(self.distribution)
        return f"entry point of {self.distribution}" + (f" {version}" if version else "")


def _builtin(name: str, target: str, package: str | None = None) -> _Entry:
    """A built-in backend; ``package`` is the optional one it needs (and its extra)."""
    if package is None:
        return _Entry(name, target, distribution="numpy")
    return _Entry(name, target, (package,), package, extra=package)


_BUILTINS = (
    _builtin("seed", "backends.builtin.seed:SeedResampler"),
    _builtin("linear", "backends.builtin.linear:LinearResampler"),
    _builtin("numba", "backends.builtin.numba:NumbaResampler", "numba"),
    _builtin("numba-sinc", "backends.builtin.numba_sinc:NumbaSincResampler", "numba"),
    _builtin("soxr", "backends.builtin.soxr:SoxrResampler", "soxr"),
    _builtin("samplerate", "backends.builtin.samplerate:SamplerateResampler", "samplerate"),
)

_registered: dict[str, _Entry] = {}
#: Classes loaded so far, by name: ``create()`` then costs no registry scan.
_classes: dict[str, type] = {}


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
    rescan()


def unregister(name: str) -> None:
    """Remove a backend added with :func:`register`."""
    if name not in _registered:
        raise ValueError(f"name: expected a registered backend, got {name!r}")
    del _registered[name]
    rescan()


@functools.cache
def _entry_points() -> tuple[_Entry, ...]:
    """The group's entry points, read once per process (:func:`rescan` reads them again)."""
    try:
        points = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    except Exception:  # a malformed entry_points.txt somewhere: read them one by one
        points = _entry_points_one_by_one()
    return tuple(
        _Entry(ep.name, ep.value, (), ep.dist.name if ep.dist else None, f"entry point {ep.value}")
        for ep in points
    )


def rescan() -> None:
    """Forget the entry points and classes found so far; the next lookup finds them again.

    Scanning every installed distribution costs milliseconds, so it happens
    once per process; :func:`register` and :func:`unregister` call this, and
    so should a program that installs a plugin while it runs.
    """
    _entry_points.cache_clear()
    _classes.clear()


def _entry_points_one_by_one() -> list[metadata.EntryPoint]:
    """The group's entry points, skipping distributions whose list cannot be read.

    ``metadata.entry_points()`` fails as a whole when any installed
    distribution has a malformed ``entry_points.txt``; one that names this
    group is reported with a warning.
    """
    found, seen = [], set()
    for dist in metadata.distributions():
        key = re.sub(r"[-_.]+", "-", dist.name or "").lower()
        if key in seen:  # the first on sys.path wins, as for imports
            continue
        seen.add(key)
        try:
            found += dist.entry_points.select(group=ENTRY_POINT_GROUP)
        except Exception as exc:
            if ENTRY_POINT_GROUP in (dist.read_text("entry_points.txt") or ""):
                _log.warning(
                    "distribution %s: cannot read its entry points (%s: %s); "
                    "its backends are left out",
                    dist.name,
                    type(exc).__name__,
                    exc,
                )
    return found


def _entries() -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    for entry in (*_BUILTINS, *_registered.values(), *_entry_points()):
        entries.setdefault(entry.name, entry)
    return entries


def backend_names() -> list[str]:
    """Names of every known backend, available or not."""
    return list(_entries())


def _load(entry: _Entry, *, context: str | None = None) -> type:
    for module in entry.requires:
        if not is_installed(module):
            raise BackendUnavailable(
                entry.name, package=module, install=entry.install_hint(module), context=context
            )
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
            entry.name, package=missing, install=entry.install_hint(missing), context=context
        ) from exc
    except Exception as exc:
        # Another distribution's code must not break the registry: anything it
        # raises makes that backend unavailable. A built-in failing is a bug here.
        if entry.source == "builtin":
            raise
        raise BackendBroken(
            entry.name, target=entry.target, origin=entry.origin(), error=exc, context=context
        ) from exc
    return obj


def backend_class(name: str, *, context: str | None = None) -> type:
    """Return the class of backend ``name``.

    Parameters
    ----------
    name : str
        Registry name.
    context : str, optional
        Where the name came from, put before error messages instead of
        ``"backend"`` (e.g. ``"RESAMPLER_BACKEND=soxx"``).

    Raises
    ------
    ValueError
        No backend has that name (the message lists the known names).
    BackendUnavailable
        The backend's package is not installed (the message says how to install it).
    BackendBroken
        The backend's code fails to load (the message gives the error).
    """
    cls = _classes.get(name)
    if cls is not None:
        return cls
    entries = _entries()
    if name not in entries:
        raise ValueError(
            f"{context or 'backend'}: expected one of {', '.join(entries)}, got {name!r}"
        )
    cls = _classes[name] = _load(entries[name], context=context)
    return cls


def available_backends() -> list[BackendInfo]:
    """Describe every known backend, installed or not, in registry order."""
    infos = []
    for entry in _entries().values():
        try:
            cls = _load(entry)
        except BackendUnavailable as exc:
            infos.append(BackendInfo(entry.name, False, None, str(exc), "", source=entry.source))
            continue
        # A plugin adapting a library reports the library's version, not its own.
        distribution = getattr(cls, "library_distribution", None) or entry.distribution
        version = package_version(distribution) if distribution else None
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
                capabilities_for=getattr(cls, "capabilities_for", None),
            )
        )
    return infos
