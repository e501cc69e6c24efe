"""What a run measures: backend variants (``Target``) and run parameters (``Settings``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import backends

__all__ = ["FULL", "QUICK", "Settings", "Target", "parse_rate_pairs", "select_targets"]


@dataclass(frozen=True)
class Target:
    """One backend with one set of options."""

    name: str
    options: tuple[tuple[str, str], ...]
    baseline: bool

    @property
    def spec(self) -> str:
        items = ",".join(f"{k}={v}" for k, v in self.options)
        return f"{self.name}:{items}" if items else self.name

    @property
    def options_text(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.options)

    def make(self, **kwargs: Any) -> Any:
        """A fresh stream of this variant."""
        return backends.create(self.spec, **kwargs)


def select_targets(requested: Sequence[str] | None = None) -> list[Target]:
    """Targets for ``--backends``: names expand to every option value, specs stay as given.

    Raises
    ------
    ValueError
        A requested name is unknown or unavailable.
    """
    infos = {i.name: i for i in backends.available_backends()}
    if not requested:
        chosen = [(i, None) for i in infos.values() if i.available]
    else:
        chosen = []
        for item in requested:
            name, options = backends.parse_backend_spec(item, source="--backends")
            if name not in infos:
                raise ValueError(f"--backends: expected one of {', '.join(infos)}, got {name!r}")
            if not infos[name].available:
                raise ValueError(f"--backends: {infos[name].reason}")
            chosen.append((infos[name], options or None))
    targets = []
    for info, options in chosen:
        for variant in [options] if options is not None else info.variants():
            resolved = {k: variant.get(k, c.default) for k, c in info.options.items()}
            unknown = set(variant) - set(resolved)
            if unknown:
                raise ValueError(f"--backends: {info.name} has no option {sorted(unknown)[0]!r}")
            targets.append(Target(info.name, tuple(resolved.items()), info.baseline))
    return targets


def parse_rate_pairs(text: str) -> list[tuple[int, int]]:
    """``"22050:48000,44100:48000"`` -> ``[(22050, 48000), (44100, 48000)]``."""
    pairs = []
    for item in text.split(","):
        left, sep, right = item.strip().partition(":")
        if not sep or not left.strip().isdigit() or not right.strip().isdigit():
            raise ValueError(f"--rates: expected IN:OUT pairs like 22050:48000, got {item!r}")
        pairs.append(backends.validation.check_rates(int(left), int(right)))
    return pairs


@dataclass(frozen=True)
class Settings:
    """Scale of a run. ``QUICK`` is the default (about a minute); ``FULL`` the pre-release scale."""

    mode: str
    rate_pairs: tuple[tuple[int, int], ...]
    blocksizes: tuple[int, ...]
    seed: int
    drift_seconds: float
    one_frame_seconds: float
    timing_seconds: float
    quality_seconds: int
    throughput_seconds: float
    throughput_repeats: int

    def with_(self, **changes: Any) -> Settings:
        values = {**self.__dict__, **changes}
        return Settings(**values)


QUICK = Settings(
    mode="quick",
    rate_pairs=((22050, 48000), (44100, 48000)),
    blocksizes=(64, 128, 256, 512, 1024),
    seed=0,
    drift_seconds=30.0,
    one_frame_seconds=2.0,
    timing_seconds=3.0,
    quality_seconds=2,
    throughput_seconds=10.0,
    throughput_repeats=3,
)

FULL = QUICK.with_(
    mode="full",
    rate_pairs=(
        (22050, 48000),
        (44100, 48000),
        (48000, 44100),
        (16000, 48000),
        (22050, 44100),
        (48000, 22050),
        (8000, 48000),
        (96000, 48000),
    ),
    drift_seconds=180.0,
    one_frame_seconds=20.0,
    timing_seconds=30.0,
    quality_seconds=10,
    throughput_seconds=60.0,
    throughput_repeats=5,
)
