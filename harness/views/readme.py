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

import numpy as np
import pandas as pd

import backends
from harness.results import ranking
from harness.results.store import RunDamagedError, read_run
from harness.views.listing import LIST_RATES, latency_of

__all__ = [
    "SECTIONS",
    "USE_CASES",
    "backends_table",
    "choosing_section",
    "main",
    "render",
    "sinc_presets_table",
    "stale",
]


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
        _row(("preset", "attenuation", "stopband from", "passband edge", f"latency at {rates}")),
        _row(("---", "---:", "---:", "---:", "---:")),
    ]
    for name, spec in PRESETS.items():
        variant = backends.Variant.of("numba-sinc", {"quality": name})
        lines.append(
            _row(
                (
                    f"`{name}`",
                    f"{spec.attenuation_db:g} dB",
                    f"{100 * spec.stopband:g} %",
                    f"{100 * spec.passband:g} %",
                    latency_of(variant),
                )
            )
        )
    return "\n".join(lines)


#: Use case -> its rate pairs (the reference run must hold them).
USE_CASES: dict[str, tuple[tuple[int, int], ...]] = {
    "Speech playback (TTS at 22.05 or 24 kHz to a 48 kHz device)": ((22050, 48000), (24000, 48000)),
    "Music between the two consumer rates (44.1 ↔ 48 kHz)": ((44100, 48000), (48000, 44100)),
    "Capture for speech recognition (48 → 16 kHz)": ((48000, 16000),),
    "High-rate sources (96 → 48 kHz)": ((96000, 48000),),
}


def _reference_run() -> tuple[pd.DataFrame, dict] | None:
    """The newest committed reference run (``results/*-reference``) that reads, or None."""
    root = Path(__file__).resolve().parents[2] / "results"
    for run_dir in sorted(root.glob("*-reference"), reverse=True):
        try:
            run = read_run(run_dir)
        except RunDamagedError:
            continue
        return run.measurements, run.meta
    return None


def _use_case_table(df: pd.DataFrame, pairs: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """Per variant at ``pairs``: speed (× soxr HQ, worst pair), quality, latency; the front."""
    at = df[df[["in_rate", "out_rate"]].apply(tuple, axis=1).isin(pairs)]
    table = ranking.ranking_table(at)
    latency = at[(at["check"] == "quality") & (at["metric"] == "latency_frames")]
    table["latency"] = latency.groupby("variant")["value"].max().reindex(table.index)
    axes = table[[ranking.SPEED, *ranking.QUALITY]].to_numpy(float)
    axes = np.column_stack([axes, -table["latency"].to_numpy(float)])
    candidate = table["candidate"].to_numpy()
    table["front"] = ranking.undominated(np.where(candidate[:, None], axes, np.nan))
    return table


def _what_breaks(df: pd.DataFrame) -> list[str]:
    """A line per reference baseline of the run: the gates it fails, worst case named."""
    lines = []
    base = df[df["baseline"].astype(bool) & (df["passed"] == False)]  # noqa: E712
    for variant, rows in base.groupby("variant", sort=False):
        worst = []
        for (_check, metric), g in rows.groupby(["check", "metric"], sort=False):
            row = g.loc[(g["value"] - g["threshold"]).abs().idxmax()]
            where = f" at {row['in_rate'] / 1000:g}→{row['out_rate'] / 1000:g} kHz"
            worst.append(f"{metric} {row['value']:.3g}{where if pd.notna(row['in_rate']) else ''}")
        lines.append(f"- `{variant}`: " + "; ".join(worst) + ".")
    return lines


def choosing_section() -> str:
    """Which variants are on the speed × quality × latency front, per use case.

    From the newest committed reference run, so the figures are measured ones
    with provenance, and ``make readme`` brings them up to date with it.
    """
    found = _reference_run()
    if found is None:
        return "_No committed reference run: run `python -m harness compare --label reference`._"
    df, meta = found
    commit = ((meta.get("git") or {}).get("commit") or "?")[:10]
    parts = [
        f"From the reference run `{meta['run_id']}` ({meta.get('cpu', '?')}, "
        f"{meta.get('cores', '?')} cores, commit {commit}). A variant is on the front when "
        "no other production variant with an anti-alias filter is at least as fast, as "
        "good in SNR, alias/image rejection and −3 dB bandwidth, and as low in latency "
        "(worst of the use case's rate pairs; speed is one-shot, CPU clock, as a ratio to "
        "soxr HQ in the same run).",
    ]
    for title, pairs in USE_CASES.items():
        table = _use_case_table(df, pairs)
        front = table[table["front"]].sort_values(ranking.SPEED, ascending=False)
        rates = ", ".join(f"{a / 1000:g}→{b / 1000:g} kHz" for a, b in pairs)
        parts.append(f"**{title}** ({rates}):")
        lines = [
            _row(("variant", "speed × soxr HQ", "SNR dB", "reject dB", "band %", "latency")),
            _row(("---", "---:", "---:", "---:", "---:", "---:")),
        ]
        for variant, r in front.iterrows():
            lines.append(
                _row(
                    (
                        f"`{variant}`",
                        f"{r[ranking.SPEED]:.2f}",
                        f"{r['SNR dB']:.0f}",
                        f"{r['reject dB']:.0f}",
                        f"{r['band %']:.1f}",
                        f"{r['latency']:.0f}",
                    )
                )
            )
        parts.append("\n".join(lines) if len(front) else "_(nothing measured at these rates)_")
    broken = _what_breaks(df)
    if broken:
        parts.append(
            "**What the libraries get wrong out of the box** (their raw behaviour, kept as "
            "reference baselines next to the fixed adapters; the gates they fail in that run, "
            "the worst case named):\n" + "\n".join(broken)
        )
    return "\n\n".join(parts)


#: Section name -> what fills it.
SECTIONS: dict[str, Callable[[], str]] = {
    "backends": backends_table,
    "sinc-presets": sinc_presets_table,
    "choosing": choosing_section,
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
