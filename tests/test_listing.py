"""``python -m harness list`` as rendered by rich: install hints keep their extra, limits show."""

from __future__ import annotations

import sys

import pytest
from rich.console import Console

from harness.views import listing


def rendered(*, variants: bool) -> str:
    console = Console(width=400, record=True)  # wide: no cell wraps inside a hint
    listing.run(variants=variants, console=console)
    return console.export_text()


@pytest.mark.parametrize("variants", [False, True])
def test_install_hints_keep_the_project_extra(monkeypatch, variants):
    """rich took ``[soxr]`` in ``pip install 'resampler-suite[soxr]'`` for markup and dropped it."""
    for module in ("soxr", "samplerate", "numba"):
        monkeypatch.setitem(sys.modules, module, None)  # what Python does for an absent package
    text = rendered(variants=variants)
    for extra in ("soxr", "samplerate", "numba"):
        assert f"pip install 'resampler-suite[{extra}]'  (or: pip install {extra})" in text
    assert "pip install 'resampler-suite'" not in text


def test_channel_limits_are_stated():
    summary = rendered(variants=False)
    assert "at most 128 channels with converter sinc_medium|sinc_best|sinc_fastest" in summary
    per_variant: dict[str, str] = {}  # row label -> all its lines (the label starts a row)
    label = ""
    for line in rendered(variants=True).splitlines():
        first = line.split()[0] if line.strip() else ""
        if ":" in first or first in ("linear", "numba"):
            label = first
        if label:
            per_variant[label] = per_variant.get(label, "") + line
    for spec in ("samplerate:converter=sinc_medium", "samplerate:converter=sinc_best"):
        assert "at most 128 channels" in per_variant[spec]
    for spec in ("samplerate:converter=linear", "soxr:quality=HQ", "linear"):
        assert "channels" not in per_variant[spec]


@pytest.mark.parametrize("variants", [False, True])
def test_the_listing_is_readable_at_80_columns(variants):
    console = Console(width=80, record=True)
    listing.run(variants=variants, console=console)
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "…" not in text
    for name in ("linear", "numba", "soxr", "samplerate", "numba-sinc"):
        assert name in text
    if not variants:  # option values wrap between values, never inside one
        assert "zero_order_hold" in text and "sinc_medium*" in text
