"""README sections generated from the code, so the docs cannot drift from it.

A section sits between ``<!-- generated: NAME ... -->`` and
``<!-- end generated: NAME -->`` in ``README.md``. ``make readme`` rewrites
every one (``python -m harness.views.readme README.md``); ``--check`` exits 1
naming the stale ones, and a test runs that check, so a constant that changes
(a preset's attenuation, a default option, a latency) changes the README or
fails the suite.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import backends
from harness.views.listing import LIST_RATES, latency_of

__all__ = ["SECTIONS", "backends_table", "main", "render", "sinc_presets_table", "stale"]


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def backends_table() -> str:
    """Every available backend: what it is, its options, latency and capabilities."""
    in_rate, out_rate = LIST_RATES
    lines = [
        _row(
            (
                "name",
                "what",
                "options (default in bold)",
                f"latency at {in_rate / 1000:g}→{out_rate / 1000:g} kHz",
                "capabilities",
            )
        ),
        _row(("---", "---", "---", "---:", "---")),
    ]
    for info in backends.available_backends():
        if not info.available:
            continue
        options = "; ".join(
            f"`{name}` " + " / ".join(f"**{v}**" if v == c.default else v for v in c.values)
            for name, c in info.options.items()
        )
        variants = info.variants()
        limits = sorted({info.capabilities(v).max_channels for v in variants} - {None})
        caps = replace(info.capabilities(variants[0]), max_channels=None).describe()
        if limits:
            caps += f" · ≤{limits[0]} ch" + (
                " (some options)" if len(limits) < len(variants) else ""
            )
        lines.append(
            _row(
                (
                    f"`{info.name}`",
                    info.summary,
                    options or "–",
                    latency_of(info.resolve()),
                    caps,
                )
            )
        )
    return "\n".join(lines)


def sinc_presets_table() -> str:
    """numba-sinc's presets as :data:`backends.builtin.sinc_design.PRESETS` defines them."""
    from backends.builtin.sinc_design import PRESETS

    in_rate, out_rate = LIST_RATES
    rates = f"{in_rate / 1000:g}→{out_rate / 1000:g} kHz"
    lines = [
        _row(("preset", "stopband", "passband edge", f"latency at {rates}")),
        _row(("---", "---:", "---:", "---:")),
    ]
    for name, spec in PRESETS.items():
        variant = backends.Variant.of("numba-sinc", {"quality": name})
        lines.append(
            _row(
                (
                    f"`{name}`",
                    f"{spec.attenuation_db:g} dB",
                    f"{100 * spec.passband:g} % of Nyquist",
                    latency_of(variant),
                )
            )
        )
    return "\n".join(lines)


#: Section name -> what fills it.
SECTIONS: dict[str, Callable[[], str]] = {
    "backends": backends_table,
    "sinc-presets": sinc_presets_table,
}

_BLOCK = re.compile(
    r"(<!-- generated: (?P<name>[\w-]+)[^>]*-->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)",
    re.S,
)


def render(text: str, sections: dict[str, Callable[[], str]] = SECTIONS) -> str:
    """``text`` with every generated section's body made anew."""
    return _BLOCK.sub(
        lambda m: m.group(1) + sections[m.group("name")]().rstrip("\n") + "\n" + m.group(4), text
    )


def stale(text: str, sections: dict[str, Callable[[], str]] = SECTIONS) -> list[str]:
    """Names of the generated sections whose body differs from what the code gives."""
    fresh = {m.group("name"): m.group("body") for m in _BLOCK.finditer(render(text, sections))}
    return [
        m.group("name") for m in _BLOCK.finditer(text) if m.group("body") != fresh[m.group("name")]
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.views.readme", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("path", type=Path, help="the README to update")
    parser.add_argument("--check", action="store_true", help="only say which sections are stale")
    args = parser.parse_args(argv)
    text = args.path.read_text(encoding="utf-8")
    if args.check:
        old = stale(text)
        for name in old:
            print(f"{args.path}: section {name!r} is stale; run make readme", file=sys.stderr)
        return 1 if old else 0
    args.path.write_text(render(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
