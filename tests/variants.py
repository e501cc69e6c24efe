"""The backend variants the suites run: every available backend, each option value."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pytest

import backends


@dataclass(frozen=True)
class Variant:
    """One backend with one set of options, as the suite runs it."""

    info: backends.BackendInfo
    options: tuple[tuple[str, str], ...]

    @property
    def spec(self) -> str:
        return self.info.spec(dict(self.options))

    @property
    def cls(self) -> type:
        return backends.backend_class(self.info.name)

    def make(self, **kwargs: object) -> backends.Resampler:
        return backends.create(self.spec, **kwargs)

    def breaks(self, item: str, in_rate: int, out_rate: int) -> bool:
        breaks = getattr(self.cls, "breaks", None)
        return bool(breaks and breaks(item, in_rate=in_rate, out_rate=out_rate))


@functools.cache
def variants() -> tuple[Variant, ...]:
    """Every available backend with each value of each of its options."""
    found = []
    for info in backends.available_backends():
        if info.available:
            found += [Variant(info, tuple(v.items())) for v in info.variants()]
    return tuple(found)


def variant_params(*, baselines: bool = True) -> list:
    """``pytest.param`` per variant; ``baselines=False`` leaves out reference baselines."""
    return [pytest.param(v, id=v.spec) for v in variants() if baselines or not v.info.baseline]


def expect_violation(
    request: pytest.FixtureRequest, variant: Variant, item: str, in_rate: int, out_rate: int
) -> None:
    """Mark the running test as a strict expected failure where a baseline breaks ``item``."""
    if variant.breaks(item, in_rate, out_rate):
        request.applymarker(
            pytest.mark.xfail(strict=True, reason=f"{variant.spec} knowingly breaks {item}")
        )
