"""``Variant``: one backend with one set of options, the unit everything is run by.

A variant is written ``name`` or ``name:key=value,key=value`` — in
``$RESAMPLER_BACKEND``, on the command line, in results files and in
``thresholds.toml`` — and is a value everywhere else: parsed once, then passed
around structured, so options are never turned into text and parsed again to
build a stream.

>>> from backends import Variant
>>> v = Variant.parse("soxr:quality=VHQ")
>>> v.name, v.options_dict
('soxr', {'quality': 'VHQ'})
>>> str(v)
'soxr:quality=VHQ'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Variant"]


@dataclass(frozen=True, order=True)
class Variant:
    """A backend name and its options.

    Attributes
    ----------
    name : str
        Registry name of the backend.
    options : tuple of (str, str)
        Option names and values, in the order given (``resolved()`` orders
        them as the backend declares them and fills in the defaults).
    """

    name: str
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, name: str, options: Mapping[str, str] | None = None) -> Variant:
        """A variant from a name and an options mapping."""
        return cls(name, tuple((options or {}).items()))

    @classmethod
    def parse(cls, spec: str | Variant, *, source: str = "backend") -> Variant:
        """Read ``"name"`` or ``"name:key=value,..."`` (a variant is returned as is).

        Parameters
        ----------
        spec : str or Variant
            The text to parse.
        source : str
            Where it came from, for error messages (e.g. ``"RESAMPLER_BACKEND"``
            or ``"--backends"``).

        Raises
        ------
        ValueError
            The text does not have that form; the message quotes it.
        TypeError
            ``spec`` is neither text nor a variant.
        """
        if isinstance(spec, Variant):
            return spec
        if not isinstance(spec, str):
            raise TypeError(
                f"{source}: expected a backend spec such as 'soxr:quality=HQ' or a Variant, "
                f"got {type(spec).__name__}"
            )
        name, sep, rest = spec.strip().partition(":")
        name = name.strip()
        if not name:
            raise ValueError(f"{source}: expected 'name' or 'name:key=value,...', got {spec!r}")
        options: dict[str, str] = {}
        if sep:
            for item in rest.split(","):
                key, eq, value = (part.strip() for part in item.partition("="))
                if not eq or not key or not value:
                    raise ValueError(
                        f"{source}: expected key=value options after '{name}:', "
                        f"got {item.strip()!r} in {spec!r}"
                    )
                if key in options:
                    raise ValueError(f"{source}: option {key!r} given twice in {spec!r}")
                options[key] = value
        return cls.of(name, options)

    @property
    def options_dict(self) -> dict[str, str]:
        """The options as a dict."""
        return dict(self.options)

    @property
    def options_text(self) -> str:
        """``key=value,...`` (empty without options)."""
        return ",".join(f"{k}={v}" for k, v in self.options)

    @property
    def spec(self) -> str:
        """``name`` or ``name:key=value,...``; :meth:`parse` reads it back."""
        text = self.options_text
        return f"{self.name}:{text}" if text else self.name

    @property
    def short(self) -> str:
        """``name:value,...`` without the option names (``soxr:VHQ``), for narrow tables."""
        values = ",".join(v for _, v in self.options)
        return f"{self.name}:{values}" if values else self.name

    def __str__(self) -> str:
        return self.spec

    def with_options(self, **options: str) -> Variant:
        """This variant with ``options`` added or replaced."""
        return Variant.of(self.name, {**self.options_dict, **options})

    def resolved(self) -> Variant:
        """Every declared option present, in declaration order, defaults filled in.

        Raises
        ------
        ValueError, TypeError, BackendUnavailable
            Unknown backend, unknown option or value (as :func:`backends.create`).
        """
        from .registry import backend_class
        from .validation import resolve_options

        declared = getattr(backend_class(self.name), "OPTIONS", {})
        return Variant.of(self.name, resolve_options(self.name, declared, self.options_dict))

    def create(self, **kwargs: Any) -> Any:
        """A fresh stream of this variant: ``backends.create(self, **kwargs)``."""
        from .selection import create

        return create(self, **kwargs)
