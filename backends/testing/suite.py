"""Running the contract checks over a backend: cases, ``check_backend``, pytest helpers.

A backend is given as a class, a registry name, a ``name:key=value`` spec or a
:class:`~backends.variant.Variant`. Its declared
:class:`~backends.capabilities.Capabilities` decide what applies: a one-shot
backend is checked in one call per signal (and must refuse blocks), the
chunking checks are bit-exact when it claims so, the allocation check runs
when it claims to be allocation-free. Cases where a reference baseline
declares it breaks an item (``cls.breaks(item, in_rate=, out_rate=)``) are
expected failures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..registry import available_backends
from ..selection import create
from ..variant import Variant
from . import checks as c

__all__ = [
    "CONTRACT_RATE_PAIRS",
    "Case",
    "Subject",
    "all_variants",
    "cases",
    "check_backend",
    "parametrize_with_checks",
]

#: Rate pairs of the rate-dependent checks: up and down, whole-number ratios 2,
#: 3, 4, 6 and 12 (a float step of 1/3 or 1/6 is not exact, where libsamplerate
#: once lost frames), the TTS path and 44.1 <-> 48 kHz.
CONTRACT_RATE_PAIRS: tuple[tuple[int, int], ...] = (
    (8000, 16000),
    (16000, 8000),
    (16000, 48000),
    (12000, 48000),
    (8000, 48000),
    (48000, 8000),
    (22050, 48000),
    (48000, 22050),
    (44100, 48000),
    (48000, 44100),
    (16000, 44100),
    (44100, 16000),
    (8000, 96000),
    (96000, 8000),
)
#: Pairs of the checks that need only a few.
_FEW_PAIRS = ((22050, 48000), (48000, 44100), (8000, 48000), (96000, 8000))
_INPUT_DTYPES = ("uint8", "int8", "int16", ">i2", "int32", ">i4", "float16", "float32", ">f4")


@dataclass(frozen=True)
class Subject:
    """The backend under test: how to make a stream, its label, what it declares.

    Attributes
    ----------
    label : str
        The variant's spec, or the class name.
    make : callable
        ``make(in_rate=, out_rate=, channels=, dtype=)`` -> a fresh stream.
    cls : type
        The backend class (for ``breaks``).
    """

    label: str
    make: Callable[..., Any]
    cls: type

    @classmethod
    def of(cls, backend: type | str | Variant, **options: str) -> Subject:
        """A subject from a class (with ``options``), a name, a spec or a variant."""
        if isinstance(backend, type):
            label = backend.__name__ + (f"({options})" if options else "")
            return cls(label, lambda **kw: backend(**kw, **options), backend)
        from ..registry import backend_class

        variant = Variant.parse(backend).with_options(**options).resolved()
        return cls(variant.spec, lambda **kw: create(variant, **kw), backend_class(variant.name))

    def breaks(self, item: str, in_rate: int, out_rate: int) -> bool:
        """Whether the backend declares it knowingly breaks ``item`` at these rates."""
        breaks = getattr(self.cls, "breaks", None)
        return bool(breaks and breaks(item, in_rate=in_rate, out_rate=out_rate))


@dataclass(frozen=True)
class Case:
    """One check of one subject with its parameters; call it to run it.

    Attributes
    ----------
    id : str
        ``item[parameters]``, e.g. ``length[22050-48000-2ch]``.
    item : str
        The contract item.
    subject : Subject
        What is checked.
    expected_failure : bool
        A reference baseline declares it breaks this item here.
    """

    id: str
    item: str
    subject: Subject
    run: Callable[[Callable[..., Any]], Any] = field(repr=False)
    expected_failure: bool = False

    def __call__(self) -> Any:
        """Run the check; anything the backend raises is a failure of this item."""
        try:
            return self.run(self.subject.make)
        except c.ConformanceError:
            raise
        except Exception as exc:
            raise c.ConformanceError(
                self.item, f"{self.id}: the backend raised {type(exc).__name__}: {exc}"
            ) from exc


def cases(
    backend: type | str | Variant | Subject,
    *,
    rate_pairs: Sequence[tuple[int, int]] = CONTRACT_RATE_PAIRS,
) -> Iterator[Case]:
    """Every check that applies to ``backend``, as :class:`Case` objects.

    Parameters
    ----------
    backend : class, name, spec, Variant or Subject
        The backend (its declared capabilities decide what applies).
    rate_pairs : sequence of (int, int)
        Pairs of the length, chunk-invariance and alignment checks.
    """
    subject = backend if isinstance(backend, Subject) else Subject.of(backend)
    caps = subject.make(in_rate=22050, out_rate=48000, channels=1).capabilities

    def case(item: str, name: str, run: Callable, rates: tuple[int, int] = (22050, 48000)) -> Case:
        expected = subject.breaks(item, *rates)
        return Case(f"{item}[{name}]" if name else item, item, subject, run, expected)

    for i, o in rate_pairs:
        for ch in (1, 2):
            name = f"{i}-{o}-{ch}ch"
            if caps.streaming:
                yield case(
                    "length", name, lambda m, i=i, o=o, ch=ch: c.check_length(m, i, o, ch), (i, o)
                )
                yield case(
                    "chunk_invariance",
                    name,
                    lambda m, i=i, o=o, ch=ch: c.check_chunk_invariance(
                        m, i, o, ch, exact=caps.bit_exact
                    ),
                    (i, o),
                )
            else:
                yield case(
                    "length",
                    name,
                    lambda m, i=i, o=o, ch=ch: c.check_length(
                        m, i, o, ch, schedules={"one-shot": [c.N_FRAMES]}
                    ),
                    (i, o),
                )
        yield case(
            "time_alignment",
            f"{i}-{o}",
            lambda m, i=i, o=o: c.check_time_alignment(m, i, o),
            (i, o),
        )
    if caps.streaming:
        yield case("latency", "22050-48000", lambda m: c.check_latency_reached(m, 22050, 48000))
        for i, o in ((8000, 8000 * 256), (8000 * 256, 8000)):
            yield case(
                "length",
                f"ratio-limit-{i}-{o}",
                lambda m, i=i, o=o: c.check_extreme_ratio(m, i, o),
                (i, o),
            )
    else:
        yield case("streaming", "", lambda m: c.check_one_shot_only(m, 22050, 48000))
    for i, o in ((22050, 48000), (48000, 16000)):
        yield case("layout", f"{i}-{o}", lambda m, i=i, o=o: c.check_layout(m, i, o), (i, o))
    for in_dtype in (*_INPUT_DTYPES, "float64"):
        for out_dtype in ("float32", "float64"):
            yield case(
                "dtypes",
                f"{in_dtype}-to-{out_dtype}",
                lambda m, d=in_dtype, od=out_dtype: c.check_dtype(m, 22050, 48000, d, od),
            )
    for dtype in c.UNSUPPORTED_DTYPES:
        yield case(
            "dtypes",
            f"refuses-{dtype}",
            lambda m, d=dtype: c.check_rejects_dtype(m, 22050, 48000, d),
        )
    for i, o in c.BAD_RATES:
        yield case("rates", f"{i!r}-{o!r}", lambda m, i=i, o=o: c.check_bad_rates(m, i, o))
    yield case("options", "", lambda m: c.check_bad_options(m, 22050, 48000))
    yield case("bad_input", "", lambda m: c.check_bad_input(m, 44100, 48000))
    yield case("flush_reset", "", lambda m: c.check_flush_and_reset(m, 22050, 48000))
    yield case("small_blocks", "", lambda m: c.check_small_blocks(m, 22050, 48000))
    yield case("thread_guard", "", lambda m: c.check_thread_guard(m, 22050, 48000))
    for i, o in _FEW_PAIRS:
        for ch in (1, 2):
            yield case(
                "process_into",
                f"{i}-{o}-{ch}ch",
                lambda m, i=i, o=o, ch=ch: c.check_process_into(m, i, o, ch),
                (i, o),
            )
        for dtype in ("float32", "float64"):
            for signal in c.BOUND_SIGNALS:
                yield case(
                    "finite_input",
                    f"{i}-{o}-{dtype}-{signal}",
                    lambda m, i=i, o=o, d=dtype, s=signal: c.check_finite_input(m, i, o, d, s),
                    (i, o),
                )
    if caps.allocation_free:
        for i, o in ((22050, 48000), (44100, 48000)):
            yield case(
                "allocation",
                f"{i}-{o}",
                lambda m, i=i, o=o: c.check_allocation_free(m, i, o),
                (i, o),
            )
    yield case("channels", "", lambda m: c.check_channel_limit(m, 22050, 48000))


def check_backend(
    backend: type | str | Variant | Subject,
    *,
    rate_pairs: Sequence[tuple[int, int]] = CONTRACT_RATE_PAIRS,
) -> list[Case]:
    """Run every check that applies to ``backend``; raise if any fails.

    Parameters
    ----------
    backend : class, name, spec or Variant
        The backend to check, e.g. ``check_backend(MyResampler)`` or
        ``check_backend("soxr:quality=VHQ")``.
    rate_pairs : sequence of (int, int)
        Pairs of the rate-dependent checks.

    Returns
    -------
    list of Case
        The cases run (expected failures of a reference baseline included).

    Raises
    ------
    backends.testing.ConformanceError
        Listing every failed case with its evidence.
    """
    run, failed = [], []
    for case in cases(backend, rate_pairs=rate_pairs):
        run.append(case)
        try:
            case()
        except c.ConformanceError as exc:
            if not case.expected_failure:
                failed.append(f"{case.id}: {exc}")
        else:
            if case.expected_failure:
                failed.append(f"{case.id}: passed, but the backend declares it breaks it")
    if failed:
        label = run[0].subject.label if run else str(backend)
        raise c.ConformanceError(
            "conformance",
            f"{label}: {len(failed)} of {len(run)} checks failed:\n" + "\n".join(failed),
        )
    return run


def all_variants(*, baselines: bool = True) -> list[Variant]:
    """Every available backend with each value of each of its options (all spelled out)."""
    return [
        variant
        for info in available_backends()
        if info.available and (baselines or not info.baseline)
        for variant in info.variants()
    ]


def parametrize_with_checks(
    backends: Sequence[type | str | Variant | Subject],
    *,
    rate_pairs: Sequence[tuple[int, int]] = CONTRACT_RATE_PAIRS,
) -> Any:
    """A ``pytest.mark.parametrize`` over every check of every backend in ``backends``.

    The test receives ``check`` and calls it; a reference baseline's declared
    breaks are strict expected failures::

        from backends.testing import parametrize_with_checks

        @parametrize_with_checks(["mybackend", "mybackend:quality=fast"])
        def test_conformance(check):
            check()
    """
    import pytest

    params = []
    for backend in backends:
        for case in cases(backend, rate_pairs=rate_pairs):
            marks = (
                pytest.mark.xfail(
                    strict=True, reason=f"{case.subject.label} knowingly breaks {case.item}"
                )
                if case.expected_failure
                else ()
            )
            params.append(pytest.param(case, id=f"{case.subject.label}-{case.id}", marks=marks))
    return pytest.mark.parametrize("check", params)
