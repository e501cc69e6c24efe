"""What a run measures: backend variants (``select_variants``) and run parameters (``Settings``)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import backends
from backends.validation import resolve_options

__all__ = [
    "COMMON_PAIRS",
    "COMMON_RATES",
    "FULL",
    "MAX_BLOCKSIZE",
    "QUICK",
    "QUICK_PAIRS",
    "Settings",
    "capabilities_of",
    "parse_blocksizes",
    "parse_rate_pairs",
    "select_variants",
]

#: The common sample rates, telephony to high resolution.
COMMON_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000)
#: Every ordered pair of them: up and down, whole-number and fractional ratios.
COMMON_PAIRS = tuple(itertools.permutations(COMMON_RATES, 2))

#: Largest device blocksize the timing check simulates (1.4 s at 48 kHz).
MAX_BLOCKSIZE = 65536
#: ASCII digits only: ``str.isdigit`` also accepts superscripts, which ``int`` rejects.
_NUMBER = re.compile(r"[0-9]+")


def select_variants(requested: Sequence[str] | None = None) -> list[backends.Variant]:
    """Variants for ``--backends``: names expand to every option value, specs stay as given.

    Each spec's options are checked against the backend's declared options
    (names and values) here, before anything is measured. A variant requested
    twice (``soxr,soxr:quality=HQ``) is measured once.

    Raises
    ------
    ValueError
        ``requested`` is empty, or names an unknown or unavailable backend, an
        option it does not have or a value outside the option's choices.
    """
    if requested is not None and not requested:
        raise ValueError("--backends: expected NAME or NAME:key=value,... specs, got none")
    infos = {i.name: i for i in backends.available_backends()}
    if requested is None:
        chosen = [(i, None) for i in infos.values() if i.available]
    else:
        chosen = []
        for item in requested:
            asked = backends.Variant.parse(item, source="--backends")
            name, options = asked.name, asked.options_dict
            if name not in infos:
                raise ValueError(f"--backends: expected one of {', '.join(infos)}, got {name!r}")
            if not infos[name].available:
                raise ValueError(f"--backends: {infos[name].reason}")
            chosen.append((infos[name], options or None))
    variants: dict[backends.Variant, None] = {}  # ordered, without repeats
    for info, options in chosen:
        if options is None:
            variants.update(dict.fromkeys(info.variants()))
            continue
        try:
            resolved = resolve_options(info.name, info.options, options)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"--backends: {exc}") from None
        variants[backends.Variant.of(info.name, resolved)] = None
    return list(variants)


def capabilities_of(variant: backends.Variant) -> backends.Capabilities:
    """What ``variant`` declares it can do (read off a stream, as any backend reports it)."""
    return variant.create(in_rate=22050, out_rate=48000).capabilities


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text.strip()) is not None


def parse_rate_pairs(text: str) -> list[tuple[int, int]]:
    """``"22050:48000,44100:48000"`` -> ``[(22050, 48000), (44100, 48000)]``, repeats dropped.

    Raises
    ------
    ValueError
        Not IN:OUT pairs of decimal integers, or rates the backends refuse.
    """
    pairs: dict[tuple[int, int], None] = {}
    for item in text.split(","):
        left, sep, right = item.strip().partition(":")
        if not (sep and _is_number(left) and _is_number(right)):
            raise ValueError(f"--rates: expected IN:OUT pairs like 22050:48000, got {item!r}")
        try:
            pairs[backends.validation.check_rates(int(left), int(right))] = None
        except ValueError as exc:
            raise ValueError(f"--rates: {exc}") from None
    return list(pairs)


def parse_blocksizes(text: str) -> tuple[int, ...]:
    """``"64,128"`` -> ``(64, 128)``, repeats dropped.

    Raises
    ------
    ValueError
        Not decimal integers from 1 to :data:`MAX_BLOCKSIZE`.
    """
    items = text.split(",")
    if not all(_is_number(item) and 1 <= int(item) <= MAX_BLOCKSIZE for item in items):
        raise ValueError(f"--blocksizes: expected integers from 1 to {MAX_BLOCKSIZE}, got {text!r}")
    return tuple(dict.fromkeys(int(item) for item in items))


@dataclass(frozen=True)
class Settings:
    """Scale of a run. ``QUICK`` is the default (about a minute); ``FULL`` the pre-release scale.

    ``rate_pairs`` is the matrix that quality and throughput cover;
    ``stream_pairs`` the representative pairs of the checks that stream for a
    long time (drift, nonfinite, timing). A drift session lasts
    ``drift_seconds`` or ``drift_max_calls`` calls, whichever ends first.
    ``gil_seconds`` is the real time the timing check's GIL comparison plays
    per variant (see :func:`harness.measuring.checks.timing.wakeups`).
    """

    mode: str
    rate_pairs: tuple[tuple[int, int], ...]
    stream_pairs: tuple[tuple[int, int], ...]
    blocksizes: tuple[int, ...]
    seed: int
    drift_seconds: float
    drift_max_calls: int
    timing_seconds: float
    gil_seconds: float
    quality_seconds: int
    throughput_seconds: float
    throughput_pass_seconds: float
    throughput_repeats: int

    def with_(self, **changes: Any) -> Settings:
        values = {**self.__dict__, **changes}
        return Settings(**values)


#: The default run's matrix: every common rate, whole-number ratios up and down
#: (2, 3, 6), fractional ones (3/2, 160/147, 320/147 and their inverses).
QUICK_PAIRS = (
    (22050, 48000),
    (44100, 48000),
    (48000, 16000),
    (8000, 48000),
    (16000, 48000),
    (24000, 48000),
    (32000, 48000),
    (96000, 48000),
    (48000, 44100),
    (48000, 8000),
    (44100, 22050),
)

QUICK = Settings(
    mode="quick",
    rate_pairs=QUICK_PAIRS,
    stream_pairs=QUICK_PAIRS[:3],
    blocksizes=(64, 128, 256, 512, 1024),
    seed=0,
    drift_seconds=5.0,
    drift_max_calls=5_000,
    timing_seconds=3.0,
    gil_seconds=0.4,
    quality_seconds=1,
    throughput_seconds=10.0,
    throughput_pass_seconds=0.02,
    throughput_repeats=3,
)

FULL = QUICK.with_(
    mode="full",
    rate_pairs=COMMON_PAIRS,
    stream_pairs=(
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
    drift_max_calls=500_000,
    timing_seconds=30.0,
    gil_seconds=10.0,
    quality_seconds=10,
    throughput_seconds=60.0,
    throughput_pass_seconds=0.5,
    throughput_repeats=5,
)
